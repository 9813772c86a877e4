"""Response headers for every page (SECURITY 18) and the expired-form rescue (SECURITY 17)."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .errors import render_error

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    """Call before the CSRF extension, so bad bytes never reach a re-shown form."""
    app.before_request(_refuse_nul)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_failed)


def _refuse_nul():
    """No text we store may hold a NUL character (PostgreSQL refuses it); no person types one."""
    for source in (request.args, request.form):
        if any("\x00" in value for _key, values in source.lists() for value in values):
            return render_error(400)
    return None


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
    if request.endpoint != "static":
        # Pages carry names, one-time links and demo passwords: never keep them in a cache.
        headers["Cache-Control"] = "no-store"
        headers["Vary"] = "Cookie"
    return response


def _csrf_failed(error: CSRFError):
    """A stale or missing token on a form page: show the form again with what was typed.

    The view runs once more; its form fails the same token check, so nothing is saved, and the
    page comes back with the user's input, a fresh token and a message. Pure actions (no form
    page behind them) get the 400 page.
    """
    endpoint = request.endpoint
    rule = request.url_rule
    if endpoint and rule is not None and "GET" in rule.methods and not g.get("csrf_retry"):
        g.csrf_retry = True
        view = current_app.view_functions[endpoint]
        try:
            response = current_app.make_response(view(**(request.view_args or {})))
        except HTTPException as exc:  # 403, 404 ... of the view itself, not a 500
            return render_error(exc.code or 400)
        if response.status_code == 200:
            response.status_code = 400
        return response
    return render_error(400)
