"""Concepts: teams of ambassadors take an idea to a launch; staff follow and give feedback."""

from flask import Blueprint

bp = Blueprint("concepts", __name__, url_prefix="/concepts")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
