"""Who may do what: the grants table, declared permissions, and municipality isolation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from allin.access import GRANTS, Perm, Role
from allin.clock import now
from allin.cohorts import imports
from allin.concepts import files
from allin.enums import NotificationKind, RoundKind
from allin.extensions import db
from allin.models import (
    Ambassador,
    Attachment,
    Cohort,
    Concept,
    ConceptCheckIn,
    Consent,
    Enrolment,
    GuideEntry,
    GuideImage,
    GuideRevision,
    Invitation,
    LoginSession,
    Municipality,
    Notification,
    Signup,
    SurveyRound,
    TrainingSession,
    User,
)
from allin.training import services as training_services
from tests.conftest import Person
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_consent,
    make_enrolment,
    make_guide_entry,
    make_invitation,
    make_login_session,
    make_user,
)
from tests.training_factories import make_attendance, make_session

N, C, Y, A = Role.NETWORK_ADMIN, Role.COORDINATOR, Role.YOUTH_WORKER, Role.AMBASSADOR
V = Role.NETWORK_VIEWER

# The spec, row by row: which roles hold each permission.
EXPECTED = {
    Perm.USE_ACCOUNT: {N, V, C, Y, A},
    Perm.VIEW_PEOPLE: {N, C, Y},
    Perm.MANAGE_NETWORK_ADMINS: {N},
    Perm.MANAGE_NETWORK_VIEWERS: {N},
    Perm.MANAGE_COORDINATORS: {N, C},
    Perm.MANAGE_YOUTH_WORKERS: {C},
    Perm.MANAGE_AMBASSADORS: {C, Y},
    Perm.MANAGE_MUNICIPALITIES: {N},
    Perm.VIEW_COHORTS: {C, Y, A},
    Perm.MANAGE_COHORTS: {C},
    Perm.ENROL: {C, Y},
    Perm.USE_TWO_FACTOR: {N, V, C, Y},
    Perm.RESET_TWO_FACTOR: {N, C},
    Perm.WRITE_GUIDE: {N, C},
    Perm.PUBLISH_GUIDE: {N, C},
    Perm.VIEW_CONCEPTS: {C, Y, A},
    Perm.WRITE_CONCEPTS: {C, Y, A},
    Perm.REVIEW_CONCEPTS: {C, Y},
    Perm.SCHEDULE_SESSIONS: {C, Y},
    Perm.TAKE_ATTENDANCE: {C, Y},
    Perm.VIEW_PROGRESS: {C, Y},
    Perm.VIEW_AUDIT: {N, C},
    Perm.VIEW_REPORTS: {N, V, C},
    Perm.ERASE_AMBASSADORS: {C},
    Perm.ERASE_STAFF: {N},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(Perm))
def test_grants(role, perm):
    assert (perm in GRANTS[role]) == (role in EXPECTED[perm])


def test_every_endpoint_declares_a_permission_or_is_public(app):
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and getattr(app.view_functions[rule.endpoint], "allin_permission", None) is None
    ]
    assert undeclared == [], "add @require(Perm.X) or @public to these routes"


def test_the_blueprints_register_every_scope():
    """Each feature's rules.py registers its models' scopes, imported by the feature's package:
    importing the blueprints fills the registry (in a fresh interpreter, which no test's own
    imports have filled), and a model without a scope fails loudly."""
    code = (
        "import flask, allin; from allin.access import SCOPES, visible; from allin.models import "
        "GuideRevision; assert not SCOPES; allin.register_blueprints(flask.Flask('t')); "
        "print(*sorted(model.__name__ for model in SCOPES)); "
        "visible(GuideRevision, type('Actor', (), {'is_authenticated': True}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.stdout.split() == [
        "Ambassador",
        "Attachment",
        "Attendance",
        "AuditEvent",
        "CalendarFeed",
        "Certificate",
        "Cohort",
        "CohortImport",
        "Concept",
        "ConceptCheckIn",
        "Consent",
        "Enrolment",
        "GuardianConsentLink",
        "GuideEntry",
        "GuideImage",
        "Invitation",
        "LoginSession",
        "Municipality",
        "Notification",
        "Signup",
        "SignupForm",
        "SurveyRound",
        "TrainingSession",
        "User",
    ]
    assert "LookupError: no visibility rule for GuideRevision" in done.stderr


ROOT = Path(__file__).resolve().parent.parent

# Which model each id parameter names. A new id parameter fails the walk until it is listed.
ID_MODELS = {
    "user_id": User,
    "invitation_id": Invitation,
    "municipality_id": Municipality,
    "login_session_id": LoginSession,
    "entry_id": GuideEntry,
    "revision_id": GuideRevision,
    "cohort_id": Cohort,
    "ambassador_id": Ambassador,
    "enrolment_id": Enrolment,
    "consent_id": Consent,
    "image_id": GuideImage,
    "concept_id": Concept,
    "attachment_id": Attachment,
    "session_id": TrainingSession,
    "notification_id": Notification,
    "signup_id": Signup,
    "round_id": SurveyRound,
    "check_in_id": ConceptCheckIn,
}


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


def revision_of(entry) -> int:
    return db.session.scalar(select(GuideRevision.id).where(GuideRevision.entry_id == entry.id))


def snapshot() -> dict:
    """Every row of every table (login sessions without their last-seen time)."""
    state = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name != "last_seen_at"]
        rows = db.session.execute(select(*columns)).all()
        state[table.name] = sorted(map(repr, rows))
    return state


@pytest.fixture
def foreign(app, world):
    """Municipality B's records, seen from municipality A (and an ambassador, from the network)."""
    with app.app_context():
        coordinator_b = db.session.get(User, world.b["coordinator"].id)
        invitation, _ = make_invitation(coordinator_b, Role.YOUTH_WORKER)
        ambassador_invitation, _ = make_invitation(
            db.session.get(User, world.a["coordinator"].id), Role.AMBASSADOR
        )
        login_session = make_login_session(coordinator_b)
        # A draft of B's own guide entry, and one of A's: the network writes only
        # network-wide entries, so a municipality's draft is foreign to it too.
        b_draft = make_guide_entry(municipality_id=world.municipality_b, title="B draft")
        a_draft = make_guide_entry(municipality_id=world.municipality_a, title="A draft")
        b = db.session.get(Municipality, world.municipality_b)
        cohort = make_cohort(b)
        ambassador = make_ambassador(b)
        enrolment = make_enrolment(cohort, ambassador)
        consent = make_consent(ambassador)
        b_image, a_image = (
            GuideImage(
                name=f"{n:032x}.png",
                original_name="x.png",
                mime="image/png",
                width=1,
                height=1,
                size=1,
                municipality_id=m,
            )
            for n, m in ((1, world.municipality_b), (2, world.municipality_a))
        )
        db.session.add_all([b_image, a_image])
        concept = make_concept(cohort, members=[enrolment])
        attachment = files.add_attachment(
            concept, actor=coordinator_b, data=PNG, filename="b.png", shows_people=False
        )
        session = make_session(cohort, days=0)
        make_attendance(session, enrolment, "present")
        training_services.ensure_feed(cohort)
        # A notification is its recipient's alone: B's coordinator's, and (for the network)
        # one of A's ambassador about A's session.
        b_notice, a_notice = (
            Notification(
                municipality_id=m,
                recipient_id=user_id,
                kind=NotificationKind.SESSION_CHANGED,
                event_key=f"test:{user_id}",
                session_id=session_id,
            )
            for m, user_id, session_id in (
                (world.municipality_b, world.b["coordinator"].id, session.id),
                (world.municipality_a, world.a["ambassador"].id, None),
            )
        )
        db.session.add_all([b_notice, a_notice])
        b_signup = Signup(
            municipality_id=world.municipality_b,
            cohort_id=cohort.id,
            name="Ola Foreign",
            birth_year=now().year - 17,
            phone="+47 900 00 001",
            guardian_name="Kari Foreign",
            guardian_phone="+47 900 00 002",
            motivation="Because.",
        )
        db.session.add(b_signup)
        survey_round = SurveyRound(
            municipality_id=cohort.municipality_id,
            cohort_id=cohort.id,
            kind=RoundKind.KICK_OFF,
            code_word="BROUND",
            opened_on=cohort.starts_on,
            closes_on=cohort.ends_on,
        )
        db.session.add(survey_round)
        check_in = ConceptCheckIn(
            municipality_id=cohort.municipality_id,
            concept_id=concept.id,
            owner_id=coordinator_b.id,
            months=3,
            due_on=cohort.starts_on,
        )
        db.session.add(check_in)
        preview = imports.preview(
            actor=coordinator_b, cohort=cohort, data=b"navn;fodselsar\nKari;2011\n", filename="x"
        )
        db.session.commit()
        cohort_records = {
            "cohort_id": cohort.id,
            "ambassador_id": ambassador.id,
            "enrolment_id": enrolment.id,
            "consent_id": consent.id,
            "session_id": session.id,
            "key": preview.key,
            "concept_id": concept.id,
            "attachment_id": attachment.id,
            "signup_id": b_signup.id,
            "round_id": survey_round.id,
            "check_in_id": check_in.id,
        }
        return {
            "from_a": {
                "user_id": world.b["coordinator"].id,
                "invitation_id": invitation.id,
                "municipality_id": world.municipality_b,
                "login_session_id": login_session.id,
                "entry_id": b_draft.id,
                "revision_id": revision_of(b_draft),
                "image_id": b_image.id,
                "notification_id": b_notice.id,
                **cohort_records,
            },
            # The network sees staff everywhere but never an ambassador's record.
            "from_network": {
                "user_id": world.a["ambassador"].id,
                "invitation_id": ambassador_invitation.id,
                "login_session_id": login_session.id,
                "entry_id": a_draft.id,
                "revision_id": revision_of(a_draft),
                "image_id": a_image.id,
                "notification_id": a_notice.id,
                **cohort_records,
            },
        }


