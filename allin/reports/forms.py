"""The report's choices: read from the query string, so a report can be shared as a link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from .periods import EARLIEST, PRESETS, latest_allowed

DAY = ["%Y-%m-%d", "%d.%m.%Y"]


class ReportForm(FlaskForm):
    """Without a form token: a GET changes nothing."""

    class Meta:
        csrf = False

    starts = DateField(_l("From"), [Optional()], format=DAY)
    ends = DateField(_l("To"), [Optional()], format=DAY)
    # A named period ("since_start", …) when no days are given: a link that stays current.
    period = SelectField(_l("Period"), [Optional()], choices=[], validate_choice=True)
    municipality = SelectField(_l("Municipality"), [Optional()], choices=[], validate_choice=False)
    figure = SelectField(_l("Figure"), [Optional()], choices=[], validate_choice=True)

    def __init__(self, *args, municipalities, figures, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is None:
            del self.municipality
        else:
            self.municipality.choices = [("", _l("Every municipality"))] + [
                (str(id_), name) for id_, name in municipalities
            ]
        self.figure.choices = [(key, str(label)) for key, label in figures]
        self.period.choices = [("", "")] + [(key, str(label)) for key, label in PRESETS.items()]
        if not self.figure.data:
            self.figure.data = "enrolled"

    def validate_starts(self, field):
        _within_reach(field)

    def validate_ends(self, field):
        _within_reach(field)
        if field.data and self.starts.data and field.data < self.starts.data:
            raise ValidationError(_l("The last day comes before the first."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and bool(self.starts.data) != bool(self.ends.data):
            missing = self.ends if self.starts.data else self.starts
            missing.errors.append(_l("Give both the first and the last day, or choose a period."))
            return False
        return ok


def _within_reach(field) -> None:
    if field.data and not EARLIEST <= field.data <= latest_allowed():
        raise ValidationError(
            _l(
                "Choose a day from %(first)s to %(last)s.",
                first=EARLIEST.isoformat(),
                last=latest_allowed().isoformat(),
            )
        )
