"""The training parts of the start pages and a cohort's pages: the day's sessions and what needs
doing on a youth worker's home; a cohort's next sessions, calendar address and headline figures
on its overview; its progress page (figures, early warnings, the chart and a page of the
per-ambassador table) for the staff of its municipality."""

from __future__ import annotations

from ..access import Perm, can
from ..cohorts import selectors as cohort_selectors
from ..markdown import render_markdown
from ..pagination import paginate_rows
from . import chart, progress, selectors, services
from .rules import can_follow_progress, can_schedule_in, can_take_attendance


def overview(actor, cohort) -> dict:
    """Template values for the training part of templates/cohorts/detail.html."""
    manage = can_schedule_in(actor, cohort)
    follow = can_follow_progress(actor, cohort)
    headline = progress.headlines([cohort.id])[cohort.id] if follow else None
    if headline is not None:
        empty = headline.sessions.total == 0
    else:
        empty = manage and not selectors.has_sessions(cohort)
    return {
        "training_upcoming": selectors.upcoming_of(actor, cohort),
        # Ambassadors subscribe here; staff find the cohort's address on the sessions page.
        "training_feed": None if follow else selectors.feed_of(actor, cohort),
        "training_manage": manage,
        "training_empty": manage and empty,
        "headline": headline,
    }


def progress_page(cohort) -> dict:
    """Template values for templates/training/progress.html (callers check
    can_follow_progress)."""
    bars = progress.session_bars(cohort.id)
    rows, height = chart.layout(bars)
    shown = []

    def fetch(limit: int, offset: int):
        shown.append(progress.member_page(cohort.id, limit, offset))
        return shown[0].members, shown[0].count

    page = paginate_rows(fetch)
    # The rate and the warnings come with the member rows (their costliest part is the same
    # pairs of ambassador and session); a page past the end has no rows to bring them.
    rated = shown[0].rate is not None
    headline = progress.headlines([cohort.id], rates=not rated)[cohort.id]
    if rated:
        headline.rate, headline.warnings = shown[0].rate, shown[0].warnings
    return {
        "headline": headline,
        "warned": progress.warned(cohort.id) if headline.warnings else [],
        "page": page,
        "progress": {"bars": bars, "rows": rows, "height": height},
    }


def staff_home(actor) -> dict:
    """A youth worker's or coordinator's home starts with the day: today's and tomorrow's
    sessions (the roll call one tap away on the day), then what needs doing in the cohorts
    they follow - early warnings, missing consents, held sessions without a roll call. Empty
    for everyone else."""
    if not can(actor, Perm.TAKE_ATTENDANCE):
        return {}
    sessions = selectors.around_today(actor)
    cohorts = [c for c in cohort_selectors.to_follow(actor) if can_follow_progress(actor, c)]
    figures = progress.headlines([c.id for c in cohorts])
    return {
        "day_sessions": sessions,
        "roll_calls": {
            s.id for s in sessions if can_take_attendance(actor, s) and services.roll_call_open(s)
        },
        "attention": [(c, figures[c.id]) for c in cohorts if needs_attention(figures[c.id])],
        "followed": len(cohorts),
    }


def needs_attention(headline: progress.Headline) -> bool:
    held_without_roll_call = headline.sessions.held > headline.sessions.taken
    return bool(headline.warnings or headline.missing_consent or held_without_roll_call)


def ambassador_home(actor) -> dict:
    """An ambassador's next sessions (with agenda) and their own attendance; nothing about
    anyone else's. Empty for staff."""
    if can(actor, Perm.ENROL) or not can(actor, Perm.VIEW_COHORTS):
        return {}
    upcoming = selectors.my_upcoming(actor)
    return {
        "my_sessions": [(s, render_markdown(s.agenda)) for s in upcoming],
        # A session today: the way to check in (allin/checkin) is on the home page.
        "check_in_today": any(services.check_in_open(s) for s in upcoming),
        "my_attendance": selectors.my_attendance(actor),
    }
