"""Who may start a published best case in their own city."""

from __future__ import annotations

from ..access import Perm, can


def can_start_from(actor, entry) -> bool:
    """Staff who write concepts (coordinators, youth workers), of another municipality than
    the best case's."""
    return (
        can(actor, Perm.REVIEW_CONCEPTS)
        and actor.municipality_id is not None
        and actor.municipality_id != entry.municipality_id
    )
