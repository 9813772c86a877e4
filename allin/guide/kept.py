"""Public guide pages for visitors: validated by the guide's own version, kept by each worker.

Every anonymous reader of a published page gets the same page for the same address and
language (`public_page` says which pages qualify: nothing in the session touched, no best case,
which names people as their consents stand at that moment), and it changes only when the
guide does. So:

- The guide's version is one number (models/guide.py::GuideEdition), raised in the same
  transaction, just before its commit, by every change to what these pages show, as the ORM
  reports it: a flush that adds, changes or deletes a `WATCHED` object, or an insert(),
  update() or delete() of one of their tables run through the session. No SQL text is read:
  text() and writes beside the session (a connection of their own) are not seen, nor what
  the database does by itself (ON DELETE CASCADE or SET NULL): of such paths, a cohort's
  deletion would take its sessions along, but nothing deletes cohorts; a concept's deletion
  turns its best case into a plain entry, which was never kept.
- A page's ETag is made of that version, the deployed code that renders it and its key (what
  the view reads: the site's address, for og:url, the path, the query arguments the view
  names, in a fixed order, and the language). A visitor who holds the current ETag gets a 304
  after one query, the version, without a render. Anything else in the address (?utm=…) is
  hidden from the view, so it neither makes a page of its own nor shows on one.
- Each worker keeps the pages it rendered under their key, at most GUIDE_KEPT_PAGES of at most
  GUIDE_KEPT_BYTES together, the least recently served dropped first, and drops them all when
  the version moves. Serving a kept page costs the same one query.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from contextlib import contextmanager
from functools import cache, wraps
from itertools import chain
from pathlib import Path
from threading import Lock
from urllib.parse import urlencode

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    GuideEdition,
    GuideEntry,
    GuideImage,
    GuideOldSlug,
    GuideSynonym,
    GuideTag,
    Municipality,
    SessionTool,
    TrainingSession,
)
from . import tag_use
from .selectors import synonyms as read_synonyms

# What the public pages show, model by model: all of the guide's own models; of the others
# only the attributes a page shows (an entry's municipality by name; a tool's page counts the
# sessions that list it, cancelled ones left out). A deleted object always counts.
WATCHED: dict[type, tuple[str, ...] | None] = {
    GuideEntry: None,
    GuideTag: None,
    GuideOldSlug: None,
    GuideImage: None,
    GuideSynonym: None,
    SessionTool: None,
    Municipality: ("name",),
    TrainingSession: ("cancelled_at",),
}
_WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED)
_CHANGED = "guide_changed"  # Session.info: this transaction changed what the guide shows

_edition = GuideEdition.__table__
_READ = select(_edition.c.number).where(_edition.c.id == 1)
_RAISE = update(_edition).where(_edition.c.id == 1).values(number=_edition.c.number + 1)
TOKEN = b'name="csrf_token"'
# Request attributes werkzeug works out once from the query string.
_FROM_QUERY = ("args", "values", "url", "full_path")
# What renders the pages: a new deploy gives every page a new ETag, the guide unchanged or not.
_CODE_SUFFIXES = (".py", ".html", ".mo")


class KeptPublicPages:
    """The pages of one guide version, least recently served dropped first: at most
    `max_pages` of them, of at most `max_bytes` together (bodies, ETags and keys)."""

    def __init__(self, max_pages: int, max_bytes: int):
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.edition: int | None = None
        self.pages: OrderedDict[tuple, tuple[bytes, str, int]] = OrderedDict()
        self.bytes = 0
        self.lock = Lock()  # the development server serves in threads

    def get(self, edition: int, key: tuple) -> tuple[bytes, str] | None:
        with self.lock:
            if edition != self.edition:  # the guide has changed: what is kept is outdated
                self._clear(edition)
                return None
            kept = self.pages.get(key)
            if kept is None:
                return None
            self.pages.move_to_end(key)
            return kept[0], kept[1]

    def put(self, edition: int, key: tuple, body: bytes, etag: str) -> None:
        size = len(body) + len(etag) + sum(len(part) for part in key)
        with self.lock:
            if edition != self.edition or size > self.max_bytes:
                return
            self._drop(key)
            self.pages[key] = (body, etag, size)
            self.bytes += size
            while len(self.pages) > self.max_pages or self.bytes > self.max_bytes:
                self._drop(next(iter(self.pages)))

    def _drop(self, key: tuple) -> None:
        kept = self.pages.pop(key, None)
        if kept is not None:
            self.bytes -= kept[2]

    def _clear(self, edition: int) -> None:
        self.pages.clear()
        self.bytes = 0
        self.edition = edition


def init_app(app) -> None:
    pages, size = app.config["GUIDE_KEPT_PAGES"], app.config["GUIDE_KEPT_BYTES"]
    kept = KeptPublicPages(pages, size) if pages > 0 and size > 0 else None
    app.extensions["guide_kept_pages"] = kept
    app.extensions["guide_synonyms"] = {}  # language -> (version, groups): see synonyms()
    app.extensions["guide_code_version"] = _code_version(app.root_path, app.template_folder)


@cache
def _code_version(*folders: str) -> str:
    digest = hashlib.sha256()
    for folder in map(Path, folders):
        for path in sorted(folder.rglob("*")):
            if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def edition() -> int | None:
    """The guide's version now (None without its row: nothing is then kept or validated)."""
    return db.session.connection().scalar(_READ)


