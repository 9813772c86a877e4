"""A guardian's consent given online (issue 25): the link staff hand over, the guardian's
pages (no account), the receipt and its withdraw link."""

from flask import Blueprint

bp = Blueprint("guardians", __name__, url_prefix="/guardian")

from . import emails, routes, rules  # noqa: E402,F401  (routes and mail on bp, rules in SCOPES)
