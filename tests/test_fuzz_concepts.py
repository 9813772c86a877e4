"""Hypothesis over the concept forms: never a 5xx, and a refused form writes nothing
(SECURITY 15); a valid concept round-trips exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from allin.extensions import db
from allin.models import Concept, ReachFigure, TimelineEntry
from tests.factories import count
from tests.test_fuzz import FUZZ, hostile

ids = st.one_of(hostile, st.integers(-(10**12), 10**12).map(str))


def signed_in(app, person):
    client = app.test_client()
    client.post("/login", data={"login": person.login, "password": "correct horse battery"})
    return client


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {k: hostile for k in ("title", "challenge", "target_group", "idea", "format", "action")}
    ),
    members=st.lists(ids, max_size=4),
    mentor=ids,
)
def test_concept_form(app, world, team, fields, members, mentor):
    client = signed_in(app, team.member)
    with app.app_context():
        before = count(Concept)
    data = {**fields, "members": members, "mentor": mentor}
    response = client.post(f"/concepts/new/{team.cohort_id}", data=data)
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        assert count(Concept) == before + (response.status_code == 302)


@FUZZ
@given(title=st.text(min_size=1, max_size=120), idea=st.text(max_size=2000))
def test_valid_concept_round_trips(app, world, team, title, idea):
    from allin.fields import CONTROL, clean

    client = signed_in(app, team.member)
    data = {"title": title, "idea": idea, "format": "online", "action": "draft"}
    response = client.post(f"/concepts/new/{team.cohort_id}", data=data)
    if not clean(title) or CONTROL.search(clean(title)) or "\x00" in title + idea:
        assert response.status_code in (200, 400)
        return
    assert response.status_code == 302
    concept_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        concept = db.session.get(Concept, concept_id)
        assert concept.title == clean(title)


@FUZZ
@given(text=hostile, answer=hostile)
def test_timeline_form(app, world, team, text, answer):
    client = signed_in(app, team.member)
    with app.app_context():
        before = count(TimelineEntry)
    response = client.post(
        f"/concepts/{team.concept_id}/write", data={"text": text, "answer": answer}
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        assert count(TimelineEntry) == before + (response.status_code == 302)


@FUZZ
@given(kind=hostile, value=ids, measured_on=hostile)
def test_reach_form(app, world, team, kind, value, measured_on):
    client = signed_in(app, team.member)
    with app.app_context():
        before = count(ReachFigure)
    response = client.post(
        f"/concepts/{team.concept_id}/reach",
        data={"kind": kind, "value": value, "measured_on": measured_on},
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        assert count(ReachFigure) == before + (response.status_code == 302)


@FUZZ
@given(to=hostile, expected=hostile, reason=hostile)
def test_stage_form(app, world, team, to, expected, reason):
    client = signed_in(app, world.a["youth_worker"])
    with app.app_context():
        before = db.session.get(Concept, team.concept_id).stage
        entries = count(TimelineEntry)
    response = client.post(
        f"/concepts/{team.concept_id}/stage",
        data={"to": to, "expected": expected, "reason": reason},
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        moved = db.session.get(Concept, team.concept_id).stage != before
        assert moved == (response.status_code == 302)
        assert count(TimelineEntry) == entries + moved
