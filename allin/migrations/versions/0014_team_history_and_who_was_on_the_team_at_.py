"""team history and who was on the team at an upload

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:47:32.929504

A concept's team keeps those who left (concept_member.left_at) instead of deleting their
rows, and attachment_subject records who was on the team when a file was uploaded: a photo
showing people is public only with the photo consent of all of them. Leavers were deleted
until now, so today's team may miss someone who is in an existing photo: an existing photo
that shows people records everyone ever enrolled in the concept's cohort (a superset of the
team at any time; stricter, never public by mistake; upload it again to record today's team),
any other file today's team.

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

    # A photo of people: everyone ever enrolled in the cohort (who left the team is lost).
    op.execute(
        "INSERT INTO attachment_subject (attachment_id, ambassador_id) "
        "SELECT attachment.id, enrolment.ambassador_id FROM attachment "
        "JOIN concept ON concept.id = attachment.concept_id "
        "JOIN enrolment ON enrolment.cohort_id = concept.cohort_id "
        "WHERE attachment.shows_people "
        "UNION "
        "SELECT attachment.id, enrolment.ambassador_id FROM attachment "
        "JOIN concept_member ON concept_member.concept_id = attachment.concept_id "
        "JOIN enrolment ON enrolment.id = concept_member.enrolment_id "
        "WHERE NOT attachment.shows_people"
    )


def downgrade():
    op.execute("DELETE FROM concept_member WHERE left_at IS NOT NULL")
    with op.batch_alter_table('concept_member', schema=None) as batch_op:
        batch_op.drop_column('left_at')

    with op.batch_alter_table('attachment_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_subject_ambassador_id'))

    op.drop_table('attachment_subject')
