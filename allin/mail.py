"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise written to the log.

Sending never decides whether a request succeeds: the caller has already shown the link, so a
failure is logged and reported back, not raised (SECURITY 36). Links carry one-time tokens; in
the log they are redacted unless the app runs in debug mode, where a developer without SMTP
needs them to follow a reset or invitation link.
"""

from __future__ import annotations

import re
import smtplib
import ssl
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


class Connection:
    """One SMTP connection for many messages: `send-mail` hands its whole batch over one.
    Opened at the first message; after a failure it is closed and the next message opens a
    new one. STARTTLS verifies the server's certificate and name."""

    def __init__(self, config) -> None:
        self._config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = _connect(self._config)
        try:
            self._smtp.send_message(message)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _message(config, to, subject, body, html, attachments, headers) -> EmailMessage:
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
    return message


def send_mail(
    *,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    headers: Iterable[tuple[str, str]] = (),
    connection: Connection | None = None,
) -> bool:
    """Send one e-mail: plain text, with an HTML alternative and attachments when given;
    True when it was handed to the SMTP server. Over `connection` when given (a batch),
    else over a connection of its own."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        shown = body if current_app.debug else TOKEN_IN_LINK.sub(r"\1[redacted]", body)
        current_app.logger.info(
            "e-mail not sent (no MAIL_SERVER set)\nTo: %s\nSubject: %s\n\n%s", to, subject, shown
        )
        return False
    message = _message(config, to, subject, body, html, attachments, headers)
    try:
        if connection is not None:
            connection.send(message)
        else:
            with Connection(config) as own:
                own.send(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("sending e-mail failed (subject %r)", subject)
        return False
    return True
