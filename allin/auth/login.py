"""Wiring Flask-Login to server-side login sessions, and the first-run redirect to /setup."""

from __future__ import annotations

from flask import Flask, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import login_manager
from . import selectors, services, two_factor

# Pages that work before any account exists.
SETUP_ALLOWED = {"static", "auth.setup", "auth.setup_demo", "home.healthz", "home.set_language"}


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(services.load_session_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see that page.")
    login_manager.login_message_category = "info"
    app.extensions["allin_set_up"] = False
    app.before_request(_before_request)
    app.before_request(two_factor.require_enrolment)  # after the user is loaded


def _before_request():
    """Send everyone to /setup while no account exists; load the user before the view runs.

    Loading first means the session touch (last seen) is committed on its own, before the view
    starts its transaction.
    """
    if request.endpoint in SETUP_ALLOWED:
        return None
    if not current_app.extensions["allin_set_up"]:
        if selectors.needs_setup():
            return redirect(url_for("auth.setup"))
        current_app.extensions["allin_set_up"] = True
    _ = current_user.is_authenticated
    return None
