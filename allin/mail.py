"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise written to the log.

Sending never decides whether a request succeeds: the caller has already shown the link, so a
failure is logged and reported back, not raised (SECURITY 36). Links carry one-time tokens; in
the log they are redacted unless the app runs in debug mode, where a developer without SMTP
needs them to follow a reset or invitation link.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

TOKEN_IN_LINK = re.compile(r"(/(?:invitation|password/reset)/)[A-Za-z0-9_-]{20,}")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "text/calendar; method=REQUEST"
    data: bytes


def send_mail(
    *,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    headers: Iterable[tuple[str, str]] = (),
) -> bool:
    """Send one e-mail: plain text, with an HTML alternative and attachments when given;
    True when it was handed to the SMTP server."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        shown = body if current_app.debug else TOKEN_IN_LINK.sub(r"\1[redacted]", body)
        current_app.logger.info(
            "e-mail not sent (no MAIL_SERVER set)\nTo: %s\nSubject: %s\n\n%s", to, subject, shown
        )
        return False
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers:
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, *params = (part.strip() for part in rest.split(";"))
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(param.split("=", 1) for param in params),
        )
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("sending e-mail failed (subject %r)", subject)
        return False
    return True
