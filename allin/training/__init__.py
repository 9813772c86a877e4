"""Training sessions of a cohort: scheduling, the programme template, roll call, progress and
the calendar feed."""

from flask import Blueprint

bp = Blueprint("training", __name__)

from . import display, routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)

bp.record_once(display.init_app)
