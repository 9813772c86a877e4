"""Surveys: the anonymous self-assessment rounds of a cohort (kick-off, end, follow-up), their
answers by the ambassadors, and the results with small numbers held back."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
