"""The report's effect section: the launched concepts still running at their 12-month
check-in, and how the ambassadors' self-assessment changed from kick-off to
end, added up over the cohorts of the reader's municipalities whose end round opened in the
period. A cohort counts only when both of its rounds have at least MIN_CELL answers (below
that a round shows nothing anywhere, suppression.small), so no sum of the section holds a
small number and none can be worked out by subtraction. The free text never reaches it.

One statement whatever the data size: each round's answers counted and summed per statement,
the counted cohorts' rounds added up per municipality and side by the database.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, bindparam, case, cast, func, select

from ..clock import UTCDateTime
from ..enums import CheckInStatus, RoundKind
from ..extensions import db
from ..models import ConceptCheckIn, SurveyAnswer, SurveyRound
from ..models.surveys import SCORES
from ..surveys.questions import QUESTIONS
from .periods import Period, midnight

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
    """Both sides of each municipality's counted cohorts (those whose end round opened in the
    period and whose kick-off and end rounds each have `min_cell` answers or more): how many
    cohorts and answers, and each statement's sum and number agreeing. One row per
    municipality and side, however many cohorts and answers."""
    ends = select(SurveyRound.cohort_id).where(
        SurveyRound.kind == RoundKind.END,
        SurveyRound.opened_on >= bindparam("starts"),
        SurveyRound.opened_on <= bindparam("ends"),
        SurveyRound.municipality_id.in_(bindparam("municipalities", expanding=True)),
    )
    columns = [getattr(SurveyAnswer, key) for key in SCORES]
    rounds = (
        select(
            SurveyRound.municipality_id.label("municipality_id"),
            SurveyRound.cohort_id.label("cohort_id"),
            SurveyRound.kind.label("kind"),
            func.count(SurveyAnswer.id).label("answers"),
            *(func.sum(column).label(f"sum_{n}") for n, column in enumerate(columns)),
            *(
                func.sum(case((column >= AGREE, 1), else_=0)).label(f"agree_{n}")
                for n, column in enumerate(columns)
            ),
        )
        .join(SurveyAnswer, SurveyAnswer.round_id == SurveyRound.id)
        .where(SurveyRound.kind.in_(PAIR), SurveyRound.cohort_id.in_(ends))
        .group_by(SurveyRound.municipality_id, SurveyRound.cohort_id, SurveyRound.kind)
        .cte("rounds")
    )
    # Both sides (one row per side of a cohort), neither small (suppression.small: a round
    # below min_cell shows nothing anywhere).
    counted = (
        select(rounds.c.cohort_id)
        .group_by(rounds.c.cohort_id)
        .having(func.count() == len(PAIR), func.min(rounds.c.answers) >= bindparam("min_cell"))
    )
    added = [
        cast(func.sum(rounds.c[f"{kind}_{n}"]), BigInteger)
        for kind in ("sum", "agree")
        for n in range(len(SCORES))
    ]
    return (
        select(
            rounds.c.municipality_id,
            rounds.c.kind,
            func.count(),
            cast(func.sum(rounds.c.answers), BigInteger),
            *added,
        )
        .where(rounds.c.cohort_id.in_(counted))
        .group_by(rounds.c.municipality_id, rounds.c.kind)
    )


def effect(municipality_ids: list[int], period: Period, min_cell: int) -> dict[object, Effect]:
    """{municipality id: Effect} for those with a cohort counted, and "total" for them all."""
    found = db.session.execute(
        _statement(),
        {
            "starts": period.starts,
            "ends": period.ends,
            "municipalities": municipality_ids,
            "min_cell": min_cell,
        },
    )
    effects: dict[object, Effect] = defaultdict(Effect)
    for municipality_id, kind, cohorts, answers, *rest in found:
        sums, agree = rest[: len(SCORES)], rest[len(SCORES) :]
        for entity in (municipality_id, "total"):
            side = effects[entity].before if kind == RoundKind.KICK_OFF else effects[entity].after
            side.add(answers, sums, agree)
            if kind == RoundKind.END:
                effects[entity].cohorts += cohorts
    return dict(effects)


def still_running(municipality_ids: list[int], period: Period) -> dict[object, int]:
    """{municipality id: concepts running at their 12-month check-in, done in the period},
    and "total". Concepts, not people: nothing to suppress."""
    found: dict[object, int] = {
        m: n
        for m, n in db.session.execute(
            _running(),
            {
                "starts": midnight(period.starts),
                "after": midnight(period.after),
                "municipalities": municipality_ids,
            },
        )
    }
    found["total"] = sum(found.values())
    return found


@functools.cache
def _running():
    return (
        select(ConceptCheckIn.municipality_id, func.count())
        .where(
            ConceptCheckIn.months == 12,
            ConceptCheckIn.status == CheckInStatus.RUNNING,
            ConceptCheckIn.completed_at >= bindparam("starts", type_=UTCDateTime()),
            ConceptCheckIn.completed_at < bindparam("after", type_=UTCDateTime()),
            ConceptCheckIn.municipality_id.in_(bindparam("municipalities", expanding=True)),
        )
        .group_by(ConceptCheckIn.municipality_id)
    )
