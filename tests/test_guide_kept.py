"""Public guide pages for visitors (allin/guide/kept.py): validated by an ETag made from the
guide's own version (a 304 after one query, no render), served from the worker's memory with
that one query, and never once a change to what they show has committed."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import template_rendered
from sqlalchemy import select, update

from allin.extensions import db
from allin.guide import kept as guide_kept
from allin.models import GuideEntry, Municipality
from tests.factories import make_cohort, make_guide_entry

PAGES = ("/guide/", "/guide/start", "/guide/print", "/guide/kart", "/guide/search?q=kart")


def _entry(app, **fields):
    with app.app_context():
        entry = make_guide_entry(
            title="Kartlegging", slug="kart", status="published", summary="Kart over byen", **fields
        )
        db.session.commit()
        return entry.id


def _reads(queries) -> list[str]:
    """The tables a request read (SQLite's BEGIN aside)."""
    return [s.split("FROM ")[1].split()[0] for s in queries.statements if s != "BEGIN"]


def test_a_visitor_gets_the_kept_page_with_one_query(app, client, world, count_queries):
    _entry(app)
    for url in PAGES:
        first = client.get(url)
        with count_queries() as queries:
            again = client.get(url)
        assert again.status_code == 200 and again.data == first.data, url
        assert _reads(queries) == ["guide_edition"], url
        assert again.headers["ETag"] == first.headers["ETag"], url
        assert again.headers["Cache-Control"] == "public, max-age=300", url
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


@contextmanager
def _renders(app):
    """The templates rendered meanwhile."""
    rendered = []

    def note(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(note, app)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(note, app)


@pytest.mark.parametrize("config_overrides", [{}, {"GUIDE_KEPT_PAGES": 0}])
def test_a_visitor_who_holds_the_current_page_gets_304_without_a_render(
    app, client, world, count_queries, config_overrides
):
    """The ETag is the guide's version, not the page's hash: answered from one query, whether
    or not the worker keeps pages."""
    _entry(app)
    for url in PAGES:
        etag = client.get(url).headers["ETag"]
        with count_queries() as queries, _renders(app) as rendered:
            again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == etag, url
        assert again.headers["Cache-Control"] == "public, max-age=300", url
        assert _reads(queries) == ["guide_edition"] and rendered == [], url
    other = client.get("/guide/start", headers={"If-None-Match": etag})  # another page's
    assert other.status_code == 200


def test_an_editors_change_gives_a_new_etag_and_drops_the_kept_page(app, client, world, login):
    entry_id = _entry(app, municipality_id=world.municipality_a)
    visitor = app.test_client()
    etag = visitor.get("/guide/kart").headers["ETag"]
    assert visitor.get("/guide/kart", headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        entry = db.session.get(GuideEntry, entry_id)
        form = {
            "title": entry.title,
            "kind": entry.kind.value,
            "phase": entry.phase.value,
            "summary": "Kart over hele byen",
            "body": entry.body,
            "tags": entry.tags,
            "slug": entry.slug,
            "status": entry.status.value,
            "version": str(entry.version),
        }
    login(world.a["coordinator"])
    assert client.post(f"/guide/entries/{entry_id}/edit", data=form).status_code == 302
    again = visitor.get("/guide/kart", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert "Kart over hele byen" in again.data.decode()
    assert len(_kept(app).pages) == 1  # the page before the change is gone; this one kept


def test_a_change_outside_the_guide_leaves_its_etag(app, client, world):
    """The version is the guide's: a cohort made or renamed elsewhere keeps what visitors hold."""
    _entry(app)
    etag = client.get("/guide/kart").headers["ETag"]
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_b), name="Høst")
        db.session.commit()
        cohort.name = "Vinter"
        db.session.commit()
    assert client.get("/guide/kart", headers={"If-None-Match": etag}).status_code == 304


def test_every_change_is_seen_by_the_next_visitor(app, client, world):
    entry_id = _entry(app, municipality_id=world.municipality_a)

    def change(statement=None, **attributes):
        for url in PAGES:
            client.get(url)  # kept now
        with app.app_context():
            if statement is not None:
                db.session.execute(statement)
            entry = db.session.get(GuideEntry, entry_id)
            for name, value in attributes.items():
                setattr(entry, name, value)
            db.session.commit()

    change(summary="Nytt sammendrag")  # an object flushed
    assert "Nytt sammendrag" in client.get("/guide/kart").data.decode()
    assert "Nytt sammendrag" in client.get("/guide/").data.decode()
    change(update(GuideEntry).where(GuideEntry.id == entry_id).values(title="Bykart"))
    assert "Bykart" in client.get("/guide/").data.decode()  # an UPDATE statement
    assert "Bykart" in client.get("/guide/search?q=bykart").data.decode()
    change(update(Municipality).values(name="Larvik kommune"))
    assert "Larvik kommune" in client.get("/guide/kart").data.decode()
    change(status="draft")
    assert client.get("/guide/kart").status_code == 404
    assert "Bykart" not in client.get("/guide/").data.decode()
    assert "Bykart" not in client.get("/guide/print").data.decode()


def test_a_deleted_entry_is_gone_at_once(app, client, world):
    entry_id = _entry(app)
    assert client.get("/guide/kart").status_code == 200
    assert "Kartlegging" in client.get("/guide/").data.decode()
    with app.app_context():
        db.session.delete(db.session.get(GuideEntry, entry_id))
        db.session.commit()
    assert client.get("/guide/kart").status_code == 404
    assert "Kartlegging" not in client.get("/guide/").data.decode()


def test_another_worker_sees_the_change_too(app, client, world, make_app):
    """Each worker keeps its own pages; the version they check is in the database."""
    entry_id = _entry(app)
    other_client = make_app().test_client()
    assert "Kart over byen" in other_client.get("/guide/kart").data.decode()
    with app.app_context():
        db.session.get(GuideEntry, entry_id).summary = "Oppdatert kart"
        db.session.commit()
    assert "Oppdatert kart" in other_client.get("/guide/kart").data.decode()


def test_each_language_gets_its_own_page(app, client, world):
    _entry(app)
    english = {"Accept-Language": "en"}
    assert '<html lang="nb">' in client.get("/guide/").data.decode()
    assert '<html lang="en">' in client.get("/guide/", headers=english).data.decode()
    assert '<html lang="nb">' in client.get("/guide/").data.decode()


def test_signed_in_readers_and_pending_messages_get_a_page_of_their_own(app, client, world, login):
    _entry(app)
    client.get("/guide/kart")
    assert 'action="/logout"' not in client.get("/guide/kart").data.decode()  # kept
    with client.session_transaction() as browser:
        browser["_flashes"] = [("success", "Melding til deg")]
    assert "Melding til deg" in client.get("/guide/kart").data.decode()
    login(world.a["coordinator"])
    page = client.get("/guide/kart")
    assert 'action="/logout"' in page.data.decode()  # their own page, never the kept one
    assert page.headers["Cache-Control"] == "no-store"


def test_a_change_that_rolls_back_keeps_the_edition(app, client, world, count_queries):
    _entry(app)
    client.get("/guide/kart")
    with app.app_context():
        db.session.scalars(select(GuideEntry)).one().summary = "Aldri lagret"
        db.session.flush()
        db.session.rollback()
    with count_queries() as queries:
        assert "Kart over byen" in client.get("/guide/kart").data.decode()
    assert _reads(queries) == ["guide_edition"]


def test_a_visitor_who_holds_a_form_token_gets_none_in_a_kept_page(app, client, world):
    """The sign-in page puts a token in the session; a guide page rendered for that visitor
    afterwards, and kept, must not carry it to the next visitor."""
    _entry(app)
    assert 'name="csrf_token"' in client.get("/login").data.decode()
    for url in PAGES:
        assert 'name="csrf_token"' not in client.get(url).data.decode(), url
        assert 'name="csrf_token"' not in app.test_client().get(url).data.decode(), url


# ---- what is kept, and how much -------------------------------------------------------------


def _kept(app):
    return app.extensions["guide_kept_pages"]


def test_a_page_is_kept_once_whatever_else_its_address_carries(app, client, world):
    """Keyed by what the view reads: 300 campaign tags in the address are one page, not 300
    copies of it in every worker; the page shows its own address without them."""
    _entry(app)
    first = client.get("/guide/print?utm=0")
    for n in range(1, 300):
        again = client.get(f"/guide/print?utm={n}")
        assert again.status_code == 200 and again.data == first.data, n
    assert len(_kept(app).pages) == 1
    assert 'property="og:url" content="http://localhost/guide/print"' in first.data.decode()
    # What the view does read is part of the key, in any order.
    client.get("/guide/?phase=prepare&kind=tool&utm=1")
    client.get("/guide/?kind=tool&phase=prepare&utm=2")
    client.get("/guide/?kind=tool")
    assert len(_kept(app).pages) == 3


def test_a_filter_the_view_reads_still_has_its_own_page(app, client, world):
    _entry(app, phase="prepare")
    assert "Kartlegging" in client.get("/guide/print").data.decode()
    assert "Kartlegging" not in client.get("/guide/print?phase=pitch&utm=1").data.decode()
    assert "Kartlegging" not in client.get("/guide/print?utm=2&phase=pitch").data.decode()
    assert "Kartlegging" in client.get("/guide/print?utm=3").data.decode()


@pytest.mark.parametrize("config_overrides", [{"GUIDE_KEPT_BYTES": 20_000}])
def test_the_kept_pages_stay_under_their_size_in_bytes(app, client, world):
    _entry(app)
    searches = [f"/guide/search?q=kart{n}" for n in range(12)]
    for url in searches:
        client.get(url)
        assert 0 < _kept(app).bytes <= 20_000
    kept = _kept(app).pages
    assert 1 < len(kept) < len(searches)  # the least recently served went first
    assert [key[2] for key in kept] == [f"q=kart{n}" for n in range(12 - len(kept), 12)]


def test_the_least_recently_served_page_goes_first():
    pages = guide_kept.KeptPublicPages(max_pages=10, max_bytes=1000)
    assert pages.get(1, ("a",)) is None  # the first request of edition 1
    for name in "abc":
        pages.put(1, (name,), b"x" * 300, "etag")
    assert pages.get(1, ("a",)) == (b"x" * 300, "etag")  # served: now the most recent
    pages.put(1, ("d",), b"y" * 300, "etag")
    assert list(pages.pages) == [("c",), ("a",), ("d",)]
    assert pages.bytes <= 1000
    pages.put(1, ("huge",), b"z" * 2000, "etag")  # larger than everything: not kept
    assert pages.get(1, ("huge",)) is None and len(pages.pages) == 3
    assert pages.get(2, ("a",)) is None  # a new edition: nothing kept is served
    assert pages.bytes == 0 and not pages.pages


def test_at_most_so_many_pages_are_kept():
    pages = guide_kept.KeptPublicPages(max_pages=2, max_bytes=10_000)
    pages.get(7, ("a",))
    for name in "abc":
        pages.put(7, (name,), b"page", "etag")
    assert list(pages.pages) == [("b",), ("c",)]
