"""The audit trail, readable (issue 21): a coordinator reads their municipality's events, the
network's admins the staff's and the network's, never one about a young person."""

from __future__ import annotations

import csv
import io
import pathlib
import re
from datetime import timedelta

from sqlalchemy import select

from allin.audit_log.labels import ACTIONS
from allin.clock import now
from allin.enums import Role
from allin.extensions import db
from allin.models import AuditEvent, Invitation, Municipality, User
from tests.factories import make_ambassador, make_invitation


def event(
    action,
    *,
    actor=None,
    object_type=None,
    object_id=None,
    municipality_id=None,
    days_ago=0,
    **detail,
):
    db.session.add(
        AuditEvent(
            action=action,
            actor_id=actor.id if actor else None,
            object_type=object_type,
            object_id=object_id,
            municipality_id=municipality_id,
            created_at=now() - timedelta(days=days_ago),
            detail=detail,
        )
    )


def whats(html: str) -> list[str]:
    return re.findall(r'<td data-label="What">([^<]+)</td>', html)


def test_a_coordinator_reads_their_municipality_and_nothing_else(app, client, world, login):
    a, b = world.municipality_a, world.municipality_b
    with app.app_context():
        event(
            "login.succeeded",
            actor=world.a["youth_worker"],
            object_type="user",
            object_id=world.a["youth_worker"].id,
            municipality_id=a,
        )
        event(
            "cohort.created",
            actor=world.a["coordinator"],
            object_type="cohort",
            object_id=5,
            municipality_id=a,
            days_ago=1,
        )
        event(
            "cohort.created",
            actor=world.b["coordinator"],
            object_type="cohort",
            object_id=6,
            municipality_id=b,
        )
        db.session.commit()
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    people = client.get("/admin/users/").text
    assert 'href="/audit/"' in people
    page = client.get("/audit/").text
    # Newest first (the reader's own sign-in, then the youth worker's), only Larvik's.
    assert whats(page) == ["Signed in", "Signed in", "Cohort created"]
    assert '<a href="/cohorts/5">Cohort 5</a>' in page
    assert "/cohorts/6" not in page


def test_the_network_reads_staff_events_never_one_about_a_young_person(app, client, world, login):
    a = world.municipality_a
    young = world.a["ambassador"]
    with app.app_context():
        ambassador = make_ambassador(db.session.get(Municipality, a))
        admin = db.session.get(User, world.admin.id)
        staff_invite, _token = make_invitation(admin, role=Role.COORDINATOR, municipality_id=a)
        young_invite, _token = make_invitation(admin, role=Role.AMBASSADOR, municipality_id=a)
        event(
            "user.deactivated",
            actor=world.a["coordinator"],
            object_type="user",
            object_id=world.a["youth_worker"].id,
            municipality_id=a,
        )
        event(
            "invitation.sent",
            actor=world.admin,
            object_type="invitation",
            object_id=staff_invite.id,
            municipality_id=a,
        )
        event("guide.entry_saved", actor=world.admin, object_type="guideentry", object_id=1)
        # About young people: none of these may show.
        event(
            "ambassador.created",
            actor=world.a["youth_worker"],
            object_type="ambassador",
            object_id=ambassador.id,
            municipality_id=a,
        )
        event(
            "login.succeeded",
            actor=young,
            object_type="user",
            object_id=young.id,
            municipality_id=a,
        )
        event(
            "user.deactivated",
            actor=world.a["coordinator"],
            object_type="user",
            object_id=young.id,
            municipality_id=a,
        )
        event(
            "invitation.sent",
            actor=world.a["youth_worker"],
            object_type="invitation",
            object_id=young_invite.id,
            municipality_id=a,
        )
        event(
            "consent.given",
            actor=world.a["youth_worker"],
            object_type="consent",
            object_id=1,
            municipality_id=a,
        )
        db.session.commit()
        assert db.session.get(Invitation, young_invite.id).role == Role.AMBASSADOR
    login(world.admin)
    client.post("/language", data={"lang": "en"})
    page = client.get("/audit/").text
    shown = sorted(whats(page))  # the admin's own sign-in too: a staff event
    assert shown == ["Account deactivated", "Guide entry saved", "Invitation made", "Signed in"]


def test_youth_workers_and_ambassadors_may_not(client, world, login):
    for who in ("youth_worker", "ambassador"):
        login(world.a[who])
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/audit.csv").status_code == 403
        client.post("/logout")


