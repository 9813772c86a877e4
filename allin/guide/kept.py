"""Public guide pages kept for visitors: each worker keeps the pages it rendered for readers
who are not signed in, until the data changes (allin/kept.py: the data edition).

Every anonymous reader of a published page gets the same page for the same address and
language (`public_page` says which pages qualify: nothing in the session touched, no best case,
which names people as their consents stand at that moment). Rendering one costs several
queries and a few milliseconds; serving a kept one costs one query, for the data edition.

A page is kept under what its view reads: the site's address (for og:url), the path, the
query arguments the view names, in a fixed order, and the language. Anything else in the
address (?utm=…) is hidden from the view, so it neither makes a page of its own nor shows on
one. Each worker keeps at most GUIDE_KEPT_PAGES pages of at most GUIDE_KEPT_BYTES together,
the least recently served dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from functools import wraps
from threading import Lock
from urllib.parse import urlencode

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..kept import edition

TOKEN = b'name="csrf_token"'
# Request attributes werkzeug works out once from the query string.
_FROM_QUERY = ("args", "values", "url", "full_path")


class KeptPublicPages:
    """The pages of one data edition, least recently served dropped first: at most
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
            if edition != self.edition:  # the data has changed: what is kept is outdated
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


def kept_for_visitors(*reads: str):
    """Serve an anonymous reader the page kept for this address, or keep the one rendered now.
    `reads` names the query arguments the view reads (it sees no others). The view marks a
    page that may be kept by returning it through `public_page`."""
    reads = tuple(sorted(reads))

    def decorator(view):
        @wraps(view)
        def serve(**kwargs):
            pages = current_app.extensions["guide_kept_pages"]
            if pages is None or current_user.is_authenticated or "_flashes" in session:
                response = current_app.make_response(view(**kwargs))
            else:
                response = _kept_or_rendered(pages, view, kwargs, reads)
            if g.get("public_cache"):
                return response.make_conditional(request)
            return response

        return serve

    return decorator


def _kept_or_rendered(pages: KeptPublicPages, view, kwargs: dict, reads: tuple[str, ...]):
    number = edition()
    query = _query(reads)
    key = (request.root_url, request.path, query, str(get_locale()))
    kept = pages.get(number, key)
    if kept is not None:
        body, etag = kept
        response = current_app.response_class(body, mimetype="text/html")
        response.set_etag(etag)
        return public_page(response)
    with _query_seen_as(query):
        response = current_app.make_response(view(**kwargs))
    if g.get("public_cache") and response.status_code == 200:
        body = response.get_data()
        if TOKEN not in body:  # never hand one visitor's form token to the next
            pages.put(number, key, body, response.get_etag()[0])
    return response
