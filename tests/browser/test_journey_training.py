"""Training journeys in Chromium, bokmål and English, axe on every page: a coordinator creates
a cohort's sessions from the programme and moves one; a youth worker takes the roll call of 25
ambassadors on a 360 px phone, with JavaScript (background saves, a lost connection) and
without it; a coordinator reads the dashboard and follows an early warning; an ambassador sees
their next session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import sign_in, submit

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
BOTH = [("phone", "nb-NO"), ("desktop", "en-GB")]
TEXT = {
    "nb": {
        "saved": "Lagret",
        "failed": "Ikke lagret ennå",
        "absent": "Fraværende",
        "used": "Brukt i 1 økt i nettverket.",
    },
    "en": {
        "saved": "Saved",
        "failed": "Not saved yet",
        "absent": "Absent",
        "used": "Used in 1 training session across the network.",
    },
}


@dataclass(frozen=True)
class Town:
    coordinator: str
    youth_worker: str
    ambassador: str
    empty_cohort: int
    cohort: int
    today_session: int
    warned: int
    warned_name: str


@pytest.fixture
def town(live_server) -> Town:
    from allin.clock import now
    from allin.enums import Role
    from allin.extensions import db
    from allin.guide.seed import load_starter_guide
    from allin.training.services import ensure_feed
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_enrolment,
        make_municipality,
        make_user,
    )
    from tests.training_factories import make_attendance, make_session

    with live_server.app.app_context():
        municipality = make_municipality("Larvik")
        coordinator = make_user(Role.COORDINATOR, municipality, name="Marte Solberg")
        worker = make_user(Role.YOUTH_WORKER, municipality, name="Jonas Haugland")
        ambassador_user = make_user(Role.AMBASSADOR, municipality, username="tuva.l", name="Tuva")
        empty = make_cohort(
            municipality, name="Høst 2027", starts_on=date(2027, 8, 23), ends_on=date(2027, 12, 20)
        )
        cohort = make_cohort(municipality, name="Kull 2026", status="active")
        first_names = ["Ingrid", "Sindre", "Marte", "Eirik", "Solveig", "Håkon", "Tuva", "Magnus"]
        enrolments = []
        for n in range(25):
            name = f"{first_names[n % len(first_names)]} Nummer{n:02d}"
            person = make_ambassador(
                municipality,
                name=name,
                phone="+47 0123 45 67",
                user_id=ambassador_user.id if n == 6 else None,
            )
            enrolments.append(
                make_enrolment(cohort, person, enrolled_at=now() - timedelta(days=90))
            )
        values = ["present", "present", "late", "excused", "present", "absent"]
        for back in (60, 45, 30, 14):
            session = make_session(cohort, days=-back, title=f"Verksted for {back} dager siden")
            for n, enrolment in enumerate(enrolments):
                dropping = n == 2 and back <= 30
                make_attendance(session, enrolment, "absent" if dropping else values[n % 6])
        today = make_session(
            cohort,
            starts_at=now() - timedelta(minutes=10),
            title="Prototyping",
            place="Kulturhuset",
        )
        make_session(
            cohort,
            days=7,
            title="Pitch for ordføreren",
            place="Rådhuset",
            agenda="- Gruppene pitcher\n- **Feiring**",
        )
        ensure_feed(cohort)
        load_starter_guide()  # the programme's sessions list its tools
        db.session.commit()
        warned = enrolments[2].ambassador
        return Town(
            coordinator.email,
            worker.email,
            "tuva.l",
            empty.id,
            cohort.id,
            today.id,
            warned.id,
            warned.name,
        )


def lang(checked) -> str:
    return "en" if checked.prefix.endswith("-en") else "nb"


@pytest.mark.parametrize("checked", PHONE, indirect=True)
def test_coordinator_creates_sessions_from_the_programme_and_moves_one(checked, town):
    page = checked.page
    sign_in(checked, town.coordinator)
    page.goto(f"/cohorts/{town.empty_cohort}")
    checked.check("empty-cohort")
    page.locator("main form[action$='/sessions/from-programme'] button").click()
    expect(page).to_have_url(re.compile(r"/sessions$"))
    expect(page.locator(".flash--success")).to_contain_text("12")
    expect(page.locator("#upcoming-heading + .session-list > li")).to_have_count(12)
    checked.check("sessions-from-programme")

    page.locator(".session-card__title a").first.click()
    expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    expect(page.locator(".session-tools a")).to_have_count(2)  # the kick-off camp's tools
    checked.check("session-detail")
    page.locator("main a[href$='/edit']").click()
    checked.check("session-edit")
    expect(page.locator("input[name=tools]:checked")).to_have_count(2)
    page.locator("input[name=tools]:checked").first.uncheck()
    expect(page.locator("#starts")).to_have_value("2027-08-23T10:00")
    page.fill("#starts", "2027-08-27T10:00")
    page.fill("#ends", "2027-08-26T16:00")  # a mistake first: the end before the start
    submit(page)
    expect(page.locator("#ends-error")).to_be_visible()
    checked.check("session-edit-error")
    page.fill("#ends", "2027-08-28T16:00")
    page.fill("#place", "Stavern leirsted")
    submit(page)
    expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    expect(page.locator("main .facts")).to_contain_text("Stavern leirsted")
    expect(page.locator("main .facts")).to_contain_text("10:00")
    expect(page.locator(".session-tools a")).to_have_count(1)
    checked.check("session-moved")
    page.locator(".session-tools a").click()
    expect(page.locator(".guide-entry__used")).to_have_text(TEXT[lang(checked)]["used"])
    checked.check("guide-tool-used")


@pytest.mark.parametrize("checked", PHONE, indirect=True)
def test_youth_worker_takes_the_roll_call_of_25_on_a_phone(checked, town, live_server):
    """With JavaScript: each tap saves in the background and says so; a tap made while the
    connection is gone is shown as not saved, kept and sent when it comes back."""
    page = checked.page
    text = TEXT[lang(checked)]
    sign_in(checked, town.youth_worker)
    # The home starts with the day: today's session, its roll call one tap away (issue 22).
    page.goto("/")
    expect(page.locator("#day-heading")).to_be_visible()
    expect(page.locator("#attention-heading")).to_be_visible()  # the early warning of Kull 2026
    checked.check("home-day")
    page.locator(f"main a[href='/sessions/{town.today_session}/roll-call']").click()
    expect(page).to_have_url(re.compile(rf"/sessions/{town.today_session}/roll-call$"))
    checked.check("roll-call")
    rows = page.locator(".roll-row")
    expect(rows).to_have_count(25)
    # One line a person at 360 px: the name beside its four 44 px choices, so that at least
    # eight people fit a phone's screen (issue 22).
    first_row, name = rows.nth(0).bounding_box(), rows.nth(0).locator("legend").bounding_box()
    buttons = rows.nth(0).locator("button[name=value]")
    for n in range(4):
        box = buttons.nth(n).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        assert box["y"] < name["y"] + name["height"] and box["x"] > name["x"] + name["width"] - 1
    assert first_row["height"] * 8 <= page.viewport_size["height"] - 90, first_row
    # The name filter keeps the matching rows as one types; clearing it brings all back.
    page.fill("[data-roll-filter]", "nummer07")
    expect(page.locator(".roll-row:visible")).to_have_count(1)
    page.fill("[data-roll-filter]", "zzz")
    expect(page.locator("[data-roll-none]")).to_be_visible()
    page.fill("[data-roll-filter]", "")
    expect(page.locator(".roll-row:visible")).to_have_count(25)
    values = ["present", "late", "present", "excused", "present"]
    for n in range(24):  # the last one is left for "mark the rest absent"
        row = rows.nth(n)
        row.locator(f"button[value={values[n % 5]}]").click()
        expect(row.locator("[data-status]")).to_contain_text(text["saved"])
    assert page.url.endswith("/roll-call")  # no page loads: saved in the background

    # The connection drops: the tap is kept and shown as failed, then sent when back online.
    page.context.set_offline(True)
    corrected = rows.nth(0)
    corrected.locator("button[value=late]").click()
    expect(corrected.locator("[data-status]")).to_contain_text(text["failed"])
    expect(corrected).to_have_attribute("data-state", "failed")
    expect(page.locator("[data-roll-banner]")).to_be_visible()  # for the whole page
    expect(page.locator("[data-roll-banner]")).to_contain_text("1")
    checked.shoot("roll-call-offline")
    page.context.set_offline(False)
    expect(corrected.locator("[data-status]")).to_contain_text(text["saved"], timeout=20000)
    expect(page.locator("[data-roll-banner]")).to_be_hidden()

    # The sign-in ran out: the server answers with a page, not a saved row. The row says what
    # to do and shows again what is really recorded (late), not the tap that was not saved.
    second = rows.nth(1)
    page.route(
        "**/roll-call/*",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Sign in</h1>"),
    )
    second.locator("button[value=excused]").click()
    reload = {"nb": "last inn siden", "en": "reload the page"}[lang(checked)]
    expect(second.locator("[data-status]")).to_contain_text(reload)
    expect(second.locator("button[value=late]")).to_have_attribute("aria-pressed", "true")
    expect(second.locator("button[value=excused]")).to_have_attribute("aria-pressed", "false")
    page.unroute("**/roll-call/*")

    page.locator("main form[action$='/rest-absent'] button").click()
    expect(page.locator("h1")).to_contain_text(
        {"nb": "Registrere 1 ambassadør som fraværende?", "en": "Mark 1 ambassador as absent?"}[
            lang(checked)
        ]
    )
    checked.check("roll-call-rest-absent-confirm")
    page.locator("main .confirm__actions button").click()
    expect(page.locator(".flash--success")).to_be_visible()
    checked.check("roll-call-done")
    last = page.locator(".roll-row").nth(24)
    expect(last.locator("button[value=absent]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".roll-row").nth(0).locator("button[value=late]")).to_have_attribute(
        "aria-pressed", "true"
    )
    _assert_rows(live_server, town, expected=25, first="late")


def _assert_rows(live_server, town, expected, first):
    from sqlalchemy import select

    from allin.extensions import db
    from allin.models import Ambassador, Attendance, Enrolment

    with live_server.app.app_context():
        rows = db.session.execute(
            select(Ambassador.name, Attendance.value)
            .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
            .where(Attendance.session_id == town.today_session)
            .order_by(Ambassador.name_key)
        ).all()
    assert len(rows) == expected
    assert str(rows[0][1]) == first


@pytest.mark.parametrize("checked", PHONE, indirect=True)
def test_roll_call_works_without_javascript(checked, town, live_server):
    page = checked.page
    page.route("**/js/roll-call.js", lambda route: route.abort())
    sign_in(checked, town.youth_worker)
    page.goto(f"/sessions/{town.today_session}/roll-call")
    checked.check("roll-call-no-js")
    page.fill("#roll-filter", "Nummer03")  # without JavaScript the filter is a search
    with page.expect_navigation():
        page.locator("[data-roll-filter-submit]").click()
    expect(page.locator(".roll-row")).to_have_count(1)
    checked.check("roll-call-no-js-filtered")
    page.goto(f"/sessions/{town.today_session}/roll-call")
    first = page.locator(".roll-row").nth(0)
    with page.expect_navigation():
        first.locator("button[value=excused]").click()
    expect(page).to_have_url(re.compile(r"/roll-call#row-\d+$"))
    first = page.locator(".roll-row").nth(0)
    expect(first.locator("button[value=excused]")).to_have_attribute("aria-pressed", "true")
    with page.expect_navigation():
        first.locator("button[value=present]").click()  # a correction
    expect(page.locator(".roll-row").nth(0).locator("button[value=present]")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.locator("main form[action$='/rest-absent'] button").click()
    checked.check("roll-call-no-js-rest-absent-confirm")
    page.locator("main .confirm__actions button").click()
    expect(page.locator(".flash--success")).to_be_visible()
    checked.check("roll-call-no-js-done")
    _assert_rows(live_server, town, expected=25, first="present")


@pytest.mark.parametrize("checked", BOTH, indirect=True)
def test_coordinator_reads_the_dashboard_and_follows_an_early_warning(checked, town):
    page = checked.page
    sign_in(checked, town.coordinator)
    page.goto("/cohorts/")
    checked.check("cohort-list")
    page.locator("main a[href='/cohorts/overview']").click()
    checked.check("overview")
    page.locator("main a.rtable__link", has_text="Kull 2026").click()
    expect(page.locator("#progress-heading")).to_be_visible()
    chart = page.locator("svg.chart__svg")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    page.locator("details.chart-table summary").click()  # the numbers, folded under the chart
    expect(page.locator("#chart-table-caption")).to_be_visible()
    checked.check("dashboard")
    checked.shoot("chart", chart)
    warning = page.locator(".warning-list a", has_text=town.warned_name)
    expect(warning).to_have_count(1)
    warning.click()
    expect(page).to_have_url(re.compile(rf"/ambassadors/{town.warned}$"))
    expect(page.locator("main")).to_contain_text("+47 0123 45 67")
    checked.check("warned-ambassador")


@pytest.mark.parametrize("checked", PHONE, indirect=True)
def test_youth_worker_says_everyone_is_here_then_taps_the_one_who_is_not(checked, town):
    """Issue 22: one tap for the room, then the exceptions."""
    page = checked.page
    text = TEXT[lang(checked)]
    sign_in(checked, town.youth_worker)
    page.goto(f"/sessions/{town.today_session}/roll-call")
    checked.check("roll-call-start")
    page.locator("main form.roll-call__everyone button").click()
    expect(page.locator(".flash--success")).to_contain_text("25")
    expect(page.locator("main form.roll-call__everyone")).to_have_count(0)
    checked.check("roll-call-everyone")
    row = page.locator(".roll-row").nth(3)
    row.locator("button[value=absent]").click()
    expect(row.locator("[data-status]")).to_contain_text(text["saved"])
    expect(row.locator("button[value=absent]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".roll-row button[value=present][aria-pressed=true]")).to_have_count(24)


@pytest.mark.parametrize("checked", PHONE, indirect=True)
def test_ambassador_sees_their_next_session(checked, town):
    page = checked.page
    sign_in(checked, town.ambassador)
    expect(page.locator("#my-sessions-heading")).to_be_visible()
    card = page.locator(".session-card", has_text="Pitch for ordføreren")
    expect(card).to_contain_text("Rådhuset")
    card.locator("summary").click()
    expect(card.locator(".prose strong")).to_have_text("Feiring")
    expect(page.locator("#my-attendance-heading")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Nummer02")  # nobody else's attendance
    checked.check("ambassador-home-sessions")
    card.locator(".session-card__title a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pitch for ordføreren")
    expect(page.locator("main a[href$='/roll-call']")).to_have_count(0)
    checked.check("ambassador-session")
    page.goto(f"/cohorts/{town.cohort}")
    expect(page.locator("main input.selectable")).to_have_value(re.compile(r"/calendar/.+\.ics$"))
    checked.check("ambassador-cohort-calendar")
