"""Best cases that spread (issue 24, part 3): a coordinator or youth worker of another city
starts a published best case in one of their cohorts with members; the draft carries the text
and nothing else, and both concepts and the public page show the link; every refusal writes
nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from allin.enums import ConceptStage
from allin.extensions import db
from allin.models import Concept, Municipality, TimelineEntry
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_enrolment,
    make_guide_entry,
)


@pytest.fixture
def config_overrides() -> dict:
    """The pages in English, whatever the account's or the browser's language: the tests
    read the English texts (the bokmål catalogue is checked by tests/test_i18n.py)."""
    return {"LANGUAGES": ("en",), "BABEL_DEFAULT_LOCALE": "en"}


@pytest.fixture
def best_case(app, world):
    """Larvik (A)'s launched concept with a team, told as a published best case; and
    Kristiansand (B)'s active cohort with a member and a planned one without."""
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        kristiansand = db.session.get(Municipality, world.municipality_b)
        cohort = make_cohort(larvik, status="active")
        member = make_enrolment(cohort, make_ambassador(larvik, name="Hemmelig Navn"))
        concept = make_concept(
            cohort, members=[member], stage="launched", title="Fredagsgym", idea="Åpen hall."
        )
        entry = make_guide_entry(
            municipality_id=larvik.id,
            title="Fredagsgym i Larvik",
            kind="best_case",
            phase="launch",
            status="published",
            concept_id=concept.id,
        )
        draft = make_guide_entry(
            municipality_id=larvik.id, kind="best_case", status="draft", concept_id=concept.id
        )
        active = make_cohort(kristiansand, status="active", name="Kull Sør")
        make_enrolment(active, make_ambassador(kristiansand))
        empty = make_cohort(kristiansand, status="planned", name="Kull Tom")
        db.session.commit()
        return {
            "concept": concept.id,
            "entry": entry.id,
            "slug": entry.slug,
            "draft": draft.id,
            "active": active.id,
            "empty": empty.id,
        }


def copies() -> list[Concept]:
    return list(db.session.scalars(select(Concept).where(Concept.based_on_id.is_not(None))))


def test_a_coordinator_of_another_city_starts_a_best_case(app, client, world, login, best_case):
    login(world.b["coordinator"])
    page = client.get(f"/guide/{best_case['slug']}")
    assert f"/spread/best-cases/{best_case['entry']}/start" in page.text
    form = client.get(f"/spread/best-cases/{best_case['entry']}/start")
    assert "Kull Sør" in form.text and "no ambassadors yet" in form.text
    made = client.post(
        f"/spread/best-cases/{best_case['entry']}/start", data={"cohort": best_case["active"]}
    )
    assert made.status_code == 302
    with app.app_context():
        (copy,) = copies()
        assert (copy.title, copy.idea, copy.stage) == ("Fredagsgym", "Åpen hall.", "idea")
        assert copy.municipality_id == world.municipality_b and copy.is_draft
        assert copy.members == [] and copy.based_on_id == best_case["concept"]
        copy_id = copy.id
        # Renaming the original: the link follows.
        db.session.get(Concept, best_case["concept"]).title = "Fredagsgym 2.0"
        db.session.commit()
    shown = client.get(f"/concepts/{copy_id}").text
    assert "Fredagsgym 2.0" in shown and "Larvik" in shown and "Hemmelig" not in shown
    client.post("/logout")
    login(world.a["coordinator"])
    assert "Kristiansand" in client.get(f"/concepts/{best_case['concept']}").text
    with app.app_context():  # on both timelines, each in its own city's language
        said = dict(
            db.session.execute(
                select(TimelineEntry.concept_id, TimelineEntry.text).where(
                    TimelineEntry.concept_id.in_((copy_id, best_case["concept"])),
                    TimelineEntry.kind == "progress",
                )
            ).all()
        )
    assert said == {
        copy_id: "Startet fra Larviks «Fredagsgym».",
        best_case["concept"]: "Kristiansand startet et konsept fra dette.",
    }


def test_tried_in_counts_launched_copies_only(app, client, world, login, best_case):
    login(world.b["youth_worker"])
    client.post(
        f"/spread/best-cases/{best_case['entry']}/start", data={"cohort": best_case["active"]}
    )
    client.post("/logout")
    public = app.test_client()
    assert "Tried in" not in public.get(f"/guide/{best_case['slug']}").text
    with app.app_context():
        (copy,) = copies()
        copy.stage = ConceptStage.LAUNCHED
        db.session.commit()
    assert "Tried in 1 other city" in public.get(f"/guide/{best_case['slug']}").text


def test_refusals_write_nothing(app, client, world, login, best_case):
    login(world.b["coordinator"])
    url = f"/spread/best-cases/{best_case['entry']}/start"
    empty = client.post(url, data={"cohort": best_case["empty"]})
    assert empty.status_code == 400 and "has no ambassadors yet" in empty.text
    foreign = client.post(url, data={"cohort": "999999"})
    assert foreign.status_code == 400
    # Another city's unpublished entry is not there at all.
    assert client.get(f"/spread/best-cases/{best_case['draft']}/start").status_code == 404
    client.post("/logout")
    login(world.a["coordinator"])
    own = client.post(url, data={"cohort": best_case["active"]})
    assert own.status_code == 400
    draft = client.post(
        f"/spread/best-cases/{best_case['draft']}/start", data={"cohort": best_case["active"]}
    )
    assert draft.status_code == 400
    client.post("/logout")
    login(world.b["ambassador"])
    assert client.post(url, data={"cohort": best_case["active"]}).status_code == 403
    with app.app_context():
        assert copies() == []


def test_an_unpublished_entry_says_why(app, client, world, login, best_case):
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik, status="active")
        make_enrolment(cohort, make_ambassador(larvik))
        db.session.commit()
        own_cohort = cohort.id
    login(world.a["coordinator"])
    response = client.post(
        f"/spread/best-cases/{best_case['draft']}/start", data={"cohort": own_cohort}
    )
    assert "Only a published best case" in response.text
    with app.app_context():
        assert copies() == []
