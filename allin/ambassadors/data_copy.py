"""Everything held about one young person, as one ZIP: a page to read (index.html, in the
reader's language), the same as data.json, and the files they uploaded (issue 21).

`EXPORTED` and `NOT_EXPORTED` name every column of every table between them;
tests/test_data_copy.py fails when a new column is in neither, so a later feature cannot
forget to say whether what it stores about a person is handed over.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from enum import Enum

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..audit_log import labels
from ..clock import now
from ..concepts.files import file_path
from ..extensions import db
from ..models import (
    Attachment,
    AttachmentSubject,
    Attendance,
    AuditEvent,
    Concept,
    ConceptMember,
    Consent,
    Enrolment,
    GuardianConsentLink,
    Invitation,
    LoginSession,
    Notification,
    NotificationPreference,
    SurveyRespondent,
    SurveyRound,
    TimelineEntry,
    TrainingSession,
)
from ..training.times import local_date, to_local

# table -> the columns data.json holds (under the section of the same name, or as named).
EXPORTED = {
    "ambassador": "name birth_year school phone email guardian_name guardian_phone "
    "guardian_email hold_reason hold_set_at created_at updated_at",
    "user": "role name email username active language last_login_at totp_confirmed_at created_at",
    "login_session": "created_at last_seen_at user_agent",
    "enrolment": "status role enrolled_at withdrawal_reason withdrawal_note withdrawn_at",
    "consent": "purpose given_by guardian_name method given_on recorded_at withdrawn_at",
    "guardian_consent_link": "guardian_name relation receipt_email declined created_at "
    "expires_at used_at",
    "attendance": "value recorded_at",
    "concept": "title challenge target_group idea format stage stop_reason submitted_at created_at",
    "concept_member": "left_at",
    "timeline_entry": "kind text from_stage to_stage created_at",
    "attachment": "original_name content_type size shows_people created_at",
    "audit_event": "created_at action object_type detail",
    "notification": "kind created_at read_at",
    "notification_preference": "kind email changed_at",
}

# table -> the columns that are not handed over, and why. "*": the whole table.
NOT_EXPORTED = {
    # Keys and references: numbers that mean nothing outside the database.
    "*keys": "id municipality_id cohort_id ambassador_id user_id concept_id session_id "
    "enrolment_id attachment_id entry_id created_by_id recorded_by_id withdrawn_by_id "
    "enrolled_by_id uploaded_by_id mentor_id author_id invited_by_id facilitator_id "
    "cancelled_by_id editor_id actor_id object_id hold_set_by_id link_id consent_link_id "
    "based_on_id round_id opened_by_id owner_id completed_by_id",
    # Secrets that prove who someone is: never handed out, not even to their owner.
    # erased_at: set only on a staff account that is gone (an ambassador's login is deleted).
    "user": "password_hash totp_secret totp_last_step updated_at erased_at",
    "login_session": "token_hash",
    "enrolment": "feed_token",
    # A certificate's secret verification address and when it was first opened: what the
    # certificate says (cohorts, attendance, concepts) is in the copy already.
    "certificate": "token created_at",
    "ambassador": "name_key erased_at",  # the name again, folded; when it was erased
    "attachment": "stored_name",  # a random file name; the file itself is in the ZIP
    "concept": "stopped_from updated_at",
    "password_reset": "*",  # single-use links, hashed, gone after use or expiry
    "pending_sign_in": "*",
    "recovery_code": "*",
    "browser_claim": "*",
    "login_failure": "*",  # hashed keys, deleted after the lock window
    "mail_job": "*",  # a message waiting to be sent: deleted once sent
    "invitation": "*",  # the link that made a login: hashed, spent
    # A guardian's consent link (issue 25): its tokens are hashed secrets; the consents it
    # made are under consents (consent.link_id is a key).
    "guardian_consent_link": "token_hash withdraw_hash mailed_withdraw_hash",
    # A sign-up waiting for a youth worker (issue 25) belongs to no ambassador yet: accepted,
    # its data moves to the ambassador's record (handed over above) and the row goes;
    # declined, it goes at once; unanswered, the retention job deletes it after 90 days.
    "signup": "*",
    "signup_form": "*",  # a cohort's public form: its address and whether it is open
    "cohort_import": "*",  # the uploader's (staff) preview, deleted after a day
    "concept_seen": "*",  # when the team last opened a concept: for the unread mark only
    # What a message is about is in the copy itself (its session or concept); the key that
    # makes an event be told once is not about them. What a message says is made when shown.
    "notification": "event_key recipient_id person_id",
    "attachment_subject": "*",  # who was on the team when a file was added (for consent)
    # Self-assessment (issue 24): a cohort's rounds are the programme's; the answers are
    # anonymous by design - nothing links one to the person, so nobody (the app included) can
    # find theirs to hand over. That they answered a round is in the copy (self_assessments).
    "survey_round": "*",
    "survey_answer": "*",
    # A launched concept's check-ins are done by staff, about the concept (issue 24).
    "concept_check_in": "*",
    # Not about a person: the programme, the guide, the app.
    "municipality": "*",
    "cohort": "*",
    "cohort_lead": "*",
    "calendar_feed": "*",
    "training_session": "*",  # its title and time are in the attendance rows
    "session_tool": "*",
    "reach_figure": "*",
    "guide_entry": "*",
    "guide_revision": "*",
    "guide_old_slug": "*",
    "guide_tag": "*",
    "guide_tag_use": "*",
    "guide_image": "*",
    "guide_edition": "*",
    "guide_synonym": "*",  # words of the search, nobody's
    "installation": "*",
    "audit_event": "municipality_id",
    "attendance": "municipality_id",
    "timeline_entry": "concept_id",
}


# The page's headings: data.json's sections and fields, in the reader's language.
SECTIONS = {
    "ambassador": _l("Your details"),
    "login": _l("Your login"),
    "sessions": _l("Where you were signed in"),
    "notifications": _l("Messages to you in the app"),
    "self_assessments": _l("Self-assessments you answered (your answers are anonymous)"),
    "email_choices": _l("Which messages also come by e-mail"),
    "enrolments": _l("Cohorts"),
    "consents": _l("Consents"),
    "consent_links": _l("Consent links for your guardian"),
    "attendance": _l("Attendance"),
    "concepts": _l("Concepts"),
    "written_by_you": _l("Written by you"),
    "files": _l("Files you uploaded, and photos that may show you"),
    "audit_events": _l("What was recorded about you"),
}
FIELDS = {
    "name": _l("Name"),
    "birth_year": _l("Birth year"),
    "school": _l("Class"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "guardian_name": _l("Guardian"),
    "guardian_phone": _l("Guardian's phone"),
    "guardian_email": _l("Guardian's e-mail"),
    "hold_reason": _l("Legal hold (why the data is kept)"),
    "hold_set_at": _l("Legal hold since"),
    "municipality": _l("Municipality"),
    "created_at": _l("Made"),
    "updated_at": _l("Last changed"),
    "role": _l("Role"),
    "username": _l("Username"),
    "active": _l("Active"),
    "language": _l("Language"),
    "last_login_at": _l("Last signed in"),
    "totp_confirmed_at": _l("Two-factor sign-in since"),
    "last_seen_at": _l("Last seen"),
    "read_at": _l("Read"),
    "by_email": _l("By e-mail"),
    "changed_at": _l("Chosen"),
    "user_agent": _l("Browser"),
    "cohort": _l("Cohort"),
    "status": _l("Status"),
    "enrolled_at": _l("Enrolled"),
    "withdrawal_reason": _l("Why they left"),
    "withdrawal_note": _l("Note"),
    "withdrawn_at": _l("Withdrawn"),
    "purpose": _l("For"),
    "given_by": _l("Given by"),
    "method": _l("How"),
    "given_on": _l("Date given"),
    "recorded_at": _l("Recorded"),
    "relation": _l("Relation"),
    "receipt_email": _l("E-mail for the receipt"),
    "declined": _l("Declined"),
    "expires_at": _l("Works until"),
    "used_at": _l("Answered"),
    "session": _l("Session"),
    "starts_at": _l("Starts"),
    "value": _l("Roll call"),
    "title": _l("Title"),
    "challenge": _l("Challenge"),
    "target_group": _l("Target group"),
    "idea": _l("Idea"),
    "format": _l("Format"),
    "stage": _l("Stage"),
    "stop_reason": _l("Why it stopped"),
    "submitted_at": _l("Submitted"),
    "left_at": _l("Left the team"),
    "kind": _l("Kind"),
    "opened_on": _l("Opened"),
    "text": _l("Text"),
    "from_stage": _l("From stage"),
    "to_stage": _l("To stage"),
    "original_name": _l("File name"),
    "content_type": _l("Type"),
    "size": _l("Size (bytes)"),
    "shows_people": _l("Shows people"),
    "file": _l("In the ZIP as"),
    "action": _l("What"),
    "object_type": _l("About"),
    "detail": _l("Details"),
}


def collect(ambassador, *, readable: bool = False) -> dict:
    """The person's data, as data.json holds it (codes, UTC times), or `readable` for the
    page (names in the reader's language, Oslo times); a few queries whatever its size."""
    value = _readable if readable else _plain
    user = ambassador.user
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.ambassador_id == ambassador.id)
            .options(db.joinedload(Enrolment.cohort))
            .order_by(Enrolment.enrolled_at)
        )
    )
    enrolment_ids = [e.id for e in enrolments]
    return {
        "ambassador": _row(ambassador, "ambassador", value)
        | {"municipality": ambassador.municipality.name},
        "login": _login(user, value) if user else None,
        "enrolments": [_row(e, "enrolment", value) | {"cohort": e.cohort.name} for e in enrolments],
        "consents": [
            _row(c, "consent", value)
            for c in db.session.scalars(
                select(Consent)
                .where(Consent.ambassador_id == ambassador.id)
                .order_by(Consent.recorded_at, Consent.id)
            )
        ],
        "consent_links": [
            _row(link, "guardian_consent_link", value)
            for link in db.session.scalars(
                select(GuardianConsentLink)
                .where(GuardianConsentLink.ambassador_id == ambassador.id)
                .order_by(GuardianConsentLink.created_at, GuardianConsentLink.id)
            )
        ],
        "attendance": _attendance(enrolment_ids, value),
        "concepts": _concepts(enrolment_ids, user, value),
        "files": [_row(a, "attachment", value) | {"file": _in_zip(a)} for a in _files(ambassador)],
        "audit_events": _events(ambassador, user, enrolment_ids, value),
    }


