"""Notifications (issue 23): a session tomorrow, moved or cancelled, and feedback on a concept
become one notification per recipient, once; the bell, the list, opening one; `flask notify`
and the e-mails it queues (what SMTP was really handed, with its .ics)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from allin.enums import NotificationKind, Role
from allin.extensions import db
from allin.models import (
    Ambassador,
    Cohort,
    Concept,
    Enrolment,
    MailJob,
    Municipality,
    Notification,
    NotificationPreference,
    TrainingSession,
    User,
)
from allin.notifications import services
from allin.outbox import MAX_ATTEMPTS
from tests.factories import (
    CONFIRMED,
    make_ambassador,
    make_cohort,
    make_consent,
    make_enrolment,
    make_invitation,
    make_user,
)
from tests.training_factories import make_attendance, make_session

# Tuesday 2 March 2027, 11:00 in Oslo (CET, UTC+1): "tomorrow" is Wednesday 3 March.
NOW = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
TOMORROW_17 = datetime(2027, 3, 3, 16, 0, tzinfo=UTC)  # 17:00 in Oslo


@pytest.fixture
def config_overrides() -> dict:
    """SMTP is set (the `outbox` fixture catches what it is handed); mail waits for
    `send-mail`, so a test reads exactly what the command sent."""
    return {"MAIL_SERVER": "smtp.example.com", "MAIL_SEND_AFTER_RESPONSE": False}


@pytest.fixture
def clock(frozen):
    frozen.current = NOW
    return frozen


@pytest.fixture
def cohort(app, world, clock):
    """A cohort in A led by A's youth worker: A's ambassador (username, no e-mail) and Kari
    (an e-mail) active; an invited and a withdrawn member with logins; sessions tomorrow (one
    cancelled) and the day after. B has a session tomorrow too."""
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, status="active")
        cohort.leads.append(db.session.get(User, world.a["youth_worker"].id))
        kari = make_user(Role.AMBASSADOR, municipality, email="kari@example.com", name="Kari")
        members = {"ambassador": world.a["ambassador"].id, "kari": kari.id}
        for name in ("invited", "withdrawn"):
            members[name] = make_user(Role.AMBASSADOR, municipality, email=f"{name}@x.example").id
        for name, user_id in members.items():
            ambassador = make_ambassador(municipality, user_id=user_id)
            fields = {"status": "active"}
            if name == "invited":
                fields = {"status": "invited"}
            elif name == "withdrawn":
                fields = {"status": "withdrawn", "withdrawn_at": NOW, "withdrawal_reason": "moved"}
            make_enrolment(cohort, ambassador, **fields)
        tomorrow = make_session(cohort, starts_at=TOMORROW_17, title="Idéverksted", place="Huset")
        make_session(cohort, starts_at=TOMORROW_17, title="Avlyst", cancelled_at=NOW)
        make_session(cohort, starts_at=datetime(2027, 3, 4, 16, 0, tzinfo=UTC), title="Senere")
        b_cohort = make_cohort(db.session.get(Municipality, world.municipality_b))
        b_cohort.leads.append(db.session.get(User, world.b["youth_worker"].id))
        make_session(b_cohort, starts_at=TOMORROW_17, title="B-økt")
        db.session.commit()
        return {"cohort_id": cohort.id, "session_id": tomorrow.id, "kari": kari.id, **members}


def notified(kind=None) -> list[tuple[int, str]]:
    stmt = select(Notification.recipient_id, Notification.kind).order_by(
        Notification.recipient_id, Notification.id
    )
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return [(user_id, str(k)) for user_id, k in db.session.execute(stmt)]


def mail_jobs() -> int:
    return db.session.scalar(select(func.count()).select_from(MailJob))


def parts(message) -> dict:
    """content type -> payload (text decoded; the calendar as bytes)."""
    found = {}
    for part in message.walk():
        kind = part.get_content_type()
        if not part.is_multipart():
            found[kind] = part.get_payload(decode=True)
    return found


# ---- flask notify: tomorrow's sessions ---------------------------------------------------------


def test_notify_reminds_tomorrows_sessions_once_and_mails_those_with_an_address(
    app, runner, world, cohort, outbox
):
    first = runner.invoke(args=["notify"])
    assert first.exit_code == 0, first.output
    # A's session and B's (B's lead), not the cancelled one nor the day after's.
    assert "sessions tomorrow: 2, new reminders: 4" in first.output
    again = runner.invoke(args=["notify"])
    assert "new reminders: 0" in again.output
    with app.app_context():
        tomorrow = NotificationKind.SESSION_TOMORROW
        assert sorted(notified(tomorrow)) == sorted(
            [
                (world.a["ambassador"].id, tomorrow),
                (cohort["kari"], tomorrow),
                (world.a["youth_worker"].id, tomorrow),
                (world.b["youth_worker"].id, tomorrow),
            ]
        )
        # Kari and both leads; A's ambassador has no e-mail. And A's lead's weekly summary.
        assert mail_jobs() == 4

    sent = runner.invoke(args=["send-mail"])
    assert "sent 4" in sent.output, sent.output
    assert runner.invoke(args=["notify"]).exit_code == 0
    assert "sent 0" in runner.invoke(args=["send-mail"]).output  # nothing twice
    reminders = [m for m in outbox if m["Subject"].startswith("I morgen")]
    assert sorted(m["To"] for m in reminders) == sorted(
        ["kari@example.com", world.a["youth_worker"].login, world.b["youth_worker"].login]
    )
    kari = next(m for m in outbox if m["To"] == "kari@example.com")
    assert kari["Subject"] == "I morgen: Idéverksted"
    body = parts(kari)
    text = body["text/plain"].decode()
    assert "17:00–19:00" in text and "Huset" in text and "norsk tid" in text
    assert "Idéverksted" in body["text/html"].decode()
    calendar = Calendar.from_ical(body["text/calendar"])
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"session-{cohort['session_id']}@allin"
    starts = event.decoded("DTSTART")
    assert (starts.hour, str(starts.tzinfo)) == (17, "Europe/Oslo")
    assert str(event["LOCATION"]) == "Huset"
    # Nobody else's personal data: no other member's name or address in Kari's mail.
    assert "Test Person" not in text and "@example.com" not in text.replace("kari@", "")


def test_reminders_are_made_from_ten_in_the_morning_the_day_before(app, runner, cohort, clock):
    clock.current = datetime(2027, 3, 2, 8, 59, tzinfo=UTC)  # 09:59 in Oslo
    assert "sessions tomorrow: 0, new reminders: 0" in runner.invoke(args=["notify"]).output
    clock.advance(minutes=1)
    assert "sessions tomorrow: 2, new reminders: 4" in runner.invoke(args=["notify"]).output


def test_send_mail_hands_a_batch_over_one_connection(runner, cohort, outbox):
    runner.invoke(args=["notify"])
    assert "sent 4," in runner.invoke(args=["send-mail"]).output
    assert len(outbox) == 4 and len(outbox.connections) == 1


def test_a_bounced_address_is_retried_then_given_up_and_the_rest_is_sent(
    app, runner, world, cohort, outbox
):
    runner.invoke(args=["notify"])
    outbox.refuse.add("kari@example.com")  # the server refuses this address (550)
    first = runner.invoke(args=["send-mail"])
    assert "sent 3, failed 1 (will retry)" in first.output, first.output
    assert "kari@example.com" not in [m["To"] for m in outbox]
    with app.app_context():
        (job,) = db.session.scalars(select(MailJob)).all()
        assert (job.recipient, job.attempts, job.claimed_at) == ("kari@example.com", 1, None)

    for _ in range(MAX_ATTEMPTS - 1):
        runner.invoke(args=["send-mail"])
    gave_up = runner.invoke(args=["send-mail"])
    assert "sent 0, failed 0 (will retry), given up 1" in gave_up.output, gave_up.output
    with app.app_context():
        assert mail_jobs() == 0
        # The reminder is still under Kari's bell: only its e-mail was given up.
        assert (cohort["kari"], NotificationKind.SESSION_TOMORROW) in notified()


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(
    app, runner, cohort, outbox, monkeypatch
):
    monkeypatch.delenv("SSL_CERT_FILE")  # the stub's certificate is not one the system trusts
    runner.invoke(args=["notify"])
    result = runner.invoke(args=["send-mail"])
    assert "sent 0, failed 4 (will retry)" in result.output, result.output
    assert list(outbox) == []
    with app.app_context():
        assert mail_jobs() == 4


def test_a_reminder_queued_before_a_cancellation_is_not_sent(
    app, runner, client, world, login, cohort, outbox
):
    runner.invoke(args=["notify"])
    login(world.a["coordinator"])
    cancel = client.post(f"/sessions/{cohort['session_id']}/cancel", data=CONFIRMED)
    assert cancel.status_code == 302
    runner.invoke(args=["send-mail"])
    to_kari = [m for m in outbox if m["To"] == "kari@example.com"]
    assert [m["Subject"] for m in to_kari] == ["Avlyst: Idéverksted"]
    calendar = Calendar.from_ical(parts(to_kari[0])["text/calendar"])
    assert calendar["METHOD"] == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    with app.app_context():
        cancelled = NotificationKind.SESSION_CANCELLED
        # Everyone it is for, not the coordinator who cancelled it.
        assert {user for user, _ in notified(cancelled)} == {
            world.a["ambassador"].id,
            cohort["kari"],
            world.a["youth_worker"].id,
        }


# ---- a session moved: the bell, the list, opening one ---------------------------------------


def edit_form(**overrides) -> dict:
    data = {
        "title": "Idéverksted",
        "phase": "create",
        "starts": "2027-03-03T18:00",
        "ends": "2027-03-03T20:00",
        "place": "Biblioteket",
        "online_url": "",
        "agenda": "",
        "facilitator": "0",
    }
    data.update(overrides)
    return data


def bell(html: str) -> str:
    found = re.search(r'<a class="bell"[^>]*>(.*?)</a>', html, re.S)
    assert found, "the bell is in the header"
    count = re.search(r'class="bell__count">([^<]*)<', found.group(1))
    return count.group(1) if count else ""


def test_a_moved_session_is_under_the_bell_and_opens_its_page(
    app, client, runner, world, login, cohort, outbox
):
    session_id = cohort["session_id"]
    login(world.a["coordinator"])
    assert client.post(f"/sessions/{session_id}/edit", data=edit_form()).status_code == 302
    # Saving it again unchanged, or with only a new title, tells nobody anything new.
    client.post(f"/sessions/{session_id}/edit", data=edit_form(title="Idéverksted!"))
    with app.app_context():
        changed = NotificationKind.SESSION_CHANGED
        assert {user for user, _ in notified(changed)} == {
            world.a["ambassador"].id,
            cohort["kari"],
            world.a["youth_worker"].id,
        }
        assert len(notified(changed)) == 3
    runner.invoke(args=["send-mail"])
    kari = next(m for m in outbox if m["To"] == "kari@example.com")
    assert kari["Subject"] == "Endret: Idéverksted!"
    assert "18:00–20:00" in parts(kari)["text/plain"].decode()
    assert Calendar.from_ical(parts(kari)["text/calendar"])["METHOD"] == "PUBLISH"

    client.post("/logout")
    login(world.a["ambassador"])
    home = client.get("/").data.decode()
    assert bell(home) == "1"
    assert "er endret: nå" in home  # the ambassador's home lists the unread ones
    listing = client.get("/notifications/").data.decode()
    (link,) = re.findall(r'href="(/notifications/\d+)"', listing)
    assert "«Idéverksted!» er endret: nå onsdag 3. mars 2027, 18:00–20:00." in listing
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/sessions/{session_id}")
    assert bell(client.get("/notifications/").data.decode()) == ""


def test_english_text(app, client, world, login, cohort):
    with app.app_context():
        session = db.session.get(TrainingSession, cohort["session_id"])
        services.session_cancelled(session, actor=None)
        db.session.get(User, world.a["ambassador"].id).language = "en"
        db.session.commit()
    login(world.a["ambassador"])
    page = client.get("/notifications/").data.decode()
    assert "“Idéverksted” (Wednesday, 3 March 2027, 17:00–19:00) is cancelled." in page


def test_a_person_sees_only_their_own_and_marks_read_only_what_they_saw(
    app, client, world, login, cohort
):
    with app.app_context():
        session = db.session.get(TrainingSession, cohort["session_id"])
        services.session_cancelled(session, actor=None)
        db.session.commit()
        kari_notice = db.session.scalar(
            select(Notification.id).where(Notification.recipient_id == cohort["kari"])
        )
    login(world.a["ambassador"])
    assert client.get(f"/notifications/{kari_notice}").status_code == 404
    page = client.get("/notifications/").data.decode()
    upto = re.search(r'name="upto" value="(\d+)"', page).group(1)
    with app.app_context():  # news arrives after the page was shown
        session = db.session.get(TrainingSession, cohort["session_id"])
        db.session.add(
            Notification(
                municipality_id=session.municipality_id,
                recipient_id=world.a["ambassador"].id,
                kind=NotificationKind.SESSION_TOMORROW,
                event_key="later",
                session_id=session.id,
            )
        )
        db.session.commit()
    assert client.post("/notifications/read", data={"upto": "x"}).status_code == 400
    assert client.post("/notifications/read", data={"upto": upto}).status_code == 302
    with app.app_context():
        unread = db.session.execute(
            select(Notification.recipient_id, Notification.event_key).where(
                Notification.read_at.is_(None)
            )
        ).all()
    key = f"cancelled:{cohort['session_id']}"
    # What arrived after the page stays unread; so do Kari's and the lead's own.
    assert sorted(unread) == sorted(
        [
            (world.a["ambassador"].id, "later"),
            (cohort["kari"], key),
            (world.a["youth_worker"].id, key),
        ]
    )
    assert bell(client.get("/notifications/").data.decode()) == "1"


def test_the_list_is_paginated_newest_first(app, client, world, login, cohort, clock):
    with app.app_context():
        session = db.session.get(TrainingSession, cohort["session_id"])
        for n in range(30):
            clock.advance(minutes=1)
            db.session.add(
                Notification(
                    municipality_id=session.municipality_id,
                    recipient_id=world.a["ambassador"].id,
                    kind=NotificationKind.SESSION_CHANGED,
                    event_key=f"n{n}",
                    session_id=session.id,
                )
            )
        db.session.commit()
        newest = db.session.scalar(select(func.max(Notification.id)))
    login(world.a["ambassador"])
    first = client.get("/notifications/").data.decode()
    assert first.count('class="notification notification--unread"') == 25
    assert re.findall(r'href="/notifications/(\d+)"', first)[0] == str(newest)
    assert bell(first) == "30"
    second = client.get("/notifications/?page=2").data.decode()
    assert second.count('class="notification notification--unread"') == 5
    assert client.get("/notifications/?page=9").status_code == 200


# ---- feedback on a concept ------------------------------------------------------------------


def test_feedback_tells_the_team_only(app, client, world, login, team):
    login(world.a["coordinator"])
    response = client.post(f"/concepts/{team.concept_id}/write", data={"text": "Bra jobba!"})
    assert response.status_code == 302
    with app.app_context():
        feedback = NotificationKind.CONCEPT_FEEDBACK
        assert {user for user, _ in notified(feedback)} == {team.member.id, team.teammate.id}
        assert mail_jobs() == 0  # feedback is told in the app (no e-mail yet)
        title = db.session.get(Concept, team.concept_id).title
    # The team's own update tells nobody.
    client.post("/logout")
    login(team.member)
    client.post(f"/concepts/{team.concept_id}/write", data={"text": "Takk!"})
    with app.app_context():
        assert len(notified()) == 2
    page = client.get("/notifications/").data.decode()
    assert f"Ny tilbakemelding på konseptet ditt «{title}»." in page
    (link,) = re.findall(r'href="(/notifications/\d+)"', page)
    assert client.get(link).headers["Location"].endswith(f"/concepts/{team.concept_id}")


def test_a_stage_move_tells_the_rest_of_the_team(app, client, world, login, team):
    login(team.member)
    moved = client.post(
        f"/concepts/{team.concept_id}/stage", data={"to": "developing", "expected": "idea"}
    )
    assert moved.status_code == 302
    with app.app_context():
        stage = NotificationKind.CONCEPT_STAGE
        assert notified(stage) == [(team.teammate.id, stage)]  # not the one who moved it
        assert mail_jobs() == 0
    client.post("/logout")
    login(team.teammate)
    page = client.get("/notifications/").data.decode()
    assert "» er nå på trinnet «Under utvikling»." in page


def test_a_withdrawn_consent_tells_the_leads_by_name_in_the_app(app, client, world, login, cohort):
    with app.app_context():
        kari = db.session.scalar(select(Ambassador).where(Ambassador.user_id == cohort["kari"]))
        kari.name = "Kari Nordmann"
        consent_id = make_consent(kari, "photo").id
        db.session.commit()
        kari_id = kari.id
    login(world.a["coordinator"])
    url = f"/ambassadors/consents/{consent_id}/withdraw"
    assert client.post(url, data=CONFIRMED).status_code == 302
    with app.app_context():
        withdrawn = NotificationKind.CONSENT_WITHDRAWN
        assert notified(withdrawn) == [(world.a["youth_worker"].id, withdrawn)]  # the lead
        assert mail_jobs() == 0  # a name stays in the app: told there only
    client.post("/logout")
    login(world.a["youth_worker"])
    page = client.get("/notifications/").data.decode()
    assert "Et samtykke er trukket tilbake for Kari Nordmann." in page
    (link,) = re.findall(r'href="(/notifications/\d+)"', page)
    assert client.get(link).headers["Location"].endswith(f"/ambassadors/{kari_id}")


def test_an_accepted_invitation_tells_who_sent_it(app, client, world, login):
    from allin.auth import invitations

    with app.app_context():
        coordinator = db.session.get(User, world.a["coordinator"].id)
        invitation, _token = make_invitation(coordinator, Role.YOUTH_WORKER)
        admin = db.session.get(User, world.admin.id)
        network_invitation, _token = make_invitation(admin, Role.NETWORK_ADMIN)
        user = invitations.accept(
            invitation,
            name="Nora Nymo",
            email="nora@example.com",
            username=None,
            password="a long enough passphrase",
        )
        invitations.accept(  # between the network's admins: no municipality, told all the same
            network_invitation,
            name="Ola Nett",
            email="ola@example.com",
            username=None,
            password="a long enough passphrase",
        )
        db.session.commit()
        user_id = user.id
        accepted = NotificationKind.INVITATION_ACCEPTED
        assert notified(accepted) == sorted(
            [(world.a["coordinator"].id, accepted), (world.admin.id, accepted)]
        )
    login(world.a["coordinator"])
    page = client.get("/notifications/").data.decode()
    assert "Nora Nymo har godtatt invitasjonen din og kan logge inn." in page
    (link,) = re.findall(r'href="(/notifications/\d+)"', page)
    assert client.get(link).headers["Location"].endswith(f"/admin/users/{user_id}")


def test_a_person_outside_the_readers_scope_is_never_named(app, client, world, login, cohort):
    """The name is read through the reader's scope when shown: a notification about someone
    the reader cannot see (here: made for B's coordinator about A's people) names nobody
    and links nowhere."""
    with app.app_context():
        kari = db.session.scalar(select(Ambassador).where(Ambassador.user_id == cohort["kari"]))
        for kind, subject in (
            (NotificationKind.CONSENT_WITHDRAWN, {"ambassador_id": kari.id}),
            (NotificationKind.EARLY_WARNING, {"ambassador_id": kari.id}),
            (NotificationKind.INVITATION_ACCEPTED, {"person_id": cohort["kari"]}),
        ):
            db.session.add(
                Notification(
                    municipality_id=world.municipality_b,
                    recipient_id=world.b["coordinator"].id,
                    kind=kind,
                    event_key=f"forged:{kind}",
                    **subject,
                )
            )
        db.session.commit()
        names = {kari.name, db.session.get(User, cohort["kari"]).name}
    login(world.b["coordinator"])
    page = client.get("/notifications/").data.decode()
    main = page[page.index("<main") :]
    assert [name for name in names if name in main] == []
    assert "Et samtykke er trukket tilbake for en du ikke lenger følger." in main
    assert "Et tidlig varsel om en du ikke lenger følger." in main
    assert "En invitasjon du sendte, er godtatt." in main
    assert re.findall(r'href="/notifications/\d+"', main) == []


# ---- the bell costs no query ----------------------------------------------------------------


def test_the_bell_adds_no_query_and_pages_stay_constant(
    app, client, world, login, cohort, assert_constant_queries, count_queries
):
    grown = iter(range(1000))

    def grow():
        with app.app_context():
            session = db.session.get(TrainingSession, cohort["session_id"])
            for n in (next(grown) for _ in range(40)):
                db.session.add(
                    Notification(
                        municipality_id=session.municipality_id,
                        recipient_id=world.a["ambassador"].id,
                        kind=NotificationKind.SESSION_CHANGED,
                        event_key=f"grow{n}",
                        session_id=session.id,
                    )
                )
            db.session.commit()

    login(world.a["ambassador"])
    client.get("/")
    with count_queries() as account:
        client.get("/account")
    with count_queries() as empty_home:
        client.get("/")
    grow()
    home = assert_constant_queries("/", grow)  # 40 unread, then 80
    listing = assert_constant_queries("/notifications/", grow)  # 80, then 120
    with count_queries() as account_after:
        page = client.get("/account").data.decode()
    assert bell(page) == "99+"
    assert account.count == account_after.count, "the bell is counted by the sign-in query"
    # The ambassador's home lists their unread ones: one query, only when there are any.
    assert home == empty_home.count + 1
    print(f"queries: home {empty_home.count}/{home}, list {listing}, account {account.count}")
    assert listing <= 4


def test_a_cohort_without_logins_or_leads_makes_nothing(app, runner, world, clock):
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a))
        make_enrolment(cohort, make_ambassador(cohort.municipality))  # no login
        make_session(cohort, starts_at=TOMORROW_17)
        db.session.commit()
    result = runner.invoke(args=["notify"])
    assert "sessions tomorrow: 1, new reminders: 0" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_no_email_to_an_ambassador_the_consent_rule_refuses_a_login(
    app, runner, world, cohort, outbox
):
    """Below the digital-consent age without a guardian's consent (SECURITY 24) Kari may not
    have a login now: the app does not e-mail her either."""
    with app.app_context():
        kari = db.session.scalar(select(Ambassador).where(Ambassador.user_id == cohort["kari"]))
        kari.birth_year = NOW.year - 11  # counted as 10, below 13; no consent recorded
        db.session.commit()
    runner.invoke(args=["notify"])
    runner.invoke(args=["send-mail"])
    assert "kari@example.com" not in [m["To"] for m in outbox]
    assert world.a["youth_worker"].login in [m["To"] for m in outbox]


# ---- e-mail choices and the one-click unsubscribe -----------------------------------------------


def unsubscribe_path(message) -> str:
    header = message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return re.fullmatch(r"<https?://[^/]+(/notifications/unsubscribe/[^>]+)>", header).group(1)


def test_one_click_unsubscribe_stops_that_kind_only(
    app, client, runner, world, cohort, outbox, clock
):
    runner.invoke(args=["notify"])
    runner.invoke(args=["send-mail"])
    kari = next(m for m in outbox if m["To"] == "kari@example.com")
    path = unsubscribe_path(kari)
    assert "/notifications/unsubscribe/" in parts(kari)["text/plain"].decode()

    asked = client.get(path)  # a mail scanner opening the link changes nothing
    assert asked.status_code == 200
    with app.app_context():
        assert services.wants_email(cohort["kari"], NotificationKind.SESSION_TOMORROW)
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058, no sign-in
    assert done.status_code == 200
    with app.app_context():
        assert not services.wants_email(cohort["kari"], NotificationKind.SESSION_TOMORROW)
        assert services.wants_email(cohort["kari"], NotificationKind.SESSION_CANCELLED)

    # The next day's reminder: in the app, not by e-mail; a cancellation still is.
    clock.advance(days=1)
    with app.app_context():
        session = make_session(
            db.session.get(Cohort, cohort["cohort_id"]),
            starts_at=datetime(2027, 3, 4, 17, 0, tzinfo=UTC),
            title="Neste",
        )
        db.session.commit()
        session_id = session.id
    outbox.clear()
    runner.invoke(args=["notify"])
    runner.invoke(args=["send-mail"])
    assert "kari@example.com" not in [m["To"] for m in outbox]
    with app.app_context():
        assert (cohort["kari"], NotificationKind.SESSION_TOMORROW) in notified()
        services.session_cancelled(db.session.get(TrainingSession, session_id), actor=None)
        db.session.commit()
    runner.invoke(args=["send-mail"])
    assert [m["Subject"] for m in outbox if m["To"] == "kari@example.com"] == ["Avlyst: Neste"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda path: path[:-2] + ("AA" if not path.endswith("AA") else "BB"),
        lambda path: "/notifications/unsubscribe/WzEsICJzZXNzaW9uX3RvbW9ycm93Il0",
        lambda path: "/notifications/unsubscribe/x",
    ],
)
def test_a_tampered_unsubscribe_link_is_not_found(app, client, runner, cohort, outbox, tamper):
    runner.invoke(args=["notify"])
    runner.invoke(args=["send-mail"])
    path = tamper(unsubscribe_path(next(m for m in outbox if m["To"] == "kari@example.com")))
    assert client.get(path).status_code == 404
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_a_token_for_another_person_cannot_be_made_from_ones_own(app, cohort):
    """The token signs the person and the kind together: changing either breaks it."""
    from allin.notifications import unsubscribe

    with app.test_request_context():
        mine = unsubscribe.token(cohort["kari"], NotificationKind.SESSION_TOMORROW)
        assert unsubscribe.read(mine) == (cohort["kari"], NotificationKind.SESSION_TOMORROW)
        payload, _, signature = mine.partition(".")
        other = unsubscribe.token(cohort["kari"] + 1, NotificationKind.SESSION_TOMORROW)
        assert unsubscribe.read(other.partition(".")[0] + "." + signature) is None


def test_preferences_round_trip_and_a_queued_mail_follows_the_latest_choice(
    app, client, runner, world, login, cohort, outbox
):
    login(world.a["youth_worker"])
    page = client.get("/notifications/preferences").data.decode()
    assert page.count("checked") == 4  # on by default (a lead is offered the summary)
    fields = dict(re.findall(r'name="(\w+)"[^>]*?value="([^"]*)"', page))
    as_rendered = {k: v for k, v in fields.items() if k == "csrf_token"} | {
        "session_tomorrow": "y",
        "session_changed": "y",
        "session_cancelled": "y",
        "weekly_digest": "y",
    }
    assert client.post("/notifications/preferences", data=as_rendered).status_code == 302
    with app.app_context():
        assert all(services.email_choices(world.a["youth_worker"].id).values())
    runner.invoke(args=["notify"])  # the lead's reminder is queued ...
    off = as_rendered | {"session_tomorrow": ""}
    del off["session_tomorrow"]
    assert client.post("/notifications/preferences", data=off).status_code == 302
    runner.invoke(args=["send-mail"])  # ... and not sent: the choice changed meanwhile
    to_lead = [m["Subject"] for m in outbox if m["To"] == world.a["youth_worker"].login]
    assert to_lead == ["Dine kull denne uken"]  # the summary, still on; no reminder
    page = client.get("/notifications/preferences").data.decode()
    assert page.count("checked") == 3


def test_an_ambassadors_notifications_name_no_person(app, client, world, login, team, clock):
    """Texts are made from sessions and concepts, never from people: the list of a team
    member who has one of every kind names nobody (not the staff who acted, not teammates)."""
    login(world.a["coordinator"])
    client.post(f"/concepts/{team.concept_id}/write", data={"text": "Bra jobba!"})
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        session = make_session(concept.cohort, starts_at=TOMORROW_17, title="Verksted")
        db.session.commit()
        services.remind_tomorrow()
        services.session_changed(session, actor=None)
        services.session_cancelled(session, actor=None)
        db.session.commit()
        kinds = {kind for user, kind in notified() if user == team.member.id}
        names = set(db.session.scalars(select(User.name)).all())
        names |= set(db.session.scalars(select(Ambassador.name)).all())
        me = db.session.get(User, team.member.id).name
    staff_only = {
        "weekly_digest",
        "concept_stage",
        "consent_withdrawn",
        "invitation_accepted",
        "early_warning",
        "checkin_due",
        "retention_due",
    }
    assert kinds == {str(kind) for kind in NotificationKind} - staff_only
    client.post("/logout")
    login(team.member)
    for url in ("/notifications/", "/"):
        page = client.get(url).data.decode()
        main = page[page.index("<main") :]
        assert [name for name in names - {me} if name in main] == [], url


def test_staff_see_an_ambassadors_email_choices(app, client, world, login, cohort):
    with app.app_context():
        services.set_email(cohort["kari"], NotificationKind.SESSION_TOMORROW, False)
        db.session.commit()
        kari = db.session.scalar(select(Ambassador.id).where(Ambassador.user_id == cohort["kari"]))
        tuva = db.session.scalar(
            select(Ambassador.id).where(Ambassador.user_id == world.a["ambassador"].id)
        )
    login(world.a["youth_worker"])
    page = client.get(f"/ambassadors/{kari}").data.decode()
    assert "<dt>Varsler på e-post</dt><dd>Økt endret, Økt avlyst</dd>" in page
    assert "/notifications/preferences" not in page  # seen, not changed, by staff
    page = client.get(f"/ambassadors/{tuva}").data.decode()
    assert "Ingen: varsles bare i appen (ingen e-postadresse)" in page


# ---- the weekly summary for cohort leads ----------------------------------------------------


def test_the_weekly_summary_goes_to_leads_with_news_once_a_week(
    app, client, runner, world, login, cohort, outbox, clock
):
    """A's cohort has ambassadors without a participation consent: its lead gets one summary
    this week with counts and links, no names; B's lead (a planned cohort) gets none."""
    first = runner.invoke(args=["notify"])
    assert "new weekly summaries for cohort leads: 1" in first.output
    assert "new weekly summaries for cohort leads: 0" in runner.invoke(args=["notify"]).output
    runner.invoke(args=["send-mail"])
    (summary,) = [m for m in outbox if m["Subject"] == "Dine kull denne uken"]
    assert summary["To"] == world.a["youth_worker"].login
    assert summary["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = parts(summary)["text/plain"].decode()
    with app.app_context():
        name = db.session.get(Cohort, cohort["cohort_id"]).name
        people = set(db.session.scalars(select(Ambassador.name)).all())
    assert name in text
    assert "Ambassadører som mangler et samtykke: 3" in text  # the three enrolled, not withdrawn
    assert f"/cohorts/{cohort['cohort_id']}/people?missing=1" in text
    assert [p for p in people if p in text] == []

    login(world.a["youth_worker"])
    page = client.get("/notifications/").data.decode()
    assert "Ukens oppsummering: tidlige varsler eller manglende samtykker i kullene dine." in page
    clock.advance(days=7)
    assert "leads: 1" in runner.invoke(args=["notify"]).output  # a new week
    with app.app_context():
        weekly = NotificationKind.WEEKLY_DIGEST
        assert notified(weekly) == [(world.a["youth_worker"].id, weekly)] * 2


# ---- early warnings: told to the cohort's leads as they appear ----------------------------


def _roll_call(cohort_id: int, days_ago: int, kari: str, others: str = "present") -> None:
    """A held session of the cohort `days_ago` with Kari's mark and everyone else's."""
    cohort = db.session.get(Cohort, cohort_id)
    session = make_session(cohort, starts_at=NOW - timedelta(days=days_ago), title="Økt")
    for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort_id, Enrolment.status == "active")
    ):
        is_kari = enrolment.ambassador.user_id is not None and (
            db.session.get(User, enrolment.ambassador.user_id).email == "kari@example.com"
        )
        make_attendance(session, enrolment, kari if is_kari else others)
    db.session.commit()


