"""Transactions: which statements are plain reads, decided in one place.

`reads(statement)` says whether a statement is a plain read: a SELECT (or WITH ... SELECT)
that writes nothing, locks nothing and takes nothing from a sequence, or SQLite's description
of a table (PRAGMA table_info and its kin, which SQLAlchemy's inspector sends). Everything
else - INSERT, UPDATE, DELETE, REPLACE, a WITH whose body writes, SELECT ... FOR UPDATE /
SHARE, advisory locks, nextval, SAVEPOINT, any other PRAGMA, DDL - is not.
"""

from __future__ import annotations

import re
from functools import lru_cache

# ---- the classifier -------------------------------------------------------------------------

# A read begins with SELECT or WITH, after any spaces, comments and opening brackets; or it
# asks SQLite for a table's description (SQLAlchemy's inspector: the schema gate's check).
_READ_START = re.compile(
    r"""(?:\s+ | --[^\n]* | /\*.*?\*/ | \( )*
        (?: SELECT | WITH
          | PRAGMA\s+(?:\w+\.)?(?:table_x?info|index_x?info|index_list|foreign_key_list) )\b""",
    re.I | re.S | re.X,
)
# What makes a statement that begins like a read more than one. String literals, quoted names
# and comments are matched first and passed over, so that 'update' or "delete" in them counts
# for nothing. REPLACE alone is the string function; REPLACE INTO is caught by INTO.
_MORE_THAN_A_READ = re.compile(
    r"""
      '(?:[^']|'')*' | "(?:[^"]|"")*" | --[^\n]* | /\*.*?\*/
    | (?P<found>
          \b(?:INSERT|UPDATE|DELETE|MERGE|INTO|TRUNCATE)\b    # writes, SELECT INTO, FOR UPDATE
        | \bFOR\s+(?:KEY\s+)?SHARE\b                           # row locks
        | \b(?:nextval|setval|set_config|pg_\w*lock\w*)\s*\(   # sequences, settings, locks
        | ;\s*\S                                               # a second statement
      )
    """,
    re.I | re.S | re.X,
)


@lru_cache(maxsize=1024)
def reads(statement: str) -> bool:
    """True for a plain read (see the module's docstring); anything else is not.

    Kept per statement text: the app's statements repeat (SQLAlchemy caches what it
    compiles), and a long one costs a tenth of a millisecond to scan, its answer a lookup."""
    start = _READ_START.match(statement)
    if start is None:
        return False
    for found in _MORE_THAN_A_READ.finditer(statement, start.end()):
        if found["found"]:
            return False
    return True
