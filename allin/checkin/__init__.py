"""Check-in at a session: the facilitator shows a code that changes every 30 seconds (and its
QR code); an ambassador who opens or types it is marked present in the roll call."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)

from . import routes  # noqa: E402,F401  (routes register on bp)
