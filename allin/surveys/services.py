"""Writes of the self-assessment: open and close a round, and let an answer in.

An answer is let in by one conditional UPDATE of its round (open, not past its last day, fewer
answers than the cohort has members), so that the database, not a read before the write,
decides when a round is full or over. What is written for an answer carries nothing of the
person: a signed-in answer adds a row to survey_respondent (who answered, decided by its
primary key) and, apart, an answer row with a random id and the day.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..clock import now
from ..enums import EnrolmentStatus, RoundKind
from ..errors import DomainError
from ..extensions import db
from ..models import Enrolment, SurveyAnswer, SurveyRespondent, SurveyRound
from ..models.surveys import CODE_WORD_LENGTH, new_answer_id
from ..training.times import today
from .rules import can_run_rounds, is_open

# Letters and digits that cannot be mistaken for each other when read off a screen.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
LONGEST_ROUND = timedelta(days=60)


class AlreadyAnswered(DomainError):
    """Not a mistake: this person or phone has answered the round already."""


class RoundClosed(DomainError):
    pass


def new_code_word() -> str:
    while True:
        word = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_WORD_LENGTH))
        if not db.session.scalar(select(exists().where(SurveyRound.code_word == word))):
            return word


def open_round(cohort, *, kind: RoundKind, closes_on: date, actor) -> SurveyRound:
    """Open the cohort's round of `kind` until `closes_on` (its last day)."""
    if not can_run_rounds(actor, cohort):
        raise DomainError(_l("Only staff of the cohort's municipality can open a round."))
    first = today()
    if closes_on < first:
        raise DomainError(_l("The last day to answer cannot be in the past."))
    if closes_on > first + LONGEST_ROUND:
        raise DomainError(_l("A round can stay open for at most 60 days."))
    taken = select(exists().where(SurveyRound.cohort_id == cohort.id, SurveyRound.kind == kind))
    if db.session.scalar(taken):
        raise DomainError(_l("This cohort already has a round of this kind."))
    round_ = SurveyRound(
        municipality_id=cohort.municipality_id,
        cohort_id=cohort.id,
        kind=kind,
        code_word=new_code_word(),
        opened_on=first,
        closes_on=closes_on,
        opened_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(round_)
    except IntegrityError:
        raise DomainError(_l("This cohort already has a round of this kind.")) from None
    audit.record("survey.opened", actor=actor, target=round_, kind=kind.value)
    return round_


def close_round(round_: SurveyRound, *, actor) -> None:
    """Stop taking answers (the results stay)."""
    if not can_run_rounds(actor, round_):
        raise DomainError(_l("Only staff of the cohort's municipality can close a round."))
    if round_.closed_at is not None:
        raise DomainError(_l("This round is closed already."))
    round_.closed_at = now()
    audit.record("survey.closed", actor=actor, target=round_)


def refusal(round_: SurveyRound) -> RoundClosed | None:
    """Why `round_` takes no answers today, or None while it does."""
    if round_.closed_at is not None:
        return RoundClosed(_l("This round is closed. Thank you for wanting to answer!"))
    if today() > round_.closes_on:
        return RoundClosed(
            _l(
                "This round ended on %(day)s. Thank you for wanting to answer!",
                day=format_date(round_.closes_on, "long"),
            )
        )
    return None


def _let_in(round_: SurveyRound) -> None:
    """Count one more answer if the round is open and not full: one conditional UPDATE."""
    members = (
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.cohort_id == SurveyRound.cohort_id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
        .scalar_subquery()
    )
    result = db.session.execute(
        update(SurveyRound)
        .where(
            SurveyRound.id == round_.id,
            SurveyRound.closed_at.is_(None),
            SurveyRound.closes_on >= today(),
            SurveyRound.answer_count < members,
        )
        .values(answer_count=SurveyRound.answer_count + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise refusal(round_) or RoundClosed(
            _l("Everyone in the group has answered this round already. Thank you!")
        )


def _store(round_: SurveyRound, scores: dict[str, int], comment: str) -> None:
    """Add the answer, and write every answer of the round again under new random keys, in a
    random order. On PostgreSQL a row shows the transaction that wrote it (xmin) and its place
    in the table (ctid): the new answer's would pair it with the survey_respondent row written
    in the same transaction. Rewritten, all the round's answers share the newest transaction
    and no order. The round's row, updated first (_let_in), keeps two answers to a round from
    doing this at once; a round holds a group's answers, a few dozen rows."""
    table = SurveyAnswer.__table__
    rows = [
        dict(row._mapping)
        for row in db.session.execute(select(table).where(table.c.round_id == round_.id))
    ]
    rows.append({"round_id": round_.id, "answered_on": today(), "comment": comment or "", **scores})
    for row in rows:
        row["id"] = new_answer_id()
    secrets.SystemRandom().shuffle(rows)
    db.session.execute(delete(table).where(table.c.round_id == round_.id))
    db.session.execute(insert(table), rows)


def answer_signed_in(round_: SurveyRound, *, actor, member: bool, scores, comment="") -> None:
    """The signed-in ambassador `actor`'s answer: once each (survey_respondent's key)."""
    if not (member and is_open(round_, today())):
        raise refusal(round_) or DomainError(_l("Only the group's ambassadors answer this."))
    try:
        with db.session.begin_nested():
            db.session.add(SurveyRespondent(round_id=round_.id, user_id=actor.id))
    except IntegrityError:
        raise AlreadyAnswered(_l("You have answered this round already. Thank you!")) from None
    _let_in(round_)
    _store(round_, scores, comment)


def answer_with_code(round_: SurveyRound, *, code_word: str, scores, comment="") -> None:
    """An answer given at the session with the round's code word, without signing in."""
    if not secrets.compare_digest(code_word.encode(), round_.code_word.encode()):
        other = select(exists().where(SurveyRound.code_word == code_word))
        if db.session.scalar(other):
            raise DomainError(
                _l("That code word belongs to another group. Check the word shown in your room.")
            )
        raise DomainError(_l("That code word is not right. Check the word shown in your room."))
    closed = refusal(round_)
    if closed:
        raise closed
    _let_in(round_)
    _store(round_, scores, comment)
