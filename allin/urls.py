"""Redirect targets: only paths on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def is_local_path(target: str | None) -> bool:
    """True for "/path?query" on this site; false for absolute, scheme-relative or odd URLs."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(c in target for c in "\r\n\t\\")


def safe_next(target: str | None, default: str = "home.index") -> str:
    """The `next` target if it is a local path, else the default endpoint's URL."""
    return target if is_local_path(target) else url_for(default)
