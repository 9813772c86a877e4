"""The age rules of consent, computed from a birth year the careful way (SECURITY 24).

A birth year leaves two possible ages; we always take the younger one, so nobody is treated
as old enough to consent alone before they certainly are. The municipality's thresholds
decide: below `digital_consent_age` a guardian gives the participation consent (and so an own
login); below `photo_consent_age` a guardian gives consent to photos and published names.

`may_have_login()` is the rule of an ambassador's own login. It is checked where access is
decided, not only where a link is made: when staff make a sign-in link, inside the transaction
that accepts it (auth/invitations.py), at sign-in and in the sign-in query of every request
(auth/login.py, through `login_refused_in_sql()`); withdrawing a consent it needs ends the
login sessions and the pending links at once (ambassadors/services.py).

At the bottom, registered with access.visible(): the scopes of an ambassador's records (their
own record, enrolments and consents).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Select, and_, case, exists, false, or_, select

from ..access import SCOPES, Perm, can, my_ambassador_ids
from ..clock import now
from ..enums import ConsentGiver, ConsentPurpose
from ..extensions import db
from ..models import Ambassador, Consent, Enrolment, Municipality

ADULT_AGE = 18
# A plausible ambassador is 10 to 25 years old.
YOUNGEST, OLDEST = 10, 25


def today() -> date:
    return now().date()


def conservative_age(birth_year: int, on: date | None = None) -> int:
    """The younger of the two ages a person born in `birth_year` can have on `on`."""
    return (on or today()).year - birth_year - 1


def plausible_birth_years(on: date | None = None) -> tuple[int, int]:
    """(earliest, latest) birth year we accept: someone 10 to 25 years old this year."""
    year = (on or today()).year
    return year - OLDEST, year - YOUNGEST


def is_minor(birth_year: int, on: date | None = None) -> bool:
    """Under 18 (conservatively): a guardian's name and phone or e-mail are required."""
    return conservative_age(birth_year, on) < ADULT_AGE


def threshold(purpose: ConsentPurpose, municipality: Municipality) -> int:
    """The age from which the young person may give this consent alone."""
    if purpose == ConsentPurpose.PARTICIPATION:
        return municipality.digital_consent_age
    return municipality.photo_consent_age


def needs_guardian(
    birth_year: int, purpose: ConsentPurpose, municipality: Municipality, on: date | None = None
) -> bool:
    """True when a guardian, not the young person alone, must give this consent."""
    return conservative_age(birth_year, on) < threshold(ConsentPurpose(purpose), municipality)


def counts(consent: Consent, birth_year: int, municipality: Municipality, on=None) -> bool:
    """A standing consent counts when a guardian gave it or the young person may give it
    alone today (a threshold raised later can make a young person's own consent too weak)."""
    return consent.withdrawn_at is None and (
        consent.given_by == ConsentGiver.GUARDIAN
        or not needs_guardian(birth_year, consent.purpose, municipality, on)
    )


def counts_in_sql(on: date | None = None, *, year=None):
    """`counts()` as a SQL condition over Consent joined to Ambassador and Municipality, for
    filters; tests keep the two in step. `year` may be a bound parameter (a statement built
    once must not keep the year it was built in); else the year of `on`, or of today."""
    if year is None:
        year = (on or today()).year
    limit = case(
        (Consent.purpose == ConsentPurpose.PARTICIPATION, Municipality.digital_consent_age),
        else_=Municipality.photo_consent_age,
    )
    return and_(
        Consent.withdrawn_at.is_(None),
        or_(
            Consent.given_by == ConsentGiver.GUARDIAN,
            # conservative age >= limit  <=>  year - birth_year - 1 >= limit
            Ambassador.birth_year <= year - 1 - limit,
        ),
    )


def missing_purposes(ambassador: Ambassador, standing: list[Consent], municipality, on=None):
    """The purposes without a consent that counts, in declaration order."""
    covered = {c.purpose for c in standing if counts(c, ambassador.birth_year, municipality, on)}
    return [p for p in ConsentPurpose if p not in covered]


def may_have_login(birth_year: int, municipality, standing: list[Consent], on=None) -> bool:
    """May this ambassador have (and go on using) their own login now? From the digital-consent
    age on, yes; below it only while a guardian's participation consent stands."""
    if not needs_guardian(birth_year, ConsentPurpose.PARTICIPATION, municipality, on):
        return True
    return any(
        c.purpose == ConsentPurpose.PARTICIPATION
        and c.given_by == ConsentGiver.GUARDIAN
        and c.withdrawn_at is None
        for c in standing
    )


def login_refused_in_sql(which, year):
    """`not may_have_login()` as a SQL condition: EXISTS an ambassador matching `which` (say
    `Ambassador.user_id == User.id`, correlated to the enclosing query) who is below the
    digital-consent age in `year` (a number, or a bind parameter for a statement built once)
    without a standing guardian's participation consent. Indexed all the way: the unique
    ambassador.user_id, consent.ambassador_id and the municipality's key. Tests keep it in step
    with the Python rule."""
    guardian_consent = exists().where(
        Consent.ambassador_id == Ambassador.id,
        Consent.purpose == ConsentPurpose.PARTICIPATION,
        Consent.given_by == ConsentGiver.GUARDIAN,
        Consent.withdrawn_at.is_(None),
    )
    return (
        select(Ambassador.id)
        .join(Municipality, Municipality.id == Ambassador.municipality_id)
        .where(
            which,
            # conservative age < limit  <=>  year - birth_year - 1 < limit
            Ambassador.birth_year > year - 1 - Municipality.digital_consent_age,
            ~guardian_consent,
        )
        .exists()
    )


def login_refused(which) -> bool:
    """Does the rule refuse the ambassador matching `which` a login now? One query; False
    when no ambassador record matches (staff, or an ambassador account without a record)."""
    return bool(db.session.scalar(select(login_refused_in_sql(which, today().year))))


# ---- scope: the young people's records ------------------------------------------------------
# Registered with access.visible(): an ambassador, their enrolments and their consents.


def _municipality_records(model) -> Callable[[Select, object], Select]:
    """Staff who enrol see the model's rows in their municipality; an ambassador only their
    own (`own(actor)` gives the condition); everyone else nothing."""

    def rule(stmt: Select, actor) -> Select:
        if can(actor, Perm.ENROL):
            return stmt.where(model.municipality_id == actor.municipality_id)
        if can(actor, Perm.VIEW_COHORTS) and model in _OWN:
            return stmt.where(_OWN[model](actor))
        return stmt.where(false())

    rule.__doc__ = f"{model.__name__}: staff of the municipality; an ambassador their own."
    return rule


_OWN = {
    Ambassador: lambda actor: Ambassador.user_id == actor.id,
    Enrolment: lambda actor: Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
    Consent: lambda actor: Consent.ambassador_id.in_(my_ambassador_ids(actor)),
}


SCOPES[Ambassador] = _municipality_records(Ambassador)
SCOPES[Enrolment] = _municipality_records(Enrolment)
SCOPES[Consent] = _municipality_records(Consent)
