"""Hypothesis over the self-assessment's public pages (no sign-in) and the ambassador's form:
never a 5xx, and an answer is written whole or not at all (SECURITY 15)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from allin.extensions import db
from allin.models import SurveyAnswer, SurveyRound
from tests.test_fuzz import FUZZ, hostile
from tests.test_surveys import make_group, open_round

scores = st.one_of(hostile, st.sampled_from(["1", "3", "5", "0", "6", "-1", "4.5", "01"]))


def answers() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyAnswer))


def live_round(world) -> SurveyRound:
    found = db.session.scalar(select(SurveyRound))
    if found is None:
        cohort, _users = make_group(world.municipality_a, 200, with_logins=False)
        found = open_round(cohort)
        db.session.commit()
    return found


@FUZZ
@given(
    code=st.one_of(hostile, st.just("REAL")),
    belong=scores,
    safe=scores,
    speak_up=scores,
    idea=scores,
    heard=scores,
    comment=hostile,
)
def test_public_answer_is_all_or_nothing(
    app, world, code, belong, safe, speak_up, idea, heard, comment
):
    with app.app_context():
        round_ = live_round(world)
        key, real, before = round_.key, round_.code_word, answers()
    data = {
        "code_word": real if code == "REAL" else code,
        "belong": belong,
        "safe": safe,
        "speak_up": speak_up,
        "idea": idea,
        "heard": heard,
        "comment": comment,
    }
    response = app.test_client().post(f"/surveys/a/{key}", data=data)
    assert response.status_code in (200, 400)
    with app.app_context():
        written = answers() - before
        assert written == (1 if response.status_code == 200 else 0)
        if written:
            assert all(1 <= int(v) <= 5 for v in (belong, safe, speak_up, idea, heard))


@FUZZ
@given(code=hostile, key=hostile)
def test_code_word_and_address_take_anything(app, world, code, key):
    client = app.test_client()
    response = client.post("/surveys/answer", data={"code_word": code})
    assert response.status_code in (200, 302, 400)
    response = client.get("/surveys/a/" + "".join(c for c in key if c.isalnum())[:60] + "x")
    assert response.status_code == 404
