"""Notifications: events (a session tomorrow, moved or cancelled; feedback on a concept) told
to each person once, under the bell in the header and, for some kinds, by e-mail."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import emails, routes, rules  # noqa: E402,F401  (routes on bp, composer, scopes)
