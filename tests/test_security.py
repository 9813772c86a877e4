"""The expired-form rescue re-renders a form but never writes (SECURITY 17)."""

from __future__ import annotations

import pytest
from flask import redirect, request
from sqlalchemy import func, insert, select, update

from allin.access import public
from allin.enums import Role
from allin.extensions import db
from allin.models import Municipality
from tests.factories import make_municipality, make_user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Municipality))


@pytest.mark.parametrize("how", ["flush", "statement", "update"])
def test_expired_token_on_a_view_that_writes_from_request_form_writes_nothing(app, make_app, how):
    """Exactly the trap: a GET/POST view that writes from request.form without a FlaskForm.

    (`app` is asked for only so that its teardown empties the tables afterwards.)"""
    app = make_app(WTF_CSRF_ENABLED=True)

    @app.route("/test-write", methods=["GET", "POST"])
    @public
    def test_write():
        if request.method == "POST":
            name = request.form["name"]
            if how == "flush":
                db.session.add(Municipality(name=name, slug=name))
            elif how == "statement":
                db.session.execute(insert(Municipality).values(name=name, slug=name))
            else:
                db.session.execute(update(Municipality).values(name=name))
            db.session.commit()
            return redirect("/")
        return "<form method=post></form>"

    with app.app_context():
        make_user(Role.COORDINATOR, make_municipality("Larvik"))  # set up: no /setup redirect
        db.session.commit()
    client = app.test_client()
    response = client.post("/test-write", data={"name": "forged", "csrf_token": "stale"})
    assert response.status_code == 400
    with app.app_context():
        assert _count() == 1
        assert db.session.scalar(select(Municipality.name)) == "Larvik"
    # With a valid token the same view does write: the guard is only for the rescue.
    with app.test_request_context():
        from flask_wtf.csrf import generate_csrf

        token = generate_csrf()
        cookie_session = dict(__import__("flask").session)
    with client.session_transaction() as browser_session:
        browser_session.update(cookie_session)
    assert client.post("/test-write", data={"name": "real", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert _count() == (2 if how != "update" else 1)


def test_rescue_still_shows_a_form_again(make_app, world):
    """The guard does not get in the way of a form view that only re-renders."""
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/password/forgot", data={"email": "a@example.no", "csrf_token": "x"})
    assert response.status_code == 400
    assert 'value="a@example.no"' in response.data.decode()
