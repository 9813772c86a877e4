"""Every list is ordered and paginated the same way (one helper, one macro)."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, func

from .extensions import db

# Far beyond any real list, and small enough that page * per_page stays a 32-bit offset.
MAX_PAGE = 100_000


def requested_page() -> int:
    """The ?page= number, 1 when missing or odd; never so large the database cannot take it."""
    page = request.args.get("page", 1, type=int)
    return min(max(page or 1, 1), MAX_PAGE)


def paginate(stmt: Select, per_page: int | None = None) -> Pagination:
    """One page of `stmt` (which must be ordered); a page past the end is simply empty."""
    config = current_app.config
    return CountedPagination(
        select=stmt,
        session=db.session(),
        page=requested_page(),
        per_page=per_page or config["PER_PAGE"],
        max_per_page=config["MAX_PER_PAGE"],
        error_out=False,
    )


class CountedPagination(SelectPagination):
    """A page of an ORM select whose total is counted along in the page's own query
    (`count() OVER ()`), not by a second one: each statement costs a page more Python than
    SQLite takes to count. Only an empty page past the end counts on its own; a DISTINCT
    statement (the window would count the rows before DISTINCT) counts the usual way."""

    _total: int | None = None

    def _query_items(self) -> list:
        stmt = self._query_args["select"]
        if stmt._distinct:
            return super()._query_items()
        counted = stmt.add_columns(func.count().over())
        counted = counted.limit(self.per_page).offset(self._query_offset)
        rows = self._query_args["session"].execute(counted).unique().all()
        if rows:
            self._total = rows[0][-1]
        elif self._query_offset == 0:
            self._total = 0
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return super()._query_count() if self._total is None else self._total


class RowPagination(Pagination):
    """A page of plain rows (not ORM objects): `fetch(limit, offset)` returns the page's items
    and the total, counted along in the same query (`count() OVER ()`)."""

    def _query_items(self) -> list:
        self._items, self._total = self._query_args["fetch"](self.per_page, self._query_offset)
        return self._items

    def _query_count(self) -> int:
        return self._total


def paginate_rows(fetch, per_page: int | None = None) -> Pagination:
    """paginate() for a list that is not one ORM entity; see RowPagination."""
    config = current_app.config
    return RowPagination(
        page=requested_page(),
        per_page=per_page or config["PER_PAGE"],
        max_per_page=config["MAX_PER_PAGE"],
        error_out=False,
        fetch=fetch,
    )


def page_url(endpoint: str, page: int, **values) -> str:
    """This list's URL at another page, keeping its filters from the query string.

    Query keys that url_for would take as its own arguments (endpoint, _method, _external …)
    are dropped, so a crafted link cannot break the page.
    """
    args = {
        key: value
        for key, value in request.args.to_dict().items()
        if key != "page" and key != "endpoint" and not key.startswith("_")
    }
    args.update(values)
    return url_for(endpoint, page=page, **args)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_url"] = page_url
