"""Accounts: first-run setup, sign-in, invitations, password reset, one's own sessions."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401  (routes register on bp)
