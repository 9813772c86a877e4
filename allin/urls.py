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


def url_stem(endpoint: str, key: str) -> str:
    """The URL of `endpoint` up to its last part, the id `key`: a list builds each row's link
    as stem + id instead of calling url_for once a row ("/ambassadors/" for
    url_stem("ambassadors.detail", "ambassador_id"))."""
    built = url_for(endpoint, **{key: 1})
    if not built.endswith("/1"):
        raise ValueError(f"{endpoint} does not end with <{key}>")
    return built[:-1]
