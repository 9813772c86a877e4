"""Hypothesis over forms, lists and id routes: never a 5xx, never a partial write (SECURITY 15)."""

from __future__ import annotations

import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from allin.access import Role
from allin.auth.services import hash_token
from allin.extensions import db
from allin.models import Installation, Invitation, Municipality, PasswordReset, User
from tests.factories import PASSWORD, count, make_invitation, make_reset, make_user

# The number of examples comes from the Hypothesis profile (tests/conftest.py): 40 in CI.
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Plain text, hostile text (controls, NUL, bidi, very long) and plausible values.
hostile = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\u202eevil",
            "<script>x</script>",
            "' OR 1=1 --",
            "é" * 200,
            "kari@example.com",
            "KARI@EXAMPLE.COM ",
            "lange dager i Larvik",
        ]
    ),
)


@FUZZ
@given(login=hostile, password=hostile)
def test_login_never_fails_badly(app, client, login, password):
    with app.app_context():
        if not count(User):
            make_user(Role.NETWORK_ADMIN, email="kari@example.com")
            db.session.commit()
        hashes = db.session.scalars(select(User.password_hash)).all()
    response = client.post("/login", data={"login": login, "password": password})
    assert response.status_code in (200, 302, 400, 429)
    with app.app_context():
        assert db.session.scalars(select(User.password_hash)).all() == hashes


