"""Guide tools a training session lists (issue 12's link to the programme): chosen on the session
form, shown on the session page in the reader's language, counted on the tool's guide page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from allin.enums import GuideStatus, Phase
from allin.errors import DomainError
from allin.extensions import db
from allin.guide.seed import load_starter_guide
from allin.models import Cohort, GuideEntry, Municipality, SessionTool, TrainingSession, User
from allin.training import programme, services
from tests.factories import CONFIRMED, make_cohort, make_guide_entry
from tests.test_training import form


@pytest.fixture
def cohort_a(app, world):
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), status="active")
        db.session.commit()
        return cohort.id


def _tool(app, title, language="nb", pair_key="pair:kart", **fields):
    with app.app_context():
        entry = make_guide_entry(
            title=title,
            language=language,
            kind=fields.pop("kind", "tool"),
            status=fields.pop("status", "published"),
            pair_key=pair_key,
            **fields,
        )
        db.session.commit()
        return entry.slug


def _links(app) -> list[tuple[int, str]]:
    with app.app_context():
        return db.session.execute(select(SessionTool.session_id, SessionTool.pair_key)).all()


def test_a_session_lists_tools_shown_in_the_readers_language_and_counted(
    app, client, world, login, cohort_a
):
    nb = _tool(app, "Kartleggingsvandring")
    en = _tool(app, "Challenge mapping walk", language="en")
    login(world.a["coordinator"])
    new = client.get(f"/cohorts/{cohort_a}/sessions/new").data.decode()
    assert 'value="pair:kart"' in new and "Kartleggingsvandring" in new
    assert "Ikke brukt i noen økt ennå." in client.get(f"/guide/{nb}").data.decode()
    response = client.post(f"/cohorts/{cohort_a}/sessions/new", data=form(tools="pair:kart"))
    assert response.status_code == 302
    [(session_id, key)] = _links(app)
    assert key == "pair:kart"
    page = client.get(f"/sessions/{session_id}").data.decode()
    assert f'href="/guide/{nb}"' in page and "Kartleggingsvandring" in page
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/sessions/{session_id}").data.decode()
    assert f'href="/guide/{en}"' in english and "Challenge mapping walk" in english
    # Both language versions count the session; a visitor sees the count, never which.
    visitor = app.test_client()
    assert "Brukt i 1 økt i nettverket." in visitor.get(f"/guide/{nb}").data.decode()
    page = visitor.get(f"/guide/{en}", headers={"Accept-Language": "en"}).data.decode()
    assert "Used in 1 training session across the network." in page
    assert "Idéverksted" not in page


def test_editing_keeps_or_replaces_the_tools_and_a_cancelled_session_is_not_counted(
    app, client, world, login, cohort_a
):
    nb = _tool(app, "Kartleggingsvandring")
    _tool(app, "Pitsjtrening", pair_key="pair:pitch")
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/sessions/new", data=form(tools=["pair:kart", "pair:pitch"]))
    [(session_id, _), _] = _links(app)
    edit = client.get(f"/sessions/{session_id}/edit").data.decode()
    assert edit.count("checked") == 2
    client.post(f"/sessions/{session_id}/edit", data=form(tools="pair:pitch"))
    assert _links(app) == [(session_id, "pair:pitch")]
    client.post(f"/sessions/{session_id}/edit", data=form(tools="pair:kart"))
    client.post("/logout")
    assert "Brukt i 1 økt" in client.get(f"/guide/{nb}").data.decode()  # kept now
    login(world.a["coordinator"])
    client.post(f"/sessions/{session_id}/cancel", data=CONFIRMED)
    with app.app_context():
        assert db.session.get(TrainingSession, session_id).cancelled_at is not None
    client.post("/logout")
    assert "Ikke brukt i noen økt ennå." in client.get(f"/guide/{nb}").data.decode()


def test_only_published_tools_can_be_listed(app, client, world, login, cohort_a):
    _tool(app, "Utkast", status="draft", pair_key="pair:draft")
    _tool(app, "Et råd", kind="recommendation", pair_key="pair:advice")
    _tool(app, "Kartleggingsvandring")  # one to choose, so the form asks
    login(world.a["coordinator"])
    page = client.get(f"/cohorts/{cohort_a}/sessions/new").data.decode()
    assert "pair:draft" not in page and "pair:advice" not in page
    for key in ("pair:draft", "pair:advice", "pair:nothing"):
        response = client.post(
            f"/cohorts/{cohort_a}/sessions/new", data=form(title="Mitt utkast", tools=key)
        )
        assert response.status_code == 200
        assert 'value="Mitt utkast"' in response.data.decode()  # what was typed is kept
    assert _links(app) == []
    with app.app_context():
        assert db.session.scalar(select(TrainingSession)) is None


def test_without_tools_in_the_guide_the_form_has_no_empty_box(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    page = client.get(f"/cohorts/{cohort_a}/sessions/new").data.decode()
    assert 'name="tools"' not in page
    assert client.post(f"/cohorts/{cohort_a}/sessions/new", data=form()).status_code == 302


def test_the_service_refuses_what_is_not_a_published_tool(app, world, cohort_a):
    """The form offers only published tools; the service checks again (a stale form, a draft
    since, a hand-made post)."""
    _tool(app, "Utkast", status="draft", pair_key="pair:draft")
    with app.app_context():
        actor = db.session.get(User, world.a["coordinator"].id)
        fields = services.SessionFields(
            title="Økt",
            phase=Phase.CREATE,
            starts=datetime(2026, 10, 1, 17),
            ends=datetime(2026, 10, 1, 19),
            tools=("pair:draft",),
        )
        with pytest.raises(DomainError):
            services.save_session(
                actor=actor, cohort=db.session.get(Cohort, cohort_a), fields=fields
            )
        db.session.rollback()
    assert _links(app) == []


def test_the_programme_lists_the_tools_it_names_where_the_guide_has_them(
    app, client, world, login, cohort_a
):
    with app.app_context():
        load_starter_guide()
        db.session.execute(
            update(GuideEntry)
            .where(GuideEntry.pair_key == "starter:pitch-canvas")
            .values(status=GuideStatus.DRAFT)
        )
        db.session.commit()
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/sessions/from-programme")
    with app.app_context():
        listed = db.session.execute(
            select(TrainingSession.template_key, SessionTool.pair_key).join(
                SessionTool, SessionTool.session_id == TrainingSession.id
            )
        ).all()
    named = {(step.key, key) for step in programme.steps() for key in step.tools}
    assert ("kick_off_camp", "starter:icebreakers-teens") in named
    assert set(listed) == named - {("pitch_rehearsal", "starter:pitch-canvas")}  # a draft now
    client.post(f"/cohorts/{cohort_a}/sessions/from-programme")  # again: nothing twice
    assert len(_links(app)) == len(listed)


def test_the_session_page_and_form_send_as_many_queries_for_3_tools_as_for_30(
    app, client, world, login, cohort_a, assert_constant_queries
):
    with app.app_context():
        session = TrainingSession(
            municipality_id=world.municipality_a,
            cohort_id=cohort_a,
            title="Økt",
            phase=Phase.CREATE,
            starts_at=datetime(2026, 10, 1, 15, tzinfo=UTC),
            ends_at=datetime(2026, 10, 1, 17, tzinfo=UTC),
        )
        db.session.add(session)
        db.session.commit()
        session_id = session.id

    def tools(n):
        with app.app_context():
            for _ in range(n):
                key = make_guide_entry(status="published", kind="tool").pair_key
                db.session.add(SessionTool(session_id=session_id, pair_key=key))
            db.session.commit()

    tools(3)
    login(world.a["coordinator"])
    page = assert_constant_queries(f"/sessions/{session_id}", lambda: tools(27))
    form = assert_constant_queries(f"/sessions/{session_id}/edit", lambda: tools(27))
    print(f"session page: {page} queries, its form: {form}, with 3 and with 30 tools")
    assert client.get(f"/sessions/{session_id}").data.decode().count("/guide/") >= 57


def test_saving_keeps_the_tools_this_form_did_not_offer(app, client, world, login, cohort_a):
    """A tool only in English, or one unpublished since, is not on a Norwegian form: saving
    the session must neither drop it nor fail over it."""
    _tool(app, "Kartleggingsvandring")
    _tool(app, "Only in English", language="en", pair_key="pair:english")
    _tool(app, "Pitsjtrening", pair_key="pair:pitch")
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/sessions/new", data=form(tools=["pair:kart", "pair:pitch"]))
    [(session_id, _), _] = _links(app)
    with app.app_context():
        db.session.add(SessionTool(session_id=session_id, pair_key="pair:english"))
        db.session.execute(
            update(GuideEntry)
            .where(GuideEntry.pair_key == "pair:pitch")
            .values(status=GuideStatus.DRAFT)
        )
        db.session.commit()
    edit = client.get(f"/sessions/{session_id}/edit").data.decode()
    assert "pair:english" not in edit and "pair:pitch" not in edit
    saved = client.post(f"/sessions/{session_id}/edit", data=form(title="Nytt navn"))
    assert saved.status_code == 302  # "pair:kart" unticked, the other two not on the form
    assert {key for _id, key in _links(app)} == {"pair:english", "pair:pitch"}