def zip_bytes(ambassador) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        data = collect(ambassador)
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        page = render_template(
            "ambassadors/data_copy.html",
            data=collect(ambassador, readable=True),
            ambassador=ambassador,
            sections=SECTIONS,
            fields=FIELDS,
            today=local_date(now()),
        )
        archive.writestr("index.html", page)
        for attachment in _files(ambassador):
            if _in_zip(attachment):
                archive.write(file_path(attachment), f"files/{_file_name(attachment)}")
    return out.getvalue()


def _row(record, table: str, value) -> dict:
    return {name: value(getattr(record, name)) for name in EXPORTED[table].split()}


def _plain(value):
    """As data.json holds it: codes and UTC times, for other programs."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _readable(value):
    """As the page shows it: names in the reader's language, Oslo time."""
    if isinstance(value, Enum):
        return str(getattr(value, "label", value.value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _login(user, value) -> dict:
    sessions = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id)
        .order_by(LoginSession.created_at)
    )
    notifications = db.session.scalars(
        select(Notification)
        .where(Notification.recipient_id == user.id)
        .order_by(Notification.created_at, Notification.id)
    )
    choices = db.session.scalars(
        select(NotificationPreference)
        .where(NotificationPreference.user_id == user.id)
        .order_by(NotificationPreference.kind)
    )
    answered = db.session.execute(
        select(SurveyRound.kind, SurveyRound.opened_on)
        .join(SurveyRespondent, SurveyRespondent.round_id == SurveyRound.id)
        .where(SurveyRespondent.user_id == user.id)
        .order_by(SurveyRound.opened_on)
    )
    return _row(user, "user", value) | {
        "sessions": [_row(s, "login_session", value) for s in sessions],
        "self_assessments": [
            {"kind": value(kind), "opened_on": value(opened_on)} for kind, opened_on in answered
        ],
        "notifications": [_row(n, "notification", value) for n in notifications],
        "email_choices": [
            {
                "kind": value(c.kind),
                "by_email": value(c.email),
                "changed_at": value(c.changed_at),
            }
            for c in choices
        ],
    }


