"""Forms for concepts: the concept itself, stage moves, the timeline, reach, attachments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..cohorts.forms import DATE_FORMATS, MultiCheckboxField, clean_text
from ..enums import ConceptFormat, ConceptStage, ReachKind
from ..fields import clean, enum_choices, no_control_characters
from ..models.concepts import REASON_LENGTH, TARGET_LENGTH, TEXT_LENGTH, TITLE_LENGTH


def _text(label, description=None, required=False, max_length=TEXT_LENGTH, rows=6):
    first = DataRequired(_l("Fill this in.")) if required else Optional()
    return TextAreaField(
        label,
        description=description,
        filters=[clean_text],
        validators=[
            first,
            Length(max=max_length, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"maxlength": max_length, "rows": rows},
    )


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: the field says so


class ConceptForm(FlaskForm):
    title = StringField(
        _l("Title"),
        description=_l("A short name, e.g. “Open gym on Friday nights”."),
        filters=[clean],
        validators=[
            DataRequired(_l("Give the concept a title.")),
            Length(max=TITLE_LENGTH, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
        render_kw={"maxlength": TITLE_LENGTH},
    )
    challenge = _text(_l("The challenge"), _l("What do you see in your city that should change?"))
    target_group = StringField(
        _l("Target group"),
        description=_l("Who is it for? For example “13–16 year olds in the city centre”."),
        filters=[clean],
        validators=[Optional(), Length(max=TARGET_LENGTH), no_control_characters],
        render_kw={"maxlength": TARGET_LENGTH},
    )
    idea = _text(_l("The idea"), _l("What will you make or do, and how?"))
    format = RadioField(
        _l("Format"),
        choices=enum_choices(ConceptFormat),
        default=ConceptFormat.OFFLINE.value,
        validators=[InputRequired(_l("Choose a format."))],
    )
    members = MultiCheckboxField(
        _l("Team members"),
        description=_l("Ambassadors enrolled in this cohort."),
        coerce=int,
        validate_choice=True,
    )
    mentor = SelectField(_l("Mentor"), coerce=_optional_int, validate_choice=True)

    def __init__(self, *args, members=(), mentors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members.choices = list(members)
        self.mentor.choices = [(None, _l("No mentor yet"))] + list(mentors)


class StageForm(FlaskForm):
    to = HiddenField(validators=[InputRequired()])
    expected = HiddenField(validators=[InputRequired()])
    reason = _text(_l("Why?"), max_length=REASON_LENGTH, rows=3)
    # At a launch: who in the municipality follows the concept up (allin/followup).
    owner = SelectField(
        _l("Municipal owner"),
        description=_l("They are asked how it is doing after 3, 6 and 12 months."),
        coerce=lambda value: int(value) if str(value or "").isdigit() else None,
        validate_choice=False,
    )

    def stage(self, field) -> ConceptStage | None:
        value = field.data or ""
        return ConceptStage(value) if value in ConceptStage._value2member_map_ else None


class TimelineForm(FlaskForm):
    text = _text(_l("Your message"), required=True, rows=5)
    answer = HiddenField()


class ReachForm(FlaskForm):
    kind = RadioField(
        _l("What"),
        choices=enum_choices(ReachKind),
        default=ReachKind.PEOPLE.value,
        validators=[InputRequired(_l("Choose what the figure counts."))],
    )
    value = IntegerField(
        _l("Figure"),
        validators=[
            InputRequired(_l("Enter a whole number.")),
            NumberRange(min=0, max=100_000_000, message=_l("Enter a whole number from 0.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    measured_on = DateField(
        _l("On"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Enter the date, e.g. 2027-03-01."))],
    )


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("File"),
        description=_l("A photo (JPEG, PNG, WebP) or a PDF, at most %(mb)s MB.", mb=10),
        render_kw={"accept": "image/jpeg,image/png,image/webp,application/pdf"},
    )
    shows_people = BooleanField(
        _l("People can be recognised in the photo"),
        default=True,
        description=_l("Then it is shown publicly only with their photo consent."),
    )


class ConfirmForm(FlaskForm):
    """A POST with nothing but the token."""
