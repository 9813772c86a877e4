"""Measuring effect in Chromium (issue 24): a youth worker opens a cohort's kick-off round on a
phone and shows its QR code and code word; six ambassadors answer on phones (360 px) through
the code-word page, one phone after another; with four answers the results say that there are
not enough yet, with six they show the round, and after the end round the change before and
after; a network admin finds the change in the report's effect section."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import named, sign_in, submit

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
TEXT = {
    "nb": {
        "not_enough": "Ikke nok svar ennå",
        "before_after": "Før og etter",
        "saved": "Svaret ditt er lagret",
        "code_word": "Kodeord",
    },
    "en": {
        "not_enough": "Not enough answers yet",
        "before_after": "Before and after",
        "saved": "Your answer is saved",
        "code_word": "Code word",
    },
}
SCORES = {"kick_off": (2, 3, 2, 1, 3), "end": (4, 4, 3, 4, 4)}


@pytest.fixture
def group(live_server):
    """Larvik's active cohort of six ambassadors (without logins: they answer with the code
    word), its youth worker, and the network's admin."""
    from allin.enums import Role
    from allin.extensions import db
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_enrolment,
        make_municipality,
        make_user,
    )

    with live_server.app.app_context():
        larvik = make_municipality("Larvik")
        worker = make_user(Role.YOUTH_WORKER, larvik, name="Jonas Haugland")
        admin = make_user(Role.NETWORK_ADMIN, name="Nora Nettverk")
        cohort = make_cohort(larvik, name="Kull 2027", status="active")
        for n in range(6):
            make_enrolment(cohort, make_ambassador(larvik, age=15, name=f"Ung Person{n}"))
        db.session.commit()
        return worker.email, admin.email, cohort.id


def open_round(checked, cohort_id: int, kind: str) -> str:
    """Open the round of `kind` from the cohort's self-assessment page; its code word."""
    page = checked.page
    page.goto(f"/surveys/cohorts/{cohort_id}")
    checked.check(f"cohort-before-{kind}")
    page.locator(f"input[name=kind][value={kind}]").check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/surveys/rounds/\d+/show$"))
    checked.check(f"show-{kind}")
    assert page.locator(".handover__qr svg").count() == 1
    return page.locator(".code-word").inner_text().strip()


def answer(checked, code: str, scores, n: int, saved: str, kind: str = "kick_off") -> None:
    """One ambassador's phone: the code-word page, the statements, the thank-you."""
    page = checked.page
    # Another phone: forget this round's cookie (the worker stays signed in).
    page.context.clear_cookies(name=re.compile(r"^allin_survey_"))
    page.goto("/surveys/answer")
    if n == 0:
        checked.check(f"code-word-{kind}")
    page.fill("#code_word", code.lower())
    submit(page)
    expect(page).to_have_url(re.compile(r"/surveys/a/"))
    if n == 0:
        checked.check(f"answer-{kind}")
    for question, score in zip(
        ("belong", "safe", "speak_up", "idea", "heard"), scores, strict=True
    ):
        page.locator(f"#{question}-{score - 1}").check()
    if n == 0 and kind == "kick_off":
        page.fill("#comment", "Kult å lage noe for byen")
    submit(page)
    expect(page.locator("main")).to_contain_text(saved)
    if n == 0:
        checked.check(f"thanks-{kind}")


@pytest.mark.parametrize("checked", [*PHONE, ("desktop", "en-GB")], indirect=True, ids=named)
def test_six_ambassadors_answer_before_and_after(checked, group):
    worker, admin, cohort_id = group
    page, lang = checked.page, checked.prefix.rsplit("-", 1)[1]
    text = TEXT[lang]
    sign_in(checked, worker)
    code = open_round(checked, cohort_id, "kick_off")
    for n in range(4):
        answer(checked, code, SCORES["kick_off"], n, text["saved"])
    page.goto(f"/surveys/cohorts/{cohort_id}")
    checked.check("results-4")
    expect(page.locator("main")).to_contain_text(text["not_enough"])
    for n in range(4, 6):
        answer(checked, code, SCORES["kick_off"], n, text["saved"])
    page.goto(f"/surveys/cohorts/{cohort_id}")
    checked.check("results-6")
    expect(page.locator("main")).not_to_contain_text(text["not_enough"])
    expect(page.locator("main")).to_contain_text("Kult å lage noe for byen")

    code = open_round(checked, cohort_id, "end")
    assert code
    for n in range(6):
        answer(checked, code, SCORES["end"], n, text["saved"], kind="end")
    page.goto(f"/surveys/cohorts/{cohort_id}")
    checked.check("results-before-after")
    expect(page.locator("main")).to_contain_text(text["before_after"])
    change = page.locator("table.survey-results").first.locator("tbody tr").first
    expect(change.locator("td").nth(2)).to_have_text(re.compile(r"\+2[,.]0"))

    checked.sign_out()
    sign_in(checked, admin)
    page.goto("/reports/")
    checked.check("report")
    section = page.locator("section.report-effect")
    expect(section).to_contain_text(re.compile(r"\+2[,.]0"))
    expect(section).not_to_contain_text("Kult å lage noe for byen")


