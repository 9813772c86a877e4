"""A cohort's results: each round's distribution per statement and the change from kick-off
to end, shown only for a round with at least ALLIN_REPORT_MIN_CELL answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from ..enums import RoundKind
from ..extensions import db
from ..models import SurveyAnswer
from ..models.surveys import SCORES
from .questions import QUESTIONS, SCALE

AGREE = 4  # 4 and 5 agree with a statement


def min_cell() -> int:
    return current_app.config["REPORT_MIN_CELL"]


@dataclass
class RoundResult:
    round: object
    count: int = 0
    # statement -> score -> answers
    scores: dict[str, Counter] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    shown: bool = False

    def mean(self, key: str) -> float:
        counted = self.scores[key]
        return sum(score * n for score, n in counted.items()) / max(self.count, 1)

    def agree(self, key: str) -> float:
        counted = self.scores[key]
        return sum(n for score, n in counted.items() if score >= AGREE) / max(self.count, 1)

    def rows(self):
        """(question, [(score, answers, share)], mean) per statement, for the page."""
        return [
            (
                question,
                [
                    (score, self.scores[question.key][score], self._share(question.key, score))
                    for score in SCALE
                ],
                self.mean(question.key),
            )
            for question in QUESTIONS
        ]

    def _share(self, key: str, score: int) -> float:
        return self.scores[key][score] / max(self.count, 1)


@dataclass(frozen=True)
class Change:
    question: object
    before: float
    after: float
    agree_before: float
    agree_after: float

    @property
    def change(self) -> float:
        return self.after - self.before


def cohort_results(rounds: list) -> list[RoundResult]:
    """Every round's result, from one query over the answers of all of them."""
    results = {r.id: RoundResult(r, scores={key: Counter() for key in SCORES}) for r in rounds}
    if not results:
        return []
    columns = [getattr(SurveyAnswer, key) for key in SCORES]
    found = db.session.execute(
        select(SurveyAnswer.round_id, SurveyAnswer.comment, *columns)
        .where(SurveyAnswer.round_id.in_(list(results)))
        .order_by(SurveyAnswer.id)  # random ids: a random order
    )
    for round_id, comment, *values in found:
        result = results[round_id]
        result.count += 1
        for key, value in zip(SCORES, values, strict=True):
            result.scores[key][value] += 1
        if comment:
            result.comments.append(comment)
    limit = min_cell()
    for result in results.values():
        result.shown = result.count >= limit
        if not result.shown:
            result.scores = {key: Counter() for key in SCORES}
            result.comments = []
    return list(results.values())


def before_after(results: list[RoundResult]) -> list[Change] | None:
    """The change per statement from the kick-off to the end, when both are shown."""
    by_kind = {result.round.kind: result for result in results}
    before, after = by_kind.get(RoundKind.KICK_OFF), by_kind.get(RoundKind.END)
    if not (before and after and before.shown and after.shown):
        return None
    return [
        Change(q, before.mean(q.key), after.mean(q.key), before.agree(q.key), after.agree(q.key))
        for q in QUESTIONS
    ]
