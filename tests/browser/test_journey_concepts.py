"""Concept journey at phone size, in bokmål and English, with axe on every page: an ambassador
signs in, creates a concept with a teammate, uploads a photo from the phone and moves it to
pitched; a youth worker gives feedback; the ambassador sees the unread marker and answers."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Team:
    ambassador: str
    youth_worker: str
    cohort_id: int
    teammate_enrolment_id: int


@pytest.fixture
def team(live_server) -> Team:
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
        municipality = make_municipality("Larvik")
        worker = make_user(Role.YOUTH_WORKER, municipality, name="Jonas Haugland")
        user = make_user(Role.AMBASSADOR, municipality, name="Tuva Lien", username="tuva")
        cohort = make_cohort(municipality, name="Kull 2027", status="active")
        cohort.leads = [worker]
        tuva = make_ambassador(municipality, name="Tuva Lien", user_id=user.id)
        aksel = make_ambassador(municipality, name="Aksel Moen")
        make_enrolment(cohort, tuva)
        teammate = make_enrolment(cohort, aksel)
        db.session.commit()
        return Team("tuva", worker.email, cohort.id, teammate.id)


def phone_photo() -> dict:
    """A photo as a phone takes it: sideways, with the place it was taken in its EXIF."""
    image = Image.new("RGB", (64, 48), (40, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 3.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return {"name": "Bilde_æøå.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def submit(page, selector="main form.form [type=submit]"):
    page.locator(selector).first.click()


def sign_in(checked, login):
    page = checked.page
    page.goto("/login")
    checked.check("login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    submit(page)
    expect(page).to_have_url(re.compile(r"/$"))
    checked.check("home")


def open_board(checked, team):
    """The staff board (columns on a desktop, grouped list on a phone) and its filters, and the
    cohort's concept counts linking to it."""
    page = checked.page
    checked.header_link("/concepts/").click()
    checked.check("board")
    expect(page.locator("#stage-pitched")).to_be_visible()
    page.select_option("#filter-stage", "pitched")
    page.locator("main form.board-filters button").click()
    expect(page.locator(".board__column")).to_have_count(1)
    checked.check("board-filtered")
    page.goto(f"/cohorts/{team.cohort_id}")
    checked.check("cohort-staff")
    page.locator(f"main a[href='/concepts/?cohort={team.cohort_id}&stage=pitched']").click()
    expect(page.locator(".board__card")).to_have_count(1)
    checked.check("board-from-cohort")
    page.goto(f"/cohorts/{team.cohort_id}")
    page.locator(f".cohort-tabs a[href='/cohorts/{team.cohort_id}/concepts']").click()
    expect(page.locator("main .concept-lines li")).not_to_have_count(0)
    checked.check("cohort-concepts")


