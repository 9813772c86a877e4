"""Signed-in pages are rendered for every request (issue 26 took the per-reader page cache
away): a committed change, however it was written, shows on the next view, for each reader
their own page, and what the time decides is never late."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text, update

from allin.extensions import db
from allin.models import Cohort, Municipality
from tests.factories import make_ambassador, make_cohort, make_enrolment
from tests.training_factories import make_session


@pytest.fixture
def cohort_id(app, world) -> int:
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), name="Vår 2027")
        make_enrolment(cohort, make_ambassador(cohort.municipality, name="Kari Nordmann"))
        db.session.commit()
        return cohort.id


def _write(app, statement, **params):
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def test_every_committed_change_is_seen_at_once(app, client, world, login, cohort_id):
    login(world.a["youth_worker"])
    url = f"/cohorts/{cohort_id}/people"
    assert "Kari Nordmann" in client.get(url).data.decode()
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
    client.get(url)
    other = make_app()
    with other.app_context():
        db.session.get(Cohort, cohort_id).name = "Endret av en annen"
        db.session.commit()
    assert "Endret av en annen" in client.get(url).data.decode()


def _without_tokens(html: bytes) -> bytes:
    """A page without its form tokens, which differ on every view anyway."""
    return re.sub(rb'name="csrf_token"[^>]*value="[^"]*"', b"", html)


def test_each_reader_gets_their_own_page(app, client, world, login, cohort_id):
    url = f"/cohorts/{cohort_id}"
    login(world.a["youth_worker"])
    worker_page = _without_tokens(client.get(url).data)
    assert worker_page == _without_tokens(client.get(url).data)  # the comparison can fail
    client.post("/logout")
    login(world.a["coordinator"])
    coordinator_page = _without_tokens(client.get(url).data)
    assert coordinator_page != worker_page  # a page of their own (their name, their tools)
    assert b"/edit" in coordinator_page and b"/edit" not in worker_page
    client.post("/logout")
    login(world.b["coordinator"])  # the same address in another municipality
    assert client.get(url).status_code == 404


def test_what_the_time_decides_is_never_late(app, client, world, login, cohort_id, frozen):
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
    frozen.advance(seconds=31)  # it is over: the next view says so
    assert not upcoming()


def test_a_message_is_shown_once(app, client, world, login, cohort_id):
    login(world.a["coordinator"])
    url = f"/cohorts/{cohort_id}"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Lagret.")]
    assert "Lagret." in client.get(url).data.decode()
    assert "Lagret." not in client.get(url).data.decode()
