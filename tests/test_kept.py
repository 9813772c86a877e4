"""Pages kept for signed-in readers (allin/kept.py): a repeat view is served from the worker's
memory, and never once anything has changed, for anyone but the reader it was rendered for,
or after its time has passed."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select, text, update

from allin.extensions import db
from allin.kept import edition
from allin.models import Cohort, LoginSession, Municipality
from tests.conftest import without_form_tokens
from tests.factories import PASSWORD, make_ambassador, make_cohort, make_enrolment
from tests.training_factories import make_session


@pytest.fixture
def cohort_id(app, world) -> int:
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), name="Vår 2027")
        make_enrolment(cohort, make_ambassador(cohort.municipality, name="Kari Nordmann"))
        db.session.commit()
        return cohort.id


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')


@pytest.fixture
def a_second_between_tokens(monkeypatch):
    """Every form token signed as if a second after the one before. Two renders of a page
    then carry different tokens, as they do whenever a second passes between them."""
    seconds = itertools.count(int(time.time()))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: next(seconds))


def _keep(client, url: str) -> bytes:
    """View twice: the first view of a cohort writes (its calendar feed), the second is kept."""
    client.get(url)
    return client.get(url).data


def _write(app, statement, **params):
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def test_a_repeat_view_sends_only_the_sign_in_query_with_the_edition_read_along(
    client, world, login, cohort_id, count_queries, a_second_between_tokens
):
    login(world.a["youth_worker"])
    first = _keep(client, f"/cohorts/{cohort_id}")
    with count_queries() as queries:
        again = client.get(f"/cohorts/{cohort_id}")
    page = again.data.decode()
    assert again.status_code == 200
    # The same page but for its form token, which is put in fresh (and differs a second on).
    assert without_form_tokens(page) == without_form_tokens(first.decode())
    assert TOKEN.findall(page) and TOKEN.findall(page) != TOKEN.findall(first.decode())
    assert "Kari Nordmann" in page
    (statement,) = [s for s in queries.statements if s != "BEGIN"]
    assert "FROM data_edition" in statement and "FROM login_session" in statement


def test_every_committed_change_is_seen_at_once(app, client, world, login, cohort_id):
    login(world.a["youth_worker"])
    url = f"/cohorts/{cohort_id}"
    _keep(client, url)
    with app.app_context():  # an object flushed
        db.session.get(Cohort, cohort_id).name = "Høst 2027"
        db.session.commit()
    assert "Høst 2027" in client.get(url).data.decode()
    _write(app, "UPDATE cohort SET name = :n WHERE id = :id", n="Vinter", id=cohort_id)
    assert "Vinter" in client.get(url).data.decode()  # a statement of its own
    with app.app_context(), db.engine.begin() as connection:  # Core, beside the session
        connection.execute(update(Cohort).where(Cohort.id == cohort_id).values(name="Sommer"))
    assert "Sommer" in client.get(url).data.decode()
    _write(app, "DELETE FROM enrolment")  # a row the page lists, gone
    assert "Kari Nordmann" not in client.get(url).data.decode()


def test_another_worker_sees_the_change_too(app, client, world, login, cohort_id, make_app):
    login(world.a["youth_worker"])
    url = f"/cohorts/{cohort_id}"
    _keep(client, url)
    other = make_app()
    with other.app_context():
        db.session.get(Cohort, cohort_id).name = "Endret av en annen"
        db.session.commit()
    assert "Endret av en annen" in client.get(url).data.decode()


def test_a_change_that_rolls_back_or_only_touches_a_sign_in_keeps_the_edition(
    app, client, world, login, cohort_id
):
    login(world.a["youth_worker"])
    with app.app_context():
        before = edition()
        db.session.execute(update(Cohort).values(name="Angret"))
        db.session.rollback()
        db.session.execute(update(LoginSession).values(last_seen_at=LoginSession.last_seen_at))
        db.session.commit()
        db.session.execute(update(Cohort).values(name="Lagret"))
        db.session.commit()
        assert edition() == before + 1
        assert db.session.scalar(select(Cohort.name)) == "Lagret"


def test_each_reader_gets_their_own_page(app, client, world, login, cohort_id):
    url = f"/cohorts/{cohort_id}"
    login(world.a["youth_worker"])
    worker_page = _keep(client, url)
    client.post("/logout")
    login(world.a["coordinator"])
    assert client.get(url).data != worker_page  # a page of their own (their name, their tools)
    client.post("/logout")
    login(world.b["coordinator"])  # the same address in another municipality
    assert client.get(url).status_code == 404


def test_what_the_time_decides_is_at_most_a_minute_late(
    app, client, world, login, cohort_id, frozen
):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        make_session(cohort, days=0, hours=1 / 120, title="Idémyldring")  # over in 30 s
        db.session.commit()
    login(world.a["youth_worker"])
    url = f"/cohorts/{cohort_id}/sessions"

    def upcoming() -> bool:
        html = client.get(url).data.decode()
        return "Idémyldring" in html.split('id="upcoming-heading"')[1].split("<section")[0]

    assert upcoming() and upcoming()
    frozen.advance(seconds=61)  # it is over: the list is at most KEPT_PAGE_SECONDS late
    assert not upcoming()


def test_pending_messages_and_writing_views_are_not_kept(app, client, world, login, cohort_id):
    login(world.a["coordinator"])
    url = f"/cohorts/{cohort_id}"
    _keep(client, url)
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Lagret.")]
    assert "Lagret." in client.get(url).data.decode()
    assert "Lagret." not in client.get(url).data.decode()


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_kept_page_carries_the_readers_own_fresh_form_token(
    app, world, cohort_id, config_overrides
):
    def token(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def signed_in_client():
        browser = app.test_client()
        page = browser.get("/login").data.decode()
        login = world.a["coordinator"].login
        data = {"login": login, "password": PASSWORD, "csrf_token": ""}
        data["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        assert browser.post("/login", data=data).status_code == 302
        return browser

    phone, desktop = signed_in_client(), signed_in_client()
    url = f"/cohorts/{cohort_id}"
    phone.get(url)
    kept = phone.get(url).data.decode()  # from what the worker kept
    other = desktop.get(url).data.decode()  # the same reader, another session
    assert token(kept) != token(other)
    for browser, html in ((phone, kept), (desktop, other)):
        move = browser.post(
            f"/cohorts/{cohort_id}/status", data={"csrf_token": token(html), "status": "active"}
        )
        assert move.status_code == 302, move.data[:300]  # a refused token answers 400
    with app.app_context():
        assert db.session.get(Cohort, cohort_id).status == "active"
