"""report: the concepts launched in a period read from an index, not from every timeline entry

Issue 26. The report counts the concepts launched in each term (reports/figures.py::_launches)
from the timeline entries that moved a concept to "launched". With no index on the stage, both
engines read every timeline entry of the network (15,000 at the benchmark's scale 10, of which
440 launches): 1.1 ms of PostgreSQL's 8 for one municipality's report. This index holds the
launches by day, with their concept.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-08 03:40:00.000000
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_timeline_entry_report_launches',
        'timeline_entry',
        ['to_stage', 'created_at', 'concept_id'],
    )


def downgrade():
    op.drop_index('ix_timeline_entry_report_launches', table_name='timeline_entry')
