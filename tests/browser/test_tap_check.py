"""The tap check of `checked.check()` (conftest.TAPPABLE_JS) can fail: the cohort page's old
markup, a stretched link whose row was not its positioning box, covered the whole first
screen, so a tap on "All sessions" or the menu opened a child's record (issue 19, point 4)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TAPPABLE_JS, VIEWPORTS

pytestmark = pytest.mark.browser

# The rules of static/css/app.css before the fix, and the cohort page's shape.
OLD_CSS = """
  .rtable__row--link { position: relative; }
  .rtable__link { display: flex; min-height: 2.75rem; }
  .rtable__link::after { content: ""; position: absolute; inset: 0; }
"""
PAGE = """<!doctype html><html lang="en"><head><style>{css}</style></head><body>
<header><details class="menu-toggle"><summary>Menu</summary><a href="/a">Start</a></details>
</header>
<main><h1>Cohort</h1><p><a class="button" href="/sessions">All sessions</a></p>
<label>Agree <button type="button">Inside a label</button></label>
<table class="rtable"><tr{row}><td><a class="rtable__link" href="/child">Child</a></td>
<td>80 %</td></tr></table></main></body></html>"""


@pytest.fixture(params=["phone", "desktop"])
def bare_page(request, browser):
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    yield context.new_page()
    context.close()


def test_the_old_cohort_markup_is_reported(bare_page):
    bare_page.set_content(PAGE.format(css=OLD_CSS, row=""))

    covered = bare_page.evaluate(TAPPABLE_JS)

    assert any('"All sessions" is covered by a.rtable__link "Child"' in c for c in covered)
    assert any('summary "Menu" is covered' in c for c in covered)


def test_a_stretched_link_inside_its_row_covers_nothing_else(bare_page):
    bare_page.set_content(PAGE.format(css=OLD_CSS, row=' class="rtable__row--link"'))

    assert bare_page.evaluate(TAPPABLE_JS) == []
