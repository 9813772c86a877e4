"""Response headers for every page (SECURITY 18) and the expired-form rescue (SECURITY 17)."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, SecurityError

from .errors import render_error
from .extensions import db

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    """Call before the CSRF extension, so bad bytes never reach a re-shown form."""
    # Before every other hook (the set-up redirect, loading the user): an unknown host is
    # refused before anything reads the database or builds a URL from it.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unknown_host)
    app.before_request(_refuse_nul)
    app.before_request(_refuse_unexpected_files)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_failed)


def _refuse_unknown_host():
    """TRUSTED_HOSTS (config.check_base_url): a Host we do not serve gets a plain 400.

    Flask records the refusal as the routing exception; without this it would surface only
    after the other hooks ran, and no URL can be built for the error page on that request.
    """
    if isinstance(request.routing_exception, SecurityError):
        return "Bad request: unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    return None


def _refuse_nul():
    """No text we store or look up may hold a NUL character (PostgreSQL refuses it with an
    error); no person types one. The query string, the form and the address's own text parts
    (a token, a slug, a picture's name) are checked."""
    for source in (request.args, request.form):
        if any("\x00" in value for _key, values in source.lists() for value in values):
            return render_error(400)
    path_values = (request.view_args or {}).values()
    if any(isinstance(value, str) and "\x00" in value for value in path_values):
        return render_error(400)
    return None


def accepts_files(view):
    """Mark a view that takes file uploads; every other view refuses file parts."""
    view.allin_accepts_files = True
    return view


def _refuse_unexpected_files():
    """A file part where text is expected is a 400, once for every form (a field would
    otherwise get a FileStorage and fail with a TypeError, a 500)."""
    if not request.files:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "allin_accepts_files", False):
        return None
    return render_error(400)


def _headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["HTTPS"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and not g.get("public_cache"):
        # Pages carry names, one-time links and demo passwords: never keep them in a cache.
        # A view that shows only public content to an anonymous visitor may opt out by
        # setting g.public_cache and its own Cache-Control (guide/routes.py::_cacheable).
        headers["Cache-Control"] = "no-store"
        headers["Vary"] = "Cookie"
    return response


class WriteRefused(RuntimeError):
    """A view tried to write while re-running for a form whose token failed."""


def _retrying() -> bool:
    return has_request_context() and bool(g.get("csrf_retry"))


@event.listens_for(Session, "before_flush")
def _no_flush_on_retry(session, flush_context, instances) -> None:
    if _retrying():
        raise WriteRefused("flush during the expired-form rescue")


@event.listens_for(Session, "before_commit")
def _no_commit_on_retry(session) -> None:
    if _retrying():
        raise WriteRefused("commit during the expired-form rescue")


@event.listens_for(Session, "do_orm_execute")
def _no_statement_writes_on_retry(state) -> None:
    if _retrying() and (state.is_insert or state.is_update or state.is_delete):
        raise WriteRefused("write statement during the expired-form rescue")


def _csrf_failed(error: CSRFError):
    """A stale or missing token on a form page: show the form again with what was typed.

    The view runs once more so that its form re-renders with the user's input, a fresh token
    and a message (its own token check fails again). While it runs, the session refuses every
    flush, commit and write statement, so even a view that writes straight from request.form
    writes nothing: that attempt gets the plain 400 page. Pure actions (no form page behind
    them) get the 400 page at once.
    """
    endpoint = request.endpoint
    rule = request.url_rule
    if not (endpoint and rule is not None and "GET" in rule.methods) or g.get("csrf_retry"):
        return render_error(400)
    g.csrf_retry = True
    view = current_app.view_functions[endpoint]
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except WriteRefused:
        current_app.logger.warning("expired form on %s tried to write; refused", endpoint)
        return render_error(400)
    except HTTPException as exc:  # 403, 404 ... of the view itself, not a 500
        return render_error(exc.code or 400)
    finally:
        db.session.rollback()
        g.csrf_retry = False
    if response.status_code == 200:
        response.status_code = 400
    return response
