"""report: covering indexes for the report's attendance and guide figures

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 15:30:00.000000

Issue 26. The report counts every mark of the period's sessions per session and per enrolment
(allin/reports/figures.py::_attendance); with the value and the enrolment in the index, it
reads the index alone, never the attendance rows. It counts a municipality's published guide
entries of the period (figures.py::_guide) from (municipality, status, published_at, kind,
pair_key), not by reading every published entry (allin/reports/indexes.py).
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_attendance_report_marks",
        "attendance",
        ["session_id", "value", "enrolment_id"],
        unique=False,
    )
    op.create_index(
        "ix_guide_entry_report_published",
        "guide_entry",
        ["municipality_id", "status", "published_at", "kind", "pair_key"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_guide_entry_report_published", table_name="guide_entry")
    op.drop_index("ix_attendance_report_marks", table_name="attendance")
