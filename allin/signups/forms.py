"""The public sign-up form: the young person's record as staff would type it (its checks and
the guardian rule under 18 are the enrolment form's), why they want to join, and a honeypot."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..ambassadors.forms import AmbassadorForm, phone_field
from ..fields import clean, email_field, name_field, no_control_characters
from ..models.signups import MOTIVATION_LENGTH

# fields.CONTROL without the line breaks and tabs a few sentences may hold.
TEXT_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]"
)


def no_control_characters_but_lines(form, field):
    if field.data and TEXT_CONTROL.search(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


class SignupForm(AmbassadorForm):
    """Asked of the young person themselves, in the second person."""

    name = name_field(_l("Your full name"))
    birth_year = IntegerField(
        _l("The year you were born"),
        description=_l("The year only, for example 2012."),
        validators=[InputRequired(_l("Enter the year you were born, e.g. 2012."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    school = StringField(
        _l("Your school and class"),
        description=_l("For example Hedrum ungdomsskole 9B."),
        filters=[clean],
        validators=[
            DataRequired(_l("Enter your school and class.")),
            Length(max=120),
            no_control_characters,
        ],
        render_kw={"maxlength": 120, "autocomplete": "off"},
    )
    phone = phone_field(_l("Your phone number"))
    email = email_field(
        _l("Your e-mail address"),
        required=False,
        description=_l("A phone number or an e-mail address: one of them is enough."),
    )
    guardian_name = StringField(
        _l("A guardian's name"),
        description=_l("Required if you are under 18: a parent or another guardian."),
        filters=[clean],
        validators=[Optional(), Length(max=120), no_control_characters],
        render_kw={"maxlength": 120, "autocomplete": "off"},
    )
    # Declared again so that they follow the guardian's name (fields keep declaration order).
    guardian_phone = phone_field(_l("Guardian's phone"))
    guardian_email = email_field(_l("Guardian's e-mail address"), required=False)
    motivation = TextAreaField(
        _l("Why do you want to join?"),
        description=_l("A few sentences are enough."),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Tell us in a few words why you want to join.")),
            Length(max=MOTIVATION_LENGTH, message=_l("Use at most %(max)d characters.")),
            no_control_characters_but_lines,
        ],
        render_kw={"maxlength": MOTIVATION_LENGTH, "rows": 4},
    )
    # The honeypot: hidden from people (and from screen readers); a bot fills it in.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off"})

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.phone.data or self.email.data) and not self.phone.errors:
            self.phone.errors.append(_l("Enter a phone number or an e-mail address."))
            ok = False
        return ok

    def is_bot(self) -> bool:
        return bool(self.website.data)


class ButtonForm(FlaskForm):
    """A button's form: the CSRF token only."""
