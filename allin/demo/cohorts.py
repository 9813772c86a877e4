"""Cohorts of synthetic young people for the demo network: ambassadors, enrolments,
consents, a few logins, and each cohort's sessions and roll calls."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert

from ..clock import now
from ..enums import (
    CohortRole,
    CohortStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    EnrolmentStatus,
    Role,
    WithdrawalReason,
)
from ..extensions import db
from ..models import Ambassador, Cohort, Consent, Enrolment, Municipality, User, cohort_lead
from ..models.ambassadors import name_key
from ..text import slugify
from .people import FIRST_NAMES, LAST_NAMES, Account
from .training import DemoTraining

# A cohort's description is written in its municipality's language (as its sessions are).
DESCRIPTIONS = {
    "nb": "Verksteder, leir og en pitch for kommunens ledere.",
    "en": "Workshops, camp and a pitch to the municipal leaders.",
}


class Programme:
    """Cohorts of synthetic young people for one municipality at a time, inserted in bulk.

    Each municipality gets a completed, an active and (usually) a planned cohort of 12-30
    ambassadors; at scale 10 and above, 10 cohorts of 30 (for benchmarks). Ages are 13-19 with a
    few 12-year-olds (guardian consent); some consents are missing or withdrawn, and a few
    ambassadors of the active cohort have a login.
    """

    def __init__(self, rng: random.Random, scale: int, password_hash: str) -> None:
        self.rng, self.scale, self.password_hash = rng, scale, password_hash
        self.today = now().date()
        self.stamp = now()
        self.usernames = 0
        self.training = DemoTraining(rng, self.stamp)

    def fill(self, municipality: Municipality, people: list[User]) -> list[Account]:
        cohort_ids = self._cohorts(municipality, people)
        accounts = []
        for cohort_id, status, starts in cohort_ids:
            size = 30 if self.scale >= 10 else self.rng.randint(12, 30)
            ambassadors = self._ambassadors(municipality, size, people[1].id)
            enrolled_at = datetime.combine(starts - timedelta(days=7), time(12), UTC)
            enrolments = self._enrol(
                municipality, cohort_id, status, ambassadors, people[1].id, enrolled_at
            )
            self.training.fill(municipality, cohort_id, starts, enrolments, people[1].id)
            self._consents(municipality, ambassadors, people[1].id)
            if status == CohortStatus.ACTIVE and not accounts:
                accounts = self._logins(municipality, ambassadors)
        return accounts

    def _cohorts(self, municipality, people) -> list[tuple[int, CohortStatus]]:
        year = self.today.year
        plan = [
            (CohortStatus.COMPLETED, f"Kull {year - 1}", date(year - 1, 1, 10)),
            (CohortStatus.ACTIVE, f"Kull {year}", self.today - timedelta(days=60)),
        ]
        if self.scale >= 10 or self.rng.random() < 0.7:
            plan.append((CohortStatus.PLANNED, f"Kull {year + 1}", date(year + 1, 1, 10)))
        for n in range(len(plan), 10 if self.scale >= 10 else 0):
            plan.append((CohortStatus.COMPLETED, f"Kull {year - n}", date(year - n, 1, 10)))
        rows = [
            {
                "municipality_id": municipality.id,
                "name": name,
                "starts_on": starts,
                "ends_on": starts + timedelta(days=150),
                "status": status,
                "description": DESCRIPTIONS[municipality.language],
                "created_at": self.stamp,
                "updated_at": self.stamp,
            }
            for status, name, starts in plan
        ]
        ids = self._insert(Cohort, rows)
        db.session.execute(
            insert(cohort_lead),
            [{"cohort_id": i, "user_id": u.id} for i in ids for u in people],
        )
        return [(i, status, starts) for i, (status, _n, starts) in zip(ids, plan, strict=True)]

    def _person(self, municipality_id: int, created_by: int) -> dict:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        age = 11 if rng.random() < 0.06 else rng.randint(12, 18)  # conservative ages
        birth_year = self.today.year - age - 1
        row = {
            "municipality_id": municipality_id,
            "name": f"{first} {last}",
            "name_key": name_key(f"{first} {last}"),
            "birth_year": birth_year,
            "school": rng.choice(["8A", "9B", "10C", "Vg1", "Vg2", None]),
            "phone": None,
            "email": None,
            "guardian_name": None,
            "guardian_phone": None,
            "guardian_email": None,
            "created_by_id": created_by,
            "created_at": self.stamp,
            "updated_at": self.stamp,
        }
        if age < 18:  # numbers starting 0 are not in use in Norway: never a real phone
            row["guardian_name"] = f"{rng.choice(FIRST_NAMES)} {last}"
            row["guardian_phone"] = f"+47 0{rng.randint(1000000, 9999999)}"
        return row

    def _ambassadors(self, municipality, size: int, created_by: int) -> list[dict]:
        rows = [self._person(municipality.id, created_by) for _ in range(size)]
        for row, id_ in zip(rows, self._insert(Ambassador, rows), strict=True):
            row["id"] = id_
        return rows

    def _enrol(
        self, municipality, cohort_id, status, ambassadors, enrolled_by, enrolled_at
    ) -> list[tuple[int, EnrolmentStatus]]:
        """Enrol everyone; returns (enrolment id, status) in the order given."""
        final = {
            CohortStatus.COMPLETED: EnrolmentStatus.GRADUATED,
            CohortStatus.ACTIVE: EnrolmentStatus.ACTIVE,
            CohortStatus.PLANNED: EnrolmentStatus.INVITED,
        }[status]
        rows = []
        for n, person in enumerate(ambassadors):
            withdrawn = n % 11 == 5
            rows.append(
                {
                    "municipality_id": municipality.id,
                    "cohort_id": cohort_id,
                    "ambassador_id": person["id"],
                    "status": EnrolmentStatus.WITHDRAWN if withdrawn else final,
                    "role": CohortRole.PEER_MENTOR if n == 0 else CohortRole.AMBASSADOR,
                    "enrolled_by_id": enrolled_by,
                    "enrolled_at": enrolled_at,
                    "withdrawal_reason": WithdrawalReason.NO_TIME if withdrawn else None,
                    "withdrawal_note": None,
                    "withdrawn_at": self.stamp if withdrawn else None,
                    "withdrawn_by_id": enrolled_by if withdrawn else None,
                }
            )
        ids = self._insert(Enrolment, rows)
        return [(i, row["status"]) for i, row in zip(ids, rows, strict=True)]

    def _consents(self, municipality, ambassadors, recorded_by) -> None:
        rows = []
        chances = {
            ConsentPurpose.PARTICIPATION: 0.9,
            ConsentPurpose.PHOTO: 0.7,
            ConsentPurpose.PUBLISH_NAME: 0.5,
        }
        for person in ambassadors:
            for purpose, chance in chances.items():
                if self.rng.random() < chance:
                    rows.append(self._consent(municipality, person, purpose, recorded_by))
                    if self.rng.random() < 0.06:  # withdrawn later
                        rows[-1]["withdrawn_at"] = self.stamp
                        rows[-1]["withdrawn_by_id"] = recorded_by
        if rows:
            db.session.execute(insert(Consent), rows)

    def _consent(self, municipality, person, purpose, recorded_by) -> dict:
        limit = (
            municipality.digital_consent_age
            if purpose == ConsentPurpose.PARTICIPATION
            else municipality.photo_consent_age
        )
        guardian = self.today.year - person["birth_year"] - 1 < limit
        return {
            "municipality_id": municipality.id,
            "ambassador_id": person["id"],
            "purpose": purpose,
            "given_by": ConsentGiver.GUARDIAN if guardian else ConsentGiver.AMBASSADOR,
            "guardian_name": person["guardian_name"] if guardian else None,
            "method": self.rng.choice(list(ConsentMethod)),
            "given_on": self.today - timedelta(days=self.rng.randint(1, 90)),
            "recorded_at": self.stamp,
            "recorded_by_id": recorded_by,
            "withdrawn_at": None,
            "withdrawn_by_id": None,
        }

    def _logins(self, municipality, ambassadors) -> list[Account]:
        """Three ambassadors of the active cohort sign in with a username."""
        chosen = [a for a in ambassadors if self.today.year - a["birth_year"] - 1 >= 13][:3]
        accounts = []
        for person in chosen:
            self.usernames += 1
            user = User(
                role=Role.AMBASSADOR,
                municipality_id=municipality.id,
                name=person["name"],
                username=f"{slugify(person['name']).replace('-', '.')}.{self.usernames}",
                password_hash=self.password_hash,
            )
            db.session.add(user)
            db.session.flush()
            db.session.execute(
                Ambassador.__table__.update()
                .where(Ambassador.id == person["id"])
                .values(user_id=user.id)
            )
            accounts.append(Account(Role.AMBASSADOR, municipality.name, user.username))
        return accounts

    @staticmethod
    def _insert(model, rows: list[dict]) -> list[int]:
        result = db.session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())
