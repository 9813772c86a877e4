"""Follow-up of launched concepts: check-ins at 3, 6 and 12 months with a municipal owner,
who records whether the concept is running, paused or stopped, its reach and a note."""

from flask import Blueprint

bp = Blueprint("followup", __name__, url_prefix="/followup")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
