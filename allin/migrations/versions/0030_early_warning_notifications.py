"""notifications: early warnings, told to a cohort's leads as they appear

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 13:30:00.000000

Issue 23. The notification kind's CHECK (of notifications and of e-mail choices) takes 'early_warning' (allin/notifications/warnings.py).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

KINDS = (
    "kind IN ('session_tomorrow', 'session_changed', 'session_cancelled', 'concept_feedback', "
    "'concept_stage', 'weekly_digest', 'consent_withdrawn', 'invitation_accepted', "
    "'checkin_due'{})"
)


def _kinds(extra: str) -> None:
    for table in ('notification', 'notification_preference'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_notificationkind'), type_='check')
            batch_op.create_check_constraint('notificationkind', KINDS.format(extra))


def upgrade():
    _kinds(", 'early_warning'")


def downgrade():
    for table in ('notification', 'notification_preference'):
        op.execute(f"DELETE FROM {table} WHERE kind = 'early_warning'")
    _kinds("")
