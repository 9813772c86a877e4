"""Erasure, legal hold and retention (issue 21, SECURITY 27-28): a person's data goes in one
transaction, what the programme did stays, the report does not move, files go after the
commit, a hold refuses it, and the retention command does it on time."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, Text, cast, func, select

from allin import erasure, retention, sweep
from allin.clock import now
from allin.concepts import files as concept_files
from allin.extensions import db
from allin.models import (
    Ambassador,
    Attachment,
    Attendance,
    AuditEvent,
    Concept,
    Consent,
    Enrolment,
    Invitation,
    LoginSession,
    Municipality,
    Notification,
    PasswordReset,
    User,
)
from allin.reports import figures
from allin.reports.periods import Period
from tests.conftest import is_postgres
from tests.factories import (
    PASSWORD,
    make_ambassador,
    make_cohort,
    make_enrolment,
    make_login_session,
    make_timeline_entry,
    make_user,
)
from tests.test_data_copy import _member

NAME = "Member Nordmann"
SECRETS = (NAME, "Kari Nordmann", "+47 900 00 001")


def text_hits(needles) -> list[str]:
    """Every text column of every table that holds one of `needles` (both engines): the
    database dump, read column by column."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text | JSON):
                continue
            for needle in needles:
                text = cast(column, Text)
                stmt = select(func.count()).select_from(table).where(text.contains(needle))
                if db.session.scalar(stmt):
                    found.append(f"{table.name}.{column.name}: {needle}")
    return found


def sqlite_dump_hits(needles) -> list[str]:
    connection = db.engine.raw_connection()
    try:
        dump = "\n".join(connection.driver_connection.iterdump())
    finally:
        connection.close()
    return [needle for needle in needles if needle in dump]


def network_figures(app, world):
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        year = now().year
        period = Period(date(year - 1, 1, 1), date(year, 12, 31))
        rows = figures.counts(admin, period)
        return {
            key: {n: v for n, v in zip(figures.FIGURES, row, strict=True) if v}
            for key, row in rows.items()
        }


def _with_name_in_texts(app, team, member_id):
    """Someone wrote the person's name into the team's concept and its timeline."""
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        concept.idea = f"{NAME} fant på dette i fjor."
        make_timeline_entry(concept, text=f"Takk til {NAME} for plakaten!")
        db.session.commit()


@pytest.fixture
def member(app, world, team):
    member_id = _member(app, world, team)
    _with_name_in_texts(app, team, member_id)
    return member_id


def test_the_confirmation_names_what_goes(client, world, team, member, login):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/ambassadors/{member}").text
    assert f'href="/ambassadors/{member}/erase"' in page
    confirm = client.get(f"/ambassadors/{member}/erase")
    assert confirm.status_code == 200
    text = confirm.text
    assert "2 consents with their history" in text
    assert "The login: the account" in text
    assert "1 photo that may show them" in text
    assert "Birth year, class, phone, e-mail address and the guardian" in text
    assert "so that the figures and the report stay as they are" in text


