"""Forms for sessions and the roll call."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..cohorts.forms import MultiCheckboxField, clean_text
from ..converters import choice_id
from ..enums import AttendanceValue, Phase
from ..fields import clean, enum_choices, no_control_characters

# The datetime-local input sends 2027-10-31T17:00; typed by hand, Norwegians write 31.10.2027 17:00.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
AGENDA_MAX = 5000


def web_address(form, field):
    """Only http(s) addresses with a host: no javascript:, data: or mailto: in a link."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data:
        raise ValidationError(_l("Enter a web address starting with https://."))


class SessionForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[clean],
        validators=[
            InputRequired(_l("Enter a title for the session.")),
            Length(max=120, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
        render_kw={"maxlength": 120},
    )
    phase = SelectField(_l("Phase"), choices=enum_choices(Phase))
    starts = DateTimeLocalField(
        _l("Starts"),
        format=DATETIME_FORMATS,
        description=_l("Norwegian time."),
        validators=[InputRequired(_l("Enter when the session starts, e.g. 2027-10-31 17:00."))],
    )
    ends = DateTimeLocalField(
        _l("Ends"),
        format=DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter when the session ends, e.g. 2027-10-31 19:30."))],
    )
    place = StringField(
        _l("Place (optional)"),
        filters=[clean],
        validators=[Optional(), Length(max=200), no_control_characters],
        render_kw={"maxlength": 200},
    )
    online_url = StringField(
        _l("Online meeting link (optional)"),
        filters=[clean],
        validators=[Optional(), Length(max=500), web_address],
        render_kw={"maxlength": 500, "inputmode": "url"},
    )
    agenda = TextAreaField(
        _l("Agenda (optional)"),
        description=_l("Plain text or Markdown: lists with “-”, **bold**, links."),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=AGENDA_MAX, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"rows": 6},
    )
    facilitator = SelectField(_l("Facilitator (optional)"), coerce=choice_id, validate_choice=False)
    tools = MultiCheckboxField(
        _l("Tools from the guide (optional)"),
        description=_l(
            "Listed on the session page. A tool's page in the guide counts the sessions "
            "that use it."
        ),
        validators=[Optional()],
    )

    def __init__(self, *args, facilitators=(), tools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.facilitator.choices = [(0, _l("Nobody yet"))] + [(u.id, u.name) for u in facilitators]
        self.tools.choices = [(entry.pair_key, entry.title) for entry in tools]
        if not tools:  # nothing to choose from: no empty box on the form
            del self.tools

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("The session must end after it starts."))


class AttendanceForm(FlaskForm):
    value = RadioField(_l("Attendance"), choices=enum_choices(AttendanceValue))


class ConfirmForm(FlaskForm):
    """A button that posts: only the CSRF token."""
