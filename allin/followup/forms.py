"""The check-in form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..enums import CheckInStatus
from ..fields import clean, enum_choices, no_control_characters
from ..models.followup import NOTE_LENGTH


class CheckInForm(FlaskForm):
    status = RadioField(
        _l("How is the concept doing?"),
        choices=enum_choices(CheckInStatus),
        validators=[InputRequired(_l("Choose running, paused or stopped."))],
    )
    reach = IntegerField(
        _l("People reached since the launch"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000_000, message=_l("Enter a whole number of 0 or more.")),
        ],
    )
    note = TextAreaField(
        _l("A short note"),
        filters=[clean],
        validators=[
            Optional(),
            Length(max=NOTE_LENGTH, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
    )