def warned(app) -> list[tuple[int, str]]:
    with app.app_context():
        return notified(NotificationKind.EARLY_WARNING)


def _warned_cohort(municipality_id: int, lead_id: int, missing: int) -> None:
    """An active cohort led by `lead_id` whose `missing` members missed its two sessions."""
    municipality = db.session.get(Municipality, municipality_id)
    cohort = make_cohort(municipality, status="active")
    cohort.leads.append(db.session.get(User, lead_id))
    enrolled = NOW - timedelta(days=30)
    members = [
        make_enrolment(cohort, make_ambassador(municipality), status="active", enrolled_at=enrolled)
        for _ in range(missing + 1)
    ]
    for days_ago in (14, 7):
        session = make_session(cohort, starts_at=NOW - timedelta(days=days_ago))
        for index, enrolment in enumerate(members):
            make_attendance(session, enrolment, "present" if index == missing else "absent")
    db.session.commit()


def test_early_warnings_of_every_cohort_are_found_in_one_query(app, world, clock, count_queries):
    """Each warned member of each active cohort is told to its leads, with as many queries
    for one cohort as for three (it was one query more per cohort, and at most 100 a cohort)."""
    from allin.notifications import warnings

    def made_with_queries() -> tuple[int, int]:
        with app.app_context(), count_queries() as queries:
            made = warnings.make_due()
            db.session.commit()
        return made, len([s for s in queries.statements if s.lstrip().startswith("SELECT")])

    a, b = world.municipality_a, world.municipality_b
    with app.app_context():
        _warned_cohort(a, world.a["youth_worker"].id, missing=2)
    made, few = made_with_queries()
    assert made == 2
    with app.app_context():
        _warned_cohort(a, world.a["youth_worker"].id, missing=1)
        _warned_cohort(b, world.b["youth_worker"].id, missing=3)
    made, many = made_with_queries()
    assert made == 4 and few == many == 3
    with app.app_context():
        told = db.session.execute(
            select(Notification.recipient_id, func.count()).group_by(Notification.recipient_id)
        ).all()
    assert sorted(told) == sorted(
        [(world.a["youth_worker"].id, 3), (world.b["youth_worker"].id, 3)]
    )


