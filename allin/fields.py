"""Field helpers shared by the feature forms: cleaning, e-mail, names, countries."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
COUNTRIES = [
    SelectChoice("NO", _l("Norway")),
    SelectChoice("SE", _l("Sweden")),
    SelectChoice("DK", _l("Denmark")),
    SelectChoice("FI", _l("Finland")),
    SelectChoice("IS", _l("Iceland")),
    SelectChoice("FO", _l("Faroe Islands")),
    SelectChoice("GL", _l("Greenland")),
]


def clean(value):
    """Trim, NFC-normalise and fold inner runs of white space in a one-line text value."""
    if not isinstance(value, str):
        return value
    return " ".join(unicodedata.normalize("NFC", value).split())


def no_control_characters(form, field):
    if field.data and CONTROL.search(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


def valid_email(form, field):
    """A syntactically valid address (no DNS look-up), stored lower-case."""
    if not field.data:
        return
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(_l("Enter an e-mail address like name@example.no.")) from None


def name_field(label=None, **kwargs) -> StringField:
    return StringField(
        label or _l("Full name"),
        filters=[clean],
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
        render_kw={"autocomplete": "name", "maxlength": 120},
        **kwargs,
    )


def email_field(label=None, required=True, **kwargs) -> EmailField:
    first = DataRequired(_l("Enter an e-mail address.")) if required else Optional()
    return EmailField(
        label or _l("E-mail address"),
        filters=[clean],
        validators=[first, Length(max=254), valid_email],
        render_kw={"autocomplete": "email", "maxlength": 254, "inputmode": "email"},
        **kwargs,
    )


def municipality_name_field(label, **kwargs) -> StringField:
    return StringField(
        label,
        filters=[clean],
        validators=[
            DataRequired(_l("Enter the municipality's name.")),
            Length(max=120),
            no_control_characters,
        ],
        render_kw={"maxlength": 120},
        **kwargs,
    )


def country_name(code: str) -> str:
    """The country's name in the current language ("Norge"), as the form shows it."""
    for choice in COUNTRIES:
        if choice.value == code:
            return str(choice.label)
    return code


def enum_choices(enum_cls) -> list[SelectChoice]:
    """A LabelledEnum's members as choices for a select or radio field, in declaration order."""
    return [SelectChoice(member.value, member.label) for member in enum_cls]
