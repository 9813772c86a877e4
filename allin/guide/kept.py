"""Public guide pages kept for visitors: each worker keeps the pages it rendered for readers
who are not signed in, until the data changes (allin/kept.py: the data edition).

Every anonymous reader of a published page gets the same page for the same address and
language (`public_page` says which pages qualify: nothing in the session touched, no best case,
which names people as their consents stand at that moment). Rendering one costs several
queries and a few milliseconds; serving a kept one costs one query, for the data edition.
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..kept import KeptPages, edition

TOKEN = b'name="csrf_token"'


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
        number = key = None
        if pages is not None and not current_user.is_authenticated and "_flashes" not in session:
            number = edition()
            key = (request.url, str(get_locale()))
        if number is not None and (kept := pages.get(number, key)) is not None:
            body, etag = kept
            response = current_app.response_class(body, mimetype="text/html")
            response.set_etag(etag)
            response = public_page(response)
        else:
            response = current_app.make_response(view(**kwargs))
            if number is not None and g.get("public_cache") and response.status_code == 200:
                body = response.get_data()
                if TOKEN not in body:  # never hand one visitor's form token to the next
                    pages.put(number, key, (body, response.get_etag()[0]))
        if g.get("public_cache"):
            return response.make_conditional(request)
        return response

    return serve
