"""actions.act, the tail of a button's route: confirm, attempt, commit, flash, redirect."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from allin.actions import act
from allin.errors import DomainError
from allin.extensions import db
from allin.models import Municipality
from tests.factories import make_municipality


class PickForm(FlaskForm):
    choice = StringField(validators=[DataRequired()])


def towns() -> int:
    return db.session.scalar(select(func.count()).select_from(Municipality))


@pytest.fixture
def post(app):
    """Run `act` inside a POST with these fields (and a `form` of this class); its response,
    what it flashed, and how many municipalities the session sees and then keeps."""

    def _post(data: dict, form: type[FlaskForm] | None = None, **kwargs):
        with app.test_request_context("/do", method="POST", data=data):
            response = act(form=form and form(), **kwargs)
            flashed = get_flashed_messages(with_categories=True)
            seen = towns()
            db.session.rollback()  # what is left uncommitted goes
            return response, flashed, (seen, towns())

    return _post


def test_success_commits_and_flashes_what_the_result_says(app, post):
    response, flashed, count = post(
        {"choice": "x"},
        call=lambda: make_municipality("Nyby").name,
        form=PickForm,
        success=lambda name: f"{name} is made.",
        invalid="Pick one.",
        back="/done",
    )
    assert (response.status_code, response.location) == (302, "/done")
    assert flashed == [("success", "Nyby is made.")]
    assert count == (1, 1)  # committed


def test_a_domain_error_rolls_back_and_is_flashed(app, post):
    def refuse():
        make_municipality("Nyby")
        raise DomainError("Not here.")

    response, flashed, count = post({}, call=refuse, success="Made.", back="/back", code=303)
    assert (response.status_code, response.location) == (303, "/back")
    assert flashed == [("error", "Not here.")]
    assert count == (0, 0)  # rolled back by act


def test_an_invalid_form_runs_nothing_and_flashes_invalid(app, post):
    ran = []
    response, flashed, count = post(
        {"choice": ""},
        call=lambda: ran.append(make_municipality()),
        form=PickForm,
        success="Made.",
        invalid="Pick one.",
        back="/back",
    )
    assert (response.status_code, ran, count) == (302, [], (0, 0))
    assert flashed == [("error", "Pick one.")]


def test_it_asks_first_then_says_each_thing_in_its_category(app, post):
    said = [("Made.", "success"), ("Also this.", "info")]
    kwargs = dict(
        call=make_municipality,
        success=lambda _made: said,
        back="/back",
        confirm=dict(title="Make it?", consequence="A town.", button="Make", cancel_url="/"),
    )
    (page, status), flashed, count = post({}, **kwargs)
    assert status == 200 and "Make it?" in page and (flashed, count) == ([], (0, 0))
    response, flashed, count = post({"confirmed": "yes"}, **kwargs)
    assert (response.status_code, count) == (302, (1, 1))
    assert flashed == [(category, message) for message, category in said]
