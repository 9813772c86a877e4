"""The training part of a cohort's page: its next sessions and calendar address for everyone
who sees the cohort, and the progress dashboard for the staff of its municipality."""

from __future__ import annotations

from ..access import Perm, can
from ..enums import EnrolmentStatus
from ..markdown import render_markdown
from . import chart, progress, selectors
from .forms import ConfirmForm
from .rules import can_follow_progress, can_schedule_in


def cohort_section(actor, cohort) -> dict:
    """Template values for templates/training/_cohort_progress.html."""
    manage = can_schedule_in(actor, cohort)
    section = {
        "training_upcoming": selectors.upcoming_of(actor, cohort),
        "training_feed": None,
        "training_manage": manage,
        "training_empty": False,
        "training_form": ConfirmForm(),
        "EnrolmentStatus": EnrolmentStatus,
        "progress": None,
    }
    if not can_follow_progress(actor, cohort):
        # Ambassadors: the subscribe link here; staff find it on the sessions page.
        section["training_feed"] = selectors.feed_of(actor, cohort)
        section["training_empty"] = manage and not selectors.has_sessions(cohort)
        return section
    headline = progress.headlines([cohort.id], rates=False)[cohort.id]
    members, headline.rate, headline.warnings = progress.members_and_totals(cohort.id)
    bars = progress.session_bars(cohort.id)
    rows, height = chart.layout(bars)
    section["training_empty"] = manage and headline.sessions.total == 0
    section["progress"] = {
        "headline": headline,
        "members": members,
        "bars": bars,
        "rows": rows,
        "height": height,
    }
    return section


def ambassador_home(actor) -> dict:
    """An ambassador's next sessions (with agenda) and their own attendance; nothing about
    anyone else's. Empty for staff."""
    if can(actor, Perm.ENROL) or not can(actor, Perm.VIEW_COHORTS):
        return {}
    upcoming = selectors.my_upcoming(actor)
    return {
        "my_sessions": [(s, render_markdown(s.agenda)) for s in upcoming],
        "my_attendance": selectors.my_attendance(actor),
    }
