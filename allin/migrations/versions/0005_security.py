"""security review fixes: throttling by account and address, mail jobs, browser claims

Revision ID: 0005
Revises: 0003

- login_failure counts a third key, the account from one address (kind 'account_address'),
  and marks the failure that locked a key (lock_noted_at), so a lock-out is audited once;
- mail_job: e-mails composed and sent after the response, retried by `flask send-mail`;
- browser_claim: what a browser holds between pages (an opened reset or invitation link, a new
  link to show once) instead of tokens in the session cookie.

(Revision 0004 is written on another branch; the merge re-chains this one after it.)
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('account', 'address')"
NEW_KINDS = "kind IN ('account', 'account_address', 'address')"


def upgrade():
    op.create_table('browser_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('reset', 'invitation', 'show_reset_link', 'show_invitation_link', name='claimkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('handle_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('sealed', sa.Text(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_browser_claim')),
    sa.UniqueConstraint('handle_hash', name=op.f('uq_browser_claim_handle_hash'))
    )
    with op.batch_alter_table('browser_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_browser_claim_last_seen_at'), ['last_seen_at'], unique=False)

    op.create_table('mail_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('password_reset', name='mailkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_job'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_noted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_login_failure_failurekind'), type_='check')
        batch_op.create_check_constraint('failurekind', NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM login_failure WHERE kind = 'account_address'")
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_login_failure_failurekind'), type_='check')
        batch_op.create_check_constraint('failurekind', OLD_KINDS)
        batch_op.drop_column('lock_noted_at')

    op.drop_table('mail_job')
    with op.batch_alter_table('browser_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_browser_claim_last_seen_at'))

    op.drop_table('browser_claim')
