"""The programme's fixed statements, each answered on a scale from 1 to 5 (the columns of
models/surveys.py::SurveyAnswer), and the one free text that never leaves the cohort."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from ..models.surveys import SCORES


class Question(NamedTuple):
    key: str  # the answer's column
    text: object


QUESTIONS = (
    Question("belong", _l("I feel I belong in my city")),
    Question("safe", _l("I feel safe where I live")),
    Question("speak_up", _l("I dare to speak up")),
    Question("idea", _l("I know how to turn an idea into something real")),
    Question("heard", _l("Adults in my city listen to young people")),
)
assert tuple(q.key for q in QUESTIONS) == SCORES

SCALE = (1, 2, 3, 4, 5)
SCALE_LABELS = {
    1: _l("1 – Not at all"),
    2: _l("2"),
    3: _l("3"),
    4: _l("4"),
    5: _l("5 – Completely"),
}
COMMENT_LABEL = _l("Anything else you want to tell us? (optional)")
