"""notifications: early warnings, told to a cohort's leads as they appear

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-07 13:30:00.000000

Issue 23. The notification kind's CHECK takes 'early_warning' (allin/notifications/warnings.py).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0027'
branch_labels = None
depends_on = None

KINDS = (
    "kind IN ('session_tomorrow', 'session_changed', 'session_cancelled', 'concept_feedback', "
    "'concept_stage', 'weekly_digest', 'consent_withdrawn', 'invitation_accepted'{})"
)


def _kinds(extra: str) -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_notificationkind'), type_='check')
        batch_op.create_check_constraint('notificationkind', KINDS.format(extra))


def upgrade():
    _kinds(", 'early_warning'")


def downgrade():
    op.execute("DELETE FROM notification WHERE kind = 'early_warning'")
    _kinds("")
