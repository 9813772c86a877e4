"""Choosing the cohort to start a best case in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired


class StartForm(FlaskForm):
    cohort = RadioField(
        _l("Which cohort takes it on?"),
        validators=[InputRequired(_l("Choose one of your cohorts."))],
    )
