"""enum values checked by constraints generated from the enums

Revision ID: 0003
Revises: 0002

The role and failure-kind columns become enum types (allin/enums.py): their CHECK constraints
are now named after the enum (ck_<table>_<enum>) and generated from its values, and
login_failure.kind is as wide as every enum column.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ROLES = "role IN ('network_admin', 'coordinator', 'youth_worker', 'ambassador')"
KINDS = "kind IN ('account', 'address')"


def upgrade():
    for table in ('user', 'invitation'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role_known'), type_='check')
            batch_op.create_check_constraint('role', ROLES)
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_login_failure_kind_known'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=10),
                              type_=sa.String(length=20), existing_nullable=False)
        batch_op.create_check_constraint('failurekind', KINDS)


def downgrade():
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_login_failure_failurekind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=20),
                              type_=sa.String(length=10), existing_nullable=False)
        batch_op.create_check_constraint('kind_known', KINDS)
    for table in ('user', 'invitation'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.create_check_constraint('role_known', ROLES)
