"""Pages kept by each worker until the data they show changes.

Rendering a cohort's home costs a dozen queries and tens of milliseconds; most views of it
follow one another with nothing changed in between. So a worker keeps the pages it rendered
for a reader (the same person, address and language) under the *data edition*: a number in
one row (models/edition.py) that every committing transaction which wrote anything raises
just before it commits. Once a change has committed, no page rendered before it is served:
the next reader's first query reads the new number, and what was kept is dropped.

- Every INSERT, UPDATE or DELETE through the engine counts, from the ORM, a Core statement or
  a CLI command, except on `BOOKKEEPING` tables, which no kept page shows (a session's
  last-seen time is touched every minute). The database's own ON DELETE cascades follow a
  DELETE that counts.
- The number is read before the page's own queries, so a page is never kept under a number
  newer than what it shows.
- What a page shows because of the time (upcoming or past, a roll call open from the day of
  its session) is at most `KEPT_PAGE_SECONDS` late: a page is not served when it is older.
- A page is kept only if it rendered as a plain 200 with nothing pending in the session (no
  message, no link held for once) and without writing. Its form token is put back fresh for
  every reader.

Migrations do not raise the number (the row may not exist yet); workers restart after them.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from threading import Lock

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from .clock import now
from .extensions import db
from .models import DataEdition

# Written while people only read, and shown on no kept page: sign-in bookkeeping.
BOOKKEEPING = frozenset(
    {"data_edition", "login_session", "browser_claim", "login_failure", "pending_sign_in"}
)
SKIP = "data_edition_skip"  # connection.info key: migrations set it
_CHANGED = "data_changed"
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I)
_READ = select(DataEdition.number).where(DataEdition.id == 1)
# The sign-in query reads the number along (one round trip fewer for a signed-in reader).
EDITION = _READ.scalar_subquery().label("data_edition")
_RAISE = "UPDATE data_edition SET number = number + 1 WHERE id = 1"
_FIRST = "INSERT INTO data_edition (id, number) VALUES (1, 1)"
_TOKEN = "\x00csrf-token\x00"  # where the reader's own form token goes


class KeptPages:
    """The last `size` pages of one edition (least recently served dropped first), each for at
    most `seconds` (None: for as long as the edition lasts)."""

    def __init__(self, size: int, seconds: float | None = None):
        self.size = size
        self.seconds = seconds
        self.edition: int | None = None
        self.pages: OrderedDict[tuple, tuple[datetime, object]] = OrderedDict()
        self.lock = Lock()  # the development server serves in threads

    def get(self, edition: int, key: tuple):
        with self.lock:
            if edition != self.edition:  # the data has changed: what is kept is outdated
                self.pages.clear()
                self.edition = edition
                return None
            kept = self.pages.get(key)
            if kept is None:
                return None
            age = (now() - kept[0]).total_seconds()
            if self.seconds is not None and not 0 <= age <= self.seconds:
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return kept[1]

    def put(self, edition: int, key: tuple, page) -> None:
        with self.lock:
            if edition != self.edition:
                return
            self.pages[key] = (now(), page)
            if len(self.pages) > self.size:
                self.pages.popitem(last=False)


def init_app(app) -> None:
    size = app.config["KEPT_PAGES"]
    seconds = app.config["KEPT_PAGE_SECONDS"]
    app.extensions["kept_pages"] = KeptPages(size, seconds) if size > 0 else None


def read_along(number: int | None) -> None:
    """Note the data edition that the request's first query (the sign-in) read along."""
    g.data_edition = number or 0


def edition() -> int:
    """The data edition, as the request's first query read it (once), or read now; 0 before
    the first change. Read before the page's own queries, never after."""
    number = g.pop("data_edition", None)
    if number is None:
        number = db.session.connection().scalar(_READ) or 0
    return number


@contextmanager
def not_counted(connection):
    """Writes on `connection` leave the data edition alone, as a migration's do."""
    connection.info[SKIP] = True
    try:
        yield connection
    finally:
        connection.info.pop(SKIP, None)


def kept_for_reader(view):
    """Serve a signed-in reader the page this worker rendered for them at this address, when
    nothing has changed since; otherwise render it, and keep it when it may be kept.
    Under the route's @require: permissions are checked on every request."""

    @wraps(view)
    def serve(**kwargs):
        pages = current_app.extensions["kept_pages"]
        if (
            pages is None
            or not current_user.is_authenticated
            or request.method != "GET"
            or "_flashes" in session
        ):
            return view(**kwargs)
        number = edition()
        key = (current_user.id, request.full_path, str(get_locale()))
        kept = pages.get(number, key)
        if kept is not None:
            return kept.replace(_TOKEN, generate_csrf())
        g.wrote_data = False
        html = view(**kwargs)
        if isinstance(html, str) and not session.modified and not g.wrote_data:
            token = g.get("csrf_token")
            pages.put(number, key, html.replace(token, _TOKEN) if token else html)
        return html

    return serve


@event.listens_for(Engine, "before_cursor_execute")
def _note_change(conn, cursor, statement, parameters, context, executemany) -> None:
    found = _WRITE.match(statement)
    if found and found.group(1).lower() not in BOOKKEEPING and not conn.info.get(SKIP):
        conn.info[_CHANGED] = True
        if has_request_context():
            g.wrote_data = True


@event.listens_for(Engine, "commit")
def _raise_edition(conn) -> None:
    """Last thing before the commit, so the row is locked only for the commit itself (and is
    every writer's last lock: no deadlock through it)."""
    if conn.info.pop(_CHANGED, False):
        raw = conn.connection.driver_connection
        if raw.execute(_RAISE).rowcount == 0:  # no row: a test emptied every table
            raw.execute(_FIRST)


@event.listens_for(Engine, "rollback")
def _forget_change(conn) -> None:
    conn.info.pop(_CHANGED, None)
