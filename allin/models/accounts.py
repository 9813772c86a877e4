"""Sign-in state kept on the server: login sessions, failed attempts, invitations, resets,
second steps of signing in and recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..enums import ClaimKind, FailureKind, MailKind, Role
from ..extensions import db
from .people import Municipality, User, municipality_matches_role


class Installation(db.Model):
    """One row, written by /setup. Its fixed key makes a race of two first set-ups fail safely."""

    id: Mapped[int] = mapped_column(primary_key=True)
    set_up_at: Mapped[datetime] = mapped_column(default=now)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class LoginSession(db.Model):
    """A signed-in browser. Deleting the row signs it out, wherever the cookie is."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    last_seen_at: Mapped[datetime] = mapped_column(default=now)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A sign-in attempt counted against an account, an account from an address, and an address
    (the keys stored as hashes). Written before the password is checked (a reservation), kept
    when the password was wrong."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FailureKind]
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Set on the failure that locked its key, so a lock-out is audited once.
    lock_noted_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_login_failure_lookup", "kind", "key_hash", "created_at"),)


class Invitation(db.Model):
    """A single-use, expiring link that creates an account with a given role."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role]
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    # An ambassador's login: accepting links the new account to this Ambassador.
    ambassador_id: Mapped[int | None] = mapped_column(
        ForeignKey("ambassador.id", ondelete="SET NULL"), index=True
    )

    municipality: Mapped[Municipality | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    __table_args__ = (municipality_matches_role(),)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now():
            return "expired"
        return "pending"


class PasswordReset(db.Model):
    """A single-use link, valid for a short time, that sets a new password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PendingSignIn(db.Model):
    """A password accepted, the second step (a code) still to come. Lives a few minutes; the
    browser holds only the random token, in its cookie session."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of the ten single-use codes that sign in when the authenticator app is lost."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
    used_at: Mapped[datetime | None]


class MailJob(db.Model):
    """An e-mail to compose and send after the response (or by `flask send-mail`).

    A password-reset job holds only the address that was typed: the account is looked up and
    the link made when the job runs, so the request does the same work for every address and
    no token is ever stored in clear.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind]
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Taken by one sender at a time; released (attempts + 1) when sending failed.
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    # A notification's e-mail: composed from the notification when it is sent.
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    # A guardian's consent receipt: composed from the link when it is sent (issue 25).
    consent_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian_consent_link.id", ondelete="CASCADE"), index=True
    )


class BrowserClaim(db.Model):
    """What one browser holds between pages: the cookie carries only a random handle, this row
    the hash of the link's token (or the new link, sealed with the handle). It ends when the
    page is finished or left idle for a few minutes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ClaimKind]
    handle_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[int | None]
    sealed: Mapped[str | None] = mapped_column(Text)
    last_seen_at: Mapped[datetime] = mapped_column(default=now, index=True)
