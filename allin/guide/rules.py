"""Who writes and publishes which guide entries: registered with access.visible() as the scope
of GuideEntry and GuideImage, and the object rules the guide's routes and services ask."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, false

from ..access import SCOPES, Perm, can
from ..enums import GuideStatus
from ..models import GuideEntry, GuideImage


def _guide_records(model) -> Callable[[Select, object], Select]:
    """The entries (or pictures) one writes: network admins the network-wide ones,
    coordinators their municipality's, drafts included. Published entries are public; readers
    get them through guide/selectors.py::published(), not here."""

    def rule(stmt: Select, actor) -> Select:
        if not can(actor, Perm.WRITE_GUIDE):
            return stmt.where(false())
        if actor.municipality_id is None:
            return stmt.where(model.municipality_id.is_(None))
        return stmt.where(model.municipality_id == actor.municipality_id)

    rule.__doc__ = f"{model.__name__}: the writers of its owner (network or municipality)."
    return rule


SCOPES[GuideEntry] = _guide_records(GuideEntry)
SCOPES[GuideImage] = _guide_records(GuideImage)


def _owns_guide_entry(actor, entry) -> bool:
    """Network admins own the network-wide entries, coordinators their municipality's (a
    network admin does not edit a municipality's own entry)."""
    return entry.municipality_id == actor.municipality_id


def can_read_guide_entry(actor, entry) -> bool:
    """Published entries are public; drafts only in the author's scope."""
    return entry.status == GuideStatus.PUBLISHED or can_edit_guide_entry(actor, entry)


def can_edit_guide_entry(actor, entry) -> bool:
    """Change an entry's text, restore an old version, add its other-language version."""
    return can(actor, Perm.WRITE_GUIDE) and _owns_guide_entry(actor, entry)


def can_publish_guide_entry(actor, entry) -> bool:
    """Make an entry public, or take it back to draft."""
    return can(actor, Perm.PUBLISH_GUIDE) and _owns_guide_entry(actor, entry)
