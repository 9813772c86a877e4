"""Sign-up for new ambassadors (issue 25): a cohort's public form, and the sign-ups a youth
worker accepts as enrolments or declines."""

from flask import Blueprint

bp = Blueprint("signups", __name__)

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
