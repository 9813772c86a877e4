"""The home of those who work for the network starts with this year's figures."""

from __future__ import annotations

from ..access import Perm, can, chooses_municipality
from .figures import scope_of
from .periods import preset
from .report import headline, min_cell


def network_home(actor) -> dict:
    """{} unless `actor` reads the network's report; else this year's headline figures."""
    if not (can(actor, Perm.VIEW_REPORTS) and chooses_municipality(actor)):
        return {}
    scope = scope_of(actor)
    period = preset("this_year", scope.first_day)
    figures = headline(actor, scope.municipalities, period) if scope.municipalities else []
    return {"network_figures": figures, "network_period": period, "network_min_cell": min_cell()}
