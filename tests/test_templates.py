"""Templates only show: no access rule, scope or query is called from one (issue 26.2).

Views decide who may do what (once per page, in Python) and pass plain flags; rows arrive with
their allowed actions from the selector. A rule called from a template runs once per row and
hides a decision where no test of the route looks for it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from allin.access import GRANTS, Perm
from allin.enums import ConceptStage, Role
from allin.extensions import db
from allin.models import Concept, GuideEntry

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

# can(…), visible(…), viewer(…), an object rule can_edit_…(…), or the Perm names.
FORBIDDEN = re.compile(r"\b(?:can|visible|viewer|can_[A-Za-z_]+)\s*\(|\bPerm\.")


def forbidden_calls(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]


def test_the_scan_finds_what_it_looks_for():
    found = forbidden_calls(
        "{% if can(me, Perm.X) %}\n{{ can_edit_concept(u, c) }}\n{{ viewer( ) }}\n"
        "{% for c in visible(User) %}\n{{ scan(x) }} {{ may_write_guide }} {{ can_edit }}"
    )
    assert [number for number, _ in found] == [1, 2, 3, 4]


def test_no_template_calls_an_access_rule():
    files = [path for path in sorted(TEMPLATES.rglob("*")) if path.is_file()]
    assert len(files) > 50, "the scan found too few templates to prove anything"
    found = [
        f"{path.relative_to(TEMPLATES.parent)}:{number}: {line}"
        for path in files
        for number, line in forbidden_calls(path.read_text(encoding="utf-8"))
    ]
    assert not found, "templates decide access; pass a flag from the view:\n" + "\n".join(found)


def test_templates_cannot_reach_the_rules(app):
    for name in ("can", "Perm", "viewer", "visible"):
        assert name not in app.jinja_env.globals


# ---- the flags the views pass: every link shows for exactly the people it did --------------

ROLES = ("network_admin", "coordinator", "youth_worker", "ambassador")


def person(world, role: str):
    return world.admin if role == "network_admin" else world.a[role]


def holds(role: str, perm: Perm) -> bool:
    return perm in GRANTS[Role(role)]


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.mark.parametrize("role", ROLES)
def test_home_cards_follow_the_permissions(client, world, login, role):
    login(person(world, role))
    home = client.get("/").text
    assert ('<h2><a href="/cohorts/">' in home) == holds(role, Perm.ENROL)
    assert ('class="card__link" href="/concepts/"' in home) == holds(role, Perm.REVIEW_CONCEPTS)
    assert ('class="card__link" href="/admin/users/"' in home) == holds(role, Perm.VIEW_PEOPLE)
    municipalities = 'class="card__link" href="/admin/municipalities/"' in home
    assert municipalities == holds(role, Perm.MANAGE_MUNICIPALITIES)
    assert 'class="card__link" href="/account"' in home


@pytest.mark.parametrize("role", ROLES)
def test_account_offers_two_factor_to_staff_only(client, world, login, role):
    login(person(world, role))
    account = client.get("/account").text
    staff = holds(role, Perm.USE_TWO_FACTOR)
    assert ('href="/account/two-factor"' in account) == staff
    assert ("<dt>Two-factor sign-in</dt>" in account) == staff
    assert f"<dd>{person(world, role).login}</dd>" in account  # `me`, once per render


@pytest.mark.parametrize("role", ["network_admin", "coordinator", "youth_worker"])
def test_the_people_list_links_the_audit_trail_for_its_readers(client, world, login, role):
    login(person(world, role))
    people = client.get("/admin/users/").text
    assert ('href="/audit/"' in people) == holds(role, Perm.VIEW_AUDIT)


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "ambassador"])
def test_the_cohort_list_offers_what_the_reader_may_do(client, world, login, role):
    login(person(world, role))
    cohorts = client.get("/cohorts/").text
    assert ('href="/cohorts/new"' in cohorts) == holds(role, Perm.MANAGE_COHORTS)
    assert ('href="/cohorts/overview"' in cohorts) == holds(role, Perm.VIEW_PROGRESS)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_guide_pages_offer_writing_to_guide_writers_only(client, world, login, role):
    if role:
        login(person(world, role))
    writer = role is not None and holds(role, Perm.WRITE_GUIDE)
    for url in ("/guide/", "/guide/start", "/guide/search?q=ungdom"):
        page = client.get(url).text
        assert ('href="/guide/manage/"' in page) == writer, url  # the "My entries" tab
        assert ('href="/guide/manage/images/"' in page) == writer, url
        # Signed in: the language form of every page; visitors: links, no session token.
        assert ('<form class="lang-switch"' in page) == (role is not None), url
        assert ('<nav class="lang-switch"' in page) == (role is None), url
    index = client.get("/guide/").text
    assert ('href="/guide/new"' in index) == writer  # "Write an entry"
    if writer:
        for url in ("/guide/manage/", "/guide/manage/images/"):
            assert 'href="/guide/manage/"' in client.get(url).text


@pytest.mark.parametrize(
    ("role", "scope"),
    [("network_admin", "Network-wide entries"), ("coordinator", "Entries of Larvik")],
)
def test_my_entries_names_the_writers_scope(client, world, login, role, scope):
    login(person(world, role))
    assert scope in client.get("/guide/manage/").text


@pytest.mark.parametrize("role", ["coordinator", "youth_worker"])
def test_a_proposed_best_case_links_its_entry_for_guide_writers(
    app, client, world, team, login, role
):
    with app.app_context():
        db.session.get(Concept, team.concept_id).stage = ConceptStage.LAUNCHED
        db.session.commit()
    login(world.a["coordinator"])
    assert client.post(f"/concepts/{team.concept_id}/best-case").status_code == 302
    with app.app_context():
        entry_id = db.session.scalar(
            select(GuideEntry.id).where(GuideEntry.concept_id == team.concept_id)
        )
    client.post("/logout")
    login(person(world, role))
    page = client.get(f"/concepts/{team.concept_id}").text
    assert "Proposed as a best case in the guide." in page
    edit = f'href="/guide/entries/{entry_id}/edit"'
    assert (edit in page) == holds(role, Perm.WRITE_GUIDE)
