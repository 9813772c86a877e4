"""People with the same first name can be told apart (issue 19, point 11): the roll call and
the cohort's member list show the last name and class or birth year where a name is shared."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from allin.clock import now
from allin.enums import Role
from allin.extensions import db
from allin.models import Municipality
from tests.factories import make_ambassador, make_cohort, make_enrolment, make_user
from tests.training_factories import make_session


@pytest.fixture
def emmas(app, world):
    """Two Emma Hansens (different birth years), an Emma Berg and a Noah, in one cohort."""
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, status="active", starts_on=date(2026, 1, 1))
        people = [
            ("Emma Hansen", 2010, "Hedrum ungdomsskole"),
            ("Emma Hansen", 2011, None),
            ("Emma Berg", 2010, None),
            ("Noah Lie", 2010, "Mesterfjellet skole"),
        ]
        enrolments = [
            make_enrolment(
                cohort,
                make_ambassador(municipality, name=name, birth_year=year, school=school),
                status="active",
            )
            for name, year, school in people
        ]
        session = make_session(cohort, days=0, starts_at=now() - timedelta(minutes=5))
        db.session.commit()
        return {
            "cohort": cohort.id,
            "session": session.id,
            "enrolments": [e.id for e in enrolments],
        }


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_roll_call_shows_class_and_birth_year_where_a_first_name_is_shared(
    client, world, login, emmas
):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/sessions/{emmas['session']}/roll-call").text
    legends = [_text(m) for m in re.findall(r"<legend[^>]*>(.*?)</legend>", page, re.S)]
    assert legends == [
        "Emma Berg (born 2010)",
        "Emma Hansen (Hedrum ungdomsskole, born 2010)",
        "Emma Hansen (born 2011)",
        "Noah Lie",
    ]


def test_the_member_list_names_namesakes_in_full_in_its_actions(client, world, login, emmas):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = _text(client.get(f"/cohorts/{emmas['cohort']}/people").text)
    assert "Withdraw Emma Hansen (born 2010)" in page
    assert "Withdraw Emma Hansen (born 2011)" in page
    assert "Withdraw Emma Berg" in page
    assert "Withdraw Noah " in page and "Withdraw Noah Lie" not in page
    assert "Withdraw Emma " not in page.replace("Withdraw Emma Hansen", "").replace(
        "Withdraw Emma Berg", ""
    )


def test_the_people_list_shows_the_login_where_a_whole_name_is_shared(app, client, world, login):
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        for email in ("emma.h@example.no", "emma.hansen@example.no"):
            make_user(Role.YOUTH_WORKER, municipality, name="Emma Hansen", email=email)
        make_user(Role.YOUTH_WORKER, municipality, name="Noah Lie", email="noah@example.no")
        db.session.commit()
    login(world.a["coordinator"])
    page = _text(client.get("/admin/users/").text)
    assert "Emma Hansen (emma.h@example.no)" in page
    assert "Emma Hansen (emma.hansen@example.no)" in page
    assert "Noah Lie (" not in page


@pytest.mark.parametrize("config_overrides", [{"PER_PAGE": 1}])
def test_the_people_list_shows_the_login_where_a_namesake_is_on_another_page(
    app, client, world, login, config_overrides
):
    """One person a page: each Emma Hansen stands alone on hers, and is still told apart."""
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        for email in ("emma.h@example.no", "emma.hansen@example.no"):
            make_user(Role.YOUTH_WORKER, municipality, name="Emma Hansen", email=email)
        db.session.commit()
    login(world.a["coordinator"])
    pages = [_text(client.get(f"/admin/users/?page={n}").text) for n in range(1, 10)]
    emmas = [page for page in pages if "Emma Hansen" in page]
    assert len(emmas) == 2
    assert "Emma Hansen (emma.h@example.no)" in emmas[0] + emmas[1]
    assert "Emma Hansen (emma.hansen@example.no)" in emmas[0] + emmas[1]
