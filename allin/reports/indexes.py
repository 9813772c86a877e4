"""The indexes the report's aggregates read through (migration 0031).

Declared here, beside the statements that need them, on the tables of other packages' models
(an Index on mapped columns joins their table's metadata, so create_all and `flask db check`
see it like one in `__table_args__`). Imported by figures.py, so by the app.
"""

from __future__ import annotations

from sqlalchemy import Index

from ..models import Attendance, GuideEntry, SurveyAnswer
from ..models.surveys import SCORES

# Every mark of the period's sessions, counted per session and per enrolment from the index
# alone: with the value and the enrolment in it, the attendance rows themselves are never read
# (at scale 10 the report's marks went from ~65 ms to ~25 ms on SQLite).
ATTENDANCE_MARKS = Index(
    "ix_attendance_report_marks",
    Attendance.session_id,
    Attendance.value,
    Attendance.enrolment_id,
)

# The guide entries a report counts: a municipality's (or the network's own, NULL) published
# in the period, with what is counted of them (the pair of language versions, the kind). A
# coordinator's report read every published entry of the network through the status index
# (~9 ms at 2,000 entries for none of theirs); through this one, none.
GUIDE_PUBLISHED = Index(
    "ix_guide_entry_report_published",
    GuideEntry.municipality_id,
    GuideEntry.status,
    GuideEntry.published_at,
    GuideEntry.kind,
    GuideEntry.pair_key,
)

# The effect section sums each round's answers statement by statement (effect.py): with the
# scores in the index, the answers themselves are not read (~4 ms instead of ~6 ms for 7,000
# answers).
SURVEY_SCORES = Index(
    "ix_survey_answer_report_scores",
    SurveyAnswer.round_id,
    *(getattr(SurveyAnswer, key) for key in SCORES),
)
