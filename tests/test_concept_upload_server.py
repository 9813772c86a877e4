"""An upload over the limit gets the friendly 413 page from a real gunicorn, not a reset
connection (the test client never shows how a server treats an unread request body)."""

from __future__ import annotations

import http.client
import os
import re
import urllib.parse

from flask_migrate import upgrade

from allin import create_app, schema
from allin.enums import Role
from allin.extensions import db
from tests.benchmarks.bench import PASSWORD, gunicorn, sign_in
from tests.conftest import make_config
from tests.factories import make_cohort, make_concept, make_municipality, make_user


def _seed(instance) -> tuple[str, int]:
    app = create_app(make_config(f"sqlite:///{instance}/allin.sqlite", instance))
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        municipality = make_municipality("Larvik")
        staff = make_user(Role.YOUTH_WORKER, municipality, password=PASSWORD)
        make_user(Role.COORDINATOR, municipality, password=PASSWORD, email="coord@larvik.no")
        concept = make_concept(make_cohort(municipality))
        db.session.commit()
        login, concept_id = staff.login, concept.id
        db.engine.dispose()
    return login, concept_id


def _post(base: str, path: str, body: bytes, headers: dict) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_oversize_upload_gets_the_413_page_from_gunicorn(tmp_path):
    instance = tmp_path / "instance"
    login, concept_id = _seed(instance)
    env = {
        **os.environ,
        "ALLIN_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "upload-test",
        "ALLIN_REQUIRE_STAFF_2FA": "false",
        "ALLIN_LOG_LEVEL": "WARNING",
    }
    with gunicorn("wsgi:app", env, workers=1) as base:
        cookie = sign_in(base, login)
        boundary = "b0undary"
        payload = b"%PDF-" + b"0" * (11 * 1024 * 1024)
        body = _multipart(boundary, "file", "big.pdf", payload)
        headers = {
            "Cookie": cookie,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept-Language": "en",
        }
        status, page = _post(base, f"/concepts/{concept_id}/files", body, headers)
        assert status == 413
        assert "The file is larger than 10 MB" in page
        assert re.search(r'enctype="multipart/form-data"', page)  # the upload form again
        # Signed out, the same body gets the plain 413 page, also without a reset.
        status, page = _post(base, f"/concepts/{concept_id}/files", body, headers | {"Cookie": ""})
        assert status == 413 and "10 MB" in page

        # The other upload forms answer the same way: the guide's pictures and a class import.
        coordinator = sign_in(base, "coord@larvik.no")
        picture = _multipart(boundary, "picture", "big.jpg", b"\xff\xd8" + payload)
        status, page = _post(
            base, "/guide/manage/images/", picture, headers | {"Cookie": coordinator}
        )
        assert status == 413 and "The picture is larger than 10 MB" in page
        spreadsheet = _multipart(boundary, "spreadsheet", "big.csv", payload)
        status, page = _post(base, "/cohorts/1/import", spreadsheet, headers)
        assert status == 413 and "larger than 10 MB" in page


def _multipart(boundary: str, field: str, filename: str, payload: bytes) -> bytes:
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return head.encode() + payload + f"\r\n--{boundary}--\r\n".encode()
