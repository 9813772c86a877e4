"""Public guide pages kept for visitors: each worker keeps the pages it rendered for readers
who are not signed in, until the guide changes.

Every anonymous reader of a published page gets the same page for the same address and
language (`public_page` says which pages qualify: nothing in the session touched, no best case,
which names people as their consents stand at that moment). Rendering one costs several
queries and a few milliseconds; serving a kept one costs one query, for the guide's edition
number (models/guide.py::GuideEdition).

Every flush that adds, changes or deletes anything in `WATCHED`, and every INSERT, UPDATE or
DELETE statement on those tables, raises the number in the same transaction: once a change has
committed, no page rendered before it is served. The number is read before the page's own
queries, so a page is never kept under a number newer than what it shows. (What the database
changes by itself, ON DELETE CASCADE or SET NULL, is not seen: of such paths, a cohort's
deletion would remove its sessions, but nothing deletes cohorts; a concept's deletion turns its
best case into a plain entry, which was never kept.)
"""

from __future__ import annotations

from collections import OrderedDict
from functools import wraps
from itertools import chain
from threading import Lock

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    GuideEdition,
    GuideEntry,
    GuideImage,
    GuideOldSlug,
    GuideTag,
    Municipality,
    SessionTool,
    TrainingSession,
)

# What public guide pages show: entries, their tags and old addresses, pictures, the owning
# municipality's name, and on a tool's page how many (not cancelled) sessions list it.
WATCHED = (
    GuideEntry,
    GuideTag,
    GuideOldSlug,
    GuideImage,
    Municipality,
    SessionTool,
    TrainingSession,
)
_WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED)

_edition = GuideEdition.__table__
_READ = select(_edition.c.number).where(_edition.c.id == 1)
_RAISE = update(_edition).where(_edition.c.id == 1).values(number=_edition.c.number + 1)
_FIRST = insert(_edition).values(id=1, number=1)
TOKEN = b'name="csrf_token"'


class KeptPages:
    """The last `size` pages of one edition (least recently served dropped first)."""

    def __init__(self, size: int):
        self.size = size
        self.edition: int | None = None
        self.pages: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
        self.lock = Lock()  # the development server serves in threads

    def get(self, edition: int, key: tuple) -> tuple[bytes, str] | None:
        with self.lock:
            if edition != self.edition:  # the guide has changed: what is kept is outdated
                self.pages.clear()
                self.edition = edition
                return None
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, edition: int, key: tuple, page: tuple[bytes, str]) -> None:
        with self.lock:
            if edition != self.edition:
                return
            self.pages[key] = page
            if len(self.pages) > self.size:
                self.pages.popitem(last=False)


def init_app(app) -> None:
    size = app.config["GUIDE_KEPT_PAGES"]
    app.extensions["guide_kept_pages"] = KeptPages(size) if size > 0 else None


def public_page(response):
    """Let a browser or proxy keep this anonymous view of a published page for a few minutes
    (and this worker keep it until the guide changes). Only when nobody is signed in and the
    page touched no session (no form token, no message). The ETag is the page's own hash,
    so a 304 is never stale."""
    if current_user.is_authenticated or session.modified:
        return response
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["GUIDE_CACHE_SECONDS"]
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    if response.get_etag()[0] is None:
        response.add_etag()
    g.public_cache = True  # security._headers leaves these headers alone
    return response


def kept_for_visitors(view):
    """Serve an anonymous reader the page kept for this address, or keep the one rendered now.
    The view marks a page that may be kept by returning it through `public_page`."""

    @wraps(view)
    def serve(**kwargs):
        pages = current_app.extensions["guide_kept_pages"]
        edition = key = None
        if pages is not None and not current_user.is_authenticated and "_flashes" not in session:
            edition = db.session.connection().scalar(_READ)
            key = (request.url, str(get_locale()))
        if edition is not None and (kept := pages.get(edition, key)) is not None:
            body, etag = kept
            response = current_app.response_class(body, mimetype="text/html")
            response.set_etag(etag)
            response = public_page(response)
        else:
            response = current_app.make_response(view(**kwargs))
            if edition is not None and g.get("public_cache") and response.status_code == 200:
                body = response.get_data()
                if TOKEN not in body:  # never hand one visitor's form token to the next
                    pages.put(edition, key, (body, response.get_etag()[0]))
        if g.get("public_cache"):
            return response.make_conditional(request)
        return response

    return serve


def _raise_edition(session: Session) -> None:
    connection = session.connection()
    if connection.execute(_RAISE).rowcount == 0:  # no row: a test emptied every table
        connection.execute(_FIRST)


@event.listens_for(Session, "before_flush")
def _objects_changed(session, flush_context, instances) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(instance, WATCHED) for instance in changed):
        _raise_edition(session)


@event.listens_for(Session, "do_orm_execute")
def _statement_changes(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED_TABLES:
            _raise_edition(state.session)
