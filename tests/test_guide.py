"""The guide: sanitising, drafts and scope, slugs, limits, conflicts, history, starter content,
cache headers and query counts."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from allin.enums import GuideStatus, Language
from allin.extensions import db
from allin.guide.rules import can_edit_guide_entry, can_publish_guide_entry
from allin.guide.seed import load_starter_guide, starter_texts
from allin.markdown import ATTRIBUTES, TAGS, render_markdown
from allin.models import GuideEntry, GuideOldSlug, GuideRevision, GuideTag, GuideTagUse, User
from tests.factories import count, make_guide_entry

# ---- sanitising -----------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x61;script:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](https://tracker.example/p.gif "t")',
    '![x" onerror="alert(1)](https://e.no/x.png)',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<b onmouseover=alert(1)>hover",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<a href='x' onclick='alert(1)'>unclosed",
    "<!-- <script>alert(1)</script> -->",
    '[x](https://e.no "title" onmouseover=alert(1))',
    '[x](https://e.no" onmouseover="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "> <iframe srcdoc='<script>alert(1)</script>'>",
    "<form action=https://evil.example><input name=p></form>",
    "<meta http-equiv=refresh content=0;url=https://evil.example>",
    "<object data=javascript:alert(1)>",
    "<base href=https://evil.example/>",
]


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def tags_of(html: str):
    parser = Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", XSS)
def test_sanitiser_keeps_only_the_allow_list(payload):
    html = str(render_markdown(payload))
    for tag, attrs in tags_of(html):
        assert tag in TAGS, (tag, html)
        added = {"a": {"rel"}, "table": {"tabindex"}}.get(tag, set())
        allowed = ATTRIBUTES.get(tag, set()) | added
        assert set(attrs) <= allowed, (tag, attrs, html)
        if tag == "a":
            href = attrs.get("href", "").strip().lower()
            scheme = re.match(r"^([a-z][a-z0-9+.-]*):", href)
            assert scheme is None or scheme.group(1) in ("http", "https", "mailto"), href
            assert attrs["rel"] == "noopener nofollow"
    lowered = html.lower()
    for bad in ("<script", "<img", "<svg", "<iframe", "<style", "<form", "<meta", "<base"):
        assert bad not in lowered, html
    assert not re.search(r"<[^>]*\son\w+\s*=", lowered), html
    # Text that only looks like HTML is escaped, so it cannot be a tag: the parse above saw
    # every real tag and attribute.


def test_markdown_keeps_what_a_guide_needs():
    html = str(
        render_markdown(
            "# Heading\n\n*em* **strong** `code`\n\n- a\n- b\n\n> quote\n\n"
            "| x | y |\n|---|---|\n| 1 | 2 |\n\n[site](https://example.no) [mail](mailto:a@b.no)"
        )
    )
    for tag in (
        "<h2>",
        "<em>",
        "<strong>",
        "<code>",
        "<ul>",
        "<blockquote>",
        '<table tabindex="0">',
        "<td>",
    ):
        assert tag in html
    assert '<a href="https://example.no" rel="noopener nofollow">site</a>' in html
    assert '<a href="mailto:a@b.no" rel="noopener nofollow">mail</a>' in html
    assert "<h1" not in html  # the page title is the only h1


# ---- helpers --------------------------------------------------------------------------------


def entry_form(**values) -> dict:
    data = {
        "title": "Rekruttering på ungdomsskolen",
        "kind": "tool",
        "phase": "recruit",
        "language": "nb",
        "summary": "Slik gjør vi det.",
        "body": "Tekst om **ungdommer**.",
        "tags": "skole, rekruttering",
        "slug": "",
        "status": "draft",
    }
    data.update(values)
    return data


def entry_by_title(title):
    return db.session.scalars(select(GuideEntry).where(GuideEntry.title == title)).one()


# ---- writing --------------------------------------------------------------------------------


def test_coordinator_writes_a_draft_of_their_municipality(app, client, world, login):
    login(world.a["coordinator"])
    response = client.post("/guide/new", data=entry_form())
    assert response.status_code == 302
    with app.app_context():
        entry = entry_by_title("Rekruttering på ungdomsskolen")
        assert entry.municipality_id == world.municipality_a
        assert entry.status == GuideStatus.DRAFT
        assert entry.slug == "rekruttering-pa-ungdomsskolen"
        assert entry.author_id == world.a["coordinator"].id
        assert sorted(db.session.scalars(select(GuideTag.name))) == ["rekruttering", "skole"]
        assert count(GuideRevision) == 1
    assert response.headers["Location"] == "/guide/rekruttering-pa-ungdomsskolen"


def test_network_admin_writes_network_wide_entries(app, client, world, login):
    login(world.admin)
    assert client.post("/guide/new", data=entry_form(status="published")).status_code == 302
    with app.app_context():
        entry = entry_by_title("Rekruttering på ungdomsskolen")
        assert entry.municipality_id is None and entry.status == GuideStatus.PUBLISHED


@pytest.mark.parametrize("who", ["youth_worker", "ambassador"])
def test_only_writers_write(client, world, login, who):
    login(world.a[who])
    assert client.get("/guide/new").status_code == 403
    assert client.post("/guide/new", data=entry_form()).status_code == 403


def test_writing_needs_sign_in(client, world):
    response = client.get("/guide/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_publish_rule_is_scoped(app, world):
    with app.app_context():
        a_entry = make_guide_entry(municipality_id=world.municipality_a)
        network_entry = make_guide_entry(municipality_id=None)
        coordinator_a = db.session.get(User, world.a["coordinator"].id)
        coordinator_b = db.session.get(User, world.b["coordinator"].id)
        admin = db.session.get(User, world.admin.id)
        assert can_publish_guide_entry(coordinator_a, a_entry)
        assert not can_publish_guide_entry(coordinator_b, a_entry)
        assert not can_publish_guide_entry(admin, a_entry)
        assert can_publish_guide_entry(admin, network_entry)
        assert not can_edit_guide_entry(coordinator_a, network_entry)


@pytest.mark.parametrize("field", ["title", "summary", "body", "tags"])
def test_xss_in_every_field_is_shown_as_text(app, client, world, login, field):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    value = payload if field != "tags" else "<b>x</b>, <i onclick=1>"
    login(world.a["coordinator"])
    form = entry_form(status="published", **{field: value})
    if field == "title":
        form["slug"] = "xss-title"
    assert client.post("/guide/new", data=form).status_code == 302
    with app.app_context():
        slug = db.session.scalar(select(GuideEntry.slug))
    pages = [client.get(f"/guide/{slug}").data.decode(), client.get("/guide/").data.decode()]
    pages.append(client.get("/guide/search?q=alert+script+onclick").data.decode())
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<i onclick" not in page and "<b>x</b>" not in page


def test_xss_in_the_slug_is_refused_with_a_message(app, client, world, login):
    login(world.a["coordinator"])
    response = client.post("/guide/new", data=entry_form(slug='"><script>alert(1)</script>'))
    assert response.status_code == 200
    page = response.data.decode()
    assert 'id="slug-error"' in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page or "&#34;&gt;&lt;script" in page
    with app.app_context():
        assert count(GuideEntry) == 0


def test_slug_from_the_title_transliterates_and_avoids_collisions(app, client, world, login):
    login(world.a["coordinator"])
    for _ in range(2):
        client.post("/guide/new", data=entry_form(title="Ære, østlandet og åpne rom"))
    client.post("/guide/new", data=entry_form(title="Search"))
    with app.app_context():
        slugs = sorted(db.session.scalars(select(GuideEntry.slug)))
    assert slugs == ["aere-ostlandet-og-apne-rom", "aere-ostlandet-og-apne-rom-2", "search-2"]


def test_a_typed_slug_that_is_taken_is_refused_and_the_text_kept(app, client, world, login):
    login(world.a["coordinator"])
    client.post("/guide/new", data=entry_form(slug="min-side"))
    response = client.post("/guide/new", data=entry_form(slug="min-side", body="Min egen tekst"))
    page = response.data.decode()
    assert response.status_code == 200 and 'id="slug-error"' in page
    assert "Min egen tekst" in page
    with app.app_context():
        assert count(GuideEntry) == 1
    # The same slug in the other language is a different address.
    assert (
        client.post("/guide/new", data=entry_form(slug="min-side", language="en")).status_code
        == 302
    )


def edit_form(entry: GuideEntry, **values) -> dict:
    data = {
        "title": entry.title,
        "kind": entry.kind.value,
        "phase": entry.phase.value,
        "summary": entry.summary,
        "body": entry.body,
        "tags": entry.tags,
        "slug": entry.slug,
        "status": entry.status.value,
        "version": str(entry.version),
    }
    data.update(values)
    return data


def test_slug_stays_when_the_title_changes_and_old_slugs_redirect(app, client, world, login):
    with app.app_context():
        entry = make_guide_entry(
            municipality_id=world.municipality_a, title="Første tittel", status="published"
        )
        db.session.commit()
        entry_id, form = entry.id, edit_form(entry)
    login(world.a["coordinator"])
    form.update(title="Ny tittel", slug="")
    assert client.post(f"/guide/entries/{entry_id}/edit", data=form).status_code == 302
    with app.app_context():
        entry = db.session.get(GuideEntry, entry_id)
        assert (entry.title, entry.slug) == ("Ny tittel", "forste-tittel")
        form = edit_form(entry, slug="ny-adresse")
    assert client.post(f"/guide/entries/{entry_id}/edit", data=form).status_code == 302
    client.post("/logout")
    old = client.get("/guide/forste-tittel")
    assert old.status_code == 301 and old.headers["Location"] == "/guide/ny-adresse"
    assert client.get("/guide/ny-adresse").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(GuideOldSlug.slug)).all() == ["forste-tittel"]


def test_a_body_over_the_limit_gets_a_clear_message_and_nothing_is_written(
    app, client, world, login
):
    login(world.a["coordinator"])
    body = "ungdom " * 150_000  # 1,050,000 characters, about 1 MB
    response = client.post("/guide/new", data=entry_form(body=body))
    assert response.status_code == 200
    page = response.data.decode()
    assert 'id="body-error"' in page and "1\u00a0000\u00a0000" in page
    assert "Rekruttering på ungdomsskolen" in page  # the rest of the form is kept
    with app.app_context():
        assert count(GuideEntry) == 0 and count(GuideRevision) == 0


def test_a_body_at_the_limit_is_saved(app, client, world, login):
    app.config["GUIDE_MAX_BODY_CHARS"] = 20_000
    login(world.a["coordinator"])
    body = "Ungdommenes by. " * 1249 + "Ungdommen"[:16]  # 19,993 characters
    body = body + "x" * (20_000 - len(body))
    assert client.post("/guide/new", data=entry_form(body=body)).status_code == 302
    app.config["GUIDE_MAX_BODY_CHARS"] = 19_999
    response = client.post("/guide/new", data=entry_form(body=body, title="Nummer to"))
    assert response.status_code == 200 and 'id="body-error"' in response.data.decode()


def test_multipart_bodies_over_the_form_memory_limit_are_not_a_server_error(client, world, login):
    login(world.a["coordinator"])
    boundary = "guide-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in entry_form(body="x" * 600_000).items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    response = client.post(
        "/guide/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302


def test_too_large_requests_get_the_guide_message(app, client, world, login):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    login(world.a["coordinator"])
    response = client.post("/guide/new", data=entry_form(body="x" * 300_000))
    assert response.status_code == 413
    assert "1\u00a0000\u00a0000" in response.data.decode()


def test_an_edit_conflict_is_told_and_the_second_text_kept(app, client, world, login, make_app):
    with app.app_context():
        entry = make_guide_entry(municipality_id=world.municipality_a, body="Original")
        db.session.commit()
        entry_id, form = entry.id, edit_form(entry)
    login(world.a["coordinator"])
    first = dict(form, body="Kari's text")
    second = dict(form, body="Ola's text")
    assert client.post(f"/guide/entries/{entry_id}/edit", data=first).status_code == 302
    response = client.post(f"/guide/entries/{entry_id}/edit", data=second)
    page = response.data.decode()
    assert response.status_code == 200
    assert "Someone else saved" in page or "Noen andre lagret" in page
    assert "Ola&#39;s text" in page
    with app.app_context():
        entry = db.session.get(GuideEntry, entry_id)
        assert entry.body == "Kari's text" and entry.version == 2
        assert count(GuideRevision) == 2
    # Told, they may save again on purpose: the form now carries the current version.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert version == "2"
    again = client.post(f"/guide/entries/{entry_id}/edit", data=dict(second, version=version))
    assert again.status_code == 302


def test_a_stale_version_is_refused_by_the_database_itself(app, world):
    from allin.guide import services

    with app.app_context():
        entry = make_guide_entry(municipality_id=world.municipality_a)
        actor = db.session.get(User, world.a["coordinator"].id)
        data = services.EntryData(
            kind=entry.kind,
            phase=entry.phase,
            title="T",
            summary="S",
            body="B",
            tags=[],
        )
        services.update_entry(entry, actor=actor, data=data, seen_version=1)
        with pytest.raises(services.EditConflict):
            services.update_entry(entry, actor=actor, data=data, seen_version=1)


def test_preview_button_renders_without_saving(app, client, world, login):
    login(world.a["coordinator"])
    response = client.post(
        "/guide/new", data=entry_form(body="## Overskrift\n\n<script>x</script>", preview="1")
    )
    page = response.data.decode()
    assert response.status_code == 200
    assert "<h2>Overskrift</h2>" in page and "&lt;script&gt;x&lt;/script&gt;" in page
    with app.app_context():
        assert count(GuideEntry) == 0


def test_live_preview_endpoint_returns_the_sanitised_rendering(client, world, login):
    login(world.a["coordinator"])
    response = client.post("/guide/preview", data={"body": "**fet** <img src=x onerror=1>"})
    assert response.status_code == 200
    html = response.data.decode()
    assert "<strong>fet</strong>" in html and "<img" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_live_preview_needs_the_permission(client, world, login):
    login(world.a["youth_worker"])
    assert client.post("/guide/preview", data={"body": "x"}).status_code == 403


# ---- drafts and scope -----------------------------------------------------------------------


@pytest.fixture
def drafts(app, world):
    with app.app_context():
        a = make_guide_entry(
            municipality_id=world.municipality_a, title="Utkast A", slug="utkast-a"
        )
        network = make_guide_entry(title="Nettverksutkast", slug="nettverksutkast")
        db.session.commit()
        return {"a": a.slug, "network": network.slug}


@pytest.mark.parametrize(
    ("who", "draft", "status"),
    [
        ("anonymous", "a", 404),
        ("anonymous", "network", 404),
        ("coordinator_a", "a", 200),
        ("coordinator_b", "a", 404),
        ("youth_worker_a", "a", 404),
        ("ambassador_a", "a", 404),
        ("network", "a", 404),
        ("network", "network", 200),
        ("coordinator_a", "network", 404),
    ],
)
def test_drafts_are_seen_only_in_the_authors_scope(
    client, world, login, drafts, who, draft, status
):
    if who == "network":
        login(world.admin)
    elif who != "anonymous":
        role, side = who.rsplit("_", 1)
        login((world.a if side == "a" else world.b)[role])
    response = client.get(f"/guide/{drafts[draft]}")
    assert response.status_code == status
    if status == 200:
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.data.decode()


def test_drafts_never_appear_in_public_lists(client, world, login, drafts):
    login(world.a["coordinator"])
    for url in ("/guide/", "/guide/start", "/guide/print", "/guide/search?q=utkast"):
        page = client.get(url).data.decode()
        assert "Utkast A" not in page and "Nettverksutkast" not in page, url
    assert "Utkast A" in client.get("/guide/manage/").data.decode()


def test_counterpart_links_the_two_languages(app, client, world, login):
    with app.app_context():
        entry = make_guide_entry(
            municipality_id=world.municipality_a, title="Leir", status="published"
        )
        foreign = make_guide_entry(municipality_id=world.municipality_b, title="B")
        db.session.commit()
        entry_id, pair_key, foreign_id = entry.id, entry.pair_key, foreign.id
    login(world.a["coordinator"])
    assert client.get(f"/guide/new?counterpart={foreign_id}").status_code == 404
    page = client.get(f"/guide/new?counterpart={entry_id}").data.decode()
    assert '<option selected value="en">' in page
    form = entry_form(title="Camp", language="en", counterpart=str(entry_id), status="published")
    assert client.post("/guide/new", data=form).status_code == 302
    with app.app_context():
        english = entry_by_title("Camp")
        assert english.pair_key == pair_key and english.municipality_id == world.municipality_a
    client.post("/logout")
    nb_page = client.get("/guide/leir").data.decode()
    assert 'href="/guide/camp"' in nb_page and 'hreflang="en"' in nb_page
    assert 'href="/guide/leir"' in client.get("/guide/camp").data.decode()


@pytest.mark.parametrize(
    "counterpart", ["9223372036854775808", "2147483648", "0", "-1", "abc", "١٢", "²"]
)
def test_a_counterpart_that_is_no_id_is_a_404(app, client, world, login, counterpart):
    """The counterpart comes from the address (and the form posts it back): a number the
    database cannot hold is no entry, as in a path (converters.IdConverter)."""
    login(world.a["coordinator"])
    assert client.get(f"/guide/new?counterpart={counterpart}").status_code == 404
    form = entry_form(title="Camp", language="en", counterpart=counterpart, status="published")
    assert client.post("/guide/new", data=form).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GuideEntry)) == 0


@pytest.mark.parametrize("version", ["9223372036854775808", "²", "١"])
def test_an_odd_version_on_the_edit_form_asks_for_a_reload(app, client, world, login, version):
    with app.app_context():
        entry = make_guide_entry(municipality_id=world.municipality_a, title="Leir")
        db.session.commit()
        entry_id, data = entry.id, edit_form(entry, title="Camp", version=version)
    login(world.a["coordinator"])
    response = client.post(f"/guide/entries/{entry_id}/edit", data=data)
    assert response.status_code == 200 and "Last inn siden på nytt" in response.data.decode()
    with app.app_context():
        assert db.session.get(GuideEntry, entry_id).title == "Leir"


# ---- history --------------------------------------------------------------------------------


def test_history_keeps_every_version_and_restores_an_old_one(app, client, world, login):
    with app.app_context():
        entry = make_guide_entry(municipality_id=world.municipality_a, body="Linje en\nLinje to")
        db.session.commit()
        entry_id = entry.id
    login(world.a["coordinator"])
    for body in ["Linje en\nLinje TO", "Helt ny tekst"]:
        with app.app_context():
            form = edit_form(db.session.get(GuideEntry, entry_id), body=body)
        assert client.post(f"/guide/entries/{entry_id}/edit", data=form).status_code == 302
    page = client.get(f"/guide/entries/{entry_id}/history").data.decode()
    assert page.count(f"/guide/entries/{entry_id}/revisions/") == 3
    with app.app_context():
        revisions = db.session.scalars(
            select(GuideRevision).where(GuideRevision.entry_id == entry_id).order_by("number")
        ).all()
        assert [r.body for r in revisions] == [
            "Linje en\nLinje to",
            "Linje en\nLinje TO",
            "Helt ny tekst",
        ]
        assert revisions[1].editor_id == world.a["coordinator"].id
        second_id = revisions[1].id
    diff = client.get(f"/guide/entries/{entry_id}/revisions/{second_id}").data.decode()
    assert '<del><span class="visually-hidden">' in diff and "Linje to</del>" in diff
    assert "Linje TO</ins>" in diff
    response = client.post(f"/guide/entries/{entry_id}/revisions/{second_id}/restore")
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(GuideEntry, entry_id)
        assert entry.body == "Linje en\nLinje TO" and entry.version == 4
        latest = db.session.scalars(
            select(GuideRevision)
            .where(GuideRevision.entry_id == entry_id)
            .order_by(GuideRevision.number.desc())
        ).first()
        assert (latest.number, latest.note, latest.restored_from) == (4, "restored", 2)


def test_a_revision_of_another_entry_is_404(app, client, world, login):
    with app.app_context():
        mine = make_guide_entry(municipality_id=world.municipality_a)
        other = make_guide_entry(municipality_id=world.municipality_a)
        db.session.commit()
        other_revision = db.session.scalar(
            select(GuideRevision.id).where(GuideRevision.entry_id == other.id)
        )
        mine_id = mine.id
    login(world.a["coordinator"])
    assert client.get(f"/guide/entries/{mine_id}/revisions/{other_revision}").status_code == 404
    url = f"/guide/entries/{mine_id}/revisions/{other_revision}/restore"
    assert client.post(url).status_code == 404


# ---- starter content ------------------------------------------------------------------------


def test_starter_content_covers_every_kind_and_phase_in_both_languages():
    texts = starter_texts()
    keys = {t.key for t in texts}
    assert len(keys) >= 24
    for language in Language:
        mine = [t for t in texts if t.language == language]
        assert {t.key for t in mine} == keys
        assert {t.kind for t in mine} == {t.kind for t in texts}
        assert len({t.kind for t in mine}) == 4 and len({t.phase for t in mine}) == 8
        assert all(t.title and t.summary and len(t.body) > 300 and t.tags for t in mine)


def test_starter_content_loads_once_and_keeps_local_edits(app, client, world, login, runner):
    result = runner.invoke(args=["seed-guide"])
    assert result.exit_code == 0, result.output
    total = len(starter_texts())
    assert f"{total} entries added" in result.output
    with app.app_context():
        entry = db.session.scalars(select(GuideEntry).order_by(GuideEntry.id)).first()
        entry_id, form = entry.id, edit_form(entry, body="Vår lokale versjon")
    login(world.admin)
    assert client.post(f"/guide/entries/{entry_id}/edit", data=form).status_code == 302
    again = runner.invoke(args=["seed-guide"])
    assert "0 entries added" in again.output
    with app.app_context():
        assert count(GuideEntry) == total
        assert db.session.get(GuideEntry, entry_id).body == "Vår lokale versjon"
        slugs = db.session.execute(select(GuideEntry.slug, GuideEntry.language)).all()
    for slug, language in slugs:
        response = client.get(f"/guide/{slug}")
        assert response.status_code == 200, slug
        assert f'<article class="guide-entry" lang="{language}">' in response.data.decode()


def test_seed_demo_loads_the_starter_guide(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "lange dager i Larvik"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(GuideEntry) == len(starter_texts())


def test_every_starter_entry_renders_in_both_languages(app, client, world):
    with app.app_context():
        load_starter_guide()
        db.session.commit()
        rows = db.session.execute(select(GuideEntry.slug, GuideEntry.language)).all()
    for language in ("nb", "en"):
        page = client.get(f"/guide/?lang={language}").data.decode()
        assert page.count('class="guide-card"') == len(starter_texts()) // 2
        printed = client.get(f"/guide/print?lang={language}").data.decode()
        assert (
            printed.count('class="guide-entry guide-entry--printed"') == len(starter_texts()) // 2
        )
    assert len(rows) == len(starter_texts())


# ---- reading: filters, pages, meta ----------------------------------------------------------


def test_index_filters_by_phase_kind_tag_and_language(app, client, world):
    with app.app_context():
        make_guide_entry(
            title="Leirtips", phase="kick_off", kind="tool", status="published", tags=["leir"]
        )
        make_guide_entry(
            title="Pitchtips",
            phase="pitch",
            kind="recommendation",
            status="published",
            tags=["pitch"],
        )
        make_guide_entry(title="Camp tips", phase="kick_off", language="en", status="published")
        db.session.commit()

    def titles(query):
        page = client.get(f"/guide/?{query}").data.decode()
        return re.findall(r'class="guide-card__title"><a href="[^"]+">([^<]+)<', page)

    assert titles("lang=nb") == ["Leirtips", "Pitchtips"]
    assert titles("lang=nb&phase=pitch") == ["Pitchtips"]
    assert titles("lang=nb&kind=tool") == ["Leirtips"]
    assert titles("lang=nb&tag=leir") == ["Leirtips"]
    assert titles("lang=en") == ["Camp tips"]
    assert titles("lang=nb&phase=nonsense&kind=42") == ["Leirtips", "Pitchtips"]


def test_the_tag_filter_counts_published_entries_as_the_guide_changes(app, client, world, login):
    """The counts are kept in guide_tag_use, made again by every change to the guide: each
    step is checked on the page and against a count of the entries themselves."""

    def shown(lang="nb"):
        page = client.get(f"/guide/?lang={lang}").data.decode()
        return dict(re.findall(r'<option value="([^"]+)"[^>]*>\1 \((\d+)\)</option>', page))

    def counted_now():
        with app.app_context():
            rows = db.session.execute(
                select(GuideEntry.language, GuideTag.name, func.count())
                .join(GuideEntry, GuideEntry.id == GuideTag.entry_id)
                .where(GuideEntry.status == GuideStatus.PUBLISHED)
                .group_by(GuideEntry.language, GuideTag.name)
            ).all()
            kept = db.session.execute(
                select(GuideTagUse.language, GuideTagUse.name, GuideTagUse.entries)
            ).all()
        assert sorted(kept) == sorted(rows)

    login(world.admin)
    for n, tags in enumerate(["skole, leir", "skole", "leir, foreldre"]):
        form = entry_form(title=f"Tips {n}", tags=tags, status="published")
        assert client.post("/guide/new", data=form).status_code == 302
    client.post("/guide/new", data=entry_form(title="Utkast", tags="skole, mentor"))
    english = entry_form(title="Camp", tags="camp", status="published", language="en")
    assert client.post("/guide/new", data=english).status_code == 302
    assert shown() == {"foreldre": "1", "leir": "2", "skole": "2"}  # no draft's tag
    assert shown("en") == {"camp": "1"}
    counted_now()

    with app.app_context():
        first = entry_by_title("Tips 0")
        first_id, version = first.id, first.version
    unpublished = entry_form(title="Tips 0", tags="skole, leir", version=str(version))
    assert client.post(f"/guide/entries/{first_id}/edit", data=unpublished).status_code == 302
    assert shown() == {"foreldre": "1", "leir": "1", "skole": "1"}
    counted_now()

    with app.app_context():
        second = entry_by_title("Tips 1")
        second_id, version = second.id, second.version
    retagged = entry_form(
        title="Tips 1", tags="mentor, skole", status="published", version=str(version)
    )
    assert client.post(f"/guide/entries/{second_id}/edit", data=retagged).status_code == 302
    assert shown() == {"foreldre": "1", "leir": "1", "mentor": "1", "skole": "1"}
    counted_now()


def test_entry_page_has_titles_descriptions_and_open_graph(app, client, world):
    with app.app_context():
        make_guide_entry(
            title="Pitch for ledere",
            summary="Fem minutter & ett ønske.",
            status="published",
            slug="pitch-for-ledere",
        )
        db.session.commit()
    page = client.get("/guide/pitch-for-ledere").data.decode()
    assert "<title>Pitch for ledere · ALL'IN</title>" in page
    assert '<meta name="description" content="Fem minutter &amp; ett ønske.">' in page
    assert '<meta property="og:title" content="Pitch for ledere">' in page
    assert '<meta property="og:type" content="article">' in page
    assert 'rel="canonical" href="http://localhost/guide/pitch-for-ledere"' in page


def test_guide_is_in_the_menu_for_everyone(client, world, login):
    assert 'href="/guide/"' in client.get("/guide/").data.decode()
    login(world.a["ambassador"])
    assert 'href="/guide/"' in client.get("/").data.decode()


def test_public_language_switch_is_a_link_and_remembers_the_choice(client, world):
    page = client.get("/guide/").data.decode()
    assert 'href="/guide/language?lang=en&amp;next=/guide/"' in page
    response = client.get("/guide/language?lang=en&next=/guide/start")
    assert response.status_code == 302 and response.headers["Location"] == "/guide/start"
    assert '<html lang="en">' in client.get("/guide/start").data.decode()
    evil = client.get("/guide/language?lang=nb&next=https://evil.example/")
    assert evil.headers["Location"] == "/"


# ---- cache headers --------------------------------------------------------------------------


def test_public_pages_are_cacheable_with_an_etag(app, client, world):
    with app.app_context():
        make_guide_entry(title="Offentlig", slug="offentlig", status="published")
        db.session.commit()
    for url in ("/guide/", "/guide/start", "/guide/offentlig", "/guide/search?q=offentlig"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300", url
        assert "Set-Cookie" not in response.headers, url
        assert "Accept-Language" in response.headers["Vary"]
        etag = response.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", url
    # A change to the content gives a new ETag.
    etag = client.get("/guide/offentlig").headers["ETag"]
    with app.app_context():
        entry = db.session.scalars(select(GuideEntry)).one()
        entry.summary = "Endret"
        db.session.commit()
    assert client.get("/guide/offentlig", headers={"If-None-Match": etag}).status_code == 200


def test_signed_in_views_and_other_pages_are_not_cached(app, client, world, login):
    with app.app_context():
        make_guide_entry(title="Offentlig", slug="offentlig", status="published")
        db.session.commit()
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    login(world.a["coordinator"])
    for url in ("/guide/", "/guide/offentlig", "/guide/manage/"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert "ETag" not in response.headers


# ---- query counts ---------------------------------------------------------------------------


def _add_entries(app, n, **fields):
    with app.app_context():
        for _ in range(n):
            make_guide_entry(status="published", tags=["leir", "skole"], **fields)
        db.session.commit()


# Rendering is measured here: pages kept for visitors (guide/kept.py) are tested on their own.
RENDER_EVERY_PAGE = pytest.mark.parametrize("config_overrides", [{"GUIDE_KEPT_PAGES": 0}])


@RENDER_EVERY_PAGE
def test_index_sends_a_constant_number_of_queries(app, world, assert_constant_queries):
    _add_entries(app, 5)
    queries = assert_constant_queries("/guide/", lambda: _add_entries(app, 45))
    print(f"/guide/: {queries} queries with 5 and with 50 entries")
    assert queries <= 6


@RENDER_EVERY_PAGE
def test_entry_page_sends_a_constant_number_of_queries(app, world, assert_constant_queries):
    with app.app_context():
        make_guide_entry(title="Målet", slug="malet", status="published", tags=["leir"])
        db.session.commit()
    _add_entries(app, 5)
    queries = assert_constant_queries("/guide/malet", lambda: _add_entries(app, 45))
    print(f"/guide/<slug>: {queries} queries with 5 and with 50 other entries")
    assert queries <= 6


@RENDER_EVERY_PAGE
def test_search_sends_a_constant_number_of_queries(app, world, assert_constant_queries):
    _add_entries(app, 5)
    queries = assert_constant_queries("/guide/search?q=guide", lambda: _add_entries(app, 45))
    print(f"/guide/search: {queries} queries with 5 and with 50 matches")
    assert queries <= 3  # the guide's version, the page with its total, and a transaction


def test_signed_in_entry_page_is_constant_too(app, client, world, login, assert_constant_queries):
    with app.app_context():
        make_guide_entry(
            title="Målet", slug="malet", status="published", municipality_id=world.municipality_a
        )
        db.session.commit()
    login(world.a["coordinator"])
    _add_entries(app, 5, municipality_id=world.municipality_a)
    queries = assert_constant_queries(
        "/guide/malet", lambda: _add_entries(app, 45, municipality_id=world.municipality_a)
    )
    print(f"/guide/<slug> signed in: {queries} queries with 5 and with 50 other entries")
    assert queries <= 12


def test_headings_in_an_entry_skip_no_level_under_the_title():
    html = str(render_markdown("### Start\n\ntext\n\n##### Deep\n\n# Top\n\n## Under"))
    assert "<h1>" not in html
    order = [int(part[0]) for part in html.split("<h")[1:]]
    assert order == [2, 3, 2, 3]
