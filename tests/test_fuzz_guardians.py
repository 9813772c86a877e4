"""Hypothesis over a guardian's public pages (issue 25): odd tokens and odd answers never give
a 5xx, a refused answer writes nothing, and an odd token is a 404."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from allin.extensions import db
from allin.guardians import services
from allin.models import Consent, GuardianConsentLink, Municipality, User
from tests.factories import count, make_ambassador
from tests.test_fuzz import FUZZ, hostile

answers = st.one_of(hostile, st.sampled_from(["yes", "no"]))
tokens = st.one_of(hostile.filter(lambda t: "/" not in t and t.strip()), st.text(max_size=300))


def fresh_link(app, world) -> str:
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        ambassador = make_ambassador(municipality, age=12)
        _link, token = services.make_link(
            ambassador, actor=db.session.get(User, world.a["youth_worker"].id)
        )
        db.session.commit()
        return token


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {k: answers for k in ("participation", "photo", "publish_name")}
        | {k: hostile for k in ("guardian_name", "relation", "email")}
    )
)
def test_the_consent_form_takes_any_answer(app, world, fields):
    client = app.test_client()
    token = fresh_link(app, world)
    with app.app_context():
        before = count(Consent), count(GuardianConsentLink, GuardianConsentLink.used_at.is_(None))
    response = client.post(f"/guardian/consent/{token}", data=fields)
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        after = count(Consent), count(GuardianConsentLink, GuardianConsentLink.used_at.is_(None))
    if response.status_code != 302:
        assert after == before
    else:
        assert after[1] == before[1] - 1


@FUZZ
@given(token=tokens, purpose=answers, method=st.sampled_from(["GET", "POST"]))
def test_odd_tokens_are_404(app, world, token, purpose, method):
    client = app.test_client()
    with app.app_context():
        before = count(Consent)
    for path in ("/guardian/consent/", "/guardian/receipt/"):
        response = client.open(path + token, method=method, data={"purpose": purpose})
        assert response.status_code in (400, 404, 308), (path, token)
    with app.app_context():
        assert count(Consent) == before
