"""Who checks themself in: an ambassador (a login with an ambassador's record, who sees cohorts
but does not enrol anyone). Staff take the roll call instead; they are told so."""

from __future__ import annotations

from ..access import Perm, can


def checks_in_self(actor) -> bool:
    return can(actor, Perm.VIEW_COHORTS) and not can(actor, Perm.ENROL)
