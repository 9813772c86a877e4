"""Error pages in the user's language, never a stack trace; and the error raised by services."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

T = TypeVar("T")


class DomainError(Exception):
    """A rule of the programme was broken; the message is safe to show to the user."""


def attempt(
    service: Callable[..., T], /, *args, errors: list | dict[type, list], **kwargs
) -> tuple[bool, T | None]:
    """Call a service for a route. A DomainError rolls the request back and its message goes
    to `errors` (a form's `form_errors`, a field's `errors`, or a list to flash).

        ok, user = attempt(services.accept, invitation, errors=form.form_errors, name=...)

    When kinds of DomainError belong in different places, `errors` maps each class to its
    list; the first class the error is an instance of wins (list DomainError last):

        errors={SlugProblem: form.slug.errors, DomainError: form.form_errors}
    """
    try:
        return True, service(*args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        _target(errors, exc).append(str(exc))
        return False, None


def _target(errors: list | dict[type, list], exc: DomainError) -> list:
    if not isinstance(errors, dict):
        return errors
    for kind, target in errors.items():
        if isinstance(exc, kind):
            return target
    raise exc  # a kind the route did not expect: not for the user to read


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("We could not find that page"),
    405: _l("That action is not allowed here"),
    413: _l("That was too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is not available right now"),
}

MESSAGES = {
    400: _l("Go back, reload the page and try again."),
    403: _l("If you think you should have access, ask your coordinator."),
    404: _l("The address may be mistyped, or the page may have been moved or deleted."),
    405: _l("Go back and use the buttons on the page."),
    413: _l("The file or form you sent is larger than we accept. Try something smaller."),
    429: _l("Please wait a little and try again."),
    500: _l("The error has been logged. Please try again in a few minutes."),
    503: _l("Please try again in a few minutes."),
}
# Network staff have no coordinator to ask: they are told what their role sees instead.
NETWORK_403 = _l(
    "Network staff see the network's figures, not the people and cohorts of a municipality. "
    "The municipality's coordinator can help with those."
)


def render_error(code: int, message: str | None = None, reference: str | None = None):
    """The error page for `code`; codes without their own text borrow 400's or 500's."""
    known = code if code in TITLES else (500 if code >= 500 else 400)
    if code == 403 and message is None and _works_for_network():
        message = NETWORK_403
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=TITLES[known],
            message=message or MESSAGES[known],
            reference=reference,
        ),
        code,
    )


def _works_for_network() -> bool:
    user = current_user
    return bool(user and user.is_authenticated and user.role.works_for_network)


def _handle_http(error: HTTPException):
    if request.path.startswith("/static/"):
        return error
    if error.response is not None:  # a page of its own (a form sent back over a rate limit)
        return error.response
    code = error.code or 500
    if code == 413:
        drain_refused_body()
    if code >= 500:
        db.session.rollback()
    return render_error(code)


def _handle_unexpected(error: Exception):
    """Roll back, log with a reference the user can quote, show a calm page."""
    if isinstance(error, HTTPException):
        return _handle_http(error)
    db.session.rollback()
    reference = uuid.uuid4().hex[:12]
    current_app.logger.exception("unhandled error, reference %s", reference)
    try:
        return render_error(500, reference=reference)
    except Exception:  # the page itself failed: answer plainly rather than with a traceback
        current_app.logger.exception("error page failed, reference %s", reference)
        return f"Internal server error. Reference: {reference}", 500, {"Content-Type": "text/plain"}


def drain_refused_body() -> None:
    """Read what is left of a body refused as too large (up to a bound), so that the server
    sends the 413 page instead of resetting a connection the browser is still writing to
    (gunicorn closes a connection whose request was not read). Every 413 handler calls it."""
    stream = request.environ.get("wsgi.input")
    config = current_app.config
    limit = max(config["MAX_CONTENT_LENGTH"] or 0, config.get("ATTACHMENT_MAX_BYTES", 0))
    remaining = min(request.content_length or 0, 4 * limit)
    while stream is not None and remaining > 0:
        chunk = stream.read(min(remaining, 64 * 1024))
        if not chunk:
            break
        remaining -= len(chunk)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
