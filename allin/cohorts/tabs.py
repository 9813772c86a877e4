"""A cohort's sub-pages, linked from the top of each so that each stays a few screens on a
phone: overview, sessions, progress, people, concepts and self-assessment. Which of them a
reader gets is decided here, once per page, never in a template."""

from __future__ import annotations

from typing import NamedTuple

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import Perm, can
from ..training.rules import can_follow_progress
from .rules import can_enrol_in


class Tab(NamedTuple):
    endpoint: str
    label: str


OVERVIEW = Tab("cohorts.detail", _l("Overview"))
SESSIONS = Tab("training.cohort_sessions", _l("Sessions"))
PROGRESS = Tab("training.cohort_progress", _l("Progress"))
PEOPLE = Tab("cohorts.people", _l("Ambassadors"))
CONCEPTS = Tab("cohorts.concepts", _l("Concepts"))
SURVEYS = Tab("surveys.cohort", _l("Self-assessment"))


def tabs(actor, cohort) -> list[Tab]:
    """The sub-pages `actor` may open, in the order they are shown."""
    shown = [OVERVIEW, SESSIONS]
    if can_follow_progress(actor, cohort):
        shown.append(PROGRESS)
    if can_enrol_in(actor, cohort):
        shown.append(PEOPLE)
    if can(actor, Perm.VIEW_CONCEPTS):
        shown.append(CONCEPTS)
    if can(actor, Perm.VIEW_COHORTS):
        shown.append(SURVEYS)
    return shown


def render(template: str, cohort, **values) -> str:
    """A page of the cohort: `template` with the cohort and the sub-pages the reader may open."""
    return render_template(template, cohort=cohort, tabs=tabs(current_user, cohort), **values)