@pytest.fixture
def launched(live_server):
    """Larvik's launched concept whose 3-month check-in fell due (the clock moved on: its day
    is in the past) and was told to its owner by `flask notify`'s function."""
    from datetime import timedelta

    from allin.enums import Role
    from allin.extensions import db
    from allin.models import ConceptCheckIn
    from allin.notifications.services import checkins_due
    from allin.training.times import today
    from tests.factories import make_cohort, make_concept, make_municipality, make_user

    with live_server.app.app_context():
        larvik = make_municipality("Larvik")
        owner = make_user(Role.YOUTH_WORKER, larvik, name="Jonas Haugland")
        cohort = make_cohort(larvik, name="Kull 2027", status="active")
        concept = make_concept(cohort, stage="launched", title="Fredagsgym")
        db.session.add(
            ConceptCheckIn(
                municipality_id=larvik.id,
                concept_id=concept.id,
                owner_id=owner.id,
                months=3,
                due_on=today() - timedelta(days=1),
            )
        )
        db.session.flush()
        checkins_due()
        db.session.commit()
        return owner.email, concept.id


CHECK_IN = {
    "en": ("Time to check in on “Fredagsgym”", "Do the check-in"),
    "nb": ("Tid for oppfølging av «Fredagsgym»", "Gjør oppfølgingen"),
}
SPREAD = {
    "en": ("Start this in our city", "Based on Larvik's “Fredagsgym”", "Kristiansand"),
    "nb": ("Start dette i vår by", "Bygger på «Fredagsgym» fra Larvik", "Kristiansand"),
}
BOTH = [("phone", "en-GB"), ("desktop", "nb-NO")]


@pytest.mark.parametrize("checked", BOTH, indirect=True, ids=named)
def test_the_owner_completes_a_due_check_in(checked, launched):
    owner, concept_id = launched
    page = checked.page
    notice, link = CHECK_IN[checked.prefix.rsplit("-", 1)[1]]
    sign_in(checked, owner)
    page.goto("/notifications/")
    checked.check("notifications")
    page.get_by_text(notice).click()
    expect(page).to_have_url(re.compile(rf"/concepts/{concept_id}$"))
    checked.check("concept-due")
    page.get_by_role("link", name=link).click()
    checked.check("check-in")
    page.locator("input[name=status][value=running]").check()
    page.fill("#reach", "140")
    page.fill("#note", "Fullt hver fredag")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/concepts/{concept_id}$"))
    checked.check("concept-done")
    expect(page.locator("#followup-heading + ul")).to_contain_text("Fullt hver fredag")


@pytest.fixture
def two_cities(live_server):
    """Larvik's published best case about a launched concept, and Kristiansand's coordinator
    with an active cohort of two."""
    from allin.enums import Role
    from allin.extensions import db
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_concept,
        make_enrolment,
        make_guide_entry,
        make_municipality,
        make_user,
    )

    with live_server.app.app_context():
        larvik, kristiansand = make_municipality("Larvik"), make_municipality("Kristiansand")
        larvik_lead = make_user(Role.COORDINATOR, larvik, name="Marte Solberg")
        cohort = make_cohort(larvik, status="active")
        concept = make_concept(cohort, stage="launched", title="Fredagsgym", idea="Åpen hall.")
        entry = make_guide_entry(
            municipality_id=larvik.id,
            title="Fredagsgym i Larvik",
            kind="best_case",
            phase="launch",
            status="published",
            concept_id=concept.id,
        )
        coordinator = make_user(Role.COORDINATOR, kristiansand, name="Per Sørli")
        south = make_cohort(kristiansand, status="active", name="Kull Sør")
        for n in range(2):
            make_enrolment(south, make_ambassador(kristiansand, name=f"Ung Sør{n}"))
        db.session.commit()
        return coordinator.email, larvik_lead.email, entry.slug, concept.id


@pytest.mark.parametrize("checked", BOTH, indirect=True, ids=named)
def test_kristiansand_starts_a_larvik_best_case(checked, two_cities):
    coordinator, larvik_lead, slug, original = two_cities
    page = checked.page
    start, based_on, city = SPREAD[checked.prefix.rsplit("-", 1)[1]]
    sign_in(checked, coordinator)
    page.goto(f"/guide/{slug}")
    checked.check("best-case")
    page.get_by_role("link", name=start).click()
    checked.check("start")
    page.get_by_label(re.compile("Kull Sør")).check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/concepts/\d+$"))
    checked.check("copy")
    expect(page.locator("main")).to_contain_text(based_on)
    checked.sign_out()
    sign_in(checked, larvik_lead)
    page.goto(f"/concepts/{original}")
    checked.check("original")
    expect(page.locator("#provenance-heading + p")).to_contain_text(city)
