"""data edition

The guide's edition number becomes the data edition: raised by every transaction that writes
(allin/kept.py), it tells each worker when the pages it keeps, public and signed in, are out
of date.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _edition_table(name):
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f(f'ck_{name}_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}'))
    )
    op.execute(f"INSERT INTO {name} (id, number) VALUES (1, 0)")


def upgrade():
    _edition_table('data_edition')
    op.drop_table('guide_edition')


def downgrade():
    _edition_table('guide_edition')
    op.drop_table('data_edition')
