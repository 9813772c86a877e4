"""The report: what the programme achieves in each municipality and across the network, as
counts and shares with every small number of young people suppressed (issue 20)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import routes  # noqa: E402,F401  (routes register on bp)
from .report import shown  # noqa: E402

bp.add_app_template_global(shown, "report_cell")