@FUZZ
@given(
    name=hostile,
    email=hostile,
    password=hostile,
    municipality=hostile,
    country=st.sampled_from(["NO", "SE", "XX", ""]),
)
def test_setup_is_all_or_nothing(app, name, email, password, municipality, country):
    client = app.test_client()
    response = client.post(
        "/setup",
        data={
            "name": name,
            "email": email,
            "password": password,
            "confirm": password,
            "municipality_name": municipality,
            "country": country,
        },
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        created = (count(User), count(Municipality), count(Installation))
        assert created in ((0, 0, 0), (1, 1, 1)), created
        assert (response.status_code == 302) == (created == (1, 1, 1))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@FUZZ
@given(
    name=hostile,
    email=hostile,
    username=hostile,
    password=hostile,
    role=st.sampled_from([Role.YOUTH_WORKER, Role.AMBASSADOR]),
)
def test_accepting_an_invitation_is_all_or_nothing(
    app, world, name, email, username, password, role
):
    with app.app_context():
        inviter = db.session.get(User, world.a["coordinator"].id)
        invitation, token = make_invitation(inviter, role, email=None, name="Invitee")
        db.session.commit()
        invitation_id, users_before = invitation.id, count(User)
    client = app.test_client()
    client.get(f"/invitation/{token}")
    response = client.post(
        "/invitation",
        data={
            "name": name,
            "email": email,
            "username": username,
            "password": password,
            "confirm": password,
        },
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        accepted = db.session.get(Invitation, invitation_id).accepted_at is not None
        assert count(User) == users_before + accepted
        assert (response.status_code == 302) == accepted


@FUZZ
@given(password=hostile, confirm=st.one_of(st.none(), hostile))
def test_reset_is_all_or_nothing(app, world, password, confirm):
    with app.app_context():
        user = db.session.get(User, world.a["youth_worker"].id)
        token = make_reset(user)
        token_hash = hash_token(token)
        db.session.commit()
        before = user.password_hash
    client = app.test_client()
    client.get(f"/password/reset/{token}")
    response = client.post(
        "/password/reset",
        data={"password": password, "confirm": password if confirm is None else confirm},
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        user = db.session.get(User, world.a["youth_worker"].id)
        reset = db.session.scalar(
            select(PasswordReset).where(PasswordReset.token_hash == token_hash)
        )
        changed = user.password_hash != before
        assert changed == (reset.used_at is not None) == (response.status_code == 302)
        if changed:
            assert user.check_password(password)


@FUZZ
@given(email=hostile)
def test_forgot_password_never_fails_badly(app, world, email):
    response = app.test_client().post("/password/forgot", data={"email": email})
    assert response.status_code in (200, 400)


# ---- the guide ------------------------------------------------------------------------------

guide_text = st.one_of(
    hostile,
    st.sampled_from(
        [
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            '"ungdom" AND (leir*) OR NEAR(',
            "{title}: ungdom*",
            "a, b, c, d, e, f, g, h, i, j, k, l, m",
            "x" * 41,
            "Æøå-slug",
        ]
    ),
)


@FUZZ
@given(
    title=guide_text,
    summary=guide_text,
    body=guide_text,
    tags=guide_text,
    slug=guide_text,
    kind=st.sampled_from(["tool", "best_case", "nope", ""]),
    phase=st.sampled_from(["prepare", "follow_up", "x"]),
    status=st.sampled_from(["draft", "published", "deleted"]),
)
def test_guide_entry_form_is_all_or_nothing(
    app, world, title, summary, body, tags, slug, kind, phase, status
):
    from allin.models import GuideEntry, GuideRevision

    client = app.test_client()
    client.post("/login", data={"login": world.a["coordinator"].login, "password": PASSWORD})
    with app.app_context():
        before = (count(GuideEntry), count(GuideRevision))
    response = client.post(
        "/guide/new",
        data={
            "title": title,
            "summary": summary,
            "body": body,
            "tags": tags,
            "slug": slug,
            "kind": kind,
            "phase": phase,
            "status": status,
            "language": "nb",
        },
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        after = (count(GuideEntry), count(GuideRevision))
        created = response.status_code == 302
        assert after == (before[0] + created, before[1] + created)
        if created:
            entry = db.session.scalars(select(GuideEntry).order_by(GuideEntry.id.desc())).first()
            assert entry.title == " ".join(title.split())
            assert client.get(f"/guide/{entry.slug}").status_code == 200


@FUZZ
@given(query=guide_text, phase=st.sampled_from(["", "pitch", "zz"]), page=hostile)
def test_guide_search_never_fails(app, world, query, phase, page):
    client = app.test_client()
    response = client.get("/guide/search", query_string={"q": query, "phase": phase, "page": page})
    assert response.status_code in (200, 400)
    index = client.get("/guide/", query_string={"tag": query, "kind": query, "page": page})
    assert index.status_code in (200, 400)


# ---- odd shapes for every list, form and id route (review finding 5) -----------------------

LISTS = ["/admin/users/", "/admin/invitations/", "/admin/municipalities/"]
URL_KEYS = ["page", "endpoint", "_method", "_external", "_anchor", "_scheme", "q", "per_page"]
numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)


def signed_in_as_admin(app, client, world) -> None:
    if client.get("/account").status_code != 200:
        client.post("/login", data={"login": world.admin.login, "password": PASSWORD})


@FUZZ
@given(
    url=st.sampled_from(LISTS),
    query=st.dictionaries(st.sampled_from(URL_KEYS), st.one_of(numbers, hostile), max_size=4),
)
def test_every_list_takes_any_query_string(app, client, world, url, query):
    signed_in_as_admin(app, client, world)
    response = client.get(url, query_string=query)
    assert response.status_code in (200, 400), (url, query)


def post_rules(app) -> list[str]:
    """POST routes that take no files (an upload view marked @accepts_files checks its own)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and not getattr(app.view_functions[rule.endpoint], "allin_accepts_files", False)
    )


def fill_ids(rule: str, world) -> str:
    return re.sub(r"<int:\w+>", str(world.a["ambassador"].id), rule).replace("<token>", "x" * 43)


# Every field name of every form (and the hidden ones of the language switch).
FIELD_NAMES = (
    "login password name email username confirm current municipality_name country role "
    "municipality digital_consent_age photo_consent_age lang next csrf_token"
).split()


@FUZZ
@given(data=st.data())
def test_every_form_refuses_a_file_where_text_is_expected(app, client, world, data):
    signed_in_as_admin(app, client, world)
    rule = data.draw(st.sampled_from(post_rules(app)))
    field = data.draw(st.sampled_from(FIELD_NAMES))
    content = data.draw(st.binary(max_size=64))
    form = {name: "x" for name in data.draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=3))}
    form[field] = (io.BytesIO(content), data.draw(st.sampled_from(["a.txt", "", "x.png"])))
    response = client.post(fill_ids(rule, world), data=form, content_type="multipart/form-data")
    assert response.status_code == 400, (rule, field)


def id_rules(app) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if "<int:" in rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


@FUZZ
@given(data=st.data(), id_=st.integers(min_value=2**31, max_value=2**80))
def test_every_id_route_answers_404_beyond_the_integer_keys(app, client, world, data, id_):
    signed_in_as_admin(app, client, world)
    rule, method = data.draw(st.sampled_from(id_rules(app)))
    url = re.sub(r"<int:\w+>", str(id_), rule)
    assert client.open(url, method=method).status_code == 404, url
