"""Error pages: the right status, the user's language, never a stack trace."""

from __future__ import annotations

import io
import logging

import pytest
from flask import abort
from werkzeug.routing import UnicodeConverter

from allin.enums import Role
from allin.extensions import db
from allin.models import User
from allin.transactions import runs_as
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("world")  # an account exists: no /setup redirect


@pytest.fixture
def app_with_faults(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1000)

    @app.get("/_fault/<int:code>")
    def fault(code):
        abort(code)

    @app.get("/_crash")
    def crash():
        raise RuntimeError("secret internals: password=hunter2")

    return app


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("code", [400, 403, 404, 429, 500])
def test_error_pages(app_with_faults, lang, code):
    response = app_with_faults.test_client().get(
        f"/_fault/{code}", headers={"Accept-Language": lang}
    )
    assert response.status_code == code
    body = response.data.decode()
    assert f'<html lang="{lang}">' in body
    assert ("Feil" if lang == "nb" else "Error") + f" {code}" in body
    assert "Traceback" not in body


def test_unexpected_exception_is_a_calm_500_with_a_reference(app_with_faults, caplog):
    response = app_with_faults.test_client().get("/_crash", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    body = response.data.decode()
    assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body
    assert "give this reference" in body
    reference = body.split("give this reference: ")[1][:12]
    assert reference in caplog.text


def test_too_large_request_is_413(app_with_faults):
    response = app_with_faults.test_client().post("/language", data={"lang": "x" * 5000})
    assert response.status_code == 413
    assert "For stort".lower() in response.data.decode().lower() or b"413" in response.data


def test_wrong_method_is_405(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert b"Traceback" not in response.data


def test_missing_csrf_token_is_400(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/language", data={"lang": "en"})
    assert response.status_code == 400


def test_nul_characters_are_refused_before_any_view(client):
    assert client.post("/login", data={"login": "a\x00b", "password": "x"}).status_code == 400
    assert client.get("/admin/users/?q=%00").status_code == 400


def test_a_nul_in_a_path_parameter_is_refused_before_any_view(app, client):
    """A text part of an address (a token, a slug, a picture's name) reaches a query as it is;
    PostgreSQL refuses a NUL in a string with an error, so it must never get that far."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        texts = [a for a in rule.arguments if type(rule._converters[a]) is UnicodeConverter]
        if texts and "GET" in rule.methods:
            values = {a: "a\x00b" if a in texts else 1 for a in rule.arguments}
            urls.append(adapter.build(rule.endpoint, values))
    assert len(urls) >= 5  # invitations, resets, calendars, guide entries and pictures
    for url in urls:
        assert client.get(url).status_code == 400, url


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/99999999999999999999999",
        "/admin/invitations/99999999999999999999999",
        "/admin/users/0",
    ],
)
def test_out_of_range_ids_are_404(client, world, login, url):
    login(world.admin)
    assert client.get(url).status_code == 404
    assert client.post("/account/sessions/99999999999999999999999/end").status_code == 404


def test_expired_form_on_a_forbidden_or_missing_page_is_not_a_500(make_app, world):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.get("/login")
    import re

    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").data.decode()
    ).group(1)
    client.post(
        "/login", data={"login": world.admin.login, "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/admin/municipalities/999999/edit", data={}).status_code == 404
    assert client.post("/setup", data={}).status_code == 404
    assert client.post("/login", data={}).status_code == 302  # already signed in


# ---- odd input is a 4xx, never a 500 (review finding 5) ------------------------------------

LISTS = ["/admin/users/", "/admin/invitations/", "/admin/municipalities/"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999",
        "page=-5",
        "page=abc",
        "endpoint=x",
        "_method=POST",
        "_external=1&_scheme=javascript&_anchor=x",
        "page=2&endpoint=home.index&_method=POST",
    ],
)
def test_every_list_takes_odd_query_strings(client, world, login, url, query):
    login(world.admin)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200, response.data.decode()[-500:]


@pytest.mark.parametrize("id_", [2**31, 2**31 + 1, 2**53, 2**63 - 1])
def test_ids_beyond_the_integer_keys_are_404(client, world, login, id_):
    login(world.admin)
    assert client.get(f"/admin/users/{id_}").status_code == 404
    assert client.get(f"/admin/invitations/{id_}").status_code == 404
    assert client.post(f"/admin/users/{id_}/deactivate").status_code == 404
    assert client.get(f"/admin/users/{2**31 - 1}").status_code == 404  # the largest id: a miss


@pytest.mark.parametrize(
    ("url", "field"),
    [("/login", "login"), ("/login", "password"), ("/password/forgot", "email")],
)
def test_a_file_where_text_is_expected_is_a_400(client, url, field):
    data = {"login": "kari@example.com", "password": "x" * 12, "email": "kari@example.com"}
    data[field] = (io.BytesIO(b"not text"), "a.txt")
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert b"Traceback" not in response.data


# ---- no statement parameters in the log (review finding 6) ---------------------------------


def test_a_database_error_logs_no_parameters(make_app, caplog):
    app = make_app()

    @app.get("/_duplicate")
    @runs_as("writer")
    def duplicate():
        for _ in range(2):
            user = User(role=Role.NETWORK_ADMIN, name="Hemmelig Navn", email="dup@example.no")
            user.password_hash = "scrypt:32768:8:1$secretsalt$secrethash"
            db.session.add(user)
        db.session.commit()
        return "unreachable"

    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/_duplicate")
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text
    for secret in ("secrethash", "Hemmelig Navn", "dup@example.no"):
        assert secret not in caplog.text


# ---- errors.attempt ---------------------------------------------------------------------------


def test_attempt_sends_each_kind_of_domain_error_to_its_own_list(ctx):
    from allin.errors import DomainError, attempt

    class SlugProblem(DomainError):
        pass

    def refuse(error):
        raise error

    field, form = [], []
    routed = {SlugProblem: field, DomainError: form}
    assert attempt(refuse, SlugProblem("taken"), errors=routed) == (False, None)
    assert attempt(refuse, DomainError("no"), errors=routed) == (False, None)
    assert (field, form) == (["taken"], ["no"])
    assert attempt(lambda: 7, errors=routed) == (True, 7)
    with pytest.raises(DomainError, match="unexpected"):  # a kind nobody listed is not hidden
        attempt(refuse, DomainError("unexpected"), errors={SlugProblem: field})
