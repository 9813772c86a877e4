"""Forms for setting up, signing in, accepting invitations and passwords."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..enums import Role
from ..fields import (
    COUNTRIES,
    email_field,
    municipality_name_field,
    name_field,
)
from .passwords import MAX_LENGTH, password_problem
from .selectors import email_taken, username_taken
from .two_factor import app_code, is_recovery_code

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("New password"),
        description=_l(
            "At least 12 characters. A short sentence is easy to remember and hard to guess."
        ),
        validators=[DataRequired(_l("Choose a password."))],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH + 1},
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class NewPasswordForm(FlaskForm):
    """Base for forms that set a password: the policy runs as a field check."""

    def personal_words(self) -> tuple[str, ...]:
        words = []
        for name in ("name", "email", "username"):
            field = getattr(self, name, None)
            if field is not None and field.data:
                words.append(field.data.split("@")[0])
        return tuple(words) + tuple(getattr(self, "extra_personal", ()))

    def validate_password(self, field):
        problem = password_problem(field.data or "", personal=self.personal_words())
        if problem:
            raise ValidationError(problem)


class SetupForm(NewPasswordForm):
    name = name_field()
    email = email_field()
    password = new_password_field(_l("Password"))
    confirm = confirm_field()
    municipality_name = municipality_name_field(
        _l("First municipality"), description=_l("You can add more municipalities later.")
    )
    country = SelectField(_l("Country"), choices=COUNTRIES, default="NO")


class LoginForm(FlaskForm):
    login = StringField(
        _l("E-mail or username"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(_l("Enter your e-mail address or username.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH * 4)],
        render_kw={"autocomplete": "current-password"},
    )


class AcceptInvitationForm(NewPasswordForm):
    name = name_field()
    email = email_field()
    username = StringField(
        _l("Username"),
        description=_l(
            "3 to 40 characters: lower-case letters a–z, digits, dot, dash or "
            "underscore. You sign in with this."
        ),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[DataRequired(_l("Choose a username."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": 40},
    )
    password = new_password_field(_l("Password"))
    confirm = confirm_field()

    @classmethod
    def for_invitation(cls, invitation, **kwargs):
        """Staff sign in by e-mail; ambassadors choose a username and may add an e-mail."""
        form = cls(**kwargs)
        if invitation.role == Role.AMBASSADOR:
            form.email.validators = [Optional(), *form.email.validators[1:]]
            form.email.flags.required = False
            form.email.label.text = _l("E-mail address (optional)")
        else:
            del form.username
        return form

    def validate_email(self, field):
        if field.data and email_taken(field.data):
            raise ValidationError(
                _l(
                    "This e-mail address already has an account. Sign in "
                    "instead, or use another address."
                )
            )

    def validate_username(self, field):
        if not USERNAME.match(field.data or ""):
            raise ValidationError(
                _l(
                    "Use 3 to 40 characters: a–z, 0–9, dot, dash or "
                    "underscore, starting with a letter or digit."
                )
            )
        if username_taken(field.data):
            raise ValidationError(_l("This username is taken. Try another."))


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(NewPasswordForm):
    password = new_password_field()
    confirm = confirm_field()


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field()
    confirm = confirm_field()


def current_password_field() -> PasswordField:
    return PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class CurrentPasswordForm(FlaskForm):
    """Re-authentication before changing one's two-factor sign-in (SECURITY 9)."""

    current = current_password_field()


class FirstCodeForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        description=_l("The 6 digits your authenticator app shows for ALL'IN now."),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(_l("Enter the code from the app.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )

    def validate_code(self, field) -> None:
        if app_code(field.data) is None:
            raise ValidationError(_l("The code is the 6 digits 0–9 that the app shows."))


class SignInCodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l(
            "The 6-digit code from your authenticator app, or one of your recovery codes."
        ),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(_l("Enter the code.")), Length(max=40)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )

    def validate_code(self, field) -> None:
        if app_code(field.data) is None and not is_recovery_code(field.data):
            raise ValidationError(
                _l("Type the 6 digits 0–9 from the app, or one of your recovery codes.")
            )
