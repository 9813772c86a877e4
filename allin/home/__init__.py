"""The public front: landing page, language switch, health check."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from . import routes  # noqa: E402,F401  (routes register on bp)
