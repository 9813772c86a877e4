"""guide edition instead of the data edition

The pages kept per reader until any write anywhere go (issue 26), and with them the data
edition that every writing transaction raised. The public guide's pages are validated by a
number of their own again, raised only by changes to what they show (allin/guide/kept.py):
the guide_edition table of 0012, as 0012 made it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:20:00

Downgrade: data_edition as 0013 made it (number 0: the workers start with nothing kept).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
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
    _edition_table('guide_edition')
    op.drop_table('data_edition')


def downgrade():
    _edition_table('data_edition')
    op.drop_table('guide_edition')
