"""A cohort's sub-pages (issue 26.2, issue 22): overview, sessions, progress, people and
concepts, each linked from the top of the others, each showing what its name says."""

from __future__ import annotations

import re
from datetime import timedelta

from allin.clock import now
from allin.extensions import db
from allin.models import Municipality
from tests.factories import make_ambassador, make_cohort, make_enrolment
from tests.training_factories import make_attendance, make_session

TABS = re.compile(r'<nav class="cohort-tabs"[^>]*>(.*?)</nav>', re.S)


def cohort_with(app, world, people: int, *, missed: bool = False) -> int:
    """A cohort in municipality A with `people` active members; with `missed`, two held
    sessions that everyone missed (an early warning for each)."""
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik, name="Vår 2027", status="active")
        members = [
            make_enrolment(
                cohort,
                make_ambassador(larvik, name=f"Person {n:03}"),
                status="active",
                enrolled_at=now() - timedelta(days=30),
            )
            for n in range(people)
        ]
        if missed:
            for days in (6, 3):
                session = make_session(cohort, days=-days)
                for enrolment in members:
                    make_attendance(session, enrolment, "absent")
        db.session.commit()
        return cohort.id


def tabs_of(html: str) -> list[tuple[str, bool]]:
    """(href, is current) of each link at the top of a cohort page."""
    found = TABS.search(html)
    assert found, "the page has no cohort tabs"
    return [
        (href, bool(current))
        for href, current in re.findall(
            r'<a href="([^"]+)"( aria-current="page")?>', found.group(1)
        )
    ]


def test_staff_get_every_sub_page_and_each_marks_itself(app, client, world, login):
    cohort_id = cohort_with(app, world, 3)
    login(world.a["youth_worker"])
    base = f"/cohorts/{cohort_id}"
    pages = [base, f"{base}/sessions", f"{base}/progress", f"{base}/people", f"{base}/concepts"]
    pages.append(f"/surveys/cohorts/{cohort_id}")  # the self-assessment (issue 24)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert tabs_of(response.text) == [(page, page == url) for page in pages]


def test_an_ambassador_gets_the_overview_sessions_concepts_and_self_assessment_only(
    app, client, world, login
):
    cohort_id = cohort_with(app, world, 1)
    with app.app_context():
        from allin.models import Ambassador, Cohort

        cohort = db.session.get(Cohort, cohort_id)
        me = make_ambassador(
            db.session.get(Municipality, world.municipality_a),
            user_id=world.a["ambassador"].id,
        )
        make_enrolment(cohort, me, status="active")
        db.session.commit()
        assert db.session.get(Ambassador, me.id)
    login(world.a["ambassador"])
    base = f"/cohorts/{cohort_id}"
    html = client.get(base).text
    assert [href for href, _current in tabs_of(html)] == [
        base,
        f"{base}/sessions",
        f"{base}/concepts",
        f"/surveys/cohorts/{cohort_id}",
    ]
    assert "Person 000" not in html  # nobody else's name on the overview
    assert client.get(f"{base}/progress").status_code == 403
    assert client.get(f"{base}/people").status_code == 403


def test_another_municipality_finds_none_of_them(app, client, world, login):
    cohort_id = cohort_with(app, world, 1)
    login(world.b["coordinator"])
    for page in ("", "/sessions", "/progress", "/people", "/concepts"):
        assert client.get(f"/cohorts/{cohort_id}{page}").status_code == 404, page


def test_the_overview_keeps_to_its_figures_and_sends_old_filter_links_on(app, client, world, login):
    cohort_id = cohort_with(app, world, 30, missed=True)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    html = client.get(f"/cohorts/{cohort_id}").text
    assert "Person 0" not in html  # neither the member list nor the per-ambassador table
    assert f'href="/cohorts/{cohort_id}/people?missing=1"' in html  # missing consent
    assert f'href="/cohorts/{cohort_id}/progress#warning-heading">30</a>' in html
    response = client.get(f"/cohorts/{cohort_id}?missing=1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{cohort_id}/people?missing=1"


def test_the_progress_table_comes_a_page_at_a_time_with_the_cohorts_totals(
    app, client, world, login
):
    cohort_id = cohort_with(app, world, 30, missed=True)  # two pages of 25
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    names = []
    for page in (1, 2):
        html = client.get(f"/cohorts/{cohort_id}/progress?page={page}").text
        table = html.split('id="members-rate-heading"')[1]
        names.append(re.findall(r'<th scope="row"><a href="/ambassadors/\d+">([^<]+)<', table))
        warnings = html.split('id="warning-heading"')[1].split("<h3")[0]
        assert len(re.findall(r"Person \d{3}</a>", warnings)) == 30  # all, on every page
        assert "0 %" in html or "0%" in html  # the cohort's rate: everyone missed
    assert len(names[0]) == 25 and len(names[1]) == 5
    assert names[0] + names[1] == [f"Person {n:03}" for n in range(30)]
