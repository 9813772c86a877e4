"""guide search vector kept in the entry's row on PostgreSQL

Issue 26. PostgreSQL moved guide_entry.search_vector (0016) out of the row into the table's
TOAST storage: a row with the body, its HTML and the vector passes the 2 kB TOAST threshold,
and the vector, which pglz does not shrink enough, was the column moved out, uncompressed. Every
search read it back from there for each entry of the language it tested and again for each
match it ranked: ~2.7 us a row, 18 ms for "ungdom" at 2,000 entries, where reading the vectors
in the row takes ~1 ms. STORAGE MAIN keeps the vector in the row (compressed, and moved out
only as a last resort), so the body and its HTML, read only for the page's results, go out
instead. The entries there are written again so that their rows are stored that way.

SQLite has no such column (its search is the FTS5 table of 0004): nothing changes there.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-08 01:10:00.000000
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER TABLE guide_entry ALTER COLUMN search_vector SET STORAGE MAIN')
    # A new row version recomputes the generated column, stored by the new rule.
    op.execute('UPDATE guide_entry SET title = title')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER TABLE guide_entry ALTER COLUMN search_vector SET STORAGE EXTENDED')
