"""E-mail jobs sent outside the request (review finding 2, SECURITY 36).

A request queues a job in its own transaction; after the response has gone out the job is run
(Werkzeug's call_on_close), so how long composing and sending take never shows in the response
time. `flask --app allin send-mail` runs every job still waiting: jobs queued while
MAIL_SEND_AFTER_RESPONSE is off, and the ones whose sending failed (retried up to
MAX_ATTEMPTS times). Each job is claimed by one conditional UPDATE, so two senders never send
the same one.

A job holds only what the request knew (kind, address, language). What it sends is composed
when it runs, by the composer its feature registered: a password reset looks the account up
then, so the request did the same work for every address and no token is stored in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, after_this_request, current_app, has_request_context
from flask_babel import force_locale, get_locale
from sqlalchemy import delete, or_, select, update

from .clock import now
from .enums import MailKind
from .extensions import db
from .mail import Attachment, Connection, send_mail
from .models import MailJob

MAX_ATTEMPTS = 5
# A sender that died while holding a job releases it after this long.
CLAIM_TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    html: str | None = None  # an HTML alternative to the plain-text body
    attachments: tuple[Attachment, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


# kind -> function(job) returning the message to send, or None when there is nothing to send.
COMPOSERS: dict[MailKind, Callable[[MailJob], Message | None]] = {}


def composer(kind: MailKind):
    def register(function):
        COMPOSERS[kind] = function
        return function

    return register


def queue(kind: MailKind, recipient: str) -> MailJob:
    """Add a job to the request's transaction; it runs after the response (if so configured)."""
    job = MailJob(kind=kind, recipient=recipient, locale=str(get_locale() or "nb"))
    db.session.add(job)
    db.session.flush()
    if has_request_context() and current_app.config["MAIL_SEND_AFTER_RESPONSE"]:
        _run_after_response(current_app._get_current_object(), job.id)
    return job


def run_after_response(job_ids: list[int]) -> None:
    """Jobs a request added in bulk (INSERT ... SELECT) run after its response like queue()'s;
    outside a request, or with MAIL_SEND_AFTER_RESPONSE off, `send-mail` sends them."""
    if job_ids and has_request_context() and current_app.config["MAIL_SEND_AFTER_RESPONSE"]:
        app = current_app._get_current_object()
        for job_id in job_ids:
            _run_after_response(app, job_id)


def _run_after_response(app: Flask, job_id: int) -> None:
    @after_this_request
    def schedule(response):
        def run_job() -> None:
            with app.app_context():
                try:
                    run(job_id)
                except Exception:  # never let a mail job break the server's connection handling
                    db.session.rollback()
                    app.logger.exception("mail job %s failed; `flask send-mail` retries it", job_id)

        response.call_on_close(run_job)
        return response


def _claim(job_id: int) -> bool:
    claimed = db.session.execute(
        update(MailJob)
        .where(
            MailJob.id == job_id,
            MailJob.attempts < MAX_ATTEMPTS,
            or_(MailJob.claimed_at.is_(None), MailJob.claimed_at < now() - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now(), attempts=MailJob.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def run(job_id: int, connection: Connection | None = None) -> bool | None:
    """Compose and send one job if this process gets its claim (over `connection`, a batch's).

    True: sent (or written to the log without MAIL_SERVER) or nothing to send, and the job is
    gone; False: sending failed, the job waits for a retry; None: someone else has it.
    """
    if not _claim(job_id):
        return None
    job = db.session.get(MailJob, job_id)
    with force_locale(job.locale):
        message = COMPOSERS[job.kind](job)
        sent = message is None or (
            send_mail(
                to=message.to,
                subject=message.subject,
                body=message.body,
                html=message.html,
                attachments=message.attachments,
                headers=message.headers,
                connection=connection,
            )
            or not current_app.config.get("MAIL_SERVER")
        )
    if sent:
        db.session.execute(delete(MailJob).where(MailJob.id == job_id))
        db.session.commit()
        return True
    db.session.rollback()  # what composing wrote (a reset link) goes with the failed e-mail
    db.session.execute(update(MailJob).where(MailJob.id == job_id).values(claimed_at=None))
    db.session.commit()
    return False


def run_pending() -> tuple[int, int, int]:
    """Run every waiting job; returns (sent, failed, given up)."""
    given_up = db.session.execute(delete(MailJob).where(MailJob.attempts >= MAX_ATTEMPTS))
    db.session.commit()
    sent = failed = 0
    with Connection(current_app.config) as connection:  # one SMTP session for the batch
        for job_id in db.session.scalars(select(MailJob.id).order_by(MailJob.id)).all():
            outcome = run(job_id, connection)
            sent += outcome is True
            failed += outcome is False
    if given_up.rowcount:
        current_app.logger.warning(
            "gave up %s e-mails after %s attempts", given_up.rowcount, MAX_ATTEMPTS
        )
    return sent, failed, given_up.rowcount or 0
