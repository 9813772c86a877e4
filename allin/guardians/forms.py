"""The guardian's form: an answer per purpose asked, their name and relation, and an optional
address for the receipt."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..enums import ConsentPurpose
from ..fields import clean, email_field, name_field, no_control_characters
from ..models.guardians import RELATION_LENGTH

YES, NO = "yes", "no"


def _answer_field(label) -> RadioField:
    return RadioField(
        label,
        choices=[
            SelectChoice(YES, _l("Yes, I consent")),
            SelectChoice(NO, _l("No, I do not consent")),
        ],
        validators=[InputRequired(_l("Choose yes or no."))],
    )


class GuardianConsentForm(FlaskForm):
    """Every purpose is a field; the route removes the ones this link does not ask."""

    participation = _answer_field(_l("Participation"))
    photo = _answer_field(_l("Photos"))
    publish_name = _answer_field(_l("Publishing the name"))
    guardian_name = name_field(_l("Your full name"))
    relation = StringField(
        _l("Your relation to the young person"),
        description=_l("For example mother, father or guardian."),
        filters=[clean],
        validators=[
            DataRequired(_l("Enter your relation to the young person.")),
            Length(max=RELATION_LENGTH),
            no_control_characters,
        ],
        render_kw={"maxlength": RELATION_LENGTH, "autocomplete": "off"},
    )
    email = email_field(
        _l("Your e-mail address (optional)"),
        required=False,
        description=_l("We send you a receipt with a link to withdraw the consent later."),
    )

    def keep_only(self, purposes: list[ConsentPurpose]) -> None:
        """Remove the answer fields of the purposes this link does not ask."""
        for purpose in ConsentPurpose:
            if purpose not in purposes:
                delattr(self, purpose.value)

    def answers(self, purposes: list[ConsentPurpose]) -> dict[ConsentPurpose, bool]:
        return {p: getattr(self, p.value).data == YES for p in purposes}