def test_erasure_leaves_no_name_and_the_report_unchanged(app, client, world, team, member, login):
    with app.app_context():
        photos = [
            concept_files.file_path(a)
            for a in db.session.scalars(select(Attachment).where(Attachment.shows_people))
        ]
        assert photos and all(path.exists() for path in photos)
        attendance_before = db.session.scalar(select(func.count()).select_from(Attendance))
        assert text_hits(SECRETS)  # the scan finds them while they are there
    before = network_figures(app, world)
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    response = client.post(f"/ambassadors/{member}/erase")
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "The data of the person is erased" in page and NAME not in page
    with app.app_context():
        person = db.session.get(Ambassador, member)
        assert person.name == erasure.former_ambassador() and person.erased_at is not None
        assert (person.birth_year, person.school, person.phone, person.guardian_name) == (
            None,
            None,
            None,
            None,
        )
        assert db.session.scalar(select(func.count()).where(Consent.ambassador_id == member)) == 0
        assert db.session.get(User, team.member.id) is None
        assert (
            db.session.scalar(select(func.count()).where(LoginSession.user_id == team.member.id))
            == 0
        )
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == (
            attendance_before
        )
        concept = db.session.get(Concept, team.concept_id)
        assert concept.idea.startswith(erasure.former_ambassador())
        assert len(concept.team_history) == 2  # the place on the team stays
        assert text_hits(SECRETS) == []
        if not is_postgres():
            assert sqlite_dump_hits(SECRETS) == []
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "ambassador.erased")
        )
        assert event.object_id == member and event.actor_id == world.a["coordinator"].id
        assert event.detail == {"reason": "manual"}
        folder = concept_files.upload_folder()
    assert not any(path.exists() for path in photos)
    for path in Path(folder).rglob("*"):
        if path.is_file():
            assert NAME.encode() not in path.read_bytes()
    # Every figure stays; in the age bands the person, whose birth year is gone, moves to
    # "age not recorded".
    after = network_figures(app, world)
    assert after.keys() == before.keys()
    moved = 0
    for key, counted in before.items():
        now_counted = after[key]
        ages = {name for name in (*counted, *now_counted) if name.startswith("age_")}
        assert {n: v for n, v in now_counted.items() if n not in ages} == {
            n: v for n, v in counted.items() if n not in ages
        }, key
        assert sum(counted.get(n, 0) for n in ages) == sum(now_counted.get(n, 0) for n in ages)
        unknown = now_counted.get("age_unknown", 0) - counted.get("age_unknown", 0)
        assert unknown in (0, 1), key
        moved += unknown
    assert moved > 0, "the erased person was counted in some period, now without an age"
    # The cohort's pages: the name is gone.
    for url in (f"/cohorts/{team.cohort_id}/people", f"/concepts/{team.concept_id}"):
        shown = client.get(url)
        assert shown.status_code == 200 and NAME not in shown.text, url


@pytest.mark.parametrize("teammate, kept", [("Teammate Nordmann", False), ("Member Olsen", True)])
def test_a_first_name_goes_from_the_texts_unless_a_teammate_has_it(
    app, client, world, team, member, login, teammate, kept
):
    line = "Member tegnet plakaten. Membership er gratis."
    with app.app_context():
        other = db.session.scalar(
            select(Ambassador)
            .join(Enrolment, Enrolment.ambassador_id == Ambassador.id)
            .where(Enrolment.id == team.teammate_enrolment_id)
        )
        other.name = teammate
        db.session.get(Concept, team.concept_id).challenge = line
        db.session.commit()
    login(world.a["coordinator"])
    assert client.post(f"/ambassadors/{member}/erase").status_code == 302
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        former = erasure.former_ambassador()
        assert concept.idea == f"{former} fant på dette i fjor."  # the full name, always
        expected = line if kept else f"{former} tegnet plakaten. Membership er gratis."
        assert concept.challenge == expected


def test_erasing_twice_changes_nothing(app, client, world, team, member, login):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    client.post(f"/ambassadors/{member}/erase")
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        erased_at = db.session.get(Ambassador, member).erased_at
    again = client.post(f"/ambassadors/{member}/erase", follow_redirects=True)
    assert "was erased already. Nothing was changed." in again.text
    confirm = client.get(f"/ambassadors/{member}/erase").text
    assert "was erased already" in confirm and 'class="button button--danger"' not in confirm
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert db.session.get(Ambassador, member).erased_at == erased_at
    # Nothing more is written about them either.
    edit = client.post(f"/ambassadors/{member}/edit", data={"name": "Ny Person"})
    assert edit.status_code == 302
    with app.app_context():
        assert db.session.get(Ambassador, member).name == erasure.former_ambassador()


