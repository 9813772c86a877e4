"""The age rules of consent, computed from a birth year the careful way (SECURITY 24).

A birth year leaves two possible ages; we always take the younger one, so nobody is treated
as old enough to consent alone before they certainly are. The municipality's thresholds
decide: below `digital_consent_age` a guardian gives the participation consent (and so an own
login); below `photo_consent_age` a guardian gives consent to photos and published names.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, or_

from ..clock import now
from ..enums import ConsentGiver, ConsentPurpose
from ..models import Ambassador, Consent, Municipality

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


def counts_in_sql(on: date | None = None):
    """`counts()` as a SQL condition over Consent joined to Ambassador and Municipality, for
    filters; tests keep the two in step."""
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
