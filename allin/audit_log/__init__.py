"""The audit trail, readable: who did what and when, in one's own scope (issue 21)."""

from flask import Blueprint

bp = Blueprint("audit_log", __name__, url_prefix="/audit")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