def test_only_coordinators_of_the_municipality_erase(app, client, world, team, member, login):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    assert client.post(f"/ambassadors/{member}/erase").status_code == 403
    assert 'erase"' not in client.get(f"/ambassadors/{member}").text
    client.post("/logout")
    login(world.b["coordinator"])
    client.post("/language", data={"lang": "en"})
    assert client.post(f"/ambassadors/{member}/erase").status_code == 404
    assert client.get(f"/ambassadors/{member}/erase").status_code == 404
    with app.app_context():
        assert db.session.get(Ambassador, member).erased_at is None


def test_a_crash_after_the_commit_leaves_files_the_sweep_removes(
    app, client, world, team, member, login, monkeypatch
):
    with app.app_context():
        photos = [
            concept_files.file_path(a)
            for a in db.session.scalars(select(Attachment).where(Attachment.shows_people))
        ]
    monkeypatch.setattr(concept_files, "_remove", lambda paths: None)  # died after the commit
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    client.post(f"/ambassadors/{member}/erase")
    assert all(path.exists() for path in photos)
    with app.app_context():
        assert set(photos) <= set(sweep.orphans(grace_seconds=0))
        sweep.sweep(grace_seconds=0)
    assert not any(path.exists() for path in photos)


def test_a_legal_hold_refuses_erasure_until_lifted(app, client, world, team, member, login):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    empty = client.post(f"/ambassadors/{member}/hold", data={"reason": " "})
    assert empty.status_code == 200 and "Say why the data must be kept" in empty.text
    long = client.post(f"/ambassadors/{member}/hold", data={"reason": "x" * 501})
    assert "Write 3 to 500 characters." in long.text and "x" * 501 in long.text
    set_ = client.post(f"/ambassadors/{member}/hold", data={"reason": "Klagesak 2026/14"})
    assert set_.status_code == 302
    page = client.get(f"/ambassadors/{member}").text
    assert "Legal hold." in page and "Klagesak 2026/14" in page
    refused = client.post(f"/ambassadors/{member}/erase", follow_redirects=True)
    assert "A legal hold is set on this person (Klagesak 2026/14)" in refused.text
    with app.app_context():
        assert db.session.get(Ambassador, member).name == NAME
        # Retention leaves them too, and says so.
        assert erasure.erase_ambassadors([member], reason="retention").held == [member]
        db.session.rollback()
    asked = client.post(f"/ambassadors/{member}/hold/lift")
    assert asked.status_code == 200 and "Lift the hold" in asked.text  # the confirmation
    client.post(f"/ambassadors/{member}/hold/lift", data={"confirmed": "yes"})
    client.post(f"/ambassadors/{member}/erase")
    with app.app_context():
        assert db.session.get(Ambassador, member).erased_at is not None
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"ambassador.hold_set", "ambassador.hold_cleared"} <= actions


# ---- staff -------------------------------------------------------------------------------------


