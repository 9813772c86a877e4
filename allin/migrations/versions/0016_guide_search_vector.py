"""guide search vector stored on PostgreSQL

The search's weighted tsvector was an expression index (0004): the index finds the matches,
but ts_rank, the title test and every recheck computed to_tsvector(body) again for each
matching row (550 ms for "ungdom" at 2,000 entries). PostgreSQL now keeps the vector in a
generated column, guide_entry.search_vector (same configurations, weights and 200,000-character
cap as 0004), and the GIN index is over that column. allin/guide/search.py reads the column;
the model does not declare it (autogenerate leaves it alone: guide/search.py::include_object).

SQLite keeps its FTS5 table (0004): nothing changes there.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:30:00

Downgrade: the expression index of 0004 again.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# As 0004: 'norwegian' for nb and 'english' for en; a tsvector must stay under 1 MB.
PG_CONFIG = "CASE WHEN language = 'nb' THEN 'norwegian'::regconfig ELSE 'english'::regconfig END"
PG_VECTOR = (
    f"setweight(to_tsvector({PG_CONFIG}, title), 'A') || "
    f"setweight(to_tsvector({PG_CONFIG}, tags), 'B') || "
    f"setweight(to_tsvector({PG_CONFIG}, summary), 'B') || "
    f"setweight(to_tsvector({PG_CONFIG}, left(body, 200000)), 'C')"
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_guide_entry_search')
    op.execute(
        'ALTER TABLE guide_entry ADD COLUMN search_vector tsvector '
        f'GENERATED ALWAYS AS ({PG_VECTOR}) STORED'
    )
    op.execute('CREATE INDEX ix_guide_entry_search ON guide_entry USING gin (search_vector)')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_guide_entry_search')
    op.execute('ALTER TABLE guide_entry DROP COLUMN search_vector')
    op.execute(f'CREATE INDEX ix_guide_entry_search ON guide_entry USING gin (({PG_VECTOR}))')
