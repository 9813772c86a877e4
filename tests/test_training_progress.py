"""The attendance rate and early-warning rules at their edges (allin/training/progress.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from allin.clock import now
from allin.extensions import db
from allin.models import Municipality
from allin.training import progress
from tests.factories import make_ambassador, make_cohort, make_enrolment
from tests.training_factories import make_attendance, make_session


@pytest.fixture
def cohort(app, world):
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), status="active")
        db.session.commit()
        yield cohort


def person(cohort, name, **fields):
    fields.setdefault("enrolled_at", now() - timedelta(days=100))
    return make_enrolment(cohort, make_ambassador(cohort.municipality, name=name), **fields)


def held(cohort, days_ago, marks, **fields):
    """A past session with these marks {enrolment: value}; a roll call, so it counts."""
    session = make_session(cohort, days=-days_ago, **fields)
    for enrolment, value in marks.items():
        make_attendance(session, enrolment, value)
    return session


def by_name(cohort):
    return {m.name: m for m in progress.members(cohort.id)}


def test_late_counts_as_attended_and_excused_is_left_out(cohort):
    ida, ola = person(cohort, "Ida"), person(cohort, "Ola")
    held(cohort, 30, {ida: "present", ola: "excused"})
    held(cohort, 20, {ida: "late", ola: "present"})
    held(cohort, 10, {ida: "absent", ola: "late"})
    members = by_name(cohort)
    assert members["Ida"].rate.rate == pytest.approx(2 / 3)
    assert members["Ida"].rate.late == 1
    assert members["Ola"].rate.rate == 1.0  # 2 of 2: the excused session is left out
    assert members["Ola"].rate.excused == 1
    gap = members["Ola"].last_attended - members["Ida"].last_attended
    assert gap.days == 10 or gap.days == 9  # Ida last came 20 days ago, Ola 10
    figures = progress.headlines([cohort.id])[cohort.id]
    assert figures.rate.rate == pytest.approx(4 / 5)
    assert figures.rate.excused == 1


def test_cancelled_future_and_unrecorded_sessions_do_not_count(cohort):
    ida, ola = person(cohort, "Ida"), person(cohort, "Ola")
    held(cohort, 30, {ida: "present"})  # Ola unmarked in a taken roll call: missed
    held(cohort, 20, {ida: "absent", ola: "absent"}, cancelled_at=now())
    make_session(cohort, days=-10)  # held, but no roll call was taken
    make_session(cohort, days=5)  # planned
    members = by_name(cohort)
    assert (members["Ida"].rate.counted, members["Ida"].rate.rate) == (1, 1.0)
    assert (members["Ola"].rate.counted, members["Ola"].rate.rate) == (1, 0.0)
    sessions = progress.headlines([cohort.id])[cohort.id].sessions
    assert (sessions.planned, sessions.held, sessions.taken, sessions.cancelled) == (3, 2, 1, 1)


def test_someone_enrolled_mid_term_is_measured_from_their_enrolment(cohort):
    early = person(cohort, "Early")
    late_joiner = person(cohort, "Joiner", enrolled_at=now() - timedelta(days=15))
    held(cohort, 30, {early: "present"})
    held(cohort, 20, {early: "present"})
    held(cohort, 10, {early: "present", late_joiner: "present"})
    members = by_name(cohort)
    assert (members["Joiner"].rate.counted, members["Joiner"].rate.rate) == (1, 1.0)
    assert not members["Joiner"].warning
    assert members["Early"].rate.counted == 3


def test_early_warning_needs_the_last_two_missed_without_excuse(cohort):
    names = ["Gone", "Unmarked", "Excused", "Came back", "One miss", "Graduated", "Joined late"]
    people = {n: person(cohort, n) for n in names}
    people["Graduated"].status = "graduated"
    joined = people["Joined late"]
    joined.enrolled_at = now() - timedelta(days=15)
    withdrawn = person(cohort, "Withdrawn", status="withdrawn", withdrawn_at=now())
    everyone = {**people, "Withdrawn": withdrawn}
    first = {e: "present" for e in everyone.values()}
    held(cohort, 40, first)
    held(
        cohort,
        20,
        {
            people["Gone"]: "absent",
            people["Excused"]: "absent",
            people["Came back"]: "absent",
            people["One miss"]: "present",
            people["Graduated"]: "absent",
            withdrawn: "absent",
        },
    )
    held(
        cohort,
        10,
        {
            people["Gone"]: "absent",
            people["Excused"]: "excused",
            people["Came back"]: "absent",
            people["One miss"]: "absent",
            people["Graduated"]: "absent",
            joined: "absent",
            withdrawn: "absent",
        },
    )
    held(cohort, 5, {people["Came back"]: "late", people["One miss"]: "present"})
    # The most recent session: Gone and Unmarked are not marked in a taken roll call.
    warned = {m.name for m in progress.members(cohort.id) if m.warning}
    # Unmarked missed 20, 10 and 5 days ago (a taken roll call without them); Joined late had
    # one counted session missed (10) and one (5) unmarked: both missed since enrolling.
    assert warned == {"Gone", "Unmarked", "Joined late"}
    assert "Withdrawn" not in by_name(cohort)
    assert progress.headlines([cohort.id])[cohort.id].warnings == 3


def test_retention_and_status_counts(cohort):
    for status in ["active", "active", "graduated", "invited"]:
        person(cohort, status, status=status)
    person(cohort, "gone", status="withdrawn", withdrawn_at=now())
    figures = progress.headlines([cohort.id])[cohort.id]
    assert figures.ever_enrolled == 5
    assert figures.retained == 4  # all but the withdrawn
    assert figures.retention == pytest.approx(0.8)


def test_headlines_keep_cohorts_apart(cohort, world):
    other = make_cohort(cohort.municipality)
    mine, theirs = person(cohort, "Mine"), person(other, "Theirs")
    held(cohort, 10, {mine: "present"})
    held(other, 10, {theirs: "absent"})
    held(other, 5, {theirs: "absent"})
    figures = progress.headlines([cohort.id, other.id])
    assert figures[cohort.id].rate.rate == 1.0 and figures[cohort.id].warnings == 0
    assert figures[other.id].rate.rate == 0.0 and figures[other.id].warnings == 1


def test_chart_bars_count_each_value(cohort):
    a, b, c = person(cohort, "A"), person(cohort, "B"), person(cohort, "C")
    held(cohort, 10, {a: "present", b: "late", c: "excused"}, title="Første")
    make_session(cohort, days=-3, title="Uten opprop")
    bars = progress.session_bars(cohort.id)
    assert [bar.title for bar in bars] == ["Første", "Uten opprop"]
    assert {str(k): v for k, v in bars[0].counts.items()} == {
        "present": 1,
        "late": 1,
        "excused": 1,
        "absent": 0,
    }
    assert bars[1].total == 0


def test_the_dashboards_totals_match_the_grouped_headline(cohort):
    """The headline sums the active members' pairs (with their warnings) and the others'
    marks apart: together they are the members' totals."""
    ida, ola, per = person(cohort, "Ida"), person(cohort, "Ola"), person(cohort, "Per")
    gro = person(cohort, "Gro", status="graduated")  # counted where marked only
    late_comer = person(cohort, "Kai", status="graduated", enrolled_at=now() - timedelta(days=25))
    held(cohort, 30, {ida: "present", ola: "excused", per: "absent", gro: "present"})
    held(cohort, 20, {ida: "late", ola: "absent", gro: "late"})
    held(cohort, 10, {ida: "present"})
    # Marks that never count, for anyone: at a session cancelled after its roll call, one
    # that ended before the person was enrolled, and one that has not started.
    held(cohort, 15, {gro: "present", late_comer: "absent"}, cancelled_at=now())
    held(cohort, 30, {late_comer: "present"}, title="Before Kai")
    held(cohort, -3, {gro: "present", late_comer: "present"}, title="Ahead")
    _members, total, warnings = progress.members_and_totals(cohort.id)
    grouped = progress.headlines([cohort.id])[cohort.id]
    # Ida, Ola and Per: 4 sessions each ("Before Kai" missed by all three); Gro 2, Kai none.
    assert total == grouped.rate == progress.Rate(counted=14, attended=5, late=2, excused=1)
    assert warnings == grouped.warnings == 2  # Ola and Per


def test_someone_not_active_is_not_missed_in_a_roll_call_that_could_not_list_them(cohort):
    """The roll call lists active enrolments only: an invited person (not yet started) or a
    graduate who is not marked has not missed anything."""
    ida = person(cohort, "Ida")
    person(cohort, "Invited", status="invited")
    graduate = person(cohort, "Graduate", status="graduated")
    held(cohort, 30, {ida: "present", graduate: "present"})
    held(cohort, 20, {ida: "present"})
    held(cohort, 10, {ida: "present"})
    members = by_name(cohort)
    assert members["Invited"].rate.counted == 0 and not members["Invited"].warning
    assert (members["Graduate"].rate.counted, members["Graduate"].rate.rate) == (1, 1.0)
    assert progress.headlines([cohort.id])[cohort.id].rate.rate == 1.0
