"""Redirect targets: only paths on this site. Links that leave the page: the site's address."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from .config import LOCAL_BASE_URL


def is_local_path(target: str | None) -> bool:
    """True for "/path?query" on this site; false for absolute, scheme-relative or odd URLs."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(c in target for c in "\r\n\t\\")


def safe_next(target: str | None, default: str = "home.index") -> str:
    """The `next` target if it is a local path, else the default endpoint's URL."""
    return target if is_local_path(target) else url_for(default)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails and links to copy, built from ALLIN_BASE_URL.

    Never from the request's Host header: a forged Host would otherwise put the attacker's
    site into a reset e-mail. Without ALLIN_BASE_URL (debug or the embedded default) the app
    answers to loopback names only, so the request's own local address is used; outside a
    request, the address `flask run` answers on.
    """
    base = current_app.config.get("BASE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or LOCAL_BASE_URL)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


class Links:
    """Links to one endpoint that differ only in one id, built by joining strings: a list
    calls `links(id)` for each row instead of url_for, which costs far more. Built with
    url_for once, so the rule's converters and the app's root are respected."""

    MARK = 2_147_483_647  # an id no real row has, so it cannot appear in the path otherwise

    def __init__(self, endpoint: str, key: str, **values):
        built = url_for(endpoint, **{key: self.MARK}, **values)
        self.before, found, self.after = built.partition(str(self.MARK))
        if not found:
            raise ValueError(f"{endpoint} has no <{key}>")

    def __call__(self, id_: int) -> str:
        return f"{self.before}{int(id_)}{self.after}"


class SlugLinks:
    """Links to one endpoint that differ only in a slug (lower-case letters, digits and
    hyphens: nothing url_for would quote), joined as Links joins ids; any other value goes
    through url_for."""

    MARK = "zz-slug-mark-zz"
    SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")

    def __init__(self, endpoint: str, key: str, **values):
        self.endpoint, self.key, self.values = endpoint, key, values
        built = url_for(endpoint, **{key: self.MARK}, **values)
        self.before, found, self.after = built.partition(self.MARK)
        if not found:
            raise ValueError(f"{endpoint} has no <{key}>")

    def __call__(self, slug: str) -> str:
        if slug and self.SAFE.issuperset(slug):
            return f"{self.before}{slug}{self.after}"
        return url_for(self.endpoint, **{self.key: slug}, **self.values)