@pytest.mark.parametrize("checked", PHONE, indirect=True)
def test_a_team_takes_a_concept_to_pitched_and_hears_back(checked, team):
    page = checked.page
    sign_in(checked, team.ambassador)
    page.goto(f"/cohorts/{team.cohort_id}")
    checked.check("cohort")
    page.locator(f"main a[href='/concepts/new/{team.cohort_id}']").click()
    checked.check("concept-new")

    # A title is needed: the long text survives the mistake.
    page.fill("#challenge", "Det er få steder å være på fredagskvelder.\nMange blir hjemme.")
    page.fill("#idea", "Åpen hall med musikk og mat, drevet av oss.")
    page.locator("input[name=format][value=offline]").check()
    page.locator(f"input[name=members][value='{team.teammate_enrolment_id}']").check()
    submit(page, "main button[value=submit]")
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#idea")).to_have_value("Åpen hall med musikk og mat, drevet av oss.")
    checked.check("concept-new-error")

    page.fill("#title", "Fredagskveld i hallen")
    submit(page, "main button[value=submit]")
    expect(page).to_have_url(re.compile(r"/concepts/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fredagskveld i hallen")
    expect(page.locator("main")).to_contain_text("Aksel Moen")
    checked.check("concept")
    concept_url = page.url

    page.locator("main a[href$='/files']").click()
    checked.check("upload")
    page.set_input_files("#file", phone_photo())
    submit(page)
    expect(page).to_have_url(re.compile(r"/concepts/\d+#files$"))
    expect(page.locator(".attachment__name")).to_contain_text("Bilde_æøå.jpg")
    photo = page.locator(".attachment img")
    expect(photo).to_be_visible()
    # decode(): wait until the picture has arrived (visible is not loaded, on a busy machine)
    size = photo.evaluate("(img) => img.decode().then(() => [img.naturalWidth, img.naturalHeight])")
    assert size == [48, 64]  # turned upright
    checked.check("concept-with-photo")

    for stage in ("developing", "pitched"):
        page.locator(f"main button[name=to][value={stage}]").click()
        expect(page.locator(".flash--success")).to_be_visible()
        checked.check(f"concept-{stage}")
    expect(page.locator(".stage--pitched")).to_be_visible()
    checked.sign_out()

    sign_in(checked, team.youth_worker)
    page.goto(concept_url)
    checked.check("concept-staff")
    page.locator("main a[href$='/write']").click()
    checked.check("feedback")
    page.fill("#text", "Sterk pitch! Snakk med fritidsklubben om lokaler.")
    submit(page)
    expect(page.locator(".timeline__entry--feedback")).to_contain_text("Sterk pitch!")
    checked.check("concept-feedback")
    open_board(checked, team)
    checked.sign_out()

    sign_in(checked, team.ambassador)
    expect(page.locator(".cohort-card--unread .badge--new")).to_be_visible()
    checked.check("home-unread")
    page.locator("main .cohort-card--unread a").click()
    expect(page.locator(".timeline__entry--new")).to_contain_text("Sterk pitch!")
    checked.check("concept-unread")
    page.locator("main .timeline__entry--feedback a[href$='answer=1']").click()
    checked.check("answer")
    page.fill("#text", "Takk! Vi ringer dem i morgen.")
    submit(page)
    expect(page.locator(".timeline__entry--answer")).to_contain_text("Vi ringer dem")
    expect(page.locator(".timeline__entry--new")).to_have_count(0)
    checked.check("concept-answered")
    page.goto("/")
    expect(page.locator(".cohort-card--unread")).to_have_count(0)
    checked.check("home-read")


@pytest.mark.parametrize("checked", [("phone", "nb-NO")], indirect=True)
def test_a_long_text_survives_an_expired_sign_in(checked, team):
    """The sign-in ends while the ambassador writes: after signing in again the form is back
    with the text (kept in the tab by static/js/keep-text.js), and sending it works."""
    page = checked.page
    sign_in(checked, team.ambassador)
    page.goto(f"/concepts/new/{team.cohort_id}")
    checked.check("concept-new")
    idea = "En lang tekst om ideen vår. " * 40
    page.fill("#title", "Kafé uten krav")
    page.fill("#idea", idea)
    page.context.clear_cookies()  # the sign-in has expired
    page.locator("main button[value=submit]").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    checked.check("login-again")
    page.fill("#login", team.ambassador)
    page.fill("#password", PASSWORD)
    submit(page)
    expect(page).to_have_url(re.compile(rf"/concepts/new/{team.cohort_id}$"))
    expect(page.locator("#idea")).to_have_value(idea)
    expect(page.locator("#title")).to_have_value("Kafé uten krav")
    expect(page.locator("main form .notice")).to_be_visible()
    checked.check("concept-new-restored")
    page.locator("main button[value=submit]").click()
    expect(page).to_have_url(re.compile(r"/concepts/\d+$"))
    checked.check("concept-saved")
    page.goto(f"/concepts/new/{team.cohort_id}")
    expect(page.locator("#idea")).to_have_value("")  # the kept copy is gone once saved
    checked.check("concept-new-empty")


@pytest.mark.parametrize("checked", [("phone", "nb-NO")], indirect=True)
def test_kept_text_is_never_shown_to_someone_else(checked, team, live_server):
    """A shared computer: Tuva's sign-in runs out while she writes, and Sander signs in in the
    same tab. He gets an empty form - what she typed is dropped, not restored for him."""
    from allin.enums import Role
    from allin.extensions import db
    from allin.models import Cohort
    from tests.factories import make_ambassador, make_enrolment, make_user

    with live_server.app.app_context():
        cohort = db.session.get(Cohort, team.cohort_id)
        user = make_user(
            Role.AMBASSADOR, cohort.municipality, name="Sander Berg", username="sander"
        )
        sander = make_ambassador(cohort.municipality, name="Sander Berg", user_id=user.id)
        make_enrolment(cohort, sander)
        db.session.commit()
    page = checked.page
    sign_in(checked, team.ambassador)
    page.goto(f"/concepts/new/{team.cohort_id}")
    page.fill("#idea", "Tuvas tanker om kullet. " * 20)
    page.context.clear_cookies()
    page.locator("main button[value=submit]").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    checked.check("login-someone-else")
    page.fill("#login", "sander")
    page.fill("#password", PASSWORD)
    submit(page)
    expect(page).to_have_url(re.compile(rf"/concepts/new/{team.cohort_id}$"))
    expect(page.locator("#idea")).to_have_value("")
    expect(page.locator("main form .notice")).to_have_count(0)
    # keep-text.js drops what another person kept once it runs: wait for it (a busy machine
    # runs the script after the field is already empty); if it never does, this times out.
    page.wait_for_function("() => !JSON.stringify(sessionStorage).includes('Tuvas')")
    checked.check("concept-new-other-person")


@pytest.mark.parametrize("checked", [("desktop", "en-GB")], indirect=True)
def test_the_board_on_a_desktop(checked, team, live_server):
    """Columns by stage on a wide screen; a concept page with reach figures beside their chart."""
    from datetime import timedelta

    from allin.clock import now
    from allin.enums import ReachKind
    from allin.extensions import db
    from allin.models import Cohort, Enrolment, ReachFigure
    from tests.factories import make_concept, make_timeline_entry

    with live_server.app.app_context():
        cohort = db.session.get(Cohort, team.cohort_id)
        teammate = db.session.get(Enrolment, team.teammate_enrolment_id)
        for n, stage in enumerate(["idea", "developing", "pitched", "launched", "sustained"]):
            concept = make_concept(cohort, members=[teammate], stage=stage, title=f"Konsept {n}")
            make_timeline_entry(concept, kind="feedback", text="Fin idé")
        for month, value in enumerate((30, 80, 200, 260)):
            db.session.add(
                ReachFigure(
                    concept_id=concept.id,
                    kind=ReachKind.USERS,
                    value=value,
                    measured_on=now().date() - timedelta(days=30 * (4 - month)),
                )
            )
        db.session.commit()
        concept_id = concept.id
    page = checked.page
    sign_in(checked, team.youth_worker)
    open_board(checked, team)
    page.goto(f"/concepts/{concept_id}")
    expect(page.locator(".reach__chart")).to_be_visible()
    checked.check("concept-reach")
