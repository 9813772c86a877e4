"""the concept board reads each stage's newest concepts from one index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 04:30:00.000000

The board shows each stage's newest concepts of a municipality and counts them by stage;
(municipality_id, stage, updated_at, id) gives both in order, so a column's LIMIT stops after
a column's worth of rows whatever the number of concepts. It starts with municipality_id, so
the index on that column alone goes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('concept', schema=None) as batch_op:
        batch_op.create_index(
            'ix_concept_municipality_id_stage_updated_at_id',
            ['municipality_id', 'stage', 'updated_at', 'id'],
            unique=False,
        )
        batch_op.drop_index('ix_concept_municipality_id')


def downgrade():
    with op.batch_alter_table('concept', schema=None) as batch_op:
        batch_op.create_index('ix_concept_municipality_id', ['municipality_id'], unique=False)
        batch_op.drop_index('ix_concept_municipality_id_stage_updated_at_id')
