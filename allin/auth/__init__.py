"""Accounts: first-run setup, sign-in, invitations, password reset, one's own sessions."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import emails, routes, rules  # noqa: E402,F401  (routes, mail composers, rules in access.SCOPES)
