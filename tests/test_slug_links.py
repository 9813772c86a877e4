"""SlugLinks joins strings instead of calling url_for per row; the links must be url_for's."""

from __future__ import annotations

from flask import url_for

from allin.urls import SlugLinks


def test_slug_links_are_what_url_for_builds(app):
    with app.test_request_context("/"):
        links = SlugLinks("guide.entry", "slug")
        for slug in ("arshjul-for-ambassadorprogrammet", "a", "x-1-2", "Ødegård", "a b/c", ""):
            if slug:
                assert links(slug) == url_for("guide.entry", slug=slug)
