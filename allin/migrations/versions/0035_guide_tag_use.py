"""guide: the tag filter's counts, kept by every change to the guide

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-08 00:40:00.000000

Issue 26. The guide's index and tag pages counted every tag of every published entry of the
language on each page (~2 ms at 1,000 entries, growing with the guide). guide_tag_use holds
the counts; allin/guide/tag_use.py makes them again in the transaction of every change to the
guide. Filled here from what there is.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guide_tag_use',
        sa.Column(
            'language',
            sa.Enum('nb', 'en', name='language', native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('language', 'name', name=op.f('pk_guide_tag_use')),
    )
    op.execute(
        "INSERT INTO guide_tag_use (language, name, entries)"
        " SELECT guide_entry.language, guide_tag.name, count(*)"
        " FROM guide_tag JOIN guide_entry ON guide_entry.id = guide_tag.entry_id"
        " WHERE guide_entry.status = 'published'"
        " GROUP BY guide_entry.language, guide_tag.name"
    )


def downgrade():
    op.drop_table('guide_tag_use')
