"""Forms for a young person's record and their consents."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..auth.forms import current_password_field
from ..enums import ConsentGiver, ConsentMethod, ConsentPurpose
from ..fields import clean, email_field, enum_choices, name_field, no_control_characters
from ..models.ambassadors import HOLD_REASON_LENGTH
from . import rules
from .services import Person

PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,28}$")


def valid_phone(form, field):
    if field.data and not PHONE.match(field.data):
        raise ValidationError(_l("Enter a phone number like +47 912 34 567."))


def phone_field(label) -> StringField:
    return StringField(
        label,
        filters=[clean],
        validators=[Optional(), Length(max=30), valid_phone],
        render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": 30},
    )


def birth_year_field() -> IntegerField:
    return IntegerField(
        _l("Birth year"),
        description=_l("The year only; never the full date of birth or an identity number."),
        validators=[InputRequired(_l("Enter the birth year, e.g. 2011."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class AmbassadorForm(FlaskForm):
    """A young person's record: only what the programme needs (SECURITY 23)."""

    name = name_field()
    birth_year = birth_year_field()
    school = StringField(
        _l("School or class (optional)"),
        filters=[clean],
        validators=[Optional(), Length(max=120), no_control_characters],
        render_kw={"maxlength": 120},
    )
    phone = phone_field(_l("Phone (optional)"))
    email = email_field(_l("E-mail address (optional)"), required=False)
    guardian_name = StringField(
        _l("Guardian's name"),
        description=_l("Required under 18."),
        filters=[clean],
        validators=[Optional(), Length(max=120), no_control_characters],
        render_kw={"maxlength": 120, "autocomplete": "off"},
    )
    guardian_phone = phone_field(_l("Guardian's phone"))
    guardian_email = email_field(_l("Guardian's e-mail address"), required=False)

    def validate_birth_year(self, field):
        earliest, latest = rules.plausible_birth_years()
        if field.data is not None and not earliest <= field.data <= latest:
            raise ValidationError(
                _l(
                    "Enter a birth year from %(earliest)s to %(latest)s (10 to 25 years old).",
                    earliest=earliest,
                    latest=latest,
                )
            )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and rules.is_minor(self.birth_year.data):
            if not self.guardian_name.data:
                self.guardian_name.errors.append(_l("Under 18: enter a guardian's name."))
                ok = False
            if not (self.guardian_phone.data or self.guardian_email.data):
                self.guardian_phone.errors.append(
                    _l("Under 18: enter the guardian's phone number or e-mail address.")
                )
                ok = False
        return ok

    def person(self) -> Person:
        return Person(
            name=self.name.data,
            birth_year=self.birth_year.data,
            school=self.school.data or None,
            phone=self.phone.data or None,
            email=self.email.data or None,
            guardian_name=self.guardian_name.data or None,
            guardian_phone=self.guardian_phone.data or None,
            guardian_email=self.guardian_email.data or None,
        )


class ConsentForm(FlaskForm):
    purpose = RadioField(
        _l("Consent to"),
        choices=enum_choices(ConsentPurpose),
        validators=[InputRequired(_l("Choose what the consent is for."))],
    )
    given_by = RadioField(
        _l("Given by"),
        choices=enum_choices(ConsentGiver),
        validators=[InputRequired(_l("Choose who gave the consent."))],
    )
    guardian_name = StringField(
        _l("Guardian's name"),
        description=_l("When a guardian gave the consent."),
        filters=[clean],
        validators=[Optional(), Length(max=120), no_control_characters],
        render_kw={"maxlength": 120, "autocomplete": "off"},
    )
    method = RadioField(
        _l("How"),
        choices=enum_choices(ConsentMethod),
        validators=[InputRequired(_l("Choose how the consent was given."))],
    )
    given_on = DateField(
        _l("Date given"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        validators=[InputRequired(_l("Enter the date, e.g. 2026-08-20."))],
    )

    def validate_guardian_name(self, field):
        if self.given_by.data == ConsentGiver.GUARDIAN and not field.data:
            raise ValidationError(_l("Enter the name of the guardian who gave the consent."))

    def validate_given_on(self, field):
        if field.data and field.data > rules.today():
            raise ValidationError(_l("The date cannot be in the future."))


class MyDataForm(FlaskForm):
    """A young person asks for their own copy: their password again first (SECURITY 9)."""

    current = current_password_field()


class DataCopyForm(MyDataForm):
    """Staff hand a copy over on request: who asked is recorded (SECURITY 26)."""

    asked_by = RadioField(
        _l("Who asked for it?"),
        choices=enum_choices(ConsentGiver),
        validators=[InputRequired(_l("Say who asked for the copy."))],
    )


class HoldForm(FlaskForm):
    """A legal hold: why this person's data must not be erased for now."""

    reason = StringField(
        _l("Reason for the hold"),
        filters=[clean],
        validators=[
            DataRequired(_l("Say why the data must be kept (a case, a complaint, the archive).")),
            Length(min=3, max=HOLD_REASON_LENGTH, message=_l("Write 3 to 500 characters.")),
            no_control_characters,
        ],
    )
