"""The ALL'IN guide: public reading, search and printing; writing with history (URL /guide)."""

from flask import Blueprint

bp = Blueprint("guide", __name__, url_prefix="/guide")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
