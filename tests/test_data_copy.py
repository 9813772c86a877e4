"""A copy of everything held about a young person (issue 21): one ZIP with a page to read,
data.json and the files they uploaded; for them, and for staff on their request."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from allin.ambassadors import services
from allin.ambassadors.data_copy import EXPORTED, NOT_EXPORTED
from allin.clock import now
from allin.concepts import files
from allin.enums import ConsentGiver, ConsentMethod, ConsentPurpose, NotificationKind
from allin.extensions import db
from allin.models import (
    Ambassador,
    AuditEvent,
    Concept,
    Consent,
    Enrolment,
    Notification,
    NotificationPreference,
    User,
)
from tests.factories import PASSWORD, make_login_session, make_timeline_entry
from tests.training_factories import make_attendance, make_session


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "teal").save(out, format="PNG")
    return out.getvalue()


def test_every_column_is_handed_over_or_said_why_not(app):
    """A new column that can hold something about a person must be placed here first."""
    with app.app_context():
        keys = set(NOT_EXPORTED["*keys"].split())
        unplaced = []
        for table in db.metadata.sorted_tables:
            given = set(EXPORTED.get(table.name, "").split())
            kept = NOT_EXPORTED.get(table.name, "")
            for column in table.columns:
                placed = column.name in given | keys | set(kept.split()) or kept == "*"
                if not placed:
                    unplaced.append(f"{table.name}.{column.name}")
                if column.name in given:
                    assert column.name not in kept.split(), f"{table.name}.{column.name} twice"
        assert unplaced == []
        for table, names in EXPORTED.items():
            columns = {c.name for c in db.metadata.tables[table].columns}
            assert set(names.split()) <= columns, f"{table}: no such column"


def _member(app, world, team):
    with app.app_context():
        member = db.session.scalar(select(Ambassador).where(Ambassador.user_id == team.member.id))
        member.phone, member.guardian_name = "+47 900 00 001", "Kari Nordmann"
        worker = db.session.get(User, world.a["youth_worker"].id)
        for purpose in ("participation", "photo"):
            services.record_consent(
                member,
                actor=worker,
                purpose=ConsentPurpose(purpose),
                given_by=ConsentGiver.GUARDIAN,
                guardian_name="Kari Nordmann",
                method=ConsentMethod.PAPER,
                given_on=now().date() - timedelta(days=40),
            )
        photo = db.session.scalar(
            select(Consent).where(
                Consent.purpose == ConsentPurpose.PHOTO, Consent.ambassador_id == member.id
            )
        )
        services.withdraw_consent(photo, actor=worker)
        concept = db.session.get(Concept, team.concept_id)
        user = db.session.get(User, team.member.id)
        make_timeline_entry(concept, author=user, text="Vi har funnet et lokale.")
        make_timeline_entry(concept, text="Someone else's line")
        files.add_attachment(
            concept, actor=user, data=png(), filename="plakat.png", shows_people=False
        )
        teammate = db.session.get(User, team.teammate.id)
        files.add_attachment(concept, actor=teammate, data=png(), filename="gruppe.png")
        files.add_attachment(  # the teammate's, showing nobody: not in the member's copy
            concept, actor=teammate, data=png(), filename="logo.png", shows_people=False
        )
        enrolment = db.session.get(Enrolment, team.member_enrolment_id)
        enrolment.enrolled_at = now() - timedelta(days=30)
        make_attendance(
            make_session(enrolment.cohort, days=-3, title="Verksted 1"), enrolment, "late"
        )
        make_login_session(user)
        db.session.add(
            Notification(
                recipient_id=user.id,
                kind=NotificationKind.CONCEPT_FEEDBACK,
                event_key="test-feedback-1",
                concept_id=concept.id,
                municipality_id=member.municipality_id,
            )
        )
        db.session.add(
            NotificationPreference(
                user_id=user.id, kind=NotificationKind.SESSION_TOMORROW, email=False
            )
        )
        for about in (member.id, member.id + 1000):
            db.session.add(
                AuditEvent(
                    action="ambassador.updated",
                    object_type="ambassador",
                    object_id=about,
                    municipality_id=member.municipality_id,
                )
            )
        db.session.commit()
        return member.id


def test_staff_hand_over_everything_held_and_nothing_of_anyone_else(
    app, client, world, team, login
):
    member_id = _member(app, world, team)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "nb"})
    page = client.get(f"/ambassadors/{member_id}").text
    assert f'href="/ambassadors/{member_id}/data"' in page
    asked = client.get(f"/ambassadors/{member_id}/data")
    assert asked.status_code == 200 and 'name="current"' in asked.text
    response = client.post(
        f"/ambassadors/{member_id}/data", data={"asked_by": "guardian", "current": PASSWORD}
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert (
        "filename*=UTF-8''Member%20Nordmann%20-%20data.zip"
        in response.headers["Content-Disposition"]
    )
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))

    assert data["ambassador"]["name"] == "Member Nordmann"
    assert data["ambassador"]["guardian_name"] == "Kari Nordmann"
    assert data["login"]["username"] == "amb" + str(world.municipality_a)
    assert len(data["login"]["sessions"]) == 1
    assert [n["kind"] for n in data["login"]["notifications"]] == ["concept_feedback"]
    assert [(c["kind"], c["by_email"]) for c in data["login"]["email_choices"]] == [
        ("session_tomorrow", False)
    ]
    assert [c["purpose"] for c in data["consents"]] == ["participation", "photo"]  # codes
    assert data["consents"][1]["withdrawn_at"] is not None  # the history, not only what stands
    assert [(a["session"], a["value"]) for a in data["attendance"]] == [("Verksted 1", "late")]
    (concept,) = data["concepts"]
    assert [line["text"] for line in concept["written_by_you"]] == ["Vi har funnet et lokale."]
    assert [f["original_name"] for f in data["files"]] == ["plakat.png", "gruppe.png"]
    for upload in data["files"]:
        stored = archive.read(f"files/{upload['file']}")
        assert Image.open(io.BytesIO(stored)).size == (20, 20)
    actions = sorted(e["action"] for e in data["audit_events"])  # by them or about them only
    assert actions == [
        "ambassador.updated",
        "ambassador.viewed",  # the staff member opened their page first: who saw their data
        "concept.file_added",
        "consent.given",
        "consent.given",
        "consent.withdrawn",
    ]
    text = json.dumps(data, ensure_ascii=False)
    for other in ("Teammate Nordmann", "Reader Nordmann", "Someone else's line"):
        assert other not in text

    index = archive.read("index.html").decode()
    assert "Alt som er lagret om Member Nordmann" in index
    assert "Kari Nordmann" in index and "Verksted 1" in index
    # Names, not codes; Oslo time, not UTC.
    assert "Bilder" in index and "Samtykke trukket tilbake" in index and "Sent" in index
    for code in (">photo<", ">guardian<", ">consent.withdrawn<", "+00:00", ">True<"):
        assert code not in index, code
    assert "<script" not in index and "http" not in index.split("</style>")[1]

    with app.app_context():
        taken = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data.downloaded"))
    assert (taken.object_type, taken.object_id) == ("ambassador", member_id)
    assert taken.actor_id == world.a["youth_worker"].id
    assert taken.detail == {"asked_by": "guardian"}


def test_the_young_person_downloads_their_own_from_their_account(app, client, world, team, login):
    member_id = _member(app, world, team)
    login(world.a["ambassador"])
    assert 'href="/ambassadors/my-data"' in client.get("/account").text
    wrong = client.post("/ambassadors/my-data", data={"current": "not it"})
    assert wrong.status_code == 200 and 'id="current-error"' in wrong.text
    response = client.post("/ambassadors/my-data", data={"current": PASSWORD})
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("data.json"))
    assert data["ambassador"]["name"] == "Member Nordmann"
    assert client.get(f"/ambassadors/{member_id}/data").status_code == 403  # staff's page
    with app.app_context():
        taken = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "data.downloaded")
        ).all()
    assert taken == [{"asked_by": "ambassador"}]  # the wrong password took nothing
    client.post("/logout")
    login(world.a["youth_worker"])
    assert "my-data" not in client.get("/account").text
    assert client.get("/ambassadors/my-data").status_code == 404  # staff have no record
    client.post("/logout")
    login(world.b["coordinator"])
    assert client.get(f"/ambassadors/{member_id}/data").status_code == 404
