"""Every edit form of the app, posted back exactly as it was rendered, changes nothing.

WTForms lets `obj=` win over `data=`: a field named like a relationship (a concept's
`members`, a cohort's `leads`) renders empty, and saving the untouched form then drops the
team or the leads. This walk opens each edit page as a person allowed to use it, reads the
form the way a browser would submit it (inputs, checked boxes and radios, selected options,
textareas, the default button), posts it back, and compares every table before and after.

The list of walked endpoints is checked against the app's routes: a new GET+POST route that
takes an id has to be walked here or named in NOT_EDIT_FORMS with the reason.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from allin.clock import now
from allin.enums import EnrolmentStatus
from allin.extensions import db
from allin.models import Municipality, User
from allin.text import slugify
from allin.training.services import ensure_feed
from tests.conftest import Person
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_enrolment,
    make_guide_entry,
)
from tests.training_factories import make_session

# GET+POST routes with an id that do not edit an existing object's fields, and why.
NOT_EDIT_FORMS = {
    "ambassadors.record_consent": "records a new consent",
    "ambassadors.data_copy_page": "hands over a copy (who asked, a password), edits nothing",
    "cohorts.enrol": "enrols a new person",
    "cohorts.hand_out": "hands out sign-in cards, edits nothing",
    "cohorts.import_upload": "uploads a new spreadsheet",
    "cohorts.import_preview": "confirms an import preview",
    "cohorts.withdraw": "withdraws an enrolment (an action with a reason)",
    "concepts.upload": "adds a new file",
    "concepts.reach": "records a new figure",
    "concepts.stage": "moves the stage (an action)",
    "concepts.write": "writes a new timeline entry",
    "concepts.new": "creates a concept",
    "spread.start": "creates a concept from another city's best case",
    "followup.check_in": "records a check-in, once (an action)",
    "surveys.answer": "records a new anonymous answer",
    "training.new": "creates a session",
    "cohorts.new": "creates a cohort",
    "admin.new_municipality": "creates a municipality",
    "ambassadors.erase": "erases a person (an action its page confirms), edits nothing",
}

# Bookkeeping that a save may touch without changing what was edited: the audit trail,
# sign-in state, change times, and a guide entry's version and revisions (every save of an
# entry is a revision, so that two editors notice each other) and so the guide's version.
IGNORED_TABLES = {
    "audit_event",
    "login_session",
    "login_failure",
    "guide_edition",
    "mail_job",
    "guide_revision",
}
IGNORED_COLUMNS = {"updated_at", "last_seen_at", "version"}


@dataclass(frozen=True)
class Case:
    who: Callable  # world -> Person
    url: Callable  # world -> the edit page's path, or (page, the path its form posts to)


def _person(user: User) -> Person:
    return Person(user.id, user.login, user.municipality_id)


def _municipality(world) -> Municipality:
    return db.session.get(Municipality, world.municipality_a)


def _cohort_with_two_leads(world) -> str:
    cohort = make_cohort(_municipality(world), description="Vår 2027, 9B")
    cohort.leads = [
        db.session.get(User, world.a["coordinator"].id),
        db.session.get(User, world.a["youth_worker"].id),
    ]
    return f"/cohorts/{cohort.id}/edit"


def _concept_with_team_and_mentor(world) -> str:
    municipality = _municipality(world)
    cohort = make_cohort(municipality, status="active")
    team = [
        make_enrolment(cohort, make_ambassador(municipality, name=name))
        for name in ("Ida Berg", "Ola Dahl")
    ]
    make_enrolment(cohort, make_ambassador(municipality, name="Kari Lund"))  # not on the team
    concept = make_concept(cohort, members=team, mentor_id=world.a["youth_worker"].id)
    return f"/concepts/{concept.id}/edit"


def _draft_concept(world) -> str:
    municipality = _municipality(world)
    cohort = make_cohort(municipality, status="active")
    member = make_enrolment(cohort, make_ambassador(municipality, name="Siri Moe"))
    concept = make_concept(
        cohort, members=[member], submitted=False, mentor_id=world.a["coordinator"].id
    )
    return f"/concepts/{concept.id}/edit"


def _concept_with_a_withdrawn_member(world) -> str:
    """A member withdrawn from the cohort is not on the form; saving leaves them as they are."""
    municipality = _municipality(world)
    cohort = make_cohort(municipality, status="active")
    stays, withdrawn = (
        make_enrolment(cohort, make_ambassador(municipality, name=name))
        for name in ("Nora Lie", "Emil Strand")
    )
    withdrawn.status, withdrawn.withdrawn_at = EnrolmentStatus.WITHDRAWN, now()
    concept = make_concept(cohort, members=[stays, withdrawn])
    return f"/concepts/{concept.id}/edit"


def _session_with_facilitator_and_tools(world) -> str:
    cohort = make_cohort(_municipality(world), status="active")
    ensure_feed(cohort)  # made with the cohort's first session
    tools = [
        make_guide_entry(status="published", kind="tool", title=title)
        for title in ("Idémyldring", "Intervju")
    ]
    starts = now().replace(second=0, microsecond=0) + timedelta(days=3)
    session = make_session(
        cohort,
        starts_at=starts,  # the form has minutes, not seconds
        place="Ungdomshuset",
        agenda="Velkommen\nIdémyldring",
        facilitator_id=world.a["youth_worker"].id,
    )
    from allin.models import SessionTool

    db.session.add_all(SessionTool(session_id=session.id, pair_key=t.pair_key) for t in tools)
    return f"/sessions/{session.id}/edit"


def _ambassador_record(world) -> str:
    municipality = _municipality(world)
    ambassador = make_ambassador(
        municipality,
        name="Åse Ødegård",
        school="Larvik ungdomsskole",
        phone="+47 912 34 567",
        email="ase@example.org",
        guardian_email="forelder@example.org",
    )
    make_enrolment(make_cohort(municipality), ambassador)
    return f"/ambassadors/{ambassador.id}/edit"


def _ambassador_on_hold(world) -> str:
    municipality = _municipality(world)
    ambassador = make_ambassador(
        municipality,
        name="Per Holm",
        hold_reason="Klagesak 2026/3 – «æøå»",
        hold_set_at=now() - timedelta(days=3),
        hold_set_by_id=world.a["coordinator"].id,
    )
    return f"/ambassadors/{ambassador.id}/hold"


def _municipality_settings(world) -> str:
    municipality = _municipality(world)
    municipality.photo_consent_age, municipality.digital_consent_age = 16, 14
    municipality.slug = slugify(municipality.name)  # as the app makes it (the factory does not)
    return f"/admin/municipalities/{municipality.id}/edit"


def _guide_entry(world) -> str:
    entry = make_guide_entry(
        municipality_id=world.municipality_a,
        status="published",
        kind="recommendation",
        tags=["intervju", "målgruppe"],
        body="## Slik gjør du\n\nSnakk med fem i målgruppa.",
    )
    return f"/guide/entries/{entry.id}/edit"


def _guide_synonyms(world) -> str:
    from allin.models import GuideSynonym

    db.session.add_all(
        [
            GuideSynonym(language="nb", words="foreldre, foresatte"),
            GuideSynonym(language="nb", words="mobbing, utestenging"),
            GuideSynonym(language="en", words="parents, guardians"),
        ]
    )
    return "/guide/synonyms"


def _user_role(world) -> tuple[str, str]:
    """The role form sits on the person's page and posts to its own route."""
    user_id = world.a["youth_worker"].id
    return f"/admin/users/{user_id}", f"/admin/users/{user_id}/role"


