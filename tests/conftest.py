"""Fixtures in the flaskr shape: app, client, runner. Real migrations, real SQLite or PostgreSQL.

Each pytest worker builds its database once with the Alembic migrations, and each test starts
from it empty, or with `world` in it when the test asks for `world` (tests/harness.py). The
app is kept between tests with the same settings; a test that needs a new one asks `make_app`.
Set TEST_DATABASE_URL to run the whole suite on PostgreSQL: each worker then has a database
of its own beside that one, named after it.
"""

from __future__ import annotations

import os
import re
import smtplib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from allin import clock, create_app, schema
from allin.enums import Role
from allin.extensions import db
from tests import harness as harness_
from tests import smtp_stub
from tests.factories import PASSWORD, make_municipality, make_user

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

# Hypothesis: 40 examples per property in CI, 15 on a developer's machine (HYPOTHESIS_PROFILE
# chooses either anywhere).
settings.register_profile("ci", max_examples=40)
settings.register_profile("dev", max_examples=15)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)


def is_postgres() -> bool:
    return bool(TEST_DATABASE_URL)


class ClosingClient(FlaskClient):
    """Closes every response before returning it, as a WSGI server does once the body is sent,
    so work scheduled with call_on_close (e-mail after the response) has run."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def testing_app(config: dict):
    app = create_app(config)
    app.test_client_class = ClosingClient
    return app


def make_config(url: str, instance_path, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance_path),
        "BASE_URL": "http://localhost",
        "AUTO_MIGRATE": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Still scrypt, with a small work factor: hashing dominates test time otherwise.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # Staff sign in with a password alone unless a test turns two-factor on.
        "REQUIRE_STAFF_2FA": False,
        **overrides,
    }


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module (or parametrise) to change the test app's settings."""
    return {}


@pytest.fixture(scope="session")
def harness(tmp_path_factory):
    """This worker's database, migrated once, with its two states kept; the kept app."""
    if TEST_DATABASE_URL:
        database = harness_.PostgresDatabase(TEST_DATABASE_URL)
    else:
        database = harness_.SQLiteDatabase(tmp_path_factory.mktemp("db"))
    apps = harness_.Apps(
        lambda overrides: testing_app(
            make_config(database.url, tmp_path_factory.mktemp("instance"), **overrides)
        )
    )
    app = apps.get({})
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        with db.engine.begin() as connection:
            harness_.empty_every_table(connection)
    apps.end(app)
    database.keep("empty")
    with app.app_context():
        world = build_world()
    apps.end(app)
    database.keep("world")
    yield SimpleNamespace(database=database, apps=apps, world=world)
    apps.drop()
    database.close()


@pytest.fixture
def database_url(request, harness) -> str:
    """The worker's database, put back to empty, or to `world` when the test asks for it."""
    harness.database.put_back("world" if "world" in request.fixturenames else "empty")
    return harness.database.url


