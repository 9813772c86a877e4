"""Error pages: the right status, the user's language, never a stack trace."""

from __future__ import annotations

import pytest
from flask import abort

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
