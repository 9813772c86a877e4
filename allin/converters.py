"""Ids and other whole numbers from the outside: positive 32-bit integers; anything larger is
a 404 (in a path) or not a number (in a query string or form), never a 500."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

# PostgreSQL's integer (int4), the type of every key: a larger number in a query is an error
# there, not an empty result (and SQLite cannot take one beyond 64 bits).
MAX_INT = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """`<int:x_id>` everywhere: 1 to MAX_INT, the range of the integer keys."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def whole_number(text: str | None, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """`text` as a number from `low` to `high`, written in the digits 0-9 alone; else None.

    For numbers from a query string or a form. int() alone takes any size, signs and every
    script's digits ("١٢"), and str.isdigit() takes "²", which int() then refuses.
    """
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def id_arg(text: str | None) -> int | None:
    """An id given in a query string or a form: what IdConverter takes in a path, else None."""
    return whole_number(text, low=1)


def choice_id(value) -> int:
    """`coerce=` for a select of ids (0 for "nobody"): the field says "not a valid choice"
    instead of sending a number beyond the keys' range to the database."""
    number = value if isinstance(value, int) else whole_number(value)
    if number is None or not 0 <= number <= MAX_INT:
        raise ValueError(value)
    return number
