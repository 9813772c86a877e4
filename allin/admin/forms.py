"""Forms for inviting people, changing roles and editing municipalities."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from ..auth.selectors import email_taken_in_scope
from ..enums import Role
from ..fields import (
    COUNTRIES,
    email_field,
    municipality_name_field,
    name_field,
)
from ..models.people import RETENTION_YEARS_MAX


class InviteForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    municipality = SelectField(_l("Municipality"), coerce=int, validators=[Optional()])
    name = name_field(description=_l("So they recognise the invitation. They can change it."))
    email = email_field(
        required=False,
        description=_l(
            "Required for staff. Ambassadors without e-mail get a username instead; "
            "give them the link in person."
        ),
    )

    def __init__(self, *args, actor, roles, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.role.choices = [SelectChoice(r.value, r.label) for r in roles]
        if municipalities is None:
            del self.municipality
        else:
            self.municipality.choices = [SelectChoice(m.id, m.name) for m in municipalities]

    def validate_email(self, field):
        if not field.data and self.role.data != Role.AMBASSADOR:
            raise ValidationError(_l("Enter an e-mail address: staff sign in with it."))
        if field.data and email_taken_in_scope(self.actor, field.data):
            raise ValidationError(_l("This e-mail address already has an account."))

    def validate_municipality(self, field):
        network = self.role.data in {role.value for role in Role if role.works_for_network}
        if not network and not field.data:
            raise ValidationError(_l("Choose the municipality."))


class RoleForm(FlaskForm):
    role = SelectField(_l("New role"), validators=[DataRequired()])

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r.value, r.label) for r in roles]


class MunicipalityForm(FlaskForm):
    name = municipality_name_field(_l("Name"))
    country = SelectField(_l("Country"), choices=COUNTRIES, default="NO")
    digital_consent_age = IntegerField(
        _l("Age of digital consent"),
        default=13,
        description=_l(
            "Below this age a guardian must consent before an ambassador gets an "
            "account. Norway: 13."
        ),
        validators=[
            DataRequired(_l("Enter an age.")),
            NumberRange(10, 18, _l("Enter an age from 10 to 18.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    photo_consent_age = IntegerField(
        _l("Age for consent to photos and publishing"),
        default=15,
        description=_l(
            "Below this age a guardian must consent to photos and published names. "
            "Norwegian guidance: 15."
        ),
        validators=[
            DataRequired(_l("Enter an age.")),
            NumberRange(10, 18, _l("Enter an age from 10 to 18.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    retention_years = IntegerField(
        _l("Years an ambassador's data is kept"),
        default=3,
        description=_l(
            "Counted from the end of their last cohort; then the data is erased (unless a "
            "legal hold is set). At least 1 year."
        ),
        validators=[
            InputRequired(_l("Enter a number of years.")),
            NumberRange(1, RETENTION_YEARS_MAX, _l("Enter a number of years from 1 to 50.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
