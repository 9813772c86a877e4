"""Best cases that spread: staff of another city start a draft concept from a published best
case, and both concepts show the link (the copy's `based_on_id`)."""

from flask import Blueprint

bp = Blueprint("spread", __name__, url_prefix="/spread")

from . import routes  # noqa: E402,F401  (routes register on bp)