def public_page(response):
    """Let a browser or proxy keep this anonymous view of a published page for a few minutes
    (and this worker keep it until the guide changes). Only when nobody is signed in and the
    page touched no session (no form token, no message). The ETag is the guide's version
    (`kept_for_visitors`) or, without one, the page's own hash: a 304 is never stale."""
    if current_user.is_authenticated or session.modified:
        return response
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["GUIDE_CACHE_SECONDS"]
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    etag = g.get("guide_etag")
    if etag is not None:
        response.set_etag(etag)
    elif response.get_etag()[0] is None:
        response.add_etag()
    g.public_cache = True  # security._headers leaves these headers alone
    return response


def _query(reads: tuple[str, ...]) -> str:
    """The query arguments a view reads, in the order of their names."""
    return urlencode([(name, value) for name in reads for value in request.args.getlist(name)])


@contextmanager
def _query_seen_as(query: str):
    """While the view renders, the request's query string is `query`: the page it makes (its
    og:url, its links to further pages) is then the one for every address with this key."""
    original = request.query_string
    request.query_string = query.encode()
    _forget_query()
    try:
        yield
    finally:
        request.query_string = original
        _forget_query()


def _forget_query() -> None:
    for name in _FROM_QUERY:
        request.__dict__.pop(name, None)


def _etag(number: int, key: tuple) -> str:
    code = current_app.extensions["guide_code_version"]
    page = hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
    return f"g{number}-{code}-{page}"


def kept_for_visitors(*reads: str):
    """Answer an anonymous reader from the guide's version: 304 when they hold the page's
    ETag, else the page kept for this key, else the page rendered now (and kept). `reads`
    names the query arguments the view reads (it sees no others). The view marks a page that
    may be kept and cached by returning it through `public_page`."""
    reads = tuple(sorted(reads))

    def decorator(view):
        @wraps(view)
        def serve(**kwargs):
            number = None
            if not current_user.is_authenticated and "_flashes" not in session:
                number = g.guide_edition = edition()
            if number is None:
                response = current_app.make_response(view(**kwargs))
            else:
                response = _for_visitor(number, view, kwargs, reads)
            if g.get("public_cache") and response.status_code == 200:
                return response.make_conditional(request)
            return response

        return serve

    return decorator


def _for_visitor(number: int, view, kwargs: dict, reads: tuple[str, ...]):
    query = _query(reads)
    key = (request.root_url, request.path, query, str(get_locale()))
    g.guide_etag = etag = _etag(number, key)
    if request.if_none_match.contains_weak(etag):  # they hold this version's page
        return public_page(current_app.response_class(status=304))
    pages = current_app.extensions["guide_kept_pages"]
    kept = pages.get(number, key) if pages is not None else None
    if kept is not None:
        return public_page(current_app.response_class(kept[0], mimetype="text/html"))
    with _query_seen_as(query):
        response = current_app.make_response(view(**kwargs))
    if pages is not None and g.get("public_cache") and response.status_code == 200:
        body = response.get_data()
        if TOKEN not in body:  # never hand one visitor's form token to the next
            pages.put(number, key, body, etag)
    return response


def synonyms(language) -> tuple[str, ...]:
    """The language's synonym groups (selectors.synonyms), kept by each app for as long as
    the guide's version this request read stays the same: a visitor's search then sends no
    query for them. Without a version read (signed in) they are read each time."""
    number = g.get("guide_edition")
    kept_groups = current_app.extensions["guide_synonyms"]
    kept = kept_groups.get(str(language))
    if number is not None and kept is not None and kept[0] == number:
        return kept[1]
    groups = read_synonyms(language)
    if number is not None:
        kept_groups[str(language)] = (number, groups)
    return groups


# ---- the version, raised by the ORM's own events --------------------------------------------


def _shows(instance, deleted: bool = False) -> bool:
    """Does this object's change show on a public guide page?"""
    if type(instance) not in WATCHED:
        return False
    attributes = WATCHED[type(instance)]
    if attributes is None or deleted:
        return True
    state = inspect(instance)
    return state.persistent and any(state.attrs[name].history.has_changes() for name in attributes)


@event.listens_for(Session, "before_flush")
def _objects_changed(session, flush_context, instances) -> None:
    if session.info.get(_CHANGED):
        return
    changed = chain(session.new, session.dirty)
    if any(map(_shows, changed)) or any(_shows(obj, deleted=True) for obj in session.deleted):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _statement_changes(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED_TABLES:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_edition(session) -> None:
    """Last thing before the commit, so the row is locked only for the commit itself (and is
    every guide writer's last lock: no deadlock through it). The tag filter's counts are made
    again after it, so that two writers of the guide count one after the other."""
    session.flush()  # what the commit would flush may change the guide too
    if session.info.pop(_CHANGED, False):
        connection = session.connection()
        connection.execute(_RAISE)
        tag_use.count_again(connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_change(session, transaction) -> None:
    if transaction.parent is None:  # rolled back (a commit has taken the mark already)
        session.info.pop(_CHANGED, None)
