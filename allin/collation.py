"""Names in Norwegian alphabetical order: Æ, Ø, Å after Z (issue 19, point 13).

`nb_order(column)` orders in the database, so pages and pagination see the same order:
PostgreSQL uses its ICU collation "nb-NO-x-icu"; SQLite has none, so every SQLite connection
gets one named "nb" (`register`, called from allin/sqlite.py's connect hook) that compares
the keys of `sort_key`. The same expression compiles to either name, so a statement built
once serves both engines.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, CollationClause, ColumnElement

SQLITE_COLLATION = "nb"
POSTGRES_COLLATION = "nb-NO-x-icu"
ALPHABET = "abcdefghijklmnopqrstuvwxyzæøå"
_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
# Letters that sort as a Norwegian one (CLDR's nb tailoring): ä as æ, ö and ő as ø, ü as y.
_AS = str.maketrans({"ä": "æ", "ö": "ø", "ő": "ø", "ü": "y", "ű": "y", "đ": "d", "ð": "d"})
_SPACE, _DIGIT, _LETTER, _OTHER = range(4)


class _Norwegian(CollationClause):
    """COLLATE with the Norwegian collation of whichever engine compiles it."""

    inherit_cache = True

    def __init__(self) -> None:
        super().__init__(SQLITE_COLLATION)


@compiles(_Norwegian)
def _sqlite_name(element, compiler, **kw) -> str:
    return compiler.preparer.quote(SQLITE_COLLATION)


@compiles(_Norwegian, "postgresql")
def _postgres_name(element, compiler, **kw) -> str:
    return compiler.preparer.quote(POSTGRES_COLLATION)


def nb_order(column) -> ColumnElement:
    """`column COLLATE <Norwegian>`, for ORDER BY: Aksel, Zara, Ærlend, Øydis, Åse."""
    return BinaryExpression(column, _Norwegian(), operators.collate, type_=column.type)


def _char_key(char: str) -> tuple[int, int]:
    if char in _RANK:
        return _LETTER, _RANK[char]
    if char.isdigit():
        return _DIGIT, ord(char)
    if not char.isalpha():
        return _SPACE, ord(char)
    return _OTHER, ord(char)


@lru_cache(maxsize=4096)
def sort_key(text: str) -> tuple:
    """Case and accents count only to break a tie (é as e); æ, ø, å are letters of their own."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_AS)
    base = "".join(
        c if c in _RANK else "".join(d for d in unicodedata.normalize("NFD", c) if d.isalnum()) or c
        for c in folded
    )
    return tuple(_char_key(c) for c in base), folded, text


def _compare(a: str, b: str) -> int:
    key_a, key_b = sort_key(a), sort_key(b)
    return (key_a > key_b) - (key_a < key_b)


def register(dbapi_connection) -> None:
    """Give one SQLite connection the "nb" collation, and a lower() that knows Æ, Ø and Å
    (SQLite's own folds A-Z only, so a search for "øyvind" missed "Øyvind")."""
    dbapi_connection.create_collation(SQLITE_COLLATION, _compare)
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(text):
    return text.lower() if isinstance(text, str) else text
