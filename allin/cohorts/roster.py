"""People as tables for a spreadsheet (allin/exports.py writes them as .xlsx or CSV): a
cohort's, the list the cohort page shows its staff, every page of it; and everyone the
reader's municipality knows, with their cohorts."""

from __future__ import annotations

from flask_babel import gettext as _

from ..access import visible
from ..ambassadors import rules
from ..collation import nb_order
from ..enums import ConsentGiver, ConsentPurpose, EnrolmentStatus
from ..exports import Table
from ..extensions import db
from ..models import Ambassador, Cohort, Consent, Enrolment
from ..training.times import local_date
from . import selectors


def roster_table(actor, cohort) -> Table:
    """Two queries whatever the cohort's size: the enrolments with their people, and their
    consents (withdrawn ones too, to say when one was withdrawn)."""
    enrolments = list(db.session.scalars(selectors.members(actor, cohort)))
    ids = {e.ambassador_id for e in enrolments}
    consents: dict[int, list[Consent]] = {i: [] for i in ids}
    stmt = visible(Consent, actor).where(Consent.ambassador_id.in_(ids))
    for consent in db.session.scalars(stmt.order_by(Consent.given_on, Consent.id)):
        consents[consent.ambassador_id].append(consent)
    headings = [_("Name"), _("Birth year"), _("Class"), _("Role"), _("Status"), _("Login")]
    headings += [str(purpose.label) for purpose in ConsentPurpose]
    rows = []
    for enrolment in enrolments:
        person = enrolment.ambassador
        row = [
            person.name,
            person.birth_year,
            person.school,
            str(enrolment.role.label),
            str(enrolment.status.label),
            _("Yes") if person.user_id else _("No"),
        ]
        if enrolment.status == EnrolmentStatus.WITHDRAWN:
            row += [None for _purpose in ConsentPurpose]  # as on the page: no consents shown
        else:
            row += [
                consent_state(person, consents[person.id], p, cohort.municipality)
                for p in ConsentPurpose
            ]
        rows.append(row)
    return Table(_("People"), headings, rows)


def everyone_table(actor) -> Table:
    """Every ambassador the reader may see who is not erased, in Norwegian order, with their
    cohorts (oldest first) and consents. Three queries whatever the number of people: the people,
    their enrolments with the cohorts' names, their consents."""
    people = db.session.scalars(
        _living(actor)
        .options(db.joinedload(Ambassador.municipality))
        .order_by(nb_order(Ambassador.name), Ambassador.id)
    ).all()
    ids = _living(actor).with_only_columns(Ambassador.id)
    cohorts: dict[int, list[str]] = {p.id: [] for p in people}
    enrolments = (
        visible(Enrolment, actor)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .with_only_columns(Enrolment.ambassador_id, Cohort.name, Enrolment.status, Enrolment.role)
        .where(Enrolment.ambassador_id.in_(ids))
        .order_by(Cohort.starts_on, Cohort.id)
    )
    for ambassador_id, name, status, role in db.session.execute(enrolments):
        cohorts[ambassador_id].append(f"{name} ({status.label}, {role.label})")
    consents: dict[int, list[Consent]] = {p.id: [] for p in people}
    stmt = visible(Consent, actor).where(Consent.ambassador_id.in_(ids))
    for consent in db.session.scalars(stmt.order_by(Consent.given_on, Consent.id)):
        consents[consent.ambassador_id].append(consent)
    headings = [_("Name"), _("Birth year"), _("Class"), _("Cohorts"), _("Login")]
    headings += [str(purpose.label) for purpose in ConsentPurpose]
    rows = [
        [
            person.name,
            person.birth_year,
            person.school,
            "; ".join(cohorts[person.id]),
            _("Yes") if person.user_id else _("No"),
            *(
                consent_state(person, consents[person.id], p, person.municipality)
                for p in ConsentPurpose
            ),
        ]
        for person in people
    ]
    return Table(_("People"), headings, rows)


def _living(actor):
    return visible(Ambassador, actor).where(Ambassador.erased_at.is_(None))


def consent_state(person, consents: list[Consent], purpose: ConsentPurpose, municipality) -> str:
    """The consent that counts for `purpose` (who gave it, when), else why there is none."""
    mine = [c for c in consents if c.purpose == purpose]
    counted = [c for c in mine if rules.counts(c, person.birth_year, municipality)]
    if counted:
        given = counted[-1]
        day = given.given_on.isoformat()
        if given.given_by == ConsentGiver.GUARDIAN:
            return _("Given by a guardian, %(day)s", day=day)
        return _("Given by the young person, %(day)s", day=day)
    if any(c.withdrawn_at is None for c in mine):
        return _("Missing: needs a guardian's consent")
    withdrawn = [c for c in mine if c.withdrawn_at is not None]
    if withdrawn:
        return _("Withdrawn %(day)s", day=local_date(withdrawn[-1].withdrawn_at).isoformat())
    return _("Missing")
