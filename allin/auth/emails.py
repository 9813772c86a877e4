"""The e-mails allin sends, composed in one place."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from .. import outbox
from ..enums import MailKind
from ..mail import send_mail
from ..models import Invitation, MailJob, User
from ..urls import external_url
from .selectors import find_user_by_login
from .services import create_reset


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


@outbox.composer(MailKind.PASSWORD_RESET)
def compose_reset(job: MailJob) -> outbox.Message | None:
    """Run after the response: a reset link for the account using the typed address, if it
    is active and has that e-mail address; nothing otherwise."""
    user = find_user_by_login(job.recipient)
    if user is None or not user.active or user.email != job.recipient:
        return None
    token = create_reset(user)
    return outbox.Message(
        to=user.email,
        subject=_("Choose a new password for ALL'IN"),
        body=render_template(
            "auth/email/reset.txt",
            user=user,
            link=external_url("auth.reset_link", token=token),
            minutes=current_app.config["PASSWORD_RESET_MINUTES"],
        ),
    )