def id_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        ids = [a for a in rule.arguments if a.endswith("_id")]
        if ids:
            unknown = set(ids) - set(ID_MODELS)
            assert not unknown, f"{rule.rule}: say which model {unknown} names in ID_MODELS"
            rules.append(rule)
    assert rules, "no id routes found: the walk would prove nothing"
    return rules


@pytest.mark.parametrize(
    "actor", ["coordinator", "youth_worker", "ambassador", "network", "network_viewer"]
)
def test_every_id_route_hides_other_municipalities(app, client, world, foreign, login, actor):
    """Foreign ids answer 404 for every method (403 where the role lacks the permission
    altogether, which reveals nothing), and nothing in the database changes."""
    network = actor in ("network", "network_viewer")
    if actor == "network_viewer":
        with app.app_context():
            user = make_user(Role.NETWORK_VIEWER)
            db.session.commit()
            person = Person(user.id, user.login, None)
    else:
        person = world.admin if actor == "network" else world.a[actor]
    ids = foreign["from_network" if network else "from_a"]
    assert login(person).status_code == 302
    with app.app_context():
        before = snapshot()
    checked = 0
    for rule in id_rules(app):
        if any(arg not in ids for arg in rule.arguments):
            continue  # e.g. every municipality is the network's own: nothing foreign exists
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        view = app.view_functions[rule.endpoint]
        permission = view.allin_permission
        role = Role.NETWORK_ADMIN if actor == "network" else Role(actor)
        expected = 404 if permission == "public" or permission & GRANTS[role] else 403
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"role": "coordinator"})
            assert response.status_code == expected, f"{method} {url} as {actor}"
            checked += 1
    with app.app_context():
        assert snapshot() == before
    assert checked >= 3


