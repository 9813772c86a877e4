"""Demo sessions and attendance for seed-demo: the programme template on every cohort; past
sessions carry a realistic roll call – mostly present, some late or excused, and a few
ambassadors who drop off, so the early warning has entries."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime

from sqlalchemy import insert

from ..enums import AttendanceValue, EnrolmentStatus
from ..extensions import db
from ..models import Attendance, CalendarFeed, TrainingSession
from ..training import programme, times

PLACES = ["Ungdomshuset", "Kulturhuset, sal 2", "Biblioteket", "Rådhuset, bystyresalen"]
# Ordinary ambassadors: mostly present; those dropping off stop coming after a while.
USUAL = [(AttendanceValue.PRESENT, 0.8), (AttendanceValue.LATE, 0.09)]
USUAL += [(AttendanceValue.EXCUSED, 0.06), (AttendanceValue.ABSENT, 0.05)]
DROP_OFF = 0.1


class DemoTraining:
    def __init__(self, rng: random.Random, stamp: datetime) -> None:
        self.rng, self.stamp = rng, stamp

    def fill(self, municipality, cohort_id: int, starts: date, enrolments, recorded_by: int):
        language = municipality.language
        sessions = self._sessions(municipality.id, cohort_id, starts, language)
        db.session.execute(
            insert(CalendarFeed),
            [
                {
                    "municipality_id": municipality.id,
                    "cohort_id": cohort_id,
                    "token": secrets.token_urlsafe(32),
                    "created_at": self.stamp,
                }
            ],
        )
        past = [(i, at) for i, at in sessions if at <= self.stamp]
        rows = []
        for enrolment_id, status in enrolments:
            if status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.INVITED):
                continue
            drops_after = self._drop_point(len(past))
            for index, (session_id, at) in enumerate(past):
                value = self._value(index >= drops_after)
                rows.append(
                    {
                        "municipality_id": municipality.id,
                        "session_id": session_id,
                        "enrolment_id": enrolment_id,
                        "value": value,
                        "recorded_by_id": recorded_by,
                        "recorded_at": at,
                    }
                )
        if rows:
            db.session.execute(insert(Attendance), rows)

    def _drop_point(self, held: int) -> int:
        if held >= 3 and self.rng.random() < DROP_OFF:
            return self.rng.randint(1, held - 2)
        return held + 1

    def _value(self, dropped: bool) -> AttendanceValue:
        if dropped:
            return AttendanceValue.ABSENT
        pick, total = self.rng.random(), 0.0
        for value, chance in USUAL:
            total += chance
            if pick < total:
                return value
        return AttendanceValue.PRESENT

    def _sessions(self, municipality_id, cohort_id, starts, language):
        rows = []
        for step in programme.steps():
            wall_start, wall_end = step.wall_times(starts)
            rows.append(
                {
                    "municipality_id": municipality_id,
                    "cohort_id": cohort_id,
                    "title": step.text("title", language),
                    "phase": step.phase,
                    "starts_at": times.from_local(wall_start),
                    "ends_at": times.from_local(wall_end),
                    "place": self.rng.choice(PLACES),
                    "online_url": "",
                    "agenda": step.text("agenda", language),
                    "template_key": step.key,
                    "created_at": self.stamp,
                    "updated_at": self.stamp,
                }
            )
        result = db.session.execute(
            insert(TrainingSession).returning(
                TrainingSession.id, TrainingSession.starts_at, sort_by_parameter_order=True
            ),
            rows,
        )
        return [(i, at) for i, at in result]
