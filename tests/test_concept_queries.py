"""The board, a concept's page and an ambassador's home send as many queries for 5 concepts as
for 50, and for 3 timeline entries as for 30 (the issue's performance rule)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from allin.concepts import files
from allin.enums import ReachKind
from allin.extensions import db
from allin.models import Cohort, Concept, Enrolment, ReachFigure, User
from tests.factories import make_ambassador, make_concept, make_enrolment, make_timeline_entry
from tests.test_concept_files import png

COUNTS: dict[str, int] = {}


def _concepts(app, team, count):
    with app.app_context():
        cohort = db.session.get(Cohort, team.cohort_id)
        for n in range(count):
            ambassador = make_ambassador(cohort.municipality)
            enrolment = make_enrolment(cohort, ambassador)
            member = db.session.get(Enrolment, team.member_enrolment_id)
            stage = ["idea", "developing", "pitched", "launched", "sustained"][n % 5]
            make_concept(cohort, members=[enrolment, member], stage=stage)
        db.session.commit()


def _entries(app, team, count):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        author = db.session.get(User, team.member.id)
        for n in range(count):
            make_timeline_entry(concept, author=author, kind=("feedback", "progress")[n % 2])
            db.session.add(
                ReachFigure(
                    concept_id=concept.id,
                    kind=list(ReachKind)[n % 3],
                    value=n * 10,
                    measured_on=date(2026, 1, 1) + timedelta(days=n),
                )
            )
        files.add_attachment(concept, actor=author, data=png(), filename=f"p{count}.png")
        db.session.commit()


def test_board(app, world, team, login, assert_constant_queries):
    login(world.a["youth_worker"])
    _concepts(app, team, 4)  # with the team's own: 5
    COUNTS["board"] = assert_constant_queries("/concepts/", lambda: _concepts(app, team, 45))
    assert COUNTS["board"] <= 12


def test_board_stage_list(app, world, team, login, assert_constant_queries):
    login(world.a["coordinator"])
    _concepts(app, team, 4)
    url = "/concepts/?stage=idea"
    COUNTS["board stage"] = assert_constant_queries(url, lambda: _concepts(app, team, 95))
    assert COUNTS["board stage"] <= 12


def test_concept_page_for_the_team(app, world, team, login, assert_constant_queries):
    login(team.member)
    _entries(app, team, 3)
    url = f"/concepts/{team.concept_id}"
    COUNTS["concept (team)"] = assert_constant_queries(url, lambda: _entries(app, team, 27))
    assert COUNTS["concept (team)"] <= 20


def test_concept_page_for_staff(app, world, team, login, assert_constant_queries):
    login(world.a["coordinator"])
    _entries(app, team, 3)
    url = f"/concepts/{team.concept_id}"
    COUNTS["concept (staff)"] = assert_constant_queries(url, lambda: _entries(app, team, 27))
    assert COUNTS["concept (staff)"] <= 20


def test_ambassador_home_with_concepts(app, world, team, login, assert_constant_queries):
    login(team.member)
    _concepts(app, team, 4)
    COUNTS["home"] = assert_constant_queries("/", lambda: _concepts(app, team, 45))
    assert COUNTS["home"] <= 16


def test_cohort_home_with_concepts(app, world, team, login, assert_constant_queries):
    login(world.a["youth_worker"])
    _concepts(app, team, 4)
    url = f"/cohorts/{team.cohort_id}"
    COUNTS["cohort"] = assert_constant_queries(url, lambda: _concepts(app, team, 45))
    assert COUNTS["cohort"] <= 14  # the same bound as the page with its progress dashboard


def test_an_ambassadors_home_starts_with_the_next_session_then_new_feedback(
    app, world, team, login, client
):
    """Issue 22: their next session first, then their concepts (new feedback first), then
    their attendance."""
    from tests.training_factories import make_attendance, make_session

    with app.app_context():
        cohort = db.session.get(Cohort, team.cohort_id)
        make_session(cohort, days=2, title="Neste økt")
        past = make_session(cohort, days=-7, title="Forrige økt")
        member = db.session.scalars(
            select(Enrolment).where(Enrolment.cohort_id == cohort.id)
        ).first()
        make_attendance(past, member)
        db.session.commit()
    login(team.member)
    html = client.get("/").data.decode()
    order = [
        html.index(f'id="{heading}"')
        for heading in ("my-sessions-heading", "my-concepts-heading", "my-attendance-heading")
    ]
    assert order == sorted(order)
    assert "Neste økt" in html