@pytest.fixture
def app(harness, database_url, tmp_path, config_overrides):
    """The kept app when the settings are the same, begun anew (tests/harness.py)."""
    app = harness.apps.get(config_overrides)
    harness.apps.begin(app, tmp_path / "instance")
    yield app
    harness.apps.end(app)


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build extra apps with changed settings; their connections are closed afterwards."""
    apps = []

    def _make(url: str | None = None, **overrides):
        instance = tmp_path / f"instance-{len(apps)}"
        new_app = testing_app(make_config(url or database_url, instance, **overrides))
        apps.append(new_app)
        return new_app

    yield _make
    for made in apps:
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for service and model tests that do not use the client."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    municipality_id: int | None


@dataclass(frozen=True)
class World:
    """Two municipalities, A and B, with one person per role each, and a network admin."""

    admin: Person
    a: dict[str, Person]
    b: dict[str, Person]
    municipality_a: int
    municipality_b: int


def build_world() -> World:
    admin = make_user(Role.NETWORK_ADMIN)
    sides = []
    for name in ("Larvik", "Kristiansand"):
        municipality = make_municipality(name)
        people = {
            Role.COORDINATOR: make_user(Role.COORDINATOR, municipality),
            Role.YOUTH_WORKER: make_user(Role.YOUTH_WORKER, municipality),
            Role.AMBASSADOR: make_user(
                Role.AMBASSADOR, municipality, username=f"amb{municipality.id}"
            ),
        }
        sides.append(
            (
                municipality.id,
                {str(role): Person(u.id, u.login, u.municipality_id) for role, u in people.items()},
            )
        )
    db.session.commit()
    return World(
        Person(admin.id, admin.login, None), sides[0][1], sides[1][1], sides[0][0], sides[1][0]
    )


@pytest.fixture
def world(app, harness) -> World:
    """Already in the database: the test started from the state that has it."""
    return harness.world


@pytest.fixture
def login(client):
    """Sign the test client in; returns the response of the sign-in POST."""

    def _login(who, password: str = PASSWORD, follow: bool = False):
        login_name = who.login if isinstance(who, Person) else who
        response = client.post(
            "/login", data={"login": login_name, "password": password}, follow_redirects=follow
        )
        return response

    return _login


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory):
    server = smtp_stub.Server(tmp_path_factory.mktemp("smtp"))
    yield server
    server.stop()


@pytest.fixture
def outbox(smtp_server, monkeypatch) -> smtp_stub.Received:
    """Messages a real SMTP server (tests/smtp_stub.py) accepted from the app, parsed.

    Every SMTP connection the app opens reaches that server whatever MAIL_SERVER names, as
    if DNS pointed it there, and its STARTTLS certificate is the one the app trusts."""
    real = smtplib.SMTP

    class ToStub(real):
        def __init__(self, host="", port=0, *args, **kwargs):
            super().__init__(smtp_stub.HOST, smtp_server.port, *args, **kwargs)

    monkeypatch.setattr("smtplib.SMTP", ToStub)
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_server.cert_file))
    smtp_server.received.clear()
    return smtp_server.received


@pytest.fixture
def frozen(monkeypatch):
    """A clock that moves only when told: frozen.advance(minutes=31)."""

    class Frozen:
        current = clock.utcnow()

        def advance(self, **delta):
            self.current += timedelta(**delta)

    frozen = Frozen()
    monkeypatch.setattr(clock, "utcnow", lambda: frozen.current)
    return frozen


@dataclass
class Queries:
    """The SQL statements sent while counting."""

    statements: list[str] = field(default_factory=list)
    lazy_loads: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


def without_form_tokens(html: str) -> str:
    """A page with its CSRF tokens taken out. A token carries a timestamp, so two renders a
    second apart differ, and its random letters can spell "PM" by chance."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


@pytest.fixture
def count_queries():
    """`with count_queries() as queries: client.get(url)`, then `queries.count`."""

    @contextmanager
    def _count():
        queries = Queries()

        def listener(conn, cursor, statement, parameters, context, executemany):
            queries.statements.append(statement)

        def orm_listener(state):
            if state.is_relationship_load:
                queries.lazy_loads.append(str(state.statement))

        event.listen(Engine, "before_cursor_execute", listener)
        event.listen(Session, "do_orm_execute", orm_listener)
        try:
            yield queries
        finally:
            event.remove(Engine, "before_cursor_execute", listener)
            event.remove(Session, "do_orm_execute", orm_listener)

    return _count


@pytest.fixture
def assert_constant_queries(client, count_queries):
    """Call with a URL and a function that adds rows: the page must send as many queries with
    few rows as with many (each page is fetched once first, so caches are warm), and nothing
    may be lazy-loaded while it renders: the route loads what the template needs."""

    def _assert(url: str, grow) -> int:
        client.get(url)
        with count_queries() as few:
            assert client.get(url).status_code == 200
        grow()
        client.get(url)
        with count_queries() as many:
            assert client.get(url).status_code == 200
        assert few.count == many.count, (few.statements, many.statements)
        assert few.lazy_loads == many.lazy_loads == [], "load these in the route's selector"
        return few.count

    return _assert


# A concept team in municipality A (tests/concept_fixtures.py), for the concept tests.
from tests.concept_fixtures import team  # noqa: E402,F401
