"""Forms of the self-assessment: opening a round, answering it, and the code word."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..enums import RoundKind
from ..fields import clean, enum_choices, no_control_characters
from ..models.surveys import CODE_WORD_LENGTH, COMMENT_LENGTH
from .questions import COMMENT_LABEL, QUESTIONS, SCALE, SCALE_LABELS

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def upper(value):
    return clean(value).upper() if isinstance(value, str) else value


class OpenRoundForm(FlaskForm):
    kind = RadioField(
        _l("Which round"),
        choices=enum_choices(RoundKind),
        validators=[InputRequired(_l("Choose which round this is."))],
    )
    closes_on = DateField(
        _l("Last day to answer"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Enter the last day to answer, for example 20.08.2027."))],
    )


def _score_field(question) -> RadioField:
    return RadioField(
        question.text,
        choices=[SelectChoice(str(value), SCALE_LABELS[value]) for value in SCALE],
        validators=[InputRequired(_l("Choose a number from 1 to 5."))],
    )


class AnswerForm(FlaskForm):
    """The statements, one radio group each, and the optional comment."""

    comment = TextAreaField(
        COMMENT_LABEL,
        description=_l("Only the adults of your group read this, never with your name."),
        filters=[clean],
        validators=[
            Optional(),
            Length(max=COMMENT_LENGTH, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
    )

    def scores(self) -> dict[str, int]:
        return {q.key: int(getattr(self, q.key).data) for q in QUESTIONS}


for _question in QUESTIONS:
    setattr(AnswerForm, _question.key, _score_field(_question))


def _code_field() -> StringField:
    return StringField(
        _l("Code word"),
        description=_l("The word your youth worker shows in the room."),
        filters=[upper],
        validators=[
            InputRequired(_l("Enter the code word.")),
            Length(max=CODE_WORD_LENGTH * 2, message=_l("That code word is not right.")),
        ],
    )


class CodeWordForm(FlaskForm):
    code_word = _code_field()


class PublicAnswerForm(AnswerForm):
    code_word = _code_field()
