"""guide entries of a phase in title order

An entry's related entries (guide/selectors.py::related) end with the first published entries
of its phase in title order: this index holds them in that order, so the page reads four of
them instead of sorting every entry of the phase (a cost that grew with the guide).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('guide_entry', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_guide_entry_phase_title'),
            ['language', 'status', 'phase', 'title', 'id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('guide_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_entry_phase_title'))
