"""The weekly summary for cohort leads: the active cohorts they lead that have early warnings
or ambassadors missing a consent. Made once per lead and ISO week (Oslo) by `flask notify`,
only for leads who have something to read; the e-mail gives counts and links, never names
(an e-mail leaves the system: the names are one click away, behind the sign-in)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..access import visible
from ..clock import now
from ..enums import CohortStatus, NotificationKind
from ..extensions import db
from ..models import Cohort, User, cohort_lead
from ..training import progress, times
from . import services


@dataclass(frozen=True)
class CohortNews:
    cohort: Cohort
    warnings: int
    missing_consent: int


def week_key() -> str:
    year, week, _ = times.today().isocalendar()
    return f"digest:{year}-W{week:02d}"


def _needs_reading(headline: progress.Headline) -> bool:
    return bool(headline.warnings or headline.missing_consent)


def make_due() -> int:
    """This week's summary for every active lead of an active cohort with news; once per
    lead and week (the unique key). Returns how many were made. Two statements and the
    cohorts' figures in one query (progress.headlines)."""
    active = db.session.execute(
        select(Cohort.id, Cohort.municipality_id).where(Cohort.status == CohortStatus.ACTIVE)
    ).all()
    figures = progress.headlines([cohort_id for cohort_id, _ in active])
    with_news = [cohort_id for cohort_id, _ in active if _needs_reading(figures[cohort_id])]
    if not with_news:
        return 0
    leads = db.session.execute(
        select(User.id, User.municipality_id)
        .join(cohort_lead, cohort_lead.c.user_id == User.id)
        .where(cohort_lead.c.cohort_id.in_(with_news), User.active.is_(True))
        .distinct()
    ).all()
    key, stamp = week_key(), now()
    rows = [
        {
            "municipality_id": municipality_id,
            "recipient_id": user_id,
            "kind": NotificationKind.WEEKLY_DIGEST,
            "event_key": key,
            "created_at": stamp,
        }
        for user_id, municipality_id in sorted(leads)
    ]
    return len(services.create(rows))


def news_for(user: User) -> list[CohortNews]:
    """What the summary says to `user` when it is read or sent: the active cohorts they lead
    (in their scope) with early warnings or missing consents."""
    led = select(cohort_lead.c.cohort_id).where(cohort_lead.c.user_id == user.id)
    cohorts = db.session.scalars(
        visible(Cohort, user)
        .where(Cohort.status == CohortStatus.ACTIVE, Cohort.id.in_(led))
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    ).all()
    figures = progress.headlines([c.id for c in cohorts])
    return [
        CohortNews(c, figures[c.id].warnings, figures[c.id].missing_consent)
        for c in cohorts
        if _needs_reading(figures[c.id])
    ]
