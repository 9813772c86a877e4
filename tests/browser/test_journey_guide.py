"""The guide in Chromium, with axe on every page, bokmål and English, phone and desktop:
a visitor with no account follows "start here", filters by phase, searches "ungdom", opens a
best case and prints it; a coordinator writes, previews and publishes an entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

COMBINATIONS = [("phone", "nb-NO"), ("desktop", "nb-NO"), ("phone", "en-GB"), ("desktop", "en-GB")]
TEXT = {
    "nb": {
        "start": "Start her",
        "phase": "Pitch to the city",
        "search": "ungdom",
        "case": "Digital aktivitetskalender for 13–20-åringer",
        "show": "Vis",
        "save": "Lagre",
        "preview": "Forhåndsvis",
    },
    "en": {
        "start": "Start here",
        "search": "youth",
        "case": "A digital activity calendar for 13–20 year olds",
        "show": "Show",
        "save": "Save",
        "preview": "Preview",
    },
}


@pytest.fixture(autouse=True)
def guide(live_server):
    """The starter guide and one coordinator in Larvik."""
    from allin.enums import Role
    from allin.extensions import db
    from allin.guide.seed import load_starter_guide
    from tests.factories import make_municipality, make_user

    with live_server.app.app_context():
        load_starter_guide()
        make_user(
            Role.COORDINATOR,
            make_municipality("Larvik"),
            email="coord@larvik.no",
            name="Marte Solberg",
        )
        db.session.commit()


def lang_of(checked) -> str:
    return checked.prefix.rsplit("-", 1)[-1]


@pytest.mark.parametrize("checked", COMBINATIONS, indirect=True)
def test_visitor_reads_searches_and_prints(checked):
    page, lang = checked.page, lang_of(checked)
    text = TEXT[lang]
    page.goto("/")
    checked.check("landing")
    page.locator("main .hero a[href='/guide/']").click()
    expect(page).to_have_url(re.compile(r"/guide/$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    checked.check("index")

    # Start here: every phase in programme order.
    page.locator("main a[href='/guide/start']").first.click()
    steps = page.locator(".guide-path__step h2")
    expect(steps).to_have_count(8)
    checked.check("start")
    first_entry = page.locator(".guide-path__step").first.locator(".guide-card__title a").first
    first_entry.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    checked.check("start-first-entry")

    # Filter by phase.
    page.goto("/guide/")
    page.select_option("#filter-phase", "pitch")
    page.get_by_role("button", name=text["show"], exact=True).click()
    expect(page).to_have_url(re.compile(r"phase=pitch"))
    expect(page.locator(".guide-group h2")).to_have_count(1)
    expect(page.locator(".guide-card")).to_have_count(3)
    checked.check("filter-pitch")

    # Search: Norwegian word forms are found and highlighted.
    page.fill("#guide-q", text["search"])
    page.locator("form.guide-search button").click()
    expect(page).to_have_url(re.compile(r"/guide/search\?q="))
    marks = page.locator(".guide-result mark")
    expect(marks.first).to_be_visible()
    if lang == "nb":
        found = " ".join(marks.all_inner_texts()).lower()
        assert "ungdommer" in found or "ungdommens" in found, found
    checked.check("search")

    # A best case, and its print rendering.
    page.goto("/guide/?kind=best_case")
    checked.check("best-cases")
    page.get_by_role("link", name=text["case"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["case"])
    expect(page.locator("article .guide-badge--best_case")).to_be_visible()
    checked.check("best-case")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".site-footer").is_hidden()
    assert page.locator(".guide-aside").is_hidden()
    checked.shoot("best-case-print", full_page=True)
    page.emulate_media(media="screen")

    # The whole phase as one document, printed.
    page.goto("/guide/print?phase=launch")
    expect(page.locator("article.guide-entry--printed")).to_have_count(3)
    checked.check("print-phase")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    breaks = page.evaluate(
        "[...document.querySelectorAll('.guide-entry--printed')]"
        ".map(e => getComputedStyle(e).breakBefore)"
    )
    assert breaks[1:] == ["page", "page"], breaks
    checked.shoot("print-phase-print", full_page=True)


@pytest.mark.parametrize("checked", COMBINATIONS, indirect=True)
def test_coordinator_writes_previews_and_publishes(checked):
    page, lang = checked.page, lang_of(checked)
    text = TEXT[lang]
    page.goto("/login")
    checked.check("login")
    page.fill("#login", "coord@larvik.no")
    page.fill("#password", "correct horse battery")
    page.locator("main form.form [type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Marte Solberg")

    checked.header_link("/guide/").click()
    checked.check("index-signed-in")
    page.locator("main a[href='/guide/new']").first.click()
    checked.check("new")

    # A mistake first: the form comes back with the message next to the field, text kept.
    page.fill("#body", "Noe tekst")
    page.locator("main form.guide-form button[type=submit]").first.click()
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#body")).to_have_value("Noe tekst")
    checked.check("new-error")

    title = "Nattvandring i Larvik" if lang == "nb" else "Night walk in Larvik"
    page.fill("#title", title)
    page.select_option("#kind", "inspiration")
    page.select_option("#phase", "explore")
    page.fill("#summary", "Slik gikk vi byen om kvelden med ungdommene.")
    body = (
        "## Slik gjorde vi det\n\n- Tre ruter\n- **Én voksen** per gruppe\n\n"
        "<script>alert(1)</script>"
    )
    page.fill("#body", body)
    # The live preview (JavaScript) shows the sanitised rendering while writing.
    preview = page.locator("#guide-preview")
    expect(preview.locator("h2")).to_have_text("Slik gjorde vi det")
    expect(preview.locator("strong")).to_have_text("Én voksen")
    expect(preview).to_contain_text("<script>alert(1)</script>")
    assert preview.locator("script").count() == 0
    checked.check("live-preview")

    # The preview button works too (the no-JavaScript path) and saves nothing.
    page.get_by_role("button", name=text["preview"], exact=True).click()
    expect(page.locator("#guide-preview h2")).to_have_text("Slik gjorde vi det")
    expect(page.locator("#title")).to_have_value(title)
    checked.check("preview-button")

    page.fill("#tags", "kveld, kartlegging")
    page.select_option("#status", "published")
    page.get_by_role("button", name=text["save"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".flash--success")).to_be_visible()
    expect(page.locator(".prose h2")).to_have_text("Slik gjorde vi det")
    checked.check("published")
    url = page.url

    # Readers without an account see it.
    checked.sign_out()
    expect(page).to_have_url(re.compile(r"/$"))
    checked.check("signed-out")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    checked.check("published-public")


@pytest.mark.parametrize("checked", COMBINATIONS, indirect=True)
def test_coordinator_puts_a_picture_in_an_entry(checked, tmp_path):
    import io

    from PIL import Image

    page, lang = checked.page, lang_of(checked)
    photo = tmp_path / "Bålplass_ved_Farris.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (230, 120, 40)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    page.goto("/login")
    checked.check("picture-login")
    page.fill("#login", "coord@larvik.no")
    page.fill("#password", "correct horse battery")
    page.locator("main form.form [type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Marte Solberg")
    checked.check("picture-home")
    page.goto("/guide/manage/")
    checked.check("picture-manage")
    page.locator("main .guide-tabs a[href='/guide/manage/images/']").click()
    checked.check("images-empty")

    # Without the consent box: the message is next to it, nothing is uploaded.
    page.set_input_files("#picture", str(photo))
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator("#consent-error")).to_be_visible()
    checked.check("images-consent-missing")

    page.set_input_files("#picture", str(photo))
    page.check("#consent")
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator(".flash--success")).to_be_visible()
    expect(page.locator(".image-list__name")).to_have_text(photo.name)
    checked.check("images-uploaded")
    markdown = page.locator(".image-list input[readonly]").first.input_value()
    assert re.fullmatch(r"!\[\]\(/guide/images/[0-9a-f]{32}\.jpg\)", markdown), markdown

    page.goto("/guide/new")
    checked.check("picture-new")
    title = "Bålplassen" if lang == "nb" else "The campfire"
    page.fill("#title", title)
    page.fill("#summary", "Et sted å samles.")
    page.fill("#body", "Slik ser det ut:\n\n" + markdown.replace("![]", "![Bålplass ved vannet]"))
    expect(page.locator("#guide-preview img")).to_have_attribute("alt", "Bålplass ved vannet")
    page.select_option("#status", "published")
    page.locator("main form.guide-form button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    image = page.locator(".prose img")
    expect(image).to_have_attribute("alt", "Bålplass ved vannet")
    width = "(img) => img.decode().then(() => img.naturalWidth)"  # once it has arrived
    assert page.locator(".prose img").first.evaluate(width) == 640
    checked.check("entry-with-picture")
