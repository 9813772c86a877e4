"""The rows of a cohort's people page, made in Python once per page: its words (born, class,
the consents missing, how an action names the person) are put together here rather than by
filters and calls in the template, where each row cost several times as much."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from ..enums import EnrolmentStatus
from ..models import Ambassador, Cohort, Enrolment
from . import selectors
from .rules import enrolment_status_moves


@dataclass(frozen=True, slots=True)
class MemberRow:
    enrolment: Enrolment
    person: Ambassador
    facts: str  # "Born 2009 · 9B", or nothing
    lacking: str  # the consents missing, named ("" when none)
    lacking_count: str  # the same, counted ("2 consents missing")
    called: str  # how an action names them (namesakes.Namesakes.call)
    moves: tuple[EnrolmentStatus, ...]  # the status moves the reader may make (cohorts.rules)


def rows(actor, cohort: Cohort, enrolments: list[Enrolment]) -> list[MemberRow]:
    """One page of the cohort's enrolments (already visible to `actor`) as rows."""
    graduated = selectors.graduation_times(enrolments)
    missing = selectors.missing_by_ambassador(enrolments, cohort.municipality)
    namesakes = selectors.namesakes(actor, cohort)
    born = _("Born %(year)s")  # translated once, filled in a row
    missing_named = _("Missing consent: %(purposes)s")
    result = []
    for enrolment in enrolments:
        person = enrolment.ambassador
        year = born % {"year": person.birth_year} if person.birth_year else None
        lacking = missing[person.id] if enrolment.status != EnrolmentStatus.WITHDRAWN else ()
        moves = enrolment_status_moves(actor, enrolment, graduated.get(enrolment.id))
        result.append(
            MemberRow(
                enrolment=enrolment,
                person=person,
                facts=" · ".join(fact for fact in (year, person.school) if fact),
                lacking=(
                    missing_named % {"purposes": ", ".join(str(p.label) for p in lacking)}
                    if lacking
                    else ""
                ),
                lacking_count=(
                    ngettext("%(num)s consent missing", "%(num)s consents missing", len(lacking))
                    if lacking
                    else ""
                ),
                called=namesakes.call(person.name, person.birth_year),
                moves=moves,
            )
        )
    return result
