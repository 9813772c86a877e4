"""guide synonyms: words a search treats as one, per language, kept by the guide's editors

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-07 07:15:00.000000

"foreldre" found nothing while "foresatte" found eight entries (issue 22). A search word that
is one of a group's words also finds the others. The groups start with the words the walk
through the guide missed; editors extend them on /guide/synonyms.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0019'
branch_labels = None
depends_on = None

STARTING = {
    'nb': [
        'foreldre, foresatte, foresatt, forelder',
        'mobbing, utestenging, erting, trakassering',
        'trygghet, trygg, sikkerhet, sikker',
        'ungdom, unge, ungdommer, tenåringer',
        'inkludering, inkluderende, tilhørighet, fellesskap',
        'bibliotek, fritidsklubb, møteplass, ungdomshus',
        'familie, familier, foreldre',
        'by, kommune, nabolag, bydel',
    ],
    'en': [
        'parents, guardians, parent, guardian',
        'bullying, exclusion, harassment',
        'safety, safe, security',
        'youth, teenagers, adolescents',
        'inclusion, inclusive, belonging, community',
        'library, libraries, club',
        'family, families, parents',
        'city, municipality, neighbourhood, town',
    ],
}


def upgrade():
    table = op.create_table(
        'guide_synonym',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('language', sa.Enum('nb', 'en', name='language', native_enum=False,
                                      create_constraint=True, length=20), nullable=False),
        sa.Column('words', sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_synonym')),
    )
    op.bulk_insert(
        table,
        [{'language': language, 'words': words}
         for language, groups in STARTING.items() for words in groups],
    )


def downgrade():
    op.drop_table('guide_synonym')
