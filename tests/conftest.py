"""Fixtures in the flaskr shape: app, client, runner. Real migrations, real SQLite or PostgreSQL.

The schema is built once per run by the Alembic migrations; each test gets a fresh app on that
database and the tables are emptied afterwards. Set TEST_DATABASE_URL to run the whole suite
on PostgreSQL (the database is wiped first).
"""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from allin import create_app, schema
from allin.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def is_postgres() -> bool:
    return bool(TEST_DATABASE_URL)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """An empty database for this run, migrated to head once."""
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    app = create_app(make_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        db.engine.dispose()
    return url


def make_config(url: str, instance_path, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance_path),
        "AUTO_MIGRATE": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **overrides,
    }


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module (or parametrise) to change the test app's settings."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, config_overrides):
    app = create_app(make_config(database_url, tmp_path / "instance", **config_overrides))
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build extra apps with changed settings; their connections are closed afterwards."""
    apps = []

    def _make(url: str | None = None, **overrides):
        instance = tmp_path / f"instance-{len(apps)}"
        new_app = create_app(make_config(url or database_url, instance, **overrides))
        apps.append(new_app)
        return new_app

    yield _make
    for made in apps:
        with made.app_context():
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
