"""What a browser holds between pages, kept on the server (review finding 13).

An opened reset or invitation link, and a new link shown once to staff after a redirect, used
to sit in the (signed, not encrypted) session cookie in clear text. Now the cookie carries only
a random handle per kind; the row it names holds the hash of the link's token, or the new link
sealed with the handle (so neither the cookie nor the database alone reveals it). A claim left
idle for LINK_CLAIM_IDLE_MINUTES ends; finishing the page ends it at once.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete, select

from ..clock import now
from ..enums import ClaimKind
from ..extensions import db
from ..models import BrowserClaim
from ..transactions import write_apart
from .services import hash_token


def _cookie_key(kind: ClaimKind) -> str:
    return f"claim_{kind}"


def _idle() -> timedelta:
    return timedelta(minutes=current_app.config["LINK_CLAIM_IDLE_MINUTES"])


def purge_idle_claims() -> int:
    """Delete every browser's idle claims (here, and daily by `flask --app allin retention`)."""
    stmt = delete(BrowserClaim).where(BrowserClaim.last_seen_at < now() - _idle())
    return db.session.execute(stmt).rowcount or 0


def _keystream(handle: str, length: int) -> bytes:
    count = -(-length // 32)  # SHA-256 blocks of 32 bytes
    blocks = (hashlib.sha256(f"{handle}:seal:{n}".encode()).digest() for n in range(count))
    return b"".join(blocks)[:length]


def _seal(secret: str, handle: str) -> str:
    data = secret.encode()
    mixed = bytes(a ^ b for a, b in zip(data, _keystream(handle, len(data)), strict=True))
    return base64.urlsafe_b64encode(mixed).decode()


def _unseal(sealed: str, handle: str) -> str:
    data = base64.urlsafe_b64decode(sealed)
    return bytes(a ^ b for a, b in zip(data, _keystream(handle, len(data)), strict=True)).decode()


def hold(
    kind: ClaimKind,
    *,
    token_hash: str | None = None,
    object_id: int | None = None,
    secret: str | None = None,
) -> None:
    """Give this browser a claim of `kind` (replacing its previous one); flushed with the
    request. Idle claims of every browser are swept here."""
    release(kind)
    purge_idle_claims()
    handle = secrets.token_urlsafe(32)
    db.session.add(
        BrowserClaim(
            kind=kind,
            handle_hash=hash_token(handle),
            token_hash=token_hash,
            object_id=object_id,
            sealed=_seal(secret, handle) if secret is not None else None,
        )
    )
    session[_cookie_key(kind)] = handle


def held(kind: ClaimKind, *, touch: bool = True) -> tuple[BrowserClaim | None, str]:
    """This browser's claim of `kind` and its state: "held" (its activity noted, when `touch`),
    "none" or "idle" (it was left too long and has ended). Without `touch` nothing is written
    (the expired-form rescue re-shows a page but may not write)."""
    handle = session.get(_cookie_key(kind))
    if not isinstance(handle, str):
        return None, "none"
    claim = db.session.scalar(
        select(BrowserClaim).where(
            BrowserClaim.handle_hash == hash_token(handle), BrowserClaim.kind == kind
        )
    )
    if claim is None or claim.last_seen_at < now() - _idle():
        if touch:
            release(kind)
        return None, "none" if claim is None else "idle"
    if touch:
        claim.last_seen_at = now()
    return claim, "held"


def reveal(claim: BrowserClaim) -> str | None:
    """The secret sealed into `claim`, opened with this browser's handle."""
    handle = session.get(_cookie_key(claim.kind))
    if claim.sealed is None or not isinstance(handle, str):
        return None
    return _unseal(claim.sealed, handle)


def release(kind: ClaimKind) -> None:
    """End this browser's claim of `kind`, in the cookie and on the server."""
    handle = session.pop(_cookie_key(kind), None)
    if isinstance(handle, str):
        db.session.execute(
            delete(BrowserClaim).where(BrowserClaim.handle_hash == hash_token(handle))
        )


def keep_link(kind: ClaimKind, object_id: int, link: str) -> None:
    """Show a new link on the next page only (redirect-after-POST without losing it), kept on
    the server and sealed with a handle only this browser's cookie holds: never in the cookie
    itself (issue 19.8). Flushed with the request."""
    hold(kind, object_id=object_id, secret=link)


def pop_link(kind: ClaimKind, belongs) -> str | None:
    """The link kept for this page, once, when `belongs(object_id)` says it is this page's;
    the claim ends in a write of its own (the page is a GET)."""
    claim, _state = held(kind, touch=False)
    if claim is None or claim.object_id is None or not belongs(claim.object_id):
        return None
    link = reveal(claim)
    with write_apart():
        release(kind)
    return link
