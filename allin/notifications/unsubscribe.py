"""One-click unsubscribe (RFC 8058): a link per person and kind, signed with the app's key,
so it needs no sign-in and cannot be made for someone else. A tampered or foreign token is
not found (404)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..enums import NotificationKind
from ..urls import external_url

SALT = "allin.notifications.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def token(user_id: int, kind: NotificationKind) -> str:
    return _serializer().dumps([user_id, kind.value])


def link(user_id: int, kind: NotificationKind) -> str:
    return external_url("notifications.unsubscribe", token=token(user_id, kind))


def read(value: str) -> tuple[int, NotificationKind] | None:
    """(user id, kind) from a token this app signed; None for anything else."""
    try:
        user_id, kind = _serializer().loads(value)
        return int(user_id), NotificationKind(kind)
    except (BadSignature, ValueError, TypeError):
        return None
