"""Ambassadors: the young people of a municipality, their consents and their logins."""

from flask import Blueprint

bp = Blueprint("ambassadors", __name__, url_prefix="/ambassadors")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