def test_a_network_admin_erases_a_staff_account_under_a_pseudonym(app, client, world, login):
    coordinator = world.a["coordinator"]
    with app.app_context():
        user = db.session.get(User, coordinator.id)
        name, email = user.name, user.email
        make_login_session(user)
        db.session.add(AuditEvent(action="cohort.created", actor_id=user.id, detail={}))
        db.session.commit()
    login(world.admin)
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/admin/users/{coordinator.id}").text
    assert f'action="/admin/users/{coordinator.id}/erase"' in page
    asked = client.post(f"/admin/users/{coordinator.id}/erase")
    assert asked.status_code == 200 and "This cannot be undone" in asked.text
    done = client.post(
        f"/admin/users/{coordinator.id}/erase", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "The account is erased." in done.text
    with app.app_context():
        user = db.session.get(User, coordinator.id)
        assert user.name == erasure.former_staff(user.id) and user.email is None
        assert not user.active and user.password_hash is None and user.erased_at
        sessions = select(func.count()).where(LoginSession.user_id == user.id)
        assert db.session.scalar(sessions) == 0
        kept = select(func.count()).where(AuditEvent.actor_id == user.id)
        assert db.session.scalar(kept) >= 1
        assert [hit for hit in text_hits([name, email]) if not hit.startswith("audit")] == []
    client.post("/logout")
    client.post("/login", data={"login": email, "password": PASSWORD})
    refused = client.get("/admin/users/")
    assert refused.status_code == 302 and "/login" in refused.location  # not signed in


def test_nobody_erases_their_own_account_or_twice(app, client, world, login):
    login(world.admin)
    client.post("/language", data={"lang": "en"})
    own = client.post(
        f"/admin/users/{world.admin.id}/erase", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "You cannot erase your own account." in own.text
    with app.app_context():
        assert db.session.get(User, world.admin.id).erased_at is None
    client.post(f"/admin/users/{world.a['coordinator'].id}/erase", data={"confirmed": "yes"})
    twice = client.post(
        f"/admin/users/{world.a['coordinator'].id}/erase",
        data={"confirmed": "yes"},
        follow_redirects=True,
    )
    assert "This account was erased already." in twice.text
    # An ambassador's login goes with their erasure, not from here.
    assert client.post(
        f"/admin/users/{world.a['ambassador'].id}/erase", data={"confirmed": "yes"}
    ).status_code in (403, 404)


def test_a_coordinator_cannot_erase_staff(client, world, login):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    response = client.post(
        f"/admin/users/{world.a['youth_worker'].id}/erase", data={"confirmed": "yes"}
    )
    assert response.status_code == 403


# ---- retention ---------------------------------------------------------------------------------


def test_the_retention_setting_is_validated_at_the_field(app, client, world, login):
    login(world.admin)
    client.post("/language", data={"lang": "en"})
    url = f"/admin/municipalities/{world.municipality_a}/edit"
    page = client.get(url).text
    assert 'name="retention_years"' in page and 'value="3"' in page
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        fields = {
            "name": municipality.name,
            "country": municipality.country,
            "digital_consent_age": municipality.digital_consent_age,
            "photo_consent_age": municipality.photo_consent_age,
        }
    bad = client.post(url, data={**fields, "retention_years": "0"})
    assert bad.status_code == 200
    assert "Enter a number of years from 1 to 50." in bad.text and 'value="0"' in bad.text
    good = client.post(url, data={**fields, "retention_years": "5"})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.get(Municipality, world.municipality_a).retention_years == 5


def _ended(municipality, *, days_ago: int, name: str, hold: str | None = None) -> int:
    ends = now().date() - timedelta(days=days_ago)
    cohort = make_cohort(
        municipality, starts_on=ends - timedelta(days=200), ends_on=ends, status="completed"
    )
    person = make_ambassador(municipality, name=name, hold_reason=hold)
    make_enrolment(cohort, person)
    return person.id


def test_retention_erases_those_past_their_time_with_a_frozen_clock(app, runner, world, frozen):
    three_years = (now().date() - retention.years_before(now().date(), 3)).days
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        other = db.session.get(Municipality, world.municipality_b)
        other.retention_years = 5
        old = _ended(municipality, days_ago=three_years + 1, name="Gammel Person")
        young = _ended(municipality, days_ago=three_years - 1, name="Nyere Person")
        held = _ended(municipality, days_ago=three_years + 10, name="Holdt Person", hold="Sak 1")
        kept_longer = _ended(other, days_ago=three_years + 1, name="Bergen Person")
        # Still in a cohort that ended lately: their last cohort counts.
        both = _ended(municipality, days_ago=three_years + 100, name="To Kull")
        recent = make_cohort(municipality, status="completed")
        make_enrolment(recent, db.session.get(Ambassador, both))
        user = make_user(municipality=municipality)
        stale = make_login_session(user)
        stale.last_seen_at = now() - timedelta(days=1)
        fresh = make_login_session(user)
        db.session.add(
            PasswordReset(user=user, token_hash="x" * 64, expires_at=now() - timedelta(minutes=1))
        )
        db.session.commit()
        stale_id, fresh_id = stale.id, fresh.id

    dry = runner.invoke(args=["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"ambassador {old}\t" in dry.output and "would be erased" in dry.output
    assert f"ambassador {held}\t" in dry.output and "held, skipped" in dry.output
    listed = [line for line in dry.output.splitlines() if "last cohort ended" in line]
    for not_due in (young, kept_longer, both):
        assert not [line for line in listed if line.startswith(f"ambassador {not_due}\t")]
    assert f"ambassador {young}\tto be erased on" in dry.output  # in two days (a notice)
    assert "dry run: 1 due, 1 held; nothing changed" in dry.output
    with app.app_context():
        assert db.session.get(Ambassador, old).erased_at is None
        assert db.session.get(LoginSession, stale_id) is not None

    ran = runner.invoke(args=["retention"])
    assert ran.exit_code == 0, ran.output
    assert "erased 1, skipped 1 under a legal hold" in ran.output
    assert "expired login sessions removed: 1" in ran.output
    assert "expired password links removed: 1" in ran.output
    with app.app_context():
        assert db.session.get(Ambassador, old).erased_at is not None
        assert db.session.get(Ambassador, held).name == "Holdt Person"
        assert db.session.get(Ambassador, young).erased_at is None
        assert db.session.get(LoginSession, stale_id) is None
        assert db.session.get(LoginSession, fresh_id) is not None
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "ambassador.erased", AuditEvent.object_id == old
            )
        )
        assert event.actor_id is None and event.detail == {"reason": "retention"}
        ran = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.ran"))
        assert ran.detail["erased"] == 1 and ran.detail["held"] == 1
        assert ran.detail["purged"]["login_sessions"] == 1

    frozen.advance(days=2)  # the younger one's time runs out
    again = runner.invoke(args=["retention"])
    assert "erased 1, skipped 1" in again.output and f"ambassador {young}\t" in again.output
    with app.app_context():
        assert db.session.get(Ambassador, young).erased_at is not None
        assert text_hits(["Gammel Person", "Nyere Person"]) == []
    assert re.search(r"erased 0, skipped 1", runner.invoke(args=["retention"]).output)


def test_coordinators_are_told_30_and_7_days_before_an_erasure(
    app, client, runner, world, login, frozen
):
    """SECURITY 28: the municipality's coordinators, in the app, once at 30 days and once at
    7; not about a person under a legal hold, not the youth workers, not another city's."""
    three_years = (now().date() - retention.years_before(now().date(), 3)).days
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        # The last cohort ended so that retention erases them in 31 days.
        soon = _ended(municipality, days_ago=three_years - 30, name="Snart Slettet")
        _ended(municipality, days_ago=three_years - 20, name="Holdt Person", hold="Sak 2")
        db.session.commit()

    def told() -> list[tuple[int, str]]:
        with app.app_context():
            stmt = select(Notification.recipient_id, Notification.event_key).where(
                Notification.kind == "retention_due"
            )
            return [tuple(row) for row in db.session.execute(stmt.order_by(Notification.id))]

    coordinator = world.a["coordinator"].id
    assert "coordinators: 0)" in runner.invoke(args=["retention"]).output  # 31 days left
    frozen.advance(days=1)
    first = runner.invoke(args=["retention"]).output
    assert f"ambassador {soon}\tto be erased on" in first and "coordinators: 1)" in first
    assert [(who, key.rsplit(":", 1)[1]) for who, key in told()] == [(coordinator, "30")]
    assert "coordinators: 0)" in runner.invoke(args=["retention"]).output  # once
    frozen.advance(days=22)  # 8 days left: nothing new
    runner.invoke(args=["retention"])
    assert len(told()) == 1
    frozen.advance(days=1)
    runner.invoke(args=["retention"])
    assert [key.rsplit(":", 1)[1] for _who, key in told()] == ["30", "7"]

    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    page = client.get("/notifications/").text
    assert "The data of Snart Slettet will be erased within 7 days" in page
    assert "The data of Snart Slettet will be erased within 30 days" in page
    frozen.advance(days=7)
    assert "erased 1" in runner.invoke(args=["retention"]).output
    with app.app_context():
        assert db.session.get(Ambassador, soon).erased_at is not None
    # What the app told about the person goes with them: no notice of a "former ambassador".
    assert told() == []
    assert "will be erased within" not in client.get("/notifications/").text


def test_retention_purges_what_expired(app, runner, world, frozen):
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        invitation = Invitation(
            token_hash="y" * 64,
            role="coordinator",
            municipality_id=world.municipality_a,
            name="Utløpt Invitasjon",
            email="utlopt@example.org",
            invited_by_id=admin.id,
            expires_at=now() - timedelta(days=retention.INVITATION_KEPT_DAYS + 1),
        )
        db.session.add(invitation)
        db.session.commit()
        invitation_id = invitation.id
    output = runner.invoke(args=["retention"]).output
    assert "expired invitations removed: 1" in output
    with app.app_context():
        assert db.session.get(Invitation, invitation_id) is None


# ---- who saw whose data --------------------------------------------------------------------


def test_views_are_logged_and_coordinators_see_who_saw(app, client, world, team, member, login):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/ambassadors/{member}").text
    assert "Seen by" not in page  # youth workers do not read the audit trail
    client.post("/logout")
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "ambassador.viewed", AuditEvent.object_id == member
            )
        )
        assert event.actor_id == world.a["youth_worker"].id and event.detail == {}
        worker_name = db.session.get(User, world.a["youth_worker"].id).name
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    client.get(f"/cohorts/{team.cohort_id}/export/roster.csv")
    page = client.get(f"/ambassadors/{member}").text
    seen = page[page.index("Seen by") :]
    assert worker_name in seen
    with app.app_context():
        coordinator_name = db.session.get(User, world.a["coordinator"].id).name
    assert coordinator_name in seen