def _attendance(enrolment_ids, value) -> list[dict]:
    stmt = (
        select(Attendance, TrainingSession.title, TrainingSession.starts_at)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.enrolment_id.in_(enrolment_ids))
        .order_by(TrainingSession.starts_at, Attendance.id)
    )
    return [
        _row(row, "attendance", value) | {"session": title, "starts_at": value(starts_at)}
        for row, title, starts_at in db.session.execute(stmt)
    ]


def _concepts(enrolment_ids, user, value) -> list[dict]:
    """The concepts they are or were on, with the texts of each (the team's) and the lines
    of its timeline they wrote themselves."""
    stmt = (
        select(ConceptMember, Concept)
        .join(Concept, Concept.id == ConceptMember.concept_id)
        .where(ConceptMember.enrolment_id.in_(enrolment_ids))
        .order_by(Concept.created_at, Concept.id)
    )
    rows = db.session.execute(stmt).all()
    written: dict[int, list] = {}
    if user is not None and rows:
        lines = select(TimelineEntry).where(
            TimelineEntry.author_id == user.id,
            TimelineEntry.concept_id.in_([concept.id for _m, concept in rows]),
        )
        for line in db.session.scalars(lines.order_by(TimelineEntry.created_at)):
            written.setdefault(line.concept_id, []).append(_row(line, "timeline_entry", value))
    return [
        _row(concept, "concept", value)
        | _row(member, "concept_member", value)
        | {"written_by_you": written.get(concept.id, [])}
        for member, concept in rows
    ]


