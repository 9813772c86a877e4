"""Concepts: submitting, the team and mentor rules, the life-cycle per role, the timeline,
unread feedback, reach figures, the board and who sees what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from allin.clock import now
from allin.concepts import services
from allin.concepts.rules import allowed_stage_moves
from allin.enums import ConceptStage, Role, TimelineKind
from allin.errors import DomainError
from allin.extensions import db
from allin.models import (
    Concept,
    ConceptMember,
    Municipality,
    ReachFigure,
    TimelineEntry,
    User,
)
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_enrolment,
    make_timeline_entry,
    make_user,
)

S = ConceptStage


@pytest.fixture(autouse=True)
def english(client):
    """The messages these tests look for are the English ones."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def concept_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Concept))


def form(team, **fields) -> dict:
    data = {
        "title": "Fredagskveld i hallen",
        "challenge": "Ingen steder å være på fredager.\nMange blir hjemme.",
        "target_group": "13–16 år",
        "idea": "Åpen hall med musikk",
        "format": "offline",
        "members": [team.teammate_enrolment_id],
        "mentor": "",
        "action": "submit",
    }
    data.update(fields)
    return data


# ---- submitting -----------------------------------------------------------------------------


def test_ambassador_submits_a_concept_with_a_teammate(app, client, world, team, login):
    login(team.member)
    response = client.post(f"/concepts/new/{team.cohort_id}", data=form(team))
    assert response.status_code == 302
    with app.app_context():
        concept = db.session.scalar(select(Concept).where(Concept.title == "Fredagskveld i hallen"))
        assert not concept.is_draft and concept.stage == S.IDEA
        assert concept.challenge == "Ingen steder å være på fredager.\nMange blir hjemme."
        members = {m.enrolment_id for m in concept.members}
        assert members == {team.member_enrolment_id, team.teammate_enrolment_id}
        kinds = db.session.scalars(
            select(TimelineEntry.kind).where(TimelineEntry.concept_id == concept.id)
        ).all()
        assert kinds == [TimelineKind.STAGE_CHANGE]
    page = client.get(response.headers["Location"]).data.decode()
    assert "Fredagskveld i hallen" in page and "Teammate Nordmann" in page


def test_a_draft_is_saved_and_finished_later(app, client, world, team, login):
    login(team.member)
    response = client.post(
        f"/concepts/new/{team.cohort_id}", data=form(team, action="draft", members=[])
    )
    assert response.status_code == 302
    with app.app_context():
        concept = db.session.scalar(select(Concept).where(Concept.title == "Fredagskveld i hallen"))
        assert concept.is_draft
        concept_id = concept.id
    # The reader in the same cohort does not see a draft; the team does.
    client.post("/logout")
    login(team.reader)
    assert client.get(f"/concepts/{concept_id}").status_code == 404
    client.post("/logout")
    login(team.member)
    assert client.post(f"/concepts/{concept_id}/edit", data=form(team)).status_code == 302
    with app.app_context():
        assert not db.session.get(Concept, concept_id).is_draft
    client.post("/logout")
    login(team.reader)
    assert client.get(f"/concepts/{concept_id}").status_code == 200


def test_a_draft_is_submitted_from_its_page_as_it_stands(app, client, world, team, login):
    """The concept page has its own "submit" button: the draft goes in with its team and
    mentor untouched (no edit form to empty them), once only."""
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        concept.submitted_at, concept.mentor_id = None, world.a["youth_worker"].id
        db.session.commit()
    login(team.teammate)
    page = client.get(f"/concepts/{team.concept_id}").get_data(as_text=True)
    assert f'action="/concepts/{team.concept_id}/submit"' in page
    response = client.post(f"/concepts/{team.concept_id}/submit")
    assert response.status_code == 302
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        assert not concept.is_draft
        assert concept.mentor_id == world.a["youth_worker"].id
        team_now = {m.enrolment_id for m in concept.members}
        assert team_now == {team.member_enrolment_id, team.teammate_enrolment_id}
        entries = db.session.scalar(
            select(func.count()).where(TimelineEntry.concept_id == team.concept_id)
        )
    page = client.get(f"/concepts/{team.concept_id}").get_data(as_text=True)
    assert f'action="/concepts/{team.concept_id}/submit"' not in page
    client.post(f"/concepts/{team.concept_id}/submit")  # a second time: nothing more happens
    with app.app_context():
        again = db.session.scalar(
            select(func.count()).where(TimelineEntry.concept_id == team.concept_id)
        )
        assert again == entries == 1
    client.post("/logout")
    login(team.reader)  # in the cohort, not on the team
    assert client.post(f"/concepts/{team.concept_id}/submit").status_code in (403, 404)


