"""A cohort's people as a table for a spreadsheet: the list the cohort page shows its staff,
every page of it (allin/exports.py writes it as .xlsx or CSV)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..access import visible
from ..ambassadors import rules
from ..enums import ConsentGiver, ConsentPurpose, EnrolmentStatus
from ..exports import Table
from ..extensions import db
from ..models import Consent
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
            row += [consent_state(person, consents[person.id], p, cohort) for p in ConsentPurpose]
        rows.append(row)
    return Table(_("People"), headings, rows)


def consent_state(person, consents: list[Consent], purpose: ConsentPurpose, cohort) -> str:
    """The consent that counts for `purpose` (who gave it, when), else why there is none."""
    mine = [c for c in consents if c.purpose == purpose]
    counted = [c for c in mine if rules.counts(c, person.birth_year, cohort.municipality)]
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
