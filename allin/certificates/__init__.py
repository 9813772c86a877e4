"""A graduate's certificate: a printable A4 page of their years in the programme, and a public
page that tells whoever has its address that it is genuine."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from . import routes, rules  # noqa: E402,F401  (routes register on bp, rules in access.SCOPES)
