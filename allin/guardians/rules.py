"""Who sees a guardian's consent links: staff who enrol, in their municipality.

The guardian's own pages are public: the token in the address is what lets them in, and it
names one link of one ambassador (services.find_open, services.find_for_withdrawal).
"""

from __future__ import annotations

from sqlalchemy import Select, false

from ..access import SCOPES, Perm, can
from ..models import GuardianConsentLink


def _scope(stmt: Select, actor) -> Select:
    """GuardianConsentLink: staff who enrol in its municipality; nobody else."""
    if can(actor, Perm.ENROL):
        return stmt.where(GuardianConsentLink.municipality_id == actor.municipality_id)
    return stmt.where(false())


SCOPES[GuardianConsentLink] = _scope
