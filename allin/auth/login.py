"""Wiring Flask-Login to server-side login sessions, the first-run redirect to /setup, and the
consent rule of an ambassador's login, checked by the sign-in query of every request (which
also counts their unread notifications, for the bell in the header)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import Flask, current_app, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from sqlalchemy import Integer, Select, bindparam, delete, select, update

from ..access import is_polled
from ..ambassadors import rules
from ..clock import now
from ..extensions import db, login_manager
from ..models import Ambassador, LoginSession, User
from ..notifications import selectors as notification_selectors
from ..transactions import write_apart
from . import selectors, services, two_factor

# Pages that work before any account exists.
SETUP_ALLOWED = {"static", "auth.setup", "demo.setup", "home.healthz", "home.set_language"}


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_session_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see that page.")
    login_manager.login_message_category = "info"
    app.extensions["allin_set_up"] = False
    app.before_request(_before_request)
    app.before_request(two_factor.require_enrolment)  # after the user is loaded


def _before_request():
    """Send everyone to /setup while no account exists; load the user before the view runs.

    Loading first means the session touch (last seen) is committed on its own, before the view
    starts its transaction. An ambassador whom the consent rule now refuses gets the page that
    says why instead of the view (their sessions have just ended).
    """
    if request.endpoint in SETUP_ALLOWED:
        return None
    if not current_app.extensions["allin_set_up"]:
        if selectors.needs_setup():
            return redirect(url_for("auth.setup"))
        current_app.extensions["allin_set_up"] = True
    _ = current_user.is_authenticated
    refused = g.pop("login_refused", None)
    if refused is not None:
        logout_user()
        return refusal_page(refused.municipality)
    return None


@cache
def _session_by_token() -> Select:
    """Built once: every request runs it, and building a statement costs more than running it.
    The municipality comes with the user: pages show it, and a template must never lazy-load.
    The consent rule of an ambassador's login (ambassadors/rules.py) comes along: still one
    query, on indexed keys."""
    year = bindparam("year", type_=Integer)
    refused = rules.login_refused_in_sql(Ambassador.user_id == User.id, year)
    unread = notification_selectors.unread_count(User.id)  # the bell: no query of its own
    return (
        select(LoginSession, User, refused.label("login_refused"), unread.label("unread"))
        .join(User, LoginSession.user_id == User.id)
        .options(db.contains_eager(LoginSession.user), db.joinedload(User.municipality))
        .where(LoginSession.token_hash == bindparam("token_hash"))
    )


def load_session_user(token: str) -> User | None:
    """The active user behind a session token, or None when it was ended, expired or is unknown,
    or when the consent rule refuses the ambassador a login now (every session of theirs then
    ends, and the request gets the refusal page).

    Touches last_seen at most once a minute, in its own small commit, so that reading pages
    does not turn every request into a write; never for a page's own polling.
    """
    params = {"token_hash": services.hash_token(token), "year": rules.today().year}
    row = db.session.execute(_session_by_token(), params).first()
    if row is None:
        return None
    login_session, user, refused, unread = row
    if not user.active or services.session_expired(login_session, user):
        with write_apart():
            db.session.execute(delete(LoginSession).where(LoginSession.id == login_session.id))
        return None
    if refused:
        with write_apart():
            services.end_sessions(user, actor=None, reason="consent_rule")
        g.login_refused = user
        return None
    if now() - login_session.last_seen_at > timedelta(minutes=1) and not _polled():
        with write_apart():
            db.session.execute(
                update(LoginSession)
                .where(LoginSession.id == login_session.id)
                .values(last_seen_at=now())
            )
    g.login_session_id = login_session.id
    g.login_token = token
    g.unread_notifications = unread
    return user


def _polled() -> bool:
    """A page asking on its own (access.polled) is not the person at work."""
    return is_polled(current_app.view_functions.get(request.endpoint))


def refused_by_consent(user: User) -> bool:
    """Does the consent rule refuse this account a login now? (At sign-in: one query.)"""
    return rules.login_refused(Ambassador.user_id == user.id)


def refusal_page(municipality):
    """Why an ambassador cannot sign in, and whom to ask: nothing else about them."""
    return render_template("auth/login_refused.html", municipality=municipality), 403
