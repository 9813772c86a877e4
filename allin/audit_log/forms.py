"""The audit page's filters: read from the query string, so a filtered list can be shared."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from .labels import ACTIONS

DAY = ["%Y-%m-%d", "%d.%m.%Y"]


class FilterForm(FlaskForm):
    """Built from request.args, without a form token (a GET changes nothing)."""

    class Meta:
        csrf = False

    who = SearchField(_l("Who (part of the name)"), [Optional(), Length(max=100)])
    what = SelectField(_l("What"), [Optional()], choices=[], validate_choice=True)
    since = DateField(_l("From"), [Optional()], format=DAY)
    until = DateField(_l("To"), [Optional()], format=DAY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = sorted(ACTIONS.items(), key=lambda item: str(item[1]))
        self.what.choices = [("", _l("Everything"))] + [(k, str(v)) for k, v in actions]

    def validate_since(self, field):
        _within_reach(field)

    def validate_until(self, field):
        _within_reach(field)
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The last day comes before the first."))


def _within_reach(field) -> None:
    """Days a trail can hold: year 2000 to 2100 (Oslo time cannot reach year 1 or 9999)."""
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a day between the years 2000 and 2100."))