def test_erased_names_are_gone_from_the_cohort_pages_for_every_locale(
    app, client, world, team, member, login
):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    client.post(f"/ambassadors/{member}/erase")
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cohorts/{team.cohort_id}/people").text
    with app.app_context():
        former = erasure.former_ambassador()
    assert NAME not in page and former in page


def test_network_admins_still_never_see_a_former_ambassadors_sign_ins(
    app, client, world, team, member, login
):
    from allin.access import visible

    with app.app_context():
        user = db.session.get(User, team.member.id)
        db.session.add(AuditEvent(action="login.succeeded", actor_id=user.id, detail={}))
        db.session.add(
            AuditEvent(action="login.failed", object_type="user", object_id=user.id, detail={})
        )
        db.session.commit()
    login(world.a["coordinator"])
    client.post(f"/ambassadors/{member}/erase")
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        seen = visible(AuditEvent, admin).where(
            (AuditEvent.actor_id == team.member.id) | (AuditEvent.object_id == team.member.id)
        )
        assert [e.action for e in db.session.scalars(seen) if e.object_type != "ambassador"] == []


def test_a_failure_half_way_leaves_everything_as_it_was(
    app, client, world, team, member, login, monkeypatch
):
    """One transaction: when the last step fails, the name, consents, login and photos (in
    the database and on disk) are all still there."""
    with app.app_context():
        photos = [
            concept_files.file_path(a)
            for a in db.session.scalars(select(Attachment).where(Attachment.shows_people))
        ]

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(erasure, "_audit_many", broken)
    login(world.a["coordinator"])
    assert client.post(f"/ambassadors/{member}/erase").status_code == 500
    with app.app_context():
        person = db.session.get(Ambassador, member)
        assert person.name == NAME and person.erased_at is None and person.user_id is not None
        assert db.session.scalar(select(func.count()).where(Consent.ambassador_id == member)) == 2
        assert db.session.get(User, team.member.id) is not None
        assert len(photos) == db.session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.shows_people)
        )
    assert all(path.exists() for path in photos)
