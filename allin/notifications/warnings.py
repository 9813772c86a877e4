"""Early warnings told as they appear: when an active member has missed the last two counted
sessions of a cohort without an excuse (training/progress.py), each active lead of that cohort
is told once, in the app, by `flask notify`. The e-mail that reaches leads about warnings is
the weekly summary, which gives counts, not names; this notification names the young person
and stays behind the sign-in.

Once per warning, not per missed session: the event's key is the enrolment and the last
session the person attended (or none), so a person who keeps missing is not told about again,
and one who came back and then missed two more is a new warning."""

from __future__ import annotations

from sqlalchemy import select

from ..clock import now
from ..enums import CohortStatus, NotificationKind
from ..extensions import db
from ..models import Cohort, User, cohort_lead
from ..training import progress
from . import services


def _key(member: progress.Member) -> str:
    last = "never" if member.last_attended is None else f"{member.last_attended:%Y%m%dT%H%M}"
    return f"warning:{member.enrolment_id}:{last}"


def _leads(cohort_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    found = db.session.execute(
        select(cohort_lead.c.cohort_id, User.municipality_id, User.id)
        .join(User, User.id == cohort_lead.c.user_id)
        .where(cohort_lead.c.cohort_id.in_(cohort_ids), User.active.is_(True))
        .order_by(User.id)
    ).all()
    leads: dict[int, list[tuple[int, int]]] = {}
    for cohort_id, municipality_id, user_id in found:
        leads.setdefault(cohort_id, []).append((municipality_id, user_id))
    return leads


def make_due() -> int:
    """Tell each active lead of an active cohort about each early warning not told before.
    Three queries whatever the number of cohorts: the active cohorts, their warned members,
    and the leads of those with any. Returns how many notifications were made."""
    active = db.session.scalars(select(Cohort.id).where(Cohort.status == CohortStatus.ACTIVE))
    warned = progress.warned_in(list(active))
    if not warned:
        return 0
    leads, stamp, rows = _leads(list(warned)), now(), []
    for cohort_id in sorted(warned):
        for member in warned[cohort_id]:
            rows += [
                {
                    "municipality_id": municipality_id,
                    "recipient_id": user_id,
                    "kind": NotificationKind.EARLY_WARNING,
                    "event_key": _key(member),
                    "ambassador_id": member.ambassador_id,
                    "created_at": stamp,
                }
                for municipality_id, user_id in leads.get(cohort_id, [])
            ]
    return len(services.create(rows))
