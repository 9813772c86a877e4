"""notifications: coordinators are told 30 and 7 days before a retention erasure

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 15:45:00.000000

SECURITY 28. The notification kind's CHECK (of notifications and of e-mail choices) takes
'retention_due' (allin/retention.py).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

KINDS = (
    "kind IN ('session_tomorrow', 'session_changed', 'session_cancelled', 'concept_feedback', "
    "'concept_stage', 'weekly_digest', 'consent_withdrawn', 'invitation_accepted', "
    "'checkin_due', 'early_warning'{})"
)


def _kinds(extra: str) -> None:
    for table in ('notification', 'notification_preference'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_notificationkind'), type_='check')
            batch_op.create_check_constraint('notificationkind', KINDS.format(extra))


def upgrade():
    _kinds(", 'retention_due'")


def downgrade():
    for table in ('notification', 'notification_preference'):
        op.execute(f"DELETE FROM {table} WHERE kind = 'retention_due'")
    _kinds("")
