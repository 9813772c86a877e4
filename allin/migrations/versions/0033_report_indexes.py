"""report: covering indexes for the report's attendance, guide and effect figures

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 15:30:00.000000

Issue 26. The report counts every mark of the period's sessions per session and per enrolment
(allin/reports/figures.py::_attendance); with the value and the enrolment in the index, it
reads the index alone, never the attendance rows. It counts a municipality's published guide
entries of the period (figures.py::_guide) from (municipality, status, published_at, kind,
pair_key), not by reading every published entry; and it sums the self-assessment's answers
(effect.py) from (round_id and the five scores). The indexes are declared on their models.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_attendance_report_marks',
        'attendance',
        ['session_id', 'value', 'enrolment_id'],
        unique=False,
    )
    op.create_index(
        'ix_guide_entry_report_published',
        'guide_entry',
        ['municipality_id', 'status', 'published_at', 'kind', 'pair_key'],
        unique=False,
    )
    op.create_index(
        'ix_survey_answer_report_scores',
        'survey_answer',
        ['round_id', 'belong', 'safe', 'speak_up', 'idea', 'heard'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_survey_answer_report_scores', table_name='survey_answer')
    op.drop_index('ix_guide_entry_report_published', table_name='guide_entry')
    op.drop_index('ix_attendance_report_marks', table_name='attendance')
