"""team history and who was on the team at an upload

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:47:32.929504

A concept's team keeps those who left (concept_member.left_at) instead of deleting their
rows, and attachment_subject records who was on the team when a file was uploaded: a photo
showing people is public only with the photo consent of all of them. Existing attachments
get today's team as their record (the best that is known; leavers were deleted until now).

Downgrade: the rows of those who left are deleted, as leaving did before this revision (kept,
they would be on the team again).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment_subject',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('ambassador_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ambassador_id'], ['ambassador.id'], name=op.f('fk_attachment_subject_ambassador_id_ambassador'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_attachment_subject_attachment_id_attachment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id', 'ambassador_id', name=op.f('pk_attachment_subject'))
    )
    with op.batch_alter_table('attachment_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_subject_ambassador_id'), ['ambassador_id'], unique=False)

    with op.batch_alter_table('concept_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))

    # Every existing attachment: the team as it is now.
    op.execute(
        "INSERT INTO attachment_subject (attachment_id, ambassador_id) "
        "SELECT DISTINCT attachment.id, enrolment.ambassador_id FROM attachment "
        "JOIN concept_member ON concept_member.concept_id = attachment.concept_id "
        "JOIN enrolment ON enrolment.id = concept_member.enrolment_id"
    )


def downgrade():
    op.execute("DELETE FROM concept_member WHERE left_at IS NOT NULL")
    with op.batch_alter_table('concept_member', schema=None) as batch_op:
        batch_op.drop_column('left_at')

    with op.batch_alter_table('attachment_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_subject_ambassador_id'))

    op.drop_table('attachment_subject')
