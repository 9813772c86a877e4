"""the network viewer: a role for a funder or a board member, without a municipality

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 07:00:00.000000

A network viewer reads the network's report and nothing else (allin/reports). Like a network
admin, they belong to no municipality: both the role's CHECK and the municipality rule of the
user and invitation tables take the new value.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

ROLES = "role IN ('network_admin', 'coordinator', 'youth_worker', 'ambassador'{})"
MUNICIPALITY = (
    "(role IN ({0}) AND municipality_id IS NULL)"
    " OR (role NOT IN ({0}) AND municipality_id IS NOT NULL)"
)


def _constraints(roles: str, network: str) -> None:
    for table in ('user', 'invitation'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.drop_constraint(op.f(f'ck_{table}_municipality_matches_role'), type_='check')
            batch_op.create_check_constraint('role', roles)
            batch_op.create_check_constraint('municipality_matches_role', network)


def upgrade():
    _constraints(
        ROLES.format(", 'network_viewer'"),
        MUNICIPALITY.format("'network_admin', 'network_viewer'"),
    )


def downgrade():
    viewers = op.get_bind().execute(
        sa.text("SELECT count(*) FROM \"user\" WHERE role = 'network_viewer'")
    ).scalar()
    if viewers:
        raise RuntimeError("network viewers exist: deactivate and remove them first")
    op.execute("DELETE FROM invitation WHERE role = 'network_viewer'")
    _constraints(ROLES.format(""), MUNICIPALITY.format("'network_admin'"))