def test_an_early_warning_is_told_to_the_leads_once_and_again_after_a_return(
    app, client, runner, world, login, cohort
):
    lead = world.a["youth_worker"].id
    with app.app_context():
        for enrolment in db.session.scalars(select(Enrolment)):
            enrolment.enrolled_at = NOW - timedelta(days=30)  # sessions count from enrolment
        _roll_call(cohort["cohort_id"], 14, kari="absent")
    assert "new early warnings for cohort leads: 0" in runner.invoke(args=["notify"]).output
    with app.app_context():
        _roll_call(cohort["cohort_id"], 7, kari="absent")
    assert "new early warnings for cohort leads: 1" in runner.invoke(args=["notify"]).output
    assert warned(app) == [(lead, NotificationKind.EARLY_WARNING)]
    with app.app_context():  # still missing: the same warning, not told again
        _roll_call(cohort["cohort_id"], 5, kari="absent")
    assert "new early warnings for cohort leads: 0" in runner.invoke(args=["notify"]).output
    with app.app_context():  # back, then away twice more: a new warning
        _roll_call(cohort["cohort_id"], 4, kari="present")
        _roll_call(cohort["cohort_id"], 3, kari="excused")
    assert "new early warnings for cohort leads: 0" in runner.invoke(args=["notify"]).output
    with app.app_context():
        _roll_call(cohort["cohort_id"], 2, kari="absent")
        _roll_call(cohort["cohort_id"], 1, kari="absent")
        mailed = select(Notification.kind).join(MailJob, MailJob.notification_id == Notification.id)
        # Told in the app only: the e-mail about warnings is the weekly summary, without names.
        assert NotificationKind.EARLY_WARNING not in db.session.scalars(mailed).all()
    assert "new early warnings for cohort leads: 1" in runner.invoke(args=["notify"]).output
    assert warned(app) == [(lead, NotificationKind.EARLY_WARNING)] * 2

    with app.app_context():
        kari = db.session.scalar(select(Ambassador).where(Ambassador.user_id == cohort["kari"]))
        name, kari_id = kari.name, kari.id
    login(world.a["youth_worker"])
    page = client.get("/notifications/").data.decode()
    told = f"Tidlig varsel: {name} har vært borte fra de to siste øktene uten gyldig fravær."
    assert told in page
    opened = client.get(re.search(r"href=\"(/notifications/\d+)\"", page).group(1))
    assert opened.headers["Location"].endswith(f"/ambassadors/{kari_id}")