CASES = {
    "cohorts.edit": Case(lambda w: w.a["coordinator"], _cohort_with_two_leads),
    "concepts.edit": Case(lambda w: w.a["coordinator"], _concept_with_team_and_mentor),
    "training.edit": Case(lambda w: w.a["coordinator"], _session_with_facilitator_and_tools),
    "ambassadors.edit": Case(lambda w: w.a["coordinator"], _ambassador_record),
    "ambassadors.hold": Case(lambda w: w.a["coordinator"], _ambassador_on_hold),
    "admin.edit_municipality": Case(lambda w: w.admin, _municipality_settings),
    "guide.edit": Case(lambda w: w.a["coordinator"], _guide_entry),
    "guide.synonyms": Case(lambda w: w.admin, _guide_synonyms),
    "admin.change_role": Case(lambda w: w.a["coordinator"], _user_role),
}
# Further cases of a walked endpoint: (endpoint, who, page, button to press).
EXTRA_CASES = {
    "concepts.edit (draft, saved as a draft)": (
        "concepts.edit",
        Case(lambda w: w.a["youth_worker"], _draft_concept),
        ("action", "draft"),
    ),
    "concepts.edit (a member since withdrawn)": (
        "concepts.edit",
        Case(lambda w: w.a["coordinator"], _concept_with_a_withdrawn_member),
        None,
    ),
}


