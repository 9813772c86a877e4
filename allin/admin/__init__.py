"""Administration: users and invitations in one's scope, municipalities for network admins."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
