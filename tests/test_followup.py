"""Follow-up of launched concepts (issue 24, part 2): a launch asks for a municipal owner and
makes check-ins at 3, 6 and 12 months; a due one tells its owner once (`flask notify`), shows
on the coordinator's home when 14 days late, is completed once by its owner or a coordinator,
and "still running after 12 months" counts in the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from allin.enums import CheckInStatus, ConceptStage, NotificationKind
from allin.extensions import db
from allin.followup.services import months_after
from allin.models import Concept, ConceptCheckIn, Municipality, Notification, TimelineEntry
from allin.training.times import today
from tests.factories import count, make_cohort, make_concept


@pytest.fixture
def config_overrides() -> dict:
    """The pages in English, whatever the account's or the browser's language: the tests
    read the English texts (the bokmål catalogue is checked by tests/test_i18n.py)."""
    return {"LANGUAGES": ("en",), "BABEL_DEFAULT_LOCALE": "en"}


@pytest.fixture
def pitched(app, world):
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), status="active")
        concept = make_concept(cohort, stage="pitched", title="Fredagsgym")
        db.session.commit()
        return concept.id


def launch(client, concept_id: int, owner=""):
    return client.post(
        f"/concepts/{concept_id}/stage",
        data={"to": "launched", "expected": "pitched", "owner": str(owner)},
    )


def launched(app, client, world, login, pitched) -> list[int]:
    login(world.a["coordinator"])
    assert launch(client, pitched, world.a["youth_worker"].id).status_code == 302
    with app.app_context():
        return list(db.session.scalars(select(ConceptCheckIn.id).order_by(ConceptCheckIn.months)))


def test_months_after_keeps_the_day_or_takes_the_months_last():
    from datetime import date

    assert months_after(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert months_after(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert months_after(date(2027, 3, 1), 12) == date(2028, 3, 1)


def test_a_launch_asks_for_an_owner_and_makes_three_check_ins(app, client, world, login, pitched):
    login(world.a["coordinator"])
    page = client.get(f"/concepts/{pitched}/stage?to=launched")
    assert "Municipal owner" in page.text
    refused = launch(client, pitched)
    assert refused.status_code == 200 or refused.status_code == 400
    assert "Choose who in the municipality owns" in refused.text
    foreign = launch(client, pitched, world.b["youth_worker"].id)
    assert "Choose who in the municipality owns" in foreign.text
    ambassador = launch(client, pitched, world.a["ambassador"].id)
    assert "Choose who in the municipality owns" in ambassador.text
    with app.app_context():
        assert db.session.get(Concept, pitched).stage == ConceptStage.PITCHED
        assert count(ConceptCheckIn) == 0
    assert launch(client, pitched, world.a["youth_worker"].id).status_code == 302
    with app.app_context():
        check_ins = db.session.scalars(select(ConceptCheckIn).order_by(ConceptCheckIn.months))
        assert [(c.months, c.due_on, c.owner_id) for c in check_ins] == [
            (m, months_after(today(), m), world.a["youth_worker"].id) for m in (3, 6, 12)
        ]
        assert db.session.get(Concept, pitched).stage == ConceptStage.LAUNCHED
    assert "Follow-up after launch" in client.get(f"/concepts/{pitched}").text


def test_only_the_owner_or_a_coordinator_completes_a_check_in_once(
    app, client, world, login, pitched
):
    three, _six, twelve = launched(app, client, world, login, pitched)
    client.post("/logout")
    with app.app_context():
        from allin.enums import Role
        from tests.factories import make_user

        other = make_user(Role.YOUTH_WORKER, db.session.get(Municipality, world.municipality_a))
        db.session.commit()
        other_login = other.login
    login(other_login)
    data = {"status": "running", "reach": "120", "note": "Fullt hver fredag"}
    assert client.post(f"/followup/check-ins/{three}", data=data).status_code == 403
    client.post("/logout")
    login(world.a["youth_worker"])
    bad = client.post(f"/followup/check-ins/{three}", data={"status": "gone", "reach": "-1"})
    assert bad.status_code == 400
    assert client.post(f"/followup/check-ins/{three}", data=data).status_code == 302
    again = client.post(f"/followup/check-ins/{three}", data=data | {"status": "stopped"})
    assert again.status_code == 302
    with app.app_context():
        done = db.session.get(ConceptCheckIn, three)
        assert (done.status, done.reach, done.note) == (CheckInStatus.RUNNING, 120, data["note"])
    page = client.get(f"/concepts/{pitched}")
    assert "Fullt hver fredag" in page.text
    with app.app_context():  # a line on the timeline too, by who did it, once
        lines = db.session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.concept_id == pitched, TimelineEntry.text.contains("3 måneder")
            )
        ).all()
        assert [line.text for line in lines] == [
            "Oppfølging etter 3 måneder: I drift. Rekkevidde: 120.\nFullt hver fredag"
        ]
        assert lines[0].author_id == world.a["youth_worker"].id
    client.post("/logout")
    login(world.a["coordinator"])
    assert client.post(f"/followup/check-ins/{twelve}", data=data).status_code == 302
    client.post("/logout")
    login(world.b["coordinator"])
    assert client.get(f"/followup/check-ins/{three}").status_code == 404


def test_a_due_check_in_tells_its_owner_once(app, runner, client, world, login, pitched, frozen):
    launched(app, client, world, login, pitched)
    first = runner.invoke(args=["notify"])
    assert "new notices of due check-ins: 0" in first.output
    frozen.advance(days=93)
    due = runner.invoke(args=["notify"])
    assert "new notices of due check-ins: 1" in due.output, due.output
    again = runner.invoke(args=["notify"])
    assert "new notices of due check-ins: 0" in again.output
    with app.app_context():
        notice = db.session.scalar(
            select(Notification).where(Notification.kind == NotificationKind.CHECKIN_DUE)
        )
        assert notice.recipient_id == world.a["youth_worker"].id
        assert notice.concept_id == pitched
    client.post("/logout")
    login(world.a["youth_worker"])
    assert "Time to check in on “Fredagsgym”" in client.get("/notifications/").text


def test_an_overdue_check_in_shows_on_the_coordinators_home(
    app, client, world, login, pitched, frozen
):
    launched(app, client, world, login, pitched)
    frozen.advance(days=100)
    login(world.a["coordinator"])  # the session from before has timed out
    assert "Overdue check-ins" not in client.get("/").text
    frozen.advance(days=10)
    login(world.a["coordinator"])
    home = client.get("/")
    assert "Overdue check-ins" in home.text and "Fredagsgym" in home.text


def test_still_running_after_twelve_months_counts_in_the_report(
    app, client, world, login, pitched, frozen
):
    _three, _six, twelve = launched(app, client, world, login, pitched)
    frozen.advance(days=370)
    login(world.a["coordinator"])
    data = {"status": "running", "reach": "900", "note": ""}
    assert client.post(f"/followup/check-ins/{twelve}", data=data).status_code == 302
    page = client.get("/reports/?period=this_year")
    assert "12-month check-in, recorded in the period: 1." in page.text


def test_check_in_page_queries_do_not_lazy_load(app, world, login, client, pitched, count_queries):
    three, *_rest = launched(app, client, world, login, pitched)
    client.get(f"/followup/check-ins/{three}")
    with count_queries() as queries:
        assert client.get(f"/followup/check-ins/{three}").status_code == 200
    assert queries.lazy_loads == []


def test_due_days_move_with_the_launch(app, client, world, login, pitched, frozen):
    frozen.advance(days=1)
    launched(app, client, world, login, pitched)
    with app.app_context():
        first = db.session.scalar(select(ConceptCheckIn).where(ConceptCheckIn.months == 3))
        assert first.due_on == months_after(today(), 3)
        assert first.due_on > today() + timedelta(days=80)
