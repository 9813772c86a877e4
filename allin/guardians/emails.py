"""The guardian's receipt e-mail, composed when the outbox sends it: what was answered, and a
link to withdraw (a token of its own, made now, so no token waits in the database in clear)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from .. import outbox
from ..enums import MailKind
from ..extensions import db
from ..models import Ambassador, GuardianConsentLink, MailJob
from ..urls import external_url
from . import services


@outbox.composer(MailKind.CONSENT_RECEIPT)
def compose_receipt(job: MailJob) -> outbox.Message | None:
    """Nothing to send when the link is gone (the person erased) or has no address now."""
    link = db.session.scalar(
        select(GuardianConsentLink)
        .options(db.joinedload(GuardianConsentLink.ambassador).joinedload(Ambassador.municipality))
        .where(GuardianConsentLink.id == job.consent_link_id)
    )
    if link is None or not link.receipt_email or link.ambassador.erased_at is not None:
        return None
    token = services.receipt_token(link)
    return outbox.Message(
        to=link.receipt_email,
        subject=_("Your consent for %(name)s", name=link.ambassador.first_name),
        body=render_template(
            "guardians/email/receipt.txt",
            link=link,
            consents=services.consents_of(link),
            declined=link.declined_purposes,
            withdraw_link=external_url("guardians.receipt", token=token),
        ),
    )
