"""Invitations: single-use, 72-hour links whose token is stored only as a hash (SECURITY 4)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..access import Role, chooses_municipality
from ..ambassadors import rules
from ..clock import now
from ..errors import DomainError
from ..extensions import db
from ..models import Ambassador, Invitation, Municipality, User
from ..models.ambassadors import name_key
from ..namesakes import card_names, first_name
from ..single_use import spend
from .passwords import password_problem
from .rules import can_manage_invitation, invitable_roles
from .selectors import email_taken, email_taken_in_scope, username_taken
from .services import hash_token, new_token


def _expiry():
    return now() + timedelta(hours=current_app.config["INVITATION_HOURS"])


def invite(
    *, actor: User, role: Role, name: str, email: str | None, municipality: Municipality | None
) -> tuple[Invitation, str]:
    """Create an invitation `actor` is allowed to make; returns it and its link token.

    Network admins choose the municipality (none for the network's roles); everyone else invites
    into their own municipality, whatever was posted.
    """
    if role not in invitable_roles(actor):
        raise DomainError(_l("You cannot invite people into that role."))
    if role.works_for_network:
        municipality_id = None
    elif chooses_municipality(actor):
        if municipality is None:
            raise DomainError(_l("Choose the municipality."))
        municipality_id = municipality.id
    else:
        municipality_id = actor.municipality_id
    if role != Role.AMBASSADOR and not email:
        raise DomainError(_l("Enter an e-mail address: staff sign in with it."))
    if email and email_taken_in_scope(actor, email):
        raise DomainError(_l("This e-mail address already has an account."))
    token, token_hash = new_token()
    invitation = Invitation(
        token_hash=token_hash,
        role=role,
        municipality_id=municipality_id,
        name=name,
        email=email,
        invited_by_id=actor.id,
        expires_at=_expiry(),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.sent", actor=actor, target=invitation, role=str(role))
    return invitation, token


def renew(invitation: Invitation, *, actor: User) -> str:
    """Give a pending or expired invitation a new link and a new 72 hours; the old link dies."""
    if not can_manage_invitation(actor, invitation) or invitation.status in ("accepted", "revoked"):
        raise DomainError(_l("This invitation can no longer be renewed."))
    token, invitation.token_hash = new_token()
    invitation.expires_at = _expiry()
    # The renewer now stands behind it: a deactivated first inviter must not void the link
    # that staff were just shown as waiting (review finding 10).
    invitation.invited_by_id = actor.id
    audit.record("invitation.renewed", actor=actor, target=invitation)
    return token


def revoke(invitation: Invitation, *, actor: User) -> None:
    if not can_manage_invitation(actor, invitation) or invitation.status == "accepted":
        raise DomainError(_l("This invitation can no longer be revoked."))
    invitation.revoked_at = now()
    audit.record("invitation.revoked", actor=actor, target=invitation)


def find(token: str) -> tuple[Invitation | None, str]:
    return find_by_hash(hash_token(token))


def find_by_hash(token_hash: str | None) -> tuple[Invitation | None, str]:
    """The invitation whose link token hashes to `token_hash` and its status (pending,
    accepted, revoked, expired), or (None, "unknown") for a link that never existed or was
    tampered with.

    An invitation lives only as long as its inviter could still make it: once they are
    deactivated or lose the role, their pending links count as revoked.
    """
    if not token_hash:
        return None, "unknown"
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is None:
        return None, "unknown"
    status = invitation.status
    inviter = invitation.invited_by
    if status == "pending" and not (
        inviter is not None and inviter.active and can_manage_invitation(inviter, invitation)
    ):
        status = "revoked"
    return invitation, status


def refused(invitation: Invitation) -> bool:
    """Does the consent rule refuse the ambassador this link is for a login now (the age or
    the consents changed after the link was made)? False for staff invitations."""
    return invitation.ambassador_id is not None and rules.login_refused(
        Ambassador.id == invitation.ambassador_id
    )


def told_apart(invitation: Invitation) -> str | None:
    """ "Liv N., 8B" for the link of an ambassador's login (so two Livs can tell whose link it
    is), None for other invitations."""
    if invitation.ambassador_id is None:
        return None
    ambassador = db.session.get(Ambassador, invitation.ambassador_id)
    if ambassador is None:
        return None
    # Everyone of the municipality with the same first name: their labels must differ.
    first = name_key(first_name(ambassador.name))
    namesakes = db.session.scalars(
        select(Ambassador).where(
            Ambassador.municipality_id == ambassador.municipality_id,
            or_(
                Ambassador.name_key == first,
                Ambassador.name_key.startswith(first + " ", autoescape=True),
            ),
        )
    ).all()
    return card_names(namesakes)[namesakes.index(ambassador)]


def _spend(invitation: Invitation) -> None:
    """Mark the invitation used; of two racing acceptances exactly one gets through (the other
    finds no pending row and gets DomainError)."""
    stamp = spend(
        Invitation,
        invitation.id,
        "accepted_at",
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now(),
    )
    if stamp is None:
        raise DomainError(_l("This invitation has already been used or is no longer valid."))
    invitation.accepted_at = stamp


def _add_account(user: User) -> None:
    """Insert the account; a racing acceptance that took the same e-mail or username first
    makes the unique constraint refuse it, and the invitee gets the form's own message."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        if user.email and email_taken(user.email):
            raise DomainError(
                _l(
                    "This e-mail address already has an account. Sign in "
                    "instead, or use another address."
                )
            ) from None
        if user.username and username_taken(user.username):
            raise DomainError(_l("This username is taken. Try another.")) from None
        raise


def accept(
    invitation: Invitation, *, name: str, email: str | None, username: str | None, password: str
) -> User:
    """Create the invited account and spend the invitation; an ambassador's only while the
    consent rule allows them a login."""
    problem = password_problem(
        password, personal=(name, (email or "").split("@")[0], username or "")
    )
    if problem:
        raise DomainError(str(problem))
    user = User(
        role=invitation.role,
        municipality_id=invitation.municipality_id,
        name=name,
        email=email or None,
        username=username or None,
    )
    user.set_password(password)
    # The consent rule again, in this transaction: a link made while it allowed a login is
    # refused once it no longer does (a withdrawal also revokes the link, which _spend sees).
    if refused(invitation):
        raise DomainError(
            _l(
                "You cannot get a login now: a guardian's consent is needed first. "
                "Ask the youth worker."
            )
        )
    _spend(invitation)
    _add_account(user)
    invitation.user_id = user.id
    if invitation.ambassador_id is not None:  # an ambassador's login: link it to their record
        linked = db.session.execute(
            update(Ambassador)
            .where(Ambassador.id == invitation.ambassador_id, Ambassador.user_id.is_(None))
            .values(user_id=user.id)
        )
        if linked.rowcount != 1:  # a login of theirs exists: no second, unruled account
            raise DomainError(
                _l("This link is for someone who already has a login. Ask the youth worker.")
            )

    audit.record("invitation.accepted", actor=user, target=invitation)
    # Imported here: the notifications package loads the pages that this module's package
    # is loaded by (no cycle between the modules, only in the packages' loading order).
    from ..notifications import services as notifications

    notifications.invitation_accepted(invitation, user)
    return user
