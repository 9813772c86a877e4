"""Cohorts: the groups of ambassadors a municipality runs, with enrolment and imports."""

from flask import Blueprint

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
