"""Municipalities (the tenants) and the people who sign in."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g
from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..enums import Role
from ..extensions import db
from .base import TimestampMixin

RETENTION_YEARS_MAX = 50


def municipality_matches_role() -> CheckConstraint:
    """A municipality exactly when the role is not one of the network's (the role itself is
    checked by its enum type)."""
    network = ", ".join(f"'{role}'" for role in Role if role.works_for_network)
    return CheckConstraint(
        f"(role IN ({network}) AND municipality_id IS NULL)"
        f" OR (role NOT IN ({network}) AND municipality_id IS NOT NULL)",
        name="municipality_matches_role",
    )


class Municipality(TimestampMixin, db.Model):
    """A municipality running the programme: the tenant every local record belongs to."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="NO")
    # Below these ages a guardian's consent is required (digital services; photos, publishing).
    digital_consent_age: Mapped[int] = mapped_column(default=13)
    photo_consent_age: Mapped[int] = mapped_column(default=15)
    # How many years after their last cohort ended an ambassador's data is kept: then
    # `flask --app allin retention` erases it (allin/retention.py).
    retention_years: Mapped[int] = mapped_column(default=3, server_default="3")

    __table_args__ = (
        CheckConstraint("digital_consent_age BETWEEN 10 AND 18", name="digital_consent_age_range"),
        CheckConstraint("photo_consent_age BETWEEN 10 AND 18", name="photo_consent_age_range"),
        CheckConstraint(
            f"retention_years BETWEEN 1 AND {RETENTION_YEARS_MAX}", name="retention_years_range"
        ),
    )

    @property
    def language(self) -> str:
        """The language its cohorts' shared texts are written in: the programme has them in
        Norwegian and English, so a municipality outside Norway reads English."""
        return "nb" if self.country == "NO" else "en"

    def __repr__(self) -> str:
        return f"<Municipality {self.id} {self.slug!r}>"


class User(UserMixin, TimestampMixin, db.Model):
    """Anyone who signs in. The network's roles have no municipality; everyone else has
    exactly one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role]
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Stored lower-case; ambassadors without an e-mail address sign in with a username.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(5))
    last_login_at: Mapped[datetime | None]
    # Staff two-factor sign-in (auth/two_factor.py): the TOTP secret, encrypted with a key
    # derived from SECRET_KEY; confirmed once a first code was right; and the last time step
    # a code was accepted for, so that no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # A staff account erased (allin/erasure.py): its name is a pseudonym, its login gone; the
    # row stays so that the audit trail still says "the same person" without saying who.
    erased_at: Mapped[datetime | None]

    municipality: Mapped[Municipality | None] = relationship()

    __table_args__ = (
        municipality_matches_role(),
        CheckConstraint("email IS NOT NULL OR username IS NOT NULL", name="has_login"),
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str | None:
        """Flask-Login keeps this in the cookie: the session token of this request's login
        session (auth/login.py puts it on `g`), never the user id."""
        return g.get("login_token")

    @property
    def two_factor_enabled(self) -> bool:
        """A code is asked at every sign-in (only staff can enrol)."""
        return self.totp_confirmed_at is not None

    @property
    def login(self) -> str:
        """What the person types to sign in."""
        return self.email or self.username or ""

    def set_password(self, password: str) -> None:
        # scrypt by default; tests choose a cheaper work factor through the setting.
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)
