"""GET /healthz: 200 when the database answers and is current, 503 otherwise."""

from __future__ import annotations


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "schema": "current"}


def test_database_unavailable(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing-folder' / 'nothing.sqlite'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["database"] == "unavailable"


def test_schema_behind_is_503_with_instructions(make_app, tmp_path):
    client = make_app(f"sqlite:///{tmp_path / 'empty.sqlite'}").test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["schema"] == "behind"
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 503
    assert b"flask --app allin db upgrade" in page.data
    with client.get("/static/css/app.css") as stylesheet:
        assert stylesheet.status_code == 200
