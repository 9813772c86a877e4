"""the guide's index lists a language's published entries from one index

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 11:15:00.000000

The guide's index orders a language's published entries by phase, kind and title; with
(language, status, phase, kind, title) SQLite sorts them from the index instead of reading
every entry's row, body and all (3.3 ms at 2,000 entries, now about 1 ms).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('guide_entry', schema=None) as batch_op:
        batch_op.create_index(
            'ix_guide_entry_listing',
            ['language', 'status', 'phase', 'kind', 'title'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('guide_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_guide_entry_listing')
