"""Retention (issue 21, SECURITY 28): `flask --app allin retention`, daily from cron.

An ambassador whose last cohort ended more than their municipality's `retention_years` ago is
erased through the same code as an erasure by hand (allin/erasure.py), unless a legal hold is
set: those are named and left. The municipality's coordinators are told in the app 30 days and
again 7 days before (SECURITY 28), by name, so that they can set a hold where a case needs the
data; once each (the notification's key is the person, the day and the notice). Ambassadors
who were never in a cohort are not touched (a coordinator decides about them). The same run
purges what has expired anyway: spreadsheet previews (cohorts/imports.py, as sweep-files
does), invitations that nobody accepted, password links, second steps of signing in, browser
claims and login sessions past their limits.

Set-based throughout: one query finds the people, the erasure updates and deletes over their
ids, each purge is one DELETE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from . import audit, erasure
from .auth.claims import purge_idle_claims
from .clock import now
from .cohorts import imports
from .enums import NotificationKind, Role
from .extensions import db
from .models import (
    Ambassador,
    Cohort,
    Enrolment,
    GuardianConsentLink,
    Invitation,
    LoginSession,
    Municipality,
    PasswordReset,
    PendingSignIn,
    User,
)
from .notifications import services as notifications
from .signups.services import purge_old as purge_old_signups

# Ids per erasure statement: well below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
CHUNK = 2000
# An invitation nobody accepted is kept this long after it expired (staff may renew it).
INVITATION_KEPT_DAYS = 30
# Days before an erasure that the coordinators are told, the first notice first.
NOTICES = (30, 7)


@dataclass
class Candidate:
    id: int
    municipality: str
    last_ended: date
    held: bool


@dataclass
class Upcoming:
    id: int
    municipality_id: int
    erased_on: date


@dataclass
class Report:
    due: list[Candidate] = field(default_factory=list)
    erased: list[int] = field(default_factory=list)
    purged: dict[str, int] = field(default_factory=dict)
    upcoming: list[Upcoming] = field(default_factory=list)
    told: int = 0  # notifications made about the upcoming

    @property
    def held(self) -> list[Candidate]:
        return [c for c in self.due if c.held]


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _last_cohorts(years: int):
    """Ambassadors not erased of the municipalities keeping data `years` years, with the day
    their last cohort ended (the having clause narrows it)."""
    last_ended = func.max(Cohort.ends_on).label("last_ended")
    stmt = (
        select(
            Ambassador.id,
            Municipality.id.label("municipality_id"),
            Municipality.name,
            last_ended,
            Ambassador.hold_reason,
        )
        .join(Enrolment, Enrolment.ambassador_id == Ambassador.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Municipality, Municipality.id == Ambassador.municipality_id)
        .where(Ambassador.erased_at.is_(None), Municipality.retention_years == years)
        .group_by(Ambassador.id, Municipality.id, Municipality.name, Ambassador.hold_reason)
    )
    return stmt, last_ended


def _retention_lengths() -> list[int]:
    return list(db.session.scalars(select(Municipality.retention_years).distinct()))


def due(today: date | None = None) -> list[Candidate]:
    """Everyone not yet erased whose last cohort ended more than their municipality's
    retention time before `today`, by municipality and id. One query per retention length in
    use (a handful), not one per person."""
    today = today or now().date()
    found: list[Candidate] = []
    for years in _retention_lengths():
        stmt, last_ended = _last_cohorts(years)
        stmt = stmt.having(last_ended < years_before(today, years))
        found += [
            Candidate(row.id, row.name, row.last_ended, row.hold_reason is not None)
            for row in db.session.execute(stmt)
        ]
    return sorted(found, key=lambda c: (c.municipality, c.id))


def upcoming(today: date | None = None) -> list[Upcoming]:
    """Who will be erased within the first notice's days (not under a hold), with the day:
    the first day their last cohort ended more than the retention time before."""
    today = today or now().date()
    soon = today + timedelta(days=NOTICES[0])
    found: list[Upcoming] = []
    for years in _retention_lengths():
        stmt, last_ended = _last_cohorts(years)
        stmt = stmt.having(
            last_ended >= years_before(today, years), last_ended < years_before(soon, years)
        )
        for row in db.session.execute(stmt):
            if row.hold_reason is None:
                erased_on = _first_day_after(row.last_ended, years, today, soon)
                found.append(Upcoming(row.id, row.municipality_id, erased_on))
    return sorted(found, key=lambda u: (u.erased_on, u.id))


def _first_day_after(last_ended: date, years: int, today: date, soon: date) -> date:
    """The first day from `today` on which `last_ended` is before the retention time."""
    day = today
    while day < soon and not last_ended < years_before(day, years):
        day += timedelta(days=1)
    return day


def tell_coordinators(coming: list[Upcoming], today: date) -> int:
    """A notification to each active coordinator of the person's municipality: the first
    notice, or the second when no more than its days are left (a late run tells that one
    only). Returns how many were made (those told before are skipped)."""
    if not coming:
        return 0
    coordinators: dict[int, list[int]] = {}
    for municipality_id, user_id in db.session.execute(
        select(User.municipality_id, User.id).where(
            User.role == Role.COORDINATOR,
            User.active.is_(True),
            User.municipality_id.in_({u.municipality_id for u in coming}),
        )
    ):
        coordinators.setdefault(municipality_id, []).append(user_id)
    stamp, rows = now(), []
    for person in coming:
        left = (person.erased_on - today).days
        notice = min(days for days in NOTICES if left <= days)
        key = f"retention:{person.id}:{person.erased_on:%Y%m%d}:{notice}"
        rows += [
            {
                "municipality_id": person.municipality_id,
                "recipient_id": user_id,
                "kind": NotificationKind.RETENTION_DUE,
                "event_key": key,
                "ambassador_id": person.id,
                "created_at": stamp,
            }
            for user_id in coordinators.get(person.municipality_id, [])
        ]
    return len(notifications.create(rows))


def purge_expired() -> dict[str, int]:
    """Delete what has expired: each is one DELETE; returns the counts by kind."""
    current = now()
    config = current_app.config
    idle = max(config["SESSION_IDLE_MINUTES"], config["SESSION_IDLE_MINUTES_AMBASSADOR"])
    return {
        "import previews": imports.delete_expired_previews(),
        "invitations": _delete(
            Invitation,
            Invitation.accepted_at.is_(None),
            or_(
                Invitation.expires_at <= current - timedelta(days=INVITATION_KEPT_DAYS),
                Invitation.revoked_at <= current - timedelta(days=INVITATION_KEPT_DAYS),
            ),
        ),
        # A guardian's consent link nobody answered (an answered one stays with the consents
        # it made, as their record, until the person is erased).
        "consent links": _delete(
            GuardianConsentLink,
            GuardianConsentLink.used_at.is_(None),
            GuardianConsentLink.expires_at <= current - timedelta(days=INVITATION_KEPT_DAYS),
        ),
        # A sign-up nobody answered (allin/signups): its data goes after SIGNUP_KEPT_DAYS.
        "sign-ups": purge_old_signups(),
        "password links": _delete(
            PasswordReset,
            or_(PasswordReset.expires_at <= current, PasswordReset.used_at.isnot(None)),
        ),
        "sign-in steps": _delete(PendingSignIn, PendingSignIn.expires_at <= current),
        "browser claims": purge_idle_claims(),
        "login sessions": _delete(
            LoginSession,
            or_(
                LoginSession.last_seen_at < current - timedelta(minutes=idle),
                LoginSession.created_at
                < current - timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
            ),
        ),
    }


def _delete(model, *where) -> int:
    stmt = delete(model).where(*where).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount or 0


def run(*, dry_run: bool, today: date | None = None) -> Report:
    """Find who is due; unless `dry_run`, erase them (not the held) and purge. Flushes; the
    command commits once, so a failure leaves everything as it was."""
    today = today or now().date()
    report = Report(due=due(today), upcoming=upcoming(today))
    if dry_run:
        return report
    report.told = tell_coordinators(report.upcoming, today)
    ids = [c.id for c in report.due if not c.held]
    for start in range(0, len(ids), CHUNK):  # one transaction still: the command commits
        chunk = ids[start : start + CHUNK]
        report.erased += erasure.erase_ambassadors(chunk, actor=None, reason="retention").erased
    report.purged = purge_expired()
    audit.record(  # the run and its counts (SECURITY 28); each erasure has its own event
        "retention.ran",
        erased=len(report.erased),
        held=len(report.held),
        told=report.told,
        purged={kind.replace(" ", "_"): count for kind, count in report.purged.items()},
    )
    return report
