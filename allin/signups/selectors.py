"""Reads for the sign-up pages, from access.visible()."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Select, func, select, tuple_

from ..access import visible
from ..extensions import db
from ..models import Ambassador, Cohort, Signup, SignupForm
from ..models.ambassadors import name_key


def form_of(actor, cohort) -> SignupForm | None:
    return db.session.scalar(visible(SignupForm, actor).where(SignupForm.cohort_id == cohort.id))


def pending(actor, cohort) -> Select:
    """The cohort's sign-ups waiting, oldest first (to be paginated)."""
    return (
        visible(Signup, actor)
        .where(Signup.cohort_id == cohort.id)
        .order_by(Signup.created_at, Signup.id)
    )


def waiting_count(actor, cohort) -> int:
    stmt = visible(Signup, actor).where(Signup.cohort_id == cohort.id)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def known_people(actor, signups) -> dict[int, list[Ambassador]]:
    """For each sign-up, the people the municipality already knows with its name (folded) and
    birth year, the duplicate check of enrolment (ambassadors.services.find_duplicates): one
    indexed query for the whole page."""
    keys = {(name_key(s.name), s.birth_year): s.id for s in signups}
    found: dict[int, list[Ambassador]] = defaultdict(list)
    if not keys:
        return found
    stmt = (
        visible(Ambassador, actor)
        .where(
            Ambassador.erased_at.is_(None),
            tuple_(Ambassador.name_key, Ambassador.birth_year).in_(list(keys)),
        )
        .order_by(Ambassador.id)
    )
    for ambassador in db.session.scalars(stmt):
        for signup in signups:
            if (name_key(signup.name), signup.birth_year) == (
                ambassador.name_key,
                ambassador.birth_year,
            ):
                found[signup.id].append(ambassador)
    return found


def signup_page(actor, signup_id: int) -> Signup:
    """One visible sign-up with its cohort, else 404."""
    stmt = (
        visible(Signup, actor).options(db.joinedload(Signup.cohort)).where(Signup.id == signup_id)
    )
    return db.one_or_404(stmt)


def open_form(key: str) -> SignupForm | None:
    """The public form with this key (open or closed), with its cohort; None when unknown."""
    return db.session.scalar(
        select(SignupForm)
        .options(db.joinedload(SignupForm.cohort).joinedload(Cohort.municipality))
        .where(SignupForm.key == key[:43])
    )
