"""erasure, legal hold and retention: an ambassador or a staff account can be erased, a
hold stops that, and a municipality says how long an ambassador's data is kept

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 10:45:00.000000

An erased ambassador keeps their row (their attendance and team places count in the report)
with the name "Former ambassador" and nothing else: so the birth year may now be empty. A
legal hold is a reason, who set it and when. `retention_years` (1 to 50, 3 by default) is read
by `flask --app allin retention`.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ambassador', schema=None) as batch_op:
        batch_op.alter_column('birth_year', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('hold_set_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hold_set_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_ambassador_hold_set_by_id_user'), 'user', ['hold_set_by_id'], ['id'],
            ondelete='SET NULL',
        )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('retention_years', sa.Integer(), nullable=False, server_default='3')
        )
        batch_op.create_check_constraint('retention_years_range', 'retention_years BETWEEN 1 AND 50')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # An erased ambassador has no birth year: the old schema needs one, so the lowest allowed
    # year stands in (the person is gone either way).
    op.execute("UPDATE ambassador SET birth_year = 1950 WHERE birth_year IS NULL")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_municipality_retention_years_range'), type_='check')
        batch_op.drop_column('retention_years')
    with op.batch_alter_table('ambassador', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ambassador_hold_set_by_id_user'), type_='foreignkey')
        batch_op.drop_column('hold_set_by_id')
        batch_op.drop_column('hold_set_at')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('erased_at')
        batch_op.alter_column('birth_year', existing_type=sa.Integer(), nullable=False)