def test_unknown_ids_are_404_too(client, world, login):
    login(world.a["coordinator"])
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999/deactivate").status_code == 404


def test_coordinator_sees_only_own_municipality(client, world, login):
    login(world.a["coordinator"])
    page = client.get("/admin/users/").data.decode()
    assert world.a["youth_worker"].login not in page  # list shows names, not logins
    names = re.findall(r'href="/admin/users/(\d+)"', page)
    assert {int(n) for n in names} == {p.id for p in world.a.values()}


def test_network_admin_sees_staff_but_no_ambassador(client, world, login):
    login(world.admin)
    page = client.get("/admin/users/").data.decode()
    ids = {int(n) for n in re.findall(r'href="/admin/users/(\d+)"', page)}
    staff = {world.admin.id} | {
        p.id for side in (world.a, world.b) for role, p in side.items() if role != "ambassador"
    }
    assert ids == staff


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("anonymous", "/admin/users/", 302),
        ("anonymous", "/account", 302),
        ("ambassador", "/admin/users/", 403),
        ("youth_worker", "/admin/municipalities/", 403),
        ("coordinator", "/admin/municipalities/", 403),
        ("youth_worker", "/admin/users/", 200),
        ("network", "/admin/municipalities/", 200),
        ("anonymous", "/cohorts/overview", 302),
        ("ambassador", "/cohorts/overview", 403),
        ("network", "/cohorts/overview", 403),
        ("youth_worker", "/cohorts/overview", 200),
        ("coordinator", "/cohorts/overview", 200),
    ],
)
def test_pages_by_role(client, world, login, who, url, status):
    if who != "anonymous":
        login(world.admin if who == "network" else world.a[who])
    response = client.get(url)
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("actor", ["coordinator", "youth_worker"])
def test_another_municipalitys_enrolment_does_not_move(app, client, world, foreign, login, actor):
    """Staff of A post a status move with B's enrolment id: 404, and it stays where it was."""
    enrolment_id = foreign["from_a"]["enrolment_id"]
    login(world.a[actor])
    response = client.post(
        f"/cohorts/enrolments/{enrolment_id}/status", data={"status": "graduated", "seen": "active"}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).status == "active"


def test_a_statement_built_once_for_a_bound_actor_sees_what_visible_sees(app):
    """BoundActor: a scope built for an actor of the same role and kind, run with another's id
    and municipality, finds exactly that actor's rows, for every registered scope and role
    (on the demo network, so that every table has rows of several municipalities)."""
    from allin.access import SCOPES, BoundActor, scoped, visible
    from allin.demo import create_demo_network
    from allin.models import User

    with app.app_context():
        accounts = create_demo_network(password="demo password 2026", scale=2)
        db.session.commit()
        logins = [a.login for a in accounts]
        users = db.session.scalars(
            select(User).where((User.email.in_(logins)) | (User.username.in_(logins)))
        ).all()
        assert {u.role for u in users} == set(Role)
        seen = 0
        for user in users:
            bound = BoundActor.like(BoundActor.key(user))
            for model in SCOPES:
                direct = set(db.session.scalars(visible(model, user).with_only_columns(model.id)))
                once = scoped(select(model.id), model, bound)
                assert set(db.session.scalars(once, BoundActor.values(user))) == direct, (
                    model.__name__,
                    user.role,
                )
                seen += len(direct)
        assert seen > 1000  # the comparison had rows to compare
