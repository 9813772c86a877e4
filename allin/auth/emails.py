"""The e-mails allin sends, composed in one place (the links in them are built by the caller)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from ..mail import send_mail
from ..models import Invitation, User


def send_invitation(invitation: Invitation, *, link: str, inviter: User) -> bool:
    """E-mail an invitation link; False when there is no address or it could not be sent."""
    if not invitation.email:
        return False
    return send_mail(
        to=invitation.email,
        subject=_("You are invited to ALL'IN"),
        body=render_template(
            "auth/email/invitation.txt",
            invitation=invitation,
            link=link,
            inviter=inviter,
            hours=current_app.config["INVITATION_HOURS"],
        ),
    )


def send_reset(user: User, *, link: str) -> bool:
    """E-mail a password reset link to the account's address."""
    return send_mail(
        to=user.email,
        subject=_("Choose a new password for ALL'IN"),
        body=render_template(
            "auth/email/reset.txt",
            user=user,
            link=link,
            minutes=current_app.config["PASSWORD_RESET_MINUTES"],
        ),
    )
