"""Hypothesis over the public sign-up form (issue 25): never a 5xx, a refused sign-up writes
nothing, and the honeypot keeps nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from allin.extensions import db
from allin.models import Municipality, Signup, SignupForm, User
from allin.signups import services
from tests.factories import make_cohort
from tests.test_fuzz import FUZZ, hostile

years = st.one_of(hostile, st.integers(-(10**20), 10**20).map(str), st.sampled_from(["2011"]))
FIELDS = (
    "name school phone email guardian_name guardian_phone guardian_email motivation website"
).split()


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Signup))


def open_form(app, world) -> str:
    with app.app_context():
        form = db.session.scalar(select(SignupForm))
        if form is None:
            cohort = make_cohort(
                db.session.get(Municipality, world.municipality_a), status="active"
            )
            form = services.set_open(
                cohort, actor=db.session.get(User, world.a["coordinator"].id), open_=True
            )
            db.session.commit()
        return form.key


@FUZZ
@given(fields=st.fixed_dictionaries({k: hostile for k in FIELDS}), birth_year=years)
def test_the_public_form_takes_any_input(app, world, fields, birth_year):
    key = open_form(app, world)
    client = app.test_client()
    with app.app_context():
        before = count()
    response = client.post(f"/join/{key}", data={**fields, "birth_year": birth_year})
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        kept = count() - before
    assert kept == (response.status_code == 302 and not fields["website"])


@FUZZ
@given(
    token=hostile.filter(lambda t: "/" not in t and t.strip()),
    method=st.sampled_from(["GET", "POST"]),
)
def test_odd_addresses_are_404(app, world, token, method):
    client = app.test_client()
    response = client.open(f"/join/{token}", method=method, data={"name": "x"})
    assert response.status_code in (400, 404, 308), token
