"""Markdown written by staff, shown to the public: rendered, then sanitised by an allow-list.

markdown-it-py (CommonMark + tables) runs with ``html: False``, so raw HTML in the text comes
out as visible text; nh3 then keeps only the tags and attributes below, links only to http(s)
and mailto, and gives every link ``rel="noopener nofollow"``. Images are kept only from the
guide's own uploads (``/guide/images/<name>``, allin/guide/images.py): an image from elsewhere
would let a third party see readers.
Headings move one level down, so the page's own title stays the only <h1>, and skip no level.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "img": {"src", "alt", "title"}}
OWN_IMAGE = re.compile(r"^/guide/images/[0-9a-f]{32}\.(?:jpg|png|webp)$")
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener nofollow"

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


def _shift_headings(state) -> None:
    """One level down, and never more than one level deeper than the heading before it: a
    text that starts with "###" under the page's <h1> gets an <h2> (a screen reader's outline
    skips no level)."""
    previous = 1
    for token in state.tokens:
        if token.type == "heading_open":
            previous = min(int(token.tag[1]) + 1, previous + 1, 6)
            token.tag = f"h{previous}"
        elif token.type == "heading_close":
            token.tag = f"h{previous}"


_md.core.ruler.push("shift_headings", _shift_headings)
# nh3's output of an <img> whose src was dropped: only alt and title can be left.
_IMAGE_WITHOUT_SOURCE = re.compile(
    r'<img(?=[^>]*? alt="(?P<alt>[^"]*)")?(?: (?:alt|title)="[^"]*")*>'
)


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not OWN_IMAGE.match(value):
        return None
    return value


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of `html`."""
    html = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        clean_content_tags={"script", "style"},
        attribute_filter=_own_images_only,
    )
    # An image whose address was refused has nothing left to show.
    return _IMAGE_WITHOUT_SOURCE.sub(lambda m: m.group("alt") or "", html)


# Added after sanitising: a wide table scrolls sideways on a phone, and a scrolling region
# must be reachable with the keyboard. nh3's output has no attributes on <table>, so the
# replacement can only meet the tags it made.
KEYBOARD_TABLE = '<table tabindex="0">'


def render_markdown(text: str) -> Markup:
    """Safe HTML for `text` (Markdown): what readers see, and what the live preview shows.
    A short text (a session's agenda, shown to every member of a cohort on their home) is
    rendered once per process: the result depends on the text alone."""
    text = text or ""
    return _render_short(text) if len(text) <= SHORT else _render(text)


SHORT = 2_000  # characters; at most SHORT_KEPT of them are kept, so well under 1 MB
SHORT_KEPT = 256


def _render(text: str) -> Markup:
    html = sanitise(_md.render(text)).replace("<table>", KEYBOARD_TABLE)
    # Safe: every tag and attribute in the result passed nh3's allow-list above.
    return Markup(html)  # noqa: S704


_render_short = lru_cache(maxsize=SHORT_KEPT)(_render)
