"""report: a covering index for the report's attendance figures

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 15:30:00.000000

Issue 26. The report counts every mark of the period's sessions per session and per enrolment
(allin/reports/figures.py::_attendance); with the value and the enrolment in the index, it
reads the index alone, never the attendance rows (allin/reports/indexes.py).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_attendance_report_marks',
        'attendance',
        ['session_id', 'value', 'enrolment_id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_attendance_report_marks', table_name='attendance')