class FormReader(HTMLParser):
    """The forms of a page as a browser submits them: name/value pairs in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None  # (name, options, multiple)
        self._option = None
        self._textarea = None

    @property
    def _form(self):
        return self.forms[-1] if self.forms and self.forms[-1]["open"] else None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"open": True, "action": attrs.get("action") or "", "method": attrs.get("method")}
                | {"fields": [], "buttons": []}
            )
        elif self._form is None or "disabled" in attrs:
            return
        elif tag == "input":
            self._input(attrs)
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            self._form["buttons"].append((attrs.get("name"), attrs.get("value", "")))
        elif tag == "select":
            self._select = (attrs["name"], [], "multiple" in attrs)
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "selected" in attrs, ""]
            self._select[1].append(self._option)
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]

    def _input(self, attrs):
        kind = attrs.get("type", "text")
        name = attrs.get("name")
        if not name or kind in {"file", "button", "reset", "image"}:
            return
        if kind == "submit":
            self._form["buttons"].append((name, attrs.get("value", "")))
        elif kind in {"checkbox", "radio"}:
            if "checked" in attrs:
                self._form["fields"].append((name, attrs.get("value", "on")))
        else:
            self._form["fields"].append((name, attrs.get("value", "")))

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self._form["open"] = False
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self._close_select()
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            if text.startswith("\r\n"):  # the HTML parser drops a first line break
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self._form["fields"].append((name, text))
            self._textarea = None

    def _close_select(self):
        name, options, multiple = self._select
        chosen = [o for o in options if o[1]]
        if not chosen and not multiple and options:
            chosen = options[:1]  # a browser sends the first option
        for value, _selected, text in chosen:
            self._form["fields"].append((name, value if value is not None else text.strip()))
        self._select = None


def posted_as_rendered(html: str, path: str, button=None, page=None) -> list[tuple[str, str]]:
    """The POST body of the page's form that submits to `path`, pressing `button` (else the
    first submit button, as pressing Enter does)."""
    reader = FormReader()
    reader.feed(html)
    forms = [
        f
        for f in reader.forms
        if (f["method"] or "").lower() == "post"
        and (urlsplit(f["action"]).path or page or path) == path
    ]
    assert len(forms) == 1, f"{path}: expected one form posting to itself, found {len(forms)}"
    form = forms[0]
    pressed = button or (form["buttons"][0] if form["buttons"] else None)
    assert pressed is None or pressed in form["buttons"], f"{path}: no button {pressed}"
    body = list(form["fields"])
    if pressed is not None and pressed[0]:
        body.append(pressed)
    return body


def snapshot() -> dict:
    """Every row of every table, without bookkeeping (audit, sessions, change times)."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in IGNORED_TABLES:
            continue
        columns = [c for c in table.columns if c.name not in IGNORED_COLUMNS]
        state[table.name] = sorted(map(repr, db.session.execute(select(*columns)).all()))
    return state


def changes(before: dict, after: dict) -> dict:
    return {
        name: {
            "gone": sorted(set(rows) - set(after[name])),
            "new": sorted(set(after[name]) - set(rows)),
        }
        for name, rows in before.items()
        if rows != after[name]
    }


def errors_on(html: str) -> list[str]:
    return re.findall(r'class="[^"]*error[^"]*"[^>]*>\s*([^<]+)', html)


def _all_cases():
    for endpoint, case in CASES.items():
        yield pytest.param(endpoint, case, None, id=endpoint)
    for name, (endpoint, case, button) in EXTRA_CASES.items():
        yield pytest.param(endpoint, case, button, id=name)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.mark.parametrize(("endpoint", "case", "button"), list(_all_cases()))
def test_an_edit_form_posted_back_as_rendered_changes_nothing(
    app, client, world, login, endpoint, case, button
):
    with app.app_context():
        made = case.url(world)
        db.session.commit()
    page_path, path = made if isinstance(made, tuple) else (made, made)
    assert app.url_map.bind("localhost").match(path, method="POST")[0] == endpoint
    assert login(case.who(world)).status_code == 302
    page = client.get(page_path)
    assert page.status_code == 200, f"GET {page_path}"
    body = posted_as_rendered(page.get_data(as_text=True), path, button, page_path)
    with app.app_context():
        before = snapshot()
    response = client.post(path, data=MultiDict(body))
    assert response.status_code == 302, (
        f"{endpoint}: the unchanged form was refused: {errors_on(response.get_data(as_text=True))}"
    )
    with app.app_context():
        after = snapshot()
    diff = changes(before, after)
    assert diff == {}, f"{endpoint} changed what it did not edit: {diff}"


def _view_source(app, endpoint: str) -> str:
    """The view's source and that of the module's functions it calls (one level)."""
    view = inspect.unwrap(app.view_functions[endpoint])
    source = inspect.getsource(view)
    module = inspect.getmodule(view)
    for name, helper in vars(module).items():
        if inspect.isfunction(helper) and f"{name}(" in source and helper is not view:
            source += inspect.getsource(helper)
    return source


def test_every_edit_form_is_walked(app):
    """Each GET+POST route that takes an id is walked above or named as not an edit form,
    and every route whose view fills a form from an object (obj=) is walked."""
    walked = set(CASES)
    assert {endpoint for endpoint, _case, _button in EXTRA_CASES.values()} <= walked
    with_id, fills_from_object = set(), set()
    for rule in app.url_map.iter_rules():
        if not {"GET", "POST"} <= rule.methods:
            continue
        if any(argument.endswith("_id") for argument in rule.arguments):
            with_id.add(rule.endpoint)
        if "obj=" in _view_source(app, rule.endpoint):
            fills_from_object.add(rule.endpoint)
    unclassified = with_id - walked - set(NOT_EDIT_FORMS)
    assert not unclassified, f"walk these edit forms or name them in NOT_EDIT_FORMS: {unclassified}"
    assert fills_from_object <= walked | set(NOT_EDIT_FORMS), fills_from_object - walked
    assert not set(NOT_EDIT_FORMS) - with_id - fills_from_object, "NOT_EDIT_FORMS: a route is gone"
    assert walked <= {rule.endpoint for rule in app.url_map.iter_rules()}, "a route is gone"
