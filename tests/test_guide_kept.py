"""Public guide pages kept for visitors (allin/guide/kept.py): served from the worker's memory
with one query (the data edition, allin/kept.py), and never once a change has committed."""

from __future__ import annotations

from sqlalchemy import select, update

from allin.extensions import db
from allin.models import GuideEntry, Municipality
from tests.factories import make_guide_entry

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
        assert _reads(queries) == ["data_edition"], url
        assert again.headers["ETag"] == first.headers["ETag"], url
        assert again.headers["Cache-Control"] == "public, max-age=300", url
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


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
    """Each worker keeps its own pages; the edition number they check is in the database."""
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
    assert _reads(queries) == ["data_edition"]


def test_a_visitor_who_holds_a_form_token_gets_none_in_a_kept_page(app, client, world):
    """The sign-in page puts a token in the session; a guide page rendered for that visitor
    afterwards, and kept, must not carry it to the next visitor."""
    _entry(app)
    assert 'name="csrf_token"' in client.get("/login").data.decode()
    for url in PAGES:
        assert 'name="csrf_token"' not in client.get(url).data.decode(), url
        assert 'name="csrf_token"' not in app.test_client().get(url).data.decode(), url