def _files(ambassador) -> list[Attachment]:
    """The files they uploaded, and the photos marked as showing people that were added while
    they were on the team (attachment_subject)."""
    theirs = select(AttachmentSubject.attachment_id).where(
        AttachmentSubject.ambassador_id == ambassador.id
    )
    showing = Attachment.shows_people.is_(True) & Attachment.id.in_(theirs)
    who = showing
    if ambassador.user_id is not None:
        who = or_(Attachment.uploaded_by_id == ambassador.user_id, showing)
    stmt = select(Attachment).where(who).order_by(Attachment.created_at, Attachment.id)
    return list(db.session.scalars(stmt))


def _file_name(attachment) -> str:
    return f"{attachment.id}-{attachment.original_name}"


def _in_zip(attachment) -> str | None:
    """Where the file is in the ZIP; None when it is missing on disk."""
    return _file_name(attachment) if file_path(attachment).exists() else None


def _events(ambassador, user, enrolment_ids, value) -> list[dict]:
    """What was recorded by them or about them: their record, consents, enrolments, the
    sign-in links made for them, the roll calls corrected for them, their login."""

    def of(kind, ids):
        return (AuditEvent.object_type == kind) & AuditEvent.object_id.in_(ids)

    consents = select(Consent.id).where(Consent.ambassador_id == ambassador.id)
    links = select(Invitation.id).where(Invitation.ambassador_id == ambassador.id)
    about_them = [
        of("ambassador", [ambassador.id]),
        of("consent", consents),
        of("enrolment", enrolment_ids),
        of("invitation", links),
        (AuditEvent.object_type == "trainingsession")
        & AuditEvent.detail["enrolment_id"].as_integer().in_(enrolment_ids),
    ]
    if user is not None:
        about_them += [
            (AuditEvent.object_type == "user") & (AuditEvent.object_id == user.id),
            AuditEvent.actor_id == user.id,
        ]
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.municipality_id == ambassador.municipality_id, or_(*about_them))
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    rows = [_row(e, "audit_event", value) for e in db.session.scalars(stmt)]
    if value is _readable:  # the page names actions and records as the audit page does
        for row in rows:
            row["action"] = labels.label(row["action"])
            row["object_type"] = labels.about(row["object_type"], None)
    return rows
