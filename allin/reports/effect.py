"""The report's effect section: the launched concepts still running at their 12-month
check-in, and how the ambassadors' self-assessment changed from kick-off to
end, added up over the cohorts of the reader's municipalities whose end round opened in the
period. A cohort counts only when both of its rounds have at least MIN_CELL answers (below
that a round shows nothing anywhere, suppression.small), so no sum of the section holds a
small number and none can be worked out by subtraction. The free text never reaches it.

One statement whatever the data size: each round's answers counted and summed per statement.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, case, func, select

from ..enums import CheckInStatus, RoundKind
from ..extensions import db
from ..models import ConceptCheckIn, SurveyAnswer, SurveyRound
from ..models.surveys import SCORES
from ..surveys.questions import QUESTIONS
from .periods import Period, midnight
from .suppression import small

AGREE = 4
PAIR = (RoundKind.KICK_OFF, RoundKind.END)


@dataclass
class Side:
    answers: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    agree: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    def add(self, answers: int, sums, agree) -> None:
        self.answers += answers
        for key, value, agreeing in zip(SCORES, sums, agree, strict=True):
            self.sums[key] += value
            self.agree[key] += agreeing

    def mean(self, key: str) -> float:
        return self.sums[key] / self.answers

    def share(self, key: str) -> float:
        return self.agree[key] / self.answers


@dataclass
class Effect:
    """The change of one municipality (or the network): cohorts counted and both sides."""

    cohorts: int = 0
    before: Side = field(default_factory=Side)
    after: Side = field(default_factory=Side)

    def rows(self):
        """(statement, mean before, mean after, change, share 4-5 before, after)."""
        if not self.cohorts:
            return []
        return [
            (
                q.text,
                self.before.mean(q.key),
                self.after.mean(q.key),
                self.after.mean(q.key) - self.before.mean(q.key),
                self.before.share(q.key),
                self.after.share(q.key),
            )
            for q in QUESTIONS
        ]


@functools.cache
def _statement():
    """Each kick-off and end round of the cohorts whose end round opened in the period."""
    ends = select(SurveyRound.cohort_id).where(
        SurveyRound.kind == RoundKind.END,
        SurveyRound.opened_on >= bindparam("starts"),
        SurveyRound.opened_on <= bindparam("ends"),
        SurveyRound.municipality_id.in_(bindparam("municipalities", expanding=True)),
    )
    columns = [getattr(SurveyAnswer, key) for key in SCORES]
    return (
        select(
            SurveyRound.municipality_id,
            SurveyRound.cohort_id,
            SurveyRound.kind,
            func.count(SurveyAnswer.id),
            *(func.sum(column) for column in columns),
            *(func.sum(case((column >= AGREE, 1), else_=0)) for column in columns),
        )
        .join(SurveyAnswer, SurveyAnswer.round_id == SurveyRound.id)
        .where(SurveyRound.kind.in_(PAIR), SurveyRound.cohort_id.in_(ends))
        .group_by(SurveyRound.municipality_id, SurveyRound.cohort_id, SurveyRound.kind)
    )


def effect(municipality_ids: list[int], period: Period, min_cell: int) -> dict[object, Effect]:
    """{municipality id: Effect} for those with a cohort counted, and "total" for them all."""
    found = db.session.execute(
        _statement(),
        {"starts": period.starts, "ends": period.ends, "municipalities": municipality_ids},
    )
    rounds: dict[tuple[int, int], dict] = defaultdict(dict)
    for municipality_id, cohort_id, kind, answers, *rest in found:
        sums, agree = rest[: len(SCORES)], rest[len(SCORES) :]
        rounds[(municipality_id, cohort_id)][kind] = (answers, sums, agree)
    effects: dict[object, Effect] = defaultdict(Effect)
    for (municipality_id, _cohort_id), sides in rounds.items():
        if len(sides) < 2 or any(
            sides[kind][0] < min_cell or small(sides[kind][0], min_cell) for kind in PAIR
        ):
            continue
        for entity in (municipality_id, "total"):
            effects[entity].cohorts += 1
            effects[entity].before.add(*sides[RoundKind.KICK_OFF])
            effects[entity].after.add(*sides[RoundKind.END])
    return dict(effects)


def still_running(municipality_ids: list[int], period: Period) -> dict[object, int]:
    """{municipality id: concepts running at their 12-month check-in, done in the period},
    and "total". Concepts, not people: nothing to suppress."""
    stmt = (
        select(ConceptCheckIn.municipality_id, func.count())
        .where(
            ConceptCheckIn.months == 12,
            ConceptCheckIn.status == CheckInStatus.RUNNING,
            ConceptCheckIn.completed_at >= midnight(period.starts),
            ConceptCheckIn.completed_at < midnight(period.after),
            ConceptCheckIn.municipality_id.in_(municipality_ids),
        )
        .group_by(ConceptCheckIn.municipality_id)
    )
    found: dict[object, int] = {m: n for m, n in db.session.execute(stmt)}
    found["total"] = sum(found.values())
    return found
