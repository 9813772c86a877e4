"""guide search filters its matches from an index, not from every matching entry's row

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 15:45:00.000000

SQLite's search ranks the full-text matches, then keeps the published ones of the reader's
language: looked up by id in the table, each match read its whole row, body and all (about 2
ms of a search matching 1,000 entries). (id, status, language) answers that from the index.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('guide_entry', schema=None) as batch_op:
        batch_op.create_index('ix_guide_entry_found', ['id', 'status', 'language'], unique=False)


def downgrade():
    with op.batch_alter_table('guide_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_guide_entry_found')
