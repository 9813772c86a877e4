"""URL converters: ids are positive 32-bit integers; anything larger is a 404, not a 500."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """`<int:x_id>` everywhere: 1 to 2**31 - 1, the range of the integer keys (PostgreSQL's
    int4 refuses anything larger with an error, not an empty result)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