def test_filters_by_who_what_and_days_and_keeps_what_was_typed(app, client, world, login):
    a = world.municipality_a
    with app.app_context():
        event("cohort.created", actor=world.a["coordinator"], municipality_id=a, days_ago=10)
        event("cohort.updated", actor=world.a["youth_worker"], municipality_id=a, days_ago=3)
        event("cohort.updated", actor=world.a["coordinator"], municipality_id=a, days_ago=1)
        db.session.commit()
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    day = (now() - timedelta(days=5)).date().isoformat()
    since = whats(client.get(f"/audit/?since={day}").text)
    assert since == ["Signed in", "Cohort changed", "Cohort changed"]
    assert whats(client.get(f"/audit/?until={day}").text) == ["Cohort created"]
    assert whats(client.get("/audit/?what=cohort.created").text) == ["Cohort created"]
    with app.app_context():
        worker = db.session.get(User, world.a["youth_worker"].id).name
    page = client.get("/audit/", query_string={"who": worker[-4:]}).text
    assert whats(page) == ["Cohort changed"]

    bad = client.get("/audit/?since=31.02.2026&who=Kari")
    assert bad.status_code == 200
    assert 'id="since-error"' in bad.text and whats(bad.text) == []
    assert 'value="31.02.2026"' in bad.text and 'value="Kari"' in bad.text
    backwards = client.get(f"/audit/?since={day}&until=2020-01-01").text
    assert "The last day comes before the first." in backwards


def test_the_csv_has_the_filtered_events_and_is_itself_an_event(app, client, world, login):
    a = world.municipality_a
    with app.app_context():
        event("cohort.created", actor=world.a["coordinator"], municipality_id=a, count=3)
        event("cohort.updated", actor=world.a["coordinator"], municipality_id=a)
        db.session.commit()
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    assert (
        'href="/audit/audit.csv?what=cohort.created"'
        in client.get("/audit/?what=cohort.created").text
    )
    response = client.get("/audit/audit.csv?what=cohort.created")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "What", "About", "Details"]
    assert [row[2:] for row in rows[1:]] == [["Cohort created", "", "count: 3"]]
    with app.app_context():
        downloaded = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "export.downloaded")
        )
    assert downloaded.detail == {"what": "audit", "kind": "csv", "rows": 1}


def test_a_page_takes_as_many_queries_for_30_events_as_for_3(
    app, client, world, login, count_queries
):
    def add(n):
        with app.app_context():
            for i in range(n):
                event(
                    "cohort.updated",
                    actor=world.a["coordinator"],
                    object_type="cohort",
                    object_id=i + 1,
                    municipality_id=world.municipality_a,
                )
            db.session.commit()

    login(world.a["coordinator"])
    add(3)
    client.get("/audit/")
    with count_queries() as few:
        client.get("/audit/")
    add(27)
    with count_queries() as many:
        client.get("/audit/")
    assert few.count == many.count


def test_every_action_the_code_records_has_a_name_for_people():
    recorded = set()
    for path in pathlib.Path("allin").rglob("*.py"):
        text = path.read_text()
        for call in re.finditer(r"audit\.record\(", text):
            head = text[call.end() : call.end() + 160].split("actor=")[0]
            recorded |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', head))
    assert len(recorded) > 40, "the scan found too few actions to prove anything"
    assert recorded - set(ACTIONS) == set()


def test_odd_filters_get_a_message_not_an_error(client, world, login):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    for query in ("since=0001-01-01", "until=9999-12-31"):
        response = client.get(f"/audit/?{query}")
        assert response.status_code == 200
        assert "Choose a day between the years 2000 and 2100." in response.text
        assert client.get(f"/audit/audit.csv?{query}").status_code == 200
    odd = client.get("/audit/?endpoint=x&_method=POST&_external=1&what=cohort.created")
    assert odd.status_code == 200
    assert 'href="/audit/audit.csv?what=cohort.created"' in odd.text  # only the filters


def test_who_finds_names_whatever_the_case_of_their_letters(app, client, world, login):
    with app.app_context():
        worker = db.session.get(User, world.a["youth_worker"].id)
        worker.name = "Øyvind Ærlig"
        event("cohort.updated", actor=worker, municipality_id=world.municipality_a)
        db.session.commit()
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    for typed in ("øyvind", "ÆRLIG", "Øyvind"):
        page = client.get("/audit/", query_string={"who": typed}).text
        assert whats(page) == ["Cohort changed"], typed
    people = client.get("/admin/users/", query_string={"q": "øyvind"}).text
    assert "Øyvind Ærlig" in people  # the people list searches the same way
