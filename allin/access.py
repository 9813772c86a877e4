"""Who may see and do what. The only place roles, permissions and scope are defined."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    NETWORK_ADMIN = "network_admin"
    COORDINATOR = "coordinator"
    YOUTH_WORKER = "youth_worker"
    AMBASSADOR = "ambassador"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.NETWORK_ADMIN: _l("Network admin"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.YOUTH_WORKER: _l("Youth worker"),
    Role.AMBASSADOR: _l("Ambassador"),
}
