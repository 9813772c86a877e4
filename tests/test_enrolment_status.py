"""Moving an enrolment: invited -> active -> graduated, one step at a time, back only by a
coordinator; a stale page changes nothing; every move is audited without personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from allin.cohorts import services
from allin.enums import EnrolmentStatus
from allin.errors import DomainError
from allin.extensions import db
from allin.models import AuditEvent, Cohort, Enrolment, Municipality, User
from tests.factories import make_ambassador, make_cohort, make_enrolment

INVITED, ACTIVE, GRADUATED = (
    EnrolmentStatus.INVITED,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.GRADUATED,
)


@pytest.fixture
def member(app, world):
    """An invited ambassador in an active cohort of municipality A: (cohort id, enrolment id)."""
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, name="Vår 2027", status="active")
        ambassador = make_ambassador(municipality, name="Sigrid Brekke")
        enrolment = make_enrolment(cohort, ambassador, status=INVITED)
        db.session.commit()
        return cohort.id, enrolment.id


def status_of(app, enrolment_id) -> EnrolmentStatus:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).status


def move(client, enrolment_id, to, seen, **extra):
    return client.post(
        f"/cohorts/enrolments/{enrolment_id}/status",
        data={"status": str(to), "seen": str(seen), **extra},
    )


def test_youth_worker_moves_invited_to_active_to_graduated(app, client, world, login, member):
    cohort_id, enrolment_id = member
    login(world.a["youth_worker"])
    page = client.get(f"/cohorts/{cohort_id}/people").data.decode()
    assert f'action="/cohorts/enrolments/{enrolment_id}/status"' in page
    assert 'name="seen" value="invited"' in page and 'value="active"' in page

    response = move(client, enrolment_id, ACTIVE, INVITED)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{cohort_id}/people"
    assert status_of(app, enrolment_id) == ACTIVE
    assert move(client, enrolment_id, GRADUATED, ACTIVE, confirmed="yes").status_code == 302
    assert status_of(app, enrolment_id) == GRADUATED
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "enrolment.status_changed")
        ).all()
    assert [(e.detail["from"], e.detail["to"]) for e in events] == [
        ("invited", "active"),
        ("active", "graduated"),
    ]
    assert all(e.object_id == enrolment_id and e.detail["cohort_id"] == cohort_id for e in events)
    assert "Sigrid" not in repr([e.detail for e in events])


def test_no_step_is_skipped_and_youth_workers_do_not_move_back(app, client, world, login, member):
    _cohort_id, enrolment_id = member
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = move(client, enrolment_id, GRADUATED, INVITED)  # two steps at once
    assert response.status_code == 302
    assert status_of(app, enrolment_id) == INVITED
    page = client.get(response.headers["Location"]).data.decode()
    assert "You cannot move this enrolment to that status." in page
    move(client, enrolment_id, ACTIVE, INVITED)
    move(client, enrolment_id, INVITED, ACTIVE)  # back: coordinators only
    assert status_of(app, enrolment_id) == ACTIVE
    with app.app_context():
        moves = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "enrolment.status_changed")
        ).all()
    assert len(moves) == 1


def test_a_coordinator_moves_one_step_back(app, client, world, login, member):
    cohort_id, enrolment_id = member
    with app.app_context():
        db.session.execute(update(Enrolment).values(status=GRADUATED))
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get(f"/cohorts/{cohort_id}/people").data.decode()
    assert "Tilbake til «Aktiv»" in page and "Tilbake til «Invitert»" not in page
    assert move(client, enrolment_id, INVITED, GRADUATED).status_code == 302  # two back: no
    assert status_of(app, enrolment_id) == GRADUATED
    assert move(client, enrolment_id, ACTIVE, GRADUATED).status_code == 302
    assert status_of(app, enrolment_id) == ACTIVE


def test_a_stale_page_changes_nothing(app, client, world, login, member):
    """Two people on the same page: the first click moves, the second (still showing
    "invited") is refused instead of moving the person on again."""
    _cohort_id, enrolment_id = member
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    move(client, enrolment_id, ACTIVE, INVITED)
    response = move(client, enrolment_id, ACTIVE, INVITED)
    assert "changed this enrolment meanwhile" in client.get(response.headers["Location"]).text
    assert status_of(app, enrolment_id) == ACTIVE


def test_the_update_is_conditional_on_the_status_seen(app, world, member):
    """The check and the write race: a row moved between them is not moved again."""
    _cohort_id, enrolment_id = member
    with app.app_context():
        actor = db.session.get(User, world.a["youth_worker"].id)
        stale = db.session.get(Enrolment, enrolment_id)
        assert stale.status == INVITED
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment_id)
            .values(status=ACTIVE)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(DomainError, match="mellomtiden"):
            services.move_enrolment(stale, actor=actor, to=ACTIVE, seen=INVITED)
        db.session.rollback()
        assert (
            db.session.scalar(
                select(AuditEvent.id).where(AuditEvent.action == "enrolment.status_changed")
            )
            is None
        )


def test_nobody_graduates_from_a_cohort_that_has_not_started(app, client, world, login, member):
    cohort_id, enrolment_id = member
    with app.app_context():
        db.session.get(Cohort, cohort_id).status = "planned"
        db.session.get(Enrolment, enrolment_id).status = ACTIVE
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = move(client, enrolment_id, GRADUATED, ACTIVE, confirmed="yes")
    assert "has not started" in client.get(response.headers["Location"]).text
    assert status_of(app, enrolment_id) == ACTIVE


def test_a_withdrawn_enrolment_does_not_move(app, client, world, login, member):
    _cohort_id, enrolment_id = member
    login(world.a["youth_worker"])
    client.post(f"/cohorts/enrolments/{enrolment_id}/withdraw", data={"reason": "moved"})
    assert status_of(app, enrolment_id) == EnrolmentStatus.WITHDRAWN
    assert move(client, enrolment_id, ACTIVE, INVITED).status_code == 403
    assert status_of(app, enrolment_id) == EnrolmentStatus.WITHDRAWN


@pytest.mark.parametrize("data", [{}, {"status": "withdrawn", "seen": "active"}, {"seen": "x"}])
def test_bad_forms_change_nothing(app, client, world, login, member, data):
    _cohort_id, enrolment_id = member
    login(world.a["youth_worker"])
    response = client.post(f"/cohorts/enrolments/{enrolment_id}/status", data=data)
    assert response.status_code == 302
    assert status_of(app, enrolment_id) == INVITED


def test_the_ambassador_page_moves_and_comes_back(app, client, world, login, member):
    _cohort_id, enrolment_id = member
    with app.app_context():
        ambassador_id = db.session.get(Enrolment, enrolment_id).ambassador_id
    login(world.a["youth_worker"])
    page = client.get(f"/ambassadors/{ambassador_id}").data.decode()
    assert f'action="/cohorts/enrolments/{enrolment_id}/status"' in page
    response = move(client, enrolment_id, ACTIVE, INVITED, next=f"/ambassadors/{ambassador_id}")
    assert response.headers["Location"] == f"/ambassadors/{ambassador_id}"
    assert status_of(app, enrolment_id) == ACTIVE
    # Somewhere else is not a place to go back to.
    response = move(
        client, enrolment_id, GRADUATED, ACTIVE, next="//evil.example/", confirmed="yes"
    )
    assert response.headers["Location"].startswith("/cohorts/")


@pytest.mark.parametrize("who", ["ambassador", "network"])
def test_people_who_do_not_enrol_cannot_move_anyone(app, client, world, login, member, who):
    _cohort_id, enrolment_id = member
    login(world.admin if who == "network" else world.a[who])
    assert move(client, enrolment_id, ACTIVE, INVITED).status_code == 403
    assert status_of(app, enrolment_id) == INVITED


# ---- issue 19, point 12: graduation asks first; a youth worker undoes it within a day ----------


def graduate(client, enrolment_id):
    return move(client, enrolment_id, GRADUATED, ACTIVE, confirmed="yes")


def test_graduation_asks_first_and_changes_nothing_until_confirmed(
    app, client, world, login, member
):
    cohort_id, enrolment_id = member
    with app.app_context():
        db.session.get(Enrolment, enrolment_id).status = ACTIVE
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = move(client, enrolment_id, GRADUATED, ACTIVE, next=f"/cohorts/{cohort_id}")
    assert response.status_code == 200
    page = response.text
    assert "Mark Sigrid Brekke as graduated?" in page
    assert 'name="confirmed" value="yes"' in page
    for name, value in [("status", "graduated"), ("seen", "active"), ("next", "/cohorts/")]:
        assert f'name="{name}" value="{value}' in page
    assert status_of(app, enrolment_id) == ACTIVE

    response = graduate(client, enrolment_id)
    assert response.status_code == 302
    assert status_of(app, enrolment_id) == GRADUATED


def graduated_by_a_youth_worker(app, client, world, login, member, frozen, **since):
    """The member, active, graduated by the youth worker, who signs in again `since` later
    (staff sessions idle out after 30 minutes)."""
    cohort_id, enrolment_id = member
    with app.app_context():
        db.session.get(Enrolment, enrolment_id).status = ACTIVE
        db.session.commit()
    login(world.a["youth_worker"])
    graduate(client, enrolment_id)
    frozen.advance(**since)
    login(world.a["youth_worker"])
    return cohort_id, enrolment_id


def test_a_youth_worker_steps_a_graduation_back_within_a_day(
    app, client, world, login, member, frozen
):
    cohort_id, enrolment_id = graduated_by_a_youth_worker(
        app, client, world, login, member, frozen, hours=23
    )
    page = client.get(f"/cohorts/{cohort_id}/people").text
    assert "Tilbake til «Aktiv»" in page
    with app.app_context():  # the ambassador's own page offers it too
        ambassador_id = db.session.get(Enrolment, enrolment_id).ambassador_id
    assert "Tilbake til «Aktiv»" in client.get(f"/ambassadors/{ambassador_id}").text

    assert move(client, enrolment_id, ACTIVE, GRADUATED).status_code == 302
    assert status_of(app, enrolment_id) == ACTIVE


def test_after_a_day_only_a_coordinator_steps_a_graduation_back(
    app, client, world, login, member, frozen
):
    cohort_id, enrolment_id = graduated_by_a_youth_worker(
        app, client, world, login, member, frozen, hours=24, minutes=1
    )
    assert "Tilbake til «Aktiv»" not in client.get(f"/cohorts/{cohort_id}/people").text
    move(client, enrolment_id, ACTIVE, GRADUATED)
    assert status_of(app, enrolment_id) == GRADUATED

    client.post("/logout")
    login(world.a["coordinator"])
    move(client, enrolment_id, ACTIVE, GRADUATED)
    assert status_of(app, enrolment_id) == ACTIVE


def test_a_graduation_set_without_a_record_of_when_is_not_undone_by_a_youth_worker(
    app, client, world, login, member
):
    """No audit event says when it happened (a graduation from before this rule): not within
    a day as far as anyone can tell, so only a coordinator moves it back."""
    _cohort_id, enrolment_id = member
    with app.app_context():
        db.session.get(Enrolment, enrolment_id).status = GRADUATED
        db.session.commit()
    login(world.a["youth_worker"])
    move(client, enrolment_id, ACTIVE, GRADUATED)
    assert status_of(app, enrolment_id) == GRADUATED
