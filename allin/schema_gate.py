"""Every page answers 503 while the database schema is behind the code (or unreachable)."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from .errors import render_error
from .schema import UPGRADE_COMMAND, is_current


def init_app(app: Flask) -> None:
    app.before_request(_require_current_schema)


def _require_current_schema():
    if request.endpoint in ("static", "home.healthz"):
        return None
    try:
        if is_current(current_app):
            return None
    except SQLAlchemyError:
        current_app.logger.exception("database check failed")
        message = _("The database is not answering. Please try again in a few minutes.")
        return render_error(503, message)
    message = _(
        "The database schema is behind the code. An operator must run: %(command)s",
        command=UPGRADE_COMMAND,
    )
    return render_error(503, message)
