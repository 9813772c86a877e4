"""Handing a link over in person: the QR code beside the link, drawn on the server as SVG."""

from __future__ import annotations

import segno
from flask import Flask
from markupsafe import Markup, escape

# Modules per side are fixed by the link length; the SVG scales to its box (CSS sets the size),
# so the scale only sets the drawing's own units.
QR_SCALE = 6
QR_BORDER = 4  # the quiet zone the QR standard asks for


def qr_svg(link: str, label: str) -> Markup:
    """The QR code for link as inline SVG, named for screen readers by label.

    The only place a QR reaches a page. The markup is segno's own output: it contains no text
    from the link (only path data) and only presentation attributes (no style=, no script), so
    the CSP without 'unsafe-inline' accepts it; the label is escaped here.
    """
    code = segno.make(link, error="m")
    svg = code.svg_inline(
        scale=QR_SCALE, border=QR_BORDER, omitsize=True, light="#fff", svgclass="handover__svg"
    )
    # Markup: segno built the SVG from the link's bits (see above); the label is escaped.
    return Markup('<div class="handover__qr" role="img" aria-label="{}">{}</div>').format(
        escape(label), Markup(svg)
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(qr_svg=qr_svg)