def test_a_draft_without_a_team_is_not_submitted_from_its_page(app, client, world, login):
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), status="active")
        concept = make_concept(cohort, submitted=False)
        db.session.commit()
        concept_id = concept.id
    login(world.a["youth_worker"])
    response = client.post(f"/concepts/{concept_id}/submit", follow_redirects=True)
    assert "Add at least one team member first" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Concept, concept_id).is_draft


def test_staff_create_a_concept_on_a_teams_behalf(app, client, world, team, login):
    login(world.a["youth_worker"])
    data = form(team, members=[team.member_enrolment_id], mentor=world.a["youth_worker"].id)
    assert client.post(f"/concepts/new/{team.cohort_id}", data=data).status_code == 302
    with app.app_context():
        concept = db.session.scalar(select(Concept).where(Concept.title == "Fredagskveld i hallen"))
        assert [m.enrolment_id for m in concept.members] == [team.member_enrolment_id]
        assert concept.mentor_id == world.a["youth_worker"].id


def test_team_members_come_from_the_cohort_only(app, client, world, team, login):
    login(team.member)
    before = None
    with app.app_context():
        before = concept_count()
    response = client.post(
        f"/concepts/new/{team.cohort_id}", data=form(team, members=[team.outsider_enrolment_id])
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.data.decode() or "enrolled" in response.data.decode()
    with app.app_context():
        assert concept_count() == before


def test_the_service_refuses_a_member_of_another_cohort(app, world, team):
    with app.app_context():
        from allin.models import Cohort

        actor = db.session.get(User, world.a["youth_worker"].id)
        cohort = db.session.get(Cohort, team.cohort_id)
        data = services.ConceptData(title="X", member_ids=[team.outsider_enrolment_id])
        with pytest.raises(DomainError):
            services.save_concept(actor=actor, cohort=cohort, data=data, submit=True)


def test_a_mentor_from_another_municipality_is_refused(app, client, world, team, login):
    login(world.a["youth_worker"])
    with app.app_context():
        before = concept_count()
    response = client.post(
        f"/concepts/new/{team.cohort_id}", data=form(team, mentor=world.b["youth_worker"].id)
    )
    assert response.status_code == 200
    with app.app_context():
        assert concept_count() == before


def test_the_service_refuses_a_foreign_mentor(app, world, team):
    with app.app_context():
        from allin.models import Cohort

        actor = db.session.get(User, world.a["coordinator"].id)
        cohort = db.session.get(Cohort, team.cohort_id)
        data = services.ConceptData(title="X", mentor_id=world.b["coordinator"].id)
        with pytest.raises(DomainError, match="(?i)mentor"):
            services.save_concept(actor=actor, cohort=cohort, data=data)


def test_an_ambassador_cannot_start_a_concept_in_another_cohort(client, world, team, login):
    login(team.member)
    assert client.get(f"/concepts/new/{team.other_cohort_id}").status_code == 404


def test_submitting_needs_a_title(app, client, world, team, login):
    login(team.member)
    response = client.post(f"/concepts/new/{team.cohort_id}", data=form(team, title="  "))
    assert response.status_code == 200
    assert "Give the concept a title" in response.data.decode()


def test_an_expired_form_comes_back_with_the_text(make_app, world, team):
    """The CSRF rescue (security.py): the concept form re-renders with what was typed."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").data.decode()
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"login": team.member.login, "password": "correct horse battery", "csrf_token": token},
    )
    long_text = "Vi vil lage et sted å være. " * 150
    response = client.post(
        f"/concepts/new/{team.cohort_id}",
        data={**form(team, idea=long_text), "csrf_token": "stale"},
    )
    assert response.status_code == 400
    body = response.data.decode()
    assert "Vi vil lage et sted å være." in body and 'name="csrf_token"' in body
    with app.app_context():
        assert concept_count() == 1


# ---- life-cycle -----------------------------------------------------------------------------

# (stage now, role, stage to, allowed)
TEAM_ALLOWED = {(S.IDEA, S.DEVELOPING), (S.DEVELOPING, S.PITCHED)}
STAFF_ALLOWED = {
    (S.PITCHED, S.LAUNCHED),
    (S.LAUNCHED, S.SUSTAINED),
    # one back
    (S.DEVELOPING, S.IDEA),
    (S.PITCHED, S.DEVELOPING),
    (S.LAUNCHED, S.PITCHED),
    (S.SUSTAINED, S.LAUNCHED),
    (S.STOPPED, S.DEVELOPING),  # back to where it was stopped
} | {(at, S.STOPPED) for at in S if at != S.STOPPED}
PAIRS = [(at, to) for at in S for to in S if at != to]


@pytest.mark.parametrize("who", ["member", "reader", "youth_worker", "coordinator", "foreign"])
@pytest.mark.parametrize(("at", "to"), PAIRS)
def test_every_stage_move_per_role(app, world, team, who, at, to):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        concept.stage = at
        if at == S.STOPPED:
            concept.stopped_from, concept.stop_reason = S.DEVELOPING, "Paused"
        db.session.commit()
        person = {
            "member": team.member,
            "reader": team.reader,
            "youth_worker": world.a["youth_worker"],
            "coordinator": world.a["coordinator"],
            "foreign": world.b["coordinator"],
        }[who]
        actor = db.session.get(User, person.id)
        allowed = {m.to for m in allowed_stage_moves(actor, concept)}
        if who == "member":
            expected = (at, to) in TEAM_ALLOWED
        elif who in ("youth_worker", "coordinator"):
            expected = (at, to) in STAFF_ALLOWED
        else:
            expected = False
        assert (to in allowed) == expected
        if expected:
            services.move_stage(concept, actor=actor, to=to, expected=at, reason="Fordi")
            db.session.commit()
            assert db.session.get(Concept, team.concept_id).stage == to
        else:
            with pytest.raises(DomainError):
                services.move_stage(concept, actor=actor, to=to, expected=at, reason="Fordi")
            db.session.rollback()
            assert db.session.get(Concept, team.concept_id).stage == at


def test_a_team_cannot_skip_to_launched(client, app, world, team, login):
    login(team.member)
    response = client.post(
        f"/concepts/{team.concept_id}/stage", data={"to": "launched", "expected": "idea"}
    )
    assert response.status_code == 200
    assert "Choose one of the stages" in response.data.decode()
    with app.app_context():
        assert db.session.get(Concept, team.concept_id).stage == S.IDEA


def test_team_moves_to_pitched_through_the_page(client, app, world, team, login):
    login(team.member)
    for at, to in (("idea", "developing"), ("developing", "pitched")):
        response = client.post(
            f"/concepts/{team.concept_id}/stage", data={"to": to, "expected": at}
        )
        assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Concept, team.concept_id).stage == S.PITCHED


def test_stopping_needs_a_reason(client, app, world, team, login):
    login(world.a["youth_worker"])
    url = f"/concepts/{team.concept_id}/stage"
    assert "Why?" in client.get(url + "?to=stopped").data.decode()
    response = client.post(url, data={"to": "stopped", "expected": "idea", "reason": ""})
    assert response.status_code == 200 and "Say why" in response.data.decode()
    response = client.post(url, data={"to": "stopped", "expected": "idea", "reason": "No time"})
    assert response.status_code == 302
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        assert concept.stage == S.STOPPED and concept.stop_reason == "No time"
        assert concept.stopped_from == S.IDEA


def test_a_stale_stage_move_is_refused(app, world, team):
    """Two people move the same concept from the same page: the database lets one through."""
    with app.app_context():
        actor = db.session.get(User, team.member.id)
        concept = db.session.get(Concept, team.concept_id)
        services.move_stage(concept, actor=actor, to=S.DEVELOPING, expected=S.IDEA)
        db.session.commit()
        with pytest.raises(services.StageConflict):
            services.move_stage(concept, actor=actor, to=S.DEVELOPING, expected=S.IDEA)


def test_the_conditional_update_decides(app, world, team):
    """Even when the row in memory is stale, the UPDATE ... WHERE stage = expected decides."""
    with app.app_context():
        actor = db.session.get(User, team.member.id)
        concept = db.session.get(Concept, team.concept_id)
        db.session.execute(
            Concept.__table__.update().where(Concept.id == concept.id).values(stage=S.DEVELOPING)
        )
        with pytest.raises(services.StageConflict):
            services.move_stage(concept, actor=actor, to=S.DEVELOPING, expected=S.IDEA)


def test_drafts_do_not_move(app, world, team):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        concept.submitted_at = None
        actor = db.session.get(User, team.member.id)
        assert allowed_stage_moves(actor, concept) == ()


# ---- timeline and feedback ------------------------------------------------------------------


def test_timeline_newest_first_and_paginated(app, client, world, team, login):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        start = now() - timedelta(days=30)
        for n in range(25):
            make_timeline_entry(
                concept, text=f"Oppdatering {n:02d}", created_at=start + timedelta(days=n)
            )
        db.session.commit()
    login(team.reader)
    page = client.get(f"/concepts/{team.concept_id}").data.decode()
    assert page.index("Oppdatering 24") < page.index("Oppdatering 23")
    assert "Oppdatering 04" not in page  # on page 2
    page2 = client.get(f"/concepts/{team.concept_id}?page=2").data.decode()
    assert "Oppdatering 04" in page2 and "Oppdatering 24" not in page2


def test_feedback_is_unread_until_the_team_opens_the_concept(app, client, world, team, login):
    login(world.a["youth_worker"])
    response = client.post(f"/concepts/{team.concept_id}/write", data={"text": "Bra start!"})
    assert response.status_code == 302
    client.post("/logout")
    login(team.member)
    home = client.get("/").data.decode()
    assert "New feedback" in home
    concept_page = client.get(f"/concepts/{team.concept_id}").data.decode()
    assert "badge--new" in concept_page and "Bra start!" in concept_page
    assert "New feedback" not in client.get("/").data.decode()
    assert "badge--new" not in client.get(f"/concepts/{team.concept_id}").data.decode()
    # The teammate has not opened it yet.
    client.post("/logout")
    login(team.teammate)
    assert "New feedback" in client.get("/").data.decode()


def test_feedback_after_the_last_opening_is_new_again(app, client, world, team, login):
    login(world.a["youth_worker"])
    client.post(f"/concepts/{team.concept_id}/write", data={"text": "Bra start!"})
    client.post("/logout")
    login(team.member)
    client.get(f"/concepts/{team.concept_id}")  # reads "Bra start!"
    client.post("/logout")
    login(world.a["youth_worker"])
    client.post(f"/concepts/{team.concept_id}/write", data={"text": "Husk budsjettet."})
    client.post("/logout")
    login(team.member)
    assert "New feedback" in client.get("/").data.decode()
    assert "badge--new" in client.get(f"/concepts/{team.concept_id}").data.decode()
    assert "badge--new" not in client.get(f"/concepts/{team.concept_id}").data.decode()


def test_a_team_member_answers(app, client, world, team, login):
    login(team.member)
    assert (
        "Answer the feedback"
        in client.get(f"/concepts/{team.concept_id}/write?answer=1").data.decode()
    )
    response = client.post(
        f"/concepts/{team.concept_id}/write", data={"text": "Takk!", "answer": "1"}
    )
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.text == "Takk!"))
        assert entry.kind == TimelineKind.ANSWER and entry.author_id == team.member.id


def test_readers_in_the_cohort_cannot_write(client, world, team, login):
    login(team.reader)
    assert client.get(f"/concepts/{team.concept_id}/write").status_code == 403
    assert client.post(f"/concepts/{team.concept_id}/write", data={"text": "x"}).status_code == 403
    assert client.get(f"/concepts/{team.concept_id}/edit").status_code == 403


def test_staff_write_feedback_not_updates(app, world, team):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        staff = db.session.get(User, world.a["coordinator"].id)
        entry = services.add_to_timeline(concept, actor=staff, text="Godt jobbet", answer=True)
        assert entry.kind == TimelineKind.FEEDBACK


# ---- reach ----------------------------------------------------------------------------------


def test_reach_history_shows_as_chart_and_table(app, client, world, team, login):
    login(team.member)
    today = now().date()
    for months_ago, value in ((3, 40), (2, 120), (0, 300)):
        day = today - timedelta(days=30 * months_ago)
        response = client.post(
            f"/concepts/{team.concept_id}/reach",
            data={"kind": "people", "value": value, "measured_on": day.isoformat()},
        )
        assert response.status_code == 302
    with app.app_context():
        values = db.session.scalars(
            select(ReachFigure.value).order_by(ReachFigure.measured_on)
        ).all()
        assert values == [40, 120, 300]
    page = client.get(f"/concepts/{team.concept_id}").data.decode()
    assert "<svg" in page and "<polyline" in page and page.count('class="reach__dot"') == 3
    assert "People reached" in page and "<table" in page and "300" in page


@pytest.mark.parametrize("value", ["-1", "abc", "100000001"])
def test_bad_reach_figures_are_refused(app, client, world, team, login, value):
    login(team.member)
    response = client.post(
        f"/concepts/{team.concept_id}/reach",
        data={"kind": "people", "value": value, "measured_on": now().date().isoformat()},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReachFigure)) == 0


def test_reach_in_the_future_is_refused(app, client, world, team, login):
    login(team.member)
    tomorrow = (now().date() + timedelta(days=2)).isoformat()
    response = client.post(
        f"/concepts/{team.concept_id}/reach",
        data={"kind": "users", "value": "5", "measured_on": tomorrow},
    )
    assert response.status_code == 200 and "future" in response.data.decode()


# ---- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("reader", 200),
        ("outsider", 404),
        ("youth_worker", 200),
        ("coordinator", 200),
        ("foreign", 404),
        ("network", 403),
    ],
)
def test_who_reads_a_concept(client, world, team, login, who, status):
    person = {
        "member": team.member,
        "reader": team.reader,
        "outsider": team.outsider,
        "youth_worker": world.a["youth_worker"],
        "coordinator": world.a["coordinator"],
        "foreign": world.b["coordinator"],
        "network": world.admin,
    }[who]
    login(person)
    assert client.get(f"/concepts/{team.concept_id}").status_code == status


def test_board_is_for_staff(client, world, team, login):
    login(team.member)
    assert client.get("/concepts/").status_code == 403
    client.post("/logout")
    login(world.admin)
    assert client.get("/concepts/").status_code == 403


def test_board_groups_by_stage_and_filters(app, client, world, team, login):
    with app.app_context():
        from allin.models import Cohort

        cohort = db.session.get(Cohort, team.cohort_id)
        make_concept(cohort, title="Lansert app", stage="launched", format="online")
        other = make_cohort(db.session.get(Municipality, world.municipality_b))
        make_concept(other, title="Utenbys konsept")
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get("/concepts/").data.decode()
    assert "Lansert app" in page and "Utenbys konsept" not in page
    assert page.index('id="stage-idea"') < page.index('id="stage-launched"')
    filtered = client.get("/concepts/?format=online").data.decode()
    assert "Lansert app" in filtered and "Konsept" not in filtered.split("Lansert app")[0][-300:]
    only = client.get("/concepts/?stage=launched").data.decode()
    assert 'id="stage-idea"' not in only and "Lansert app" in only


def test_cohort_page_counts_concepts_by_stage(app, client, world, team, login):
    login(world.a["youth_worker"])
    page = client.get(f"/cohorts/{team.cohort_id}").data.decode()
    assert f"/concepts/?cohort={team.cohort_id}&amp;stage=idea" in page
    client.post("/logout")
    login(team.reader)
    page = client.get(f"/cohorts/{team.cohort_id}").data.decode()
    assert f"/concepts/{team.concept_id}" in page and "/concepts/?cohort" not in page


def test_a_withdrawn_team_member_loses_edit_rights(app, client, world, team, login):
    with app.app_context():
        from allin.enums import EnrolmentStatus
        from allin.models import Enrolment

        enrolment = db.session.get(Enrolment, team.member_enrolment_id)
        enrolment.status = EnrolmentStatus.WITHDRAWN
        enrolment.withdrawn_at = now()
        db.session.commit()
    login(team.member)
    assert client.get(f"/concepts/{team.concept_id}").status_code == 404


def test_membership_is_unique(app, world, team):
    with app.app_context():
        db.session.add(
            ConceptMember(concept_id=team.concept_id, enrolment_id=team.member_enrolment_id)
        )
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError):
            db.session.flush()


def test_another_municipalitys_ambassador_cannot_be_added(app, world, team):
    with app.app_context():
        from allin.models import Cohort

        b = db.session.get(Municipality, world.municipality_b)
        foreign_enrolment = make_enrolment(make_cohort(b), make_ambassador(b))
        actor = db.session.get(User, world.a["coordinator"].id)
        cohort = db.session.get(Cohort, team.cohort_id)
        data = services.ConceptData(title="X", member_ids=[foreign_enrolment.id])
        with pytest.raises(DomainError):
            services.save_concept(actor=actor, cohort=cohort, data=data)


def test_an_inactive_mentor_is_refused(app, world, team):
    with app.app_context():
        from allin.models import Cohort

        a = db.session.get(Municipality, world.municipality_a)
        gone = make_user(Role.YOUTH_WORKER, a, active=False)
        actor = db.session.get(User, world.a["coordinator"].id)
        cohort = db.session.get(Cohort, team.cohort_id)
        with pytest.raises(DomainError):
            services.save_concept(
                actor=actor, cohort=cohort, data=services.ConceptData(title="X", mentor_id=gone.id)
            )


def _concept_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("concepts.") and rule.arguments == {"concept_id"}:
            yield rule


@pytest.mark.parametrize(("who", "expected"), [("outsider", 404), ("foreign", 404)])
def test_every_concept_route_hides_the_concept(app, client, world, team, login, who, expected):
    """Within the municipality too: an ambassador of another cohort finds nothing."""
    login(team.outsider if who == "outsider" else world.b["youth_worker"])
    checked = 0
    for rule in _concept_rules(app):
        url = rule.rule.replace("<int:concept_id>", str(team.concept_id))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"text": "x", "to": "developing"})
            assert response.status_code in (expected, 403), f"{method} {url}"
            assert response.status_code == expected or method == "POST" and "best-case" in url
            checked += 1
    assert checked >= 10
    with app.app_context():
        assert db.session.get(Concept, team.concept_id).stage == S.IDEA
        assert db.session.scalar(select(func.count()).select_from(TimelineEntry)) == 0


def test_readers_are_refused_every_change(app, client, world, team, login):
    login(team.reader)
    base = f"/concepts/{team.concept_id}"
    for url in ("/edit", "/stage", "/write", "/reach", "/files"):
        assert client.post(base + url, data={"to": "developing", "text": "x"}).status_code == 403
    assert client.post(base + "/best-case").status_code == 403


def test_a_long_stage_column_links_to_its_paginated_list(app, client, world, team, login):
    from allin.concepts import selectors

    with app.app_context():
        from allin.models import Cohort

        cohort = db.session.get(Cohort, team.cohort_id)
        for n in range(35):  # a column's worth and more than a page of the stage's list
            make_concept(cohort, title=f"Pitch {n:02d}", stage="pitched")
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get("/concepts/").data.decode()
    assert page.count('class="board__card"') == selectors.BOARD_COLUMN + 1  # + the idea
    assert "/concepts/?stage=pitched" in page and "(35)" in page
    listed = client.get("/concepts/?stage=pitched").data.decode()
    assert listed.count('class="board__card"') == 25 and 'rel="next"' in listed
    second = client.get("/concepts/?stage=pitched&page=2").data.decode()
    assert second.count('class="board__card"') == 10
    beyond = client.get("/concepts/?stage=pitched&page=9").data.decode()
    assert 'class="board__card"' not in beyond and "(35)" in beyond


def test_a_board_card_shows_the_team_now_in_joining_order_and_marks_a_draft(
    app, client, world, team, login
):
    with app.app_context():
        from allin.models import Cohort, Enrolment

        cohort = db.session.get(Cohort, team.cohort_id)
        gone = make_enrolment(cohort, make_ambassador(cohort.municipality, name="Gone Away"))
        enrolments = [
            db.session.get(Enrolment, i)
            for i in (team.teammate_enrolment_id, team.member_enrolment_id)
        ]
        concept = make_concept(cohort, title="Utkast", members=[*enrolments, gone], submitted=False)
        db.session.execute(
            ConceptMember.__table__.update()
            .where(ConceptMember.concept_id == concept.id)
            .where(ConceptMember.enrolment_id == gone.id)
            .values(left_at=now())
        )
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get("/concepts/").data.decode()
    card = page[page.index("Utkast") :].split("</li>")[0]
    assert "Teammate, Member" in card and "Gone" not in card
    assert "Draft" in card and cohort_name(app, team.cohort_id) in card


def cohort_name(app, cohort_id):
    with app.app_context():
        from allin.models import Cohort

        return db.session.get(Cohort, cohort_id).name


def test_a_board_column_shows_the_latest_changed_first(app, client, world, team, login):
    from allin.concepts import selectors

    start = now() - timedelta(days=30)
    with app.app_context():
        from allin.models import Cohort

        cohort = db.session.get(Cohort, team.cohort_id)
        for n in range(selectors.BOARD_COLUMN + 2):
            concept = make_concept(cohort, title=f"Pitch {n:02d}", stage="pitched")
            # Older ones changed later: the column follows the change, not the id.
            concept.updated_at = start - timedelta(days=n) if n % 2 else start + timedelta(n)
        db.session.commit()
    login(world.a["youth_worker"])
    page = client.get("/concepts/").data.decode()
    column = page[page.index('id="stage-pitched"') :].split("</section>")[0]
    shown = re.findall(r"Pitch \d\d", column)
    odd = [f"Pitch {n:02d}" for n in range(selectors.BOARD_COLUMN + 2) if n % 2]
    even = [f"Pitch {n:02d}" for n in range(selectors.BOARD_COLUMN + 2) if not n % 2]
    assert shown == (even[::-1] + odd)[: selectors.BOARD_COLUMN]
    listed = client.get("/concepts/?stage=pitched").data.decode()
    assert re.findall(r"Pitch \d\d", listed) == even[::-1] + odd


@pytest.mark.parametrize("role", ["coordinator", "youth_worker"])
def test_the_board_counts_what_visible_shows_staff(app, world, team, role):
    """The board's statements take the municipality as a parameter instead of starting from
    access.visible(): they must count what visible() lets the same person see."""
    from allin.access import visible
    from allin.concepts import selectors

    with app.app_context():
        from allin.models import Cohort

        cohort = db.session.get(Cohort, team.cohort_id)
        for n in range(7):
            make_concept(cohort, stage=list(S)[n % 6], submitted=n % 3 > 0)
        foreign = make_cohort(db.session.get(Municipality, world.municipality_b))
        for n in range(4):
            make_concept(foreign, stage=list(S)[n % 6])
        db.session.commit()
    with app.test_request_context():
        actor = db.session.get(User, world.a[role].id)
        seen = visible(Concept, actor).with_only_columns(Concept.stage, func.count())
        expected = dict(db.session.execute(seen.group_by(Concept.stage)).all())
        board = selectors.board(actor)
        assert {stage: total for stage, _cards, total in board if total} == expected
        shown = {card.id for _stage, cards, _total in board for card in cards}
        assert shown <= set(
            db.session.scalars(visible(Concept, actor).with_only_columns(Concept.id))
        )


# ---- telling namesakes apart ----------------------------------------------------------------


def test_the_team_picker_tells_people_with_the_same_first_name_apart(app, client, world, login):
    """Two Livs: each with her last name and her class, or her birth year without one; a
    name nobody shares stays as it is."""
    year = now().year
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, status="active")
        people = [
            make_ambassador(municipality, name="Liv Nilsen", school="8B"),
            make_ambassador(municipality, name="Liv Berg", birth_year=year - 14),
            make_ambassador(municipality, name="Liv Nilsen", school="8B", birth_year=year - 15),
            make_ambassador(municipality, name="Ola Dahl", school="9A"),
        ]
        for person in people:
            make_enrolment(cohort, person)
        db.session.commit()
        cohort_id, default_year = cohort.id, people[0].birth_year
    login(world.a["youth_worker"])
    page = client.get(f"/concepts/new/{cohort_id}").get_data(as_text=True)
    labels = re.findall(r'name="members"[^>]*>\s*<label[^>]*>([^<]*)</label>', page)
    assert sorted(labels) == sorted(
        [
            f"Liv Berg (born {year - 14})",
            f"Liv Nilsen, 8B (born {default_year})",
            f"Liv Nilsen, 8B (born {year - 15})",
            "Ola Dahl",
        ]
    )
