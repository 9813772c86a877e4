"""Forms for cohorts, enrolment, withdrawal and spreadsheet imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..ambassadors.forms import AmbassadorForm
from ..enums import (
    CohortRole,
    CohortStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    WithdrawalReason,
)
from ..fields import clean, enum_choices, no_control_characters
from .rules import ENROLMENT_ORDER

# The date input sends ISO dates; typed by hand, Norwegians write 20.08.2027.
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes (easier than a multiple select on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def clean_text(value):
    """Trim and NFC-normalise a multi-line text, keeping its line breaks."""
    if not isinstance(value, str):
        return value
    return "\n".join(clean(line) for line in value.replace("\r\n", "\n").split("\n")).strip()


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("For example “Spring 2027” or “Larvik ungdomsskole 9B”."),
        filters=[clean],
        validators=[
            InputRequired(_l("Enter a name for the cohort.")),
            Length(max=120, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
        render_kw={"maxlength": 120},
    )
    starts_on = DateField(
        _l("Starts"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Enter the start date, e.g. 2027-01-15."))],
    )
    ends_on = DateField(
        _l("Ends"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Enter the end date, e.g. 2027-06-15."))],
    )
    leads = MultiCheckboxField(_l("Leads"), coerce=int, validators=[Optional()])
    description = TextAreaField(
        _l("Short description (optional)"),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=500, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"maxlength": 500, "rows": 3},
    )

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.leads.choices = [SelectChoice(u.id, f"{u.name} ({u.role.label})") for u in leads]

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


class StatusForm(FlaskForm):
    status = RadioField(choices=enum_choices(CohortStatus), validators=[InputRequired()])


ENROLMENT_CHOICES = [SelectChoice(s.value, s.label) for s in ENROLMENT_ORDER]


class EnrolmentStatusForm(FlaskForm):
    """Move an enrolment: the status wanted, and the one the page showed (a stale page loses)."""

    status = RadioField(choices=ENROLMENT_CHOICES, validators=[InputRequired()])
    seen = RadioField(choices=ENROLMENT_CHOICES, validators=[InputRequired()])


class EnrolForm(AmbassadorForm):
    role = RadioField(
        _l("Role in the cohort"),
        choices=enum_choices(CohortRole),
        default=CohortRole.AMBASSADOR.value,
        validators=[InputRequired(_l("Choose a role."))],
    )
    # Consent and the login in the same step (issue 22): enrol, consent and hand over on one
    # form, ending on the hand-over; each is optional and can be done later on their page.
    consents = MultiCheckboxField(
        _l("Consent given today (optional)"),
        choices=enum_choices(ConsentPurpose),
        validators=[Optional()],
        description=_l("Tick what has been agreed to, on the consent form or in person."),
    )
    consent_given_by = RadioField(
        _l("Consent given by"),
        choices=enum_choices(ConsentGiver),
        default=ConsentGiver.GUARDIAN.value,
        validators=[Optional()],
    )
    consent_method = RadioField(
        _l("How"),
        choices=enum_choices(ConsentMethod),
        default=ConsentMethod.PAPER.value,
        validators=[Optional()],
    )
    make_login = BooleanField(_l("Make their sign-in link now, to hand over"))
    # Set after we showed people with the same name and birth year: "no, someone new".
    create_anyway = HiddenField()

    def validate_consents(self, field):
        if not field.data:
            return
        if self.consent_given_by.data not in {g.value for g in ConsentGiver}:
            raise ValidationError(_l("Choose who gave the consent."))
        if self.consent_method.data not in {m.value for m in ConsentMethod}:
            raise ValidationError(_l("Choose how the consent was given."))
        if self.consent_given_by.data == ConsentGiver.GUARDIAN and not self.guardian_name.data:
            raise ValidationError(
                _l("Enter the guardian's name above: it is recorded with the consent.")
            )


class EnrolExistingForm(FlaskForm):
    role = RadioField(
        _l("Role in the cohort"),
        choices=enum_choices(CohortRole),
        default=CohortRole.AMBASSADOR.value,
        validators=[InputRequired(_l("Choose a role."))],
    )


class WithdrawEnrolmentForm(FlaskForm):
    reason = RadioField(
        _l("Reason"),
        choices=enum_choices(WithdrawalReason),
        validators=[InputRequired(_l("Choose a reason."))],
    )
    note = StringField(
        _l("More about the reason (optional)"),
        description=_l("Nothing about health or family: this is kept with the record."),
        filters=[clean],
        validators=[Optional(), Length(max=200), no_control_characters],
        render_kw={"maxlength": 200},
    )


class ImportForm(FlaskForm):
    spreadsheet = FileField(
        _l("Spreadsheet (CSV)"),
        description=_l(
            "In Excel or Google Sheets: File → Save as / Download → CSV. One row per person."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )


class ImportRowForm(FlaskForm):
    """One row of an import preview, corrected on the page: the file's columns as text, each
    checked as the file's cells are (cohorts/imports.py::check_row) when it is saved."""

    name = StringField(_l("Name"), [Optional()])
    birth_year = StringField(_l("Birth year"), [Optional()], render_kw={"inputmode": "numeric"})
    school = StringField(_l("School or class"), [Optional()])
    phone = StringField(_l("Phone"), [Optional()], render_kw={"inputmode": "tel"})
    email = StringField(_l("E-mail"), [Optional()], render_kw={"inputmode": "email"})
    guardian_name = StringField(_l("Guardian"), [Optional()])
    guardian_phone = StringField(
        _l("Guardian's phone"), [Optional()], render_kw={"inputmode": "tel"}
    )
    guardian_email = StringField(
        _l("Guardian's e-mail"), [Optional()], render_kw={"inputmode": "email"}
    )


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token is what a confirmation needs."""
