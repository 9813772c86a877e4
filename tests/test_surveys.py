"""The anonymous self-assessment (issue 24, part 1): opening and closing rounds, answering
signed in and with the code word, every refusal writing nothing, results held back below
ALLIN_REPORT_MIN_CELL, and a schema that cannot lead an answer back to a person."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import Date, DateTime, Integer, Time, func, inspect, select, text

from allin.enums import EnrolmentStatus, Role, RoundKind
from allin.extensions import db
from allin.models import (
    AuditEvent,
    Municipality,
    SurveyAnswer,
    SurveyRespondent,
    SurveyRound,
)
from allin.training.times import today
from tests.conftest import is_postgres
from tests.factories import PASSWORD, count, make_ambassador, make_cohort, make_enrolment, make_user

SCORES = {"belong": "4", "safe": "5", "speak_up": "3", "idea": "2", "heard": "4"}


@pytest.fixture
def config_overrides() -> dict:
    """The pages in English, whatever the account's or the browser's language: the tests
    read the English texts (the bokmål catalogue is checked by tests/test_i18n.py)."""
    return {"LANGUAGES": ("en",), "BABEL_DEFAULT_LOCALE": "en"}


def make_group(municipality_id: int, size: int, *, with_logins: bool = True, **cohort):
    """A cohort of `size` ambassadors (each with a login when asked); returns (cohort, users)."""
    municipality = db.session.get(Municipality, municipality_id)
    group = make_cohort(municipality, **cohort)
    users = []
    for n in range(size):
        user = None
        if with_logins:
            user = make_user(Role.AMBASSADOR, municipality, username=f"ung{group.id}x{n}")
            users.append(user)
        make_enrolment(group, make_ambassador(municipality, user_id=user.id if user else None))
    return group, users


def open_round(group, kind=RoundKind.KICK_OFF, days=7) -> SurveyRound:
    round_ = SurveyRound(
        municipality_id=group.municipality_id,
        cohort_id=group.id,
        kind=kind,
        code_word=f"W{group.id:03d}{list(RoundKind).index(kind)}"[:6],
        opened_on=today(),
        closes_on=today() + timedelta(days=days),
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def add_answers(round_, n: int, **scores) -> None:
    for _ in range(n):
        values = {key: int(value) for key, value in SCORES.items()} | scores
        db.session.add(SurveyAnswer(round_id=round_.id, answered_on=today(), **values))
    round_.answer_count += n
    db.session.flush()


@pytest.fixture
def group(app, world):
    """Municipality A's cohort of six ambassadors with logins, and its open kick-off round."""
    with app.app_context():
        cohort, users = make_group(world.municipality_a, 6)
        round_ = open_round(cohort)
        db.session.commit()
        return {
            "cohort": cohort.id,
            "round": round_.id,
            "key": round_.key,
            "code": round_.code_word,
            "users": [u.login for u in users],
        }


# ---- anonymity, by the schema -----------------------------------------------------------------


def test_an_answer_cannot_be_joined_or_ordered_back_to_a_person(app):
    with app.app_context():
        inspector = inspect(db.session.connection())
        columns = {c["name"]: c for c in inspector.get_columns("survey_answer")}
        # No foreign key but the round's.
        keys = inspector.get_foreign_keys("survey_answer")
        assert [(k["referred_table"], k["constrained_columns"]) for k in keys] == [
            ("survey_round", ["round_id"])
        ]
        # No time finer than the day.
        for name, column in columns.items():
            assert not isinstance(column["type"], DateTime | Time), name
        dated = [n for n, c in columns.items() if isinstance(c["type"], Date)]
        assert dated == ["answered_on"]
        # The key is random text, not a counter; on SQLite there is no rowid to order by.
        primary = inspector.get_pk_constraint("survey_answer")["constrained_columns"]
        assert primary == ["id"]
        assert not isinstance(columns["id"]["type"], Integer)
        assert not any(c.get("autoincrement") is True for c in columns.values())
        if not is_postgres():
            for table in ("survey_answer", "survey_respondent"):
                sql = db.session.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :table"), {"table": table}
                )
                assert "WITHOUT ROWID" in sql.upper(), table
        # Who answered shares nothing with the answers but the round, and has no time at all.
        respondent = {c["name"]: c for c in inspector.get_columns("survey_respondent")}
        assert set(respondent) & set(columns) == {"round_id"}
        for name, column in respondent.items():
            assert not isinstance(column["type"], Date | DateTime | Time), name
        referred = {k["referred_table"] for k in inspector.get_foreign_keys("survey_respondent")}
        assert "survey_answer" not in referred


def test_each_answer_rewrites_the_round_so_no_row_pairs_with_who_answered(
    app, client, group, login
):
    """On PostgreSQL a row carries the transaction that wrote it: after each answer, all the
    round's answers carry the same one, under keys drawn again."""
    ids = []
    for user in group["users"][:3]:
        login(user)
        answered = client.post(f"/surveys/rounds/{group['round']}/answer", data=SCORES)
        assert answered.status_code == 302
        client.post("/logout")
        with app.app_context():
            ids.append(set(db.session.scalars(select(SurveyAnswer.id)).all()))
    assert [len(found) for found in ids] == [1, 2, 3]
    assert not ids[0] & ids[1] and not ids[1] & ids[2], "every key drawn again"
    if is_postgres():
        with app.app_context():
            writers = db.session.scalars(text("SELECT DISTINCT xmin::text FROM survey_answer"))
            assert len(writers.all()) == 1


def test_answer_ids_are_random(app, group):
    with app.app_context():
        round_ = db.session.get(SurveyRound, group["round"])
        add_answers(round_, 3)
        ids = list(db.session.scalars(select(SurveyAnswer.id)))
        assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)


# ---- opening and closing ------------------------------------------------------------------------


def test_youth_worker_opens_a_round_and_shows_its_code(app, client, world, login):
    with app.app_context():
        cohort, _users = make_group(world.municipality_a, 3)
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["youth_worker"])
    page = client.get(f"/surveys/cohorts/{cohort_id}")
    assert page.status_code == 200 and "Open a round" in page.text
    closes = (today() + timedelta(days=5)).isoformat()
    response = client.post(
        f"/surveys/cohorts/{cohort_id}/rounds", data={"kind": "kick_off", "closes_on": closes}
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"])
    with app.app_context():
        round_ = db.session.scalar(select(SurveyRound).where(SurveyRound.cohort_id == cohort_id))
        assert round_.kind == RoundKind.KICK_OFF and round_.opened_on == today()
        assert round_.code_word in shown.text and "handover__qr" in shown.text
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.opened"))
        assert event.detail == {"kind": "kick_off"}
    # The same kind twice: refused at the form, nothing written.
    again = client.post(
        f"/surveys/cohorts/{cohort_id}/rounds", data={"kind": "kick_off", "closes_on": closes}
    )
    assert again.status_code == 400 and "already has a round of this kind" in again.text
    past = client.post(
        f"/surveys/cohorts/{cohort_id}/rounds",
        data={"kind": "end", "closes_on": (today() - timedelta(days=1)).isoformat()},
    )
    assert past.status_code == 400 and "cannot be in the past" in past.text
    assert 'value="' + (today() - timedelta(days=1)).isoformat() in past.text  # kept
    with app.app_context():
        assert count(SurveyRound) == 1


def test_an_ambassador_cannot_open_or_show_a_round(client, world, login, group):
    login(group["users"][0], follow=False)
    assert client.post(f"/surveys/cohorts/{group['cohort']}/rounds", data={}).status_code == 403
    assert client.get(f"/surveys/rounds/{group['round']}/show").status_code == 403


def test_closing_a_round_stops_answers(app, client, world, login, group):
    login(world.a["coordinator"])
    assert client.post(f"/surveys/rounds/{group['round']}/close").status_code == 302
    client.post("/logout")
    login(group["users"][0])
    page = client.get(f"/surveys/rounds/{group['round']}/answer")
    assert "This round is closed" in page.text
    refused = client.post(f"/surveys/rounds/{group['round']}/answer", data=SCORES)
    assert refused.status_code == 400 and "This round is closed" in refused.text
    with app.app_context():
        assert count(SurveyAnswer) == 0 and count(SurveyRespondent) == 0


# ---- answering signed in ------------------------------------------------------------------------


def test_an_ambassador_answers_once(app, client, group, login):
    login(group["users"][0])
    tab = client.get(f"/surveys/cohorts/{group['cohort']}")
    assert "Answer now" in tab.text and "Results" not in tab.text
    form = client.get(f"/surveys/rounds/{group['round']}/answer")
    assert form.status_code == 200 and "I feel safe where I live" in form.text
    answered = client.post(
        f"/surveys/rounds/{group['round']}/answer", data=SCORES | {"comment": "Bra kurs"}
    )
    assert answered.status_code == 302
    with app.app_context():
        answer = db.session.scalar(select(SurveyAnswer))
        assert (answer.belong, answer.safe, answer.comment) == (4, 5, "Bra kurs")
        assert answer.answered_on == today()
        assert count(SurveyRespondent) == 1
        assert db.session.get(SurveyRound, group["round"]).answer_count == 1
    # Twice: kindly refused, nothing more written.
    again = client.post(
        f"/surveys/rounds/{group['round']}/answer", data=SCORES, follow_redirects=True
    )
    assert "You have answered this round already" in again.text
    assert client.get(f"/surveys/rounds/{group['round']}/answer").status_code == 302
    with app.app_context():
        assert count(SurveyAnswer) == 1 and count(SurveyRespondent) == 1
    assert "you have answered" in client.get(f"/surveys/cohorts/{group['cohort']}").text


def test_a_score_off_the_scale_is_refused(app, client, group, login):
    login(group["users"][0])
    response = client.post(
        f"/surveys/rounds/{group['round']}/answer", data=SCORES | {"safe": "7", "comment": "hei"}
    )
    assert response.status_code == 400 and "hei" in response.text
    with app.app_context():
        assert count(SurveyAnswer) == 0 and count(SurveyRespondent) == 0


def test_an_ambassador_of_another_cohort_cannot_answer(app, client, world, login, group):
    with app.app_context():
        _other, users = make_group(world.municipality_a, 1)
        db.session.commit()
        outsider = users[0].login
    login(outsider)
    assert client.get(f"/surveys/rounds/{group['round']}/answer").status_code == 404
    assert client.post(f"/surveys/rounds/{group['round']}/answer", data=SCORES).status_code == 404
    with app.app_context():
        assert count(SurveyAnswer) == 0


def test_a_withdrawn_ambassador_cannot_answer(app, client, group, login):
    with app.app_context():
        from allin.models import Enrolment

        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.cohort_id == group["cohort"])
        )
        enrolment.status = EnrolmentStatus.WITHDRAWN
        enrolment.withdrawn_at = func.now()
        login_name = enrolment.ambassador.user.login
        db.session.commit()
    login(login_name)
    assert client.post(f"/surveys/rounds/{group['round']}/answer", data=SCORES).status_code == 404
    with app.app_context():
        assert count(SurveyAnswer) == 0


# ---- answering with the code word ----------------------------------------------------------------


def test_code_word_answer_once_per_phone(app, client, group):
    url = f"/surveys/a/{group['key']}"
    page = client.get(f"{url}?code={group['code']}")
    assert page.status_code == 200 and f'value="{group["code"]}"' in page.text
    answered = client.post(url, data=SCORES | {"code_word": group["code"].lower()})
    assert answered.status_code == 200 and "Your answer is saved" in answered.text
    again = client.post(url, data=SCORES | {"code_word": group["code"]})
    assert "answered this round already" in again.text
    with app.app_context():
        assert count(SurveyAnswer) == 1 and count(SurveyRespondent) == 0


def test_code_word_lookup_leads_to_the_round(client, group):
    found = client.post("/surveys/answer", data={"code_word": f" {group['code'].lower()} "})
    assert found.status_code == 302 and group["key"] in found.headers["Location"]
    wrong = client.post("/surveys/answer", data={"code_word": "NOPE"})
    assert wrong.status_code == 400 and "code word is not right" in wrong.text


def test_another_cohorts_code_word_is_refused(app, client, world, group):
    with app.app_context():
        other, _users = make_group(world.municipality_a, 2)
        other_code = open_round(other).code_word
        db.session.commit()
    url = f"/surveys/a/{group['key']}"
    refused = client.post(url, data=SCORES | {"code_word": other_code})
    assert refused.status_code == 400 and "belongs to another group" in refused.text
    wrong = client.post(url, data=SCORES | {"code_word": "XXXXXX"})
    assert wrong.status_code == 400 and "not right" in wrong.text
    with app.app_context():
        assert count(SurveyAnswer) == 0
        assert db.session.get(SurveyRound, group["round"]).answer_count == 0


def test_an_expired_round_is_refused(app, client, group, frozen):
    frozen.advance(days=9)
    page = client.get(f"/surveys/a/{group['key']}")
    assert "This round ended on" in page.text
    refused = client.post(f"/surveys/a/{group['key']}", data=SCORES | {"code_word": group["code"]})
    assert refused.status_code == 400 and "This round ended on" in refused.text
    with app.app_context():
        assert count(SurveyAnswer) == 0


def test_a_round_takes_no_more_answers_than_members(app, make_app, world):
    with app.app_context():
        cohort, _users = make_group(world.municipality_a, 2, with_logins=False)
        round_ = open_round(cohort)
        db.session.commit()
        key, code = round_.key, round_.code_word
    for n in range(3):
        client = app.test_client()  # a new phone each time
        response = client.post(f"/surveys/a/{key}", data=SCORES | {"code_word": code})
        assert response.status_code == (200 if n < 2 else 400)
    assert "Everyone in the group has answered" in response.text
    with app.app_context():
        assert count(SurveyAnswer) == 2


def test_unknown_round_address_is_404(client, world):
    assert client.get("/surveys/a/nothing-here").status_code == 404
    assert client.post("/surveys/a/x", data=SCORES).status_code == 404


# ---- results ------------------------------------------------------------------------------------


def test_results_wait_for_enough_answers_then_show_before_and_after(
    app, client, world, login, group
):
    with app.app_context():
        kick_off = db.session.get(SurveyRound, group["round"])
        add_answers(kick_off, 4, belong=2)
        end = open_round(db.session.get(SurveyRound, group["round"]).cohort, RoundKind.END)
        add_answers(end, 6, belong=4)
        db.session.commit()
    login(world.a["youth_worker"])
    page = client.get(f"/surveys/cohorts/{group['cohort']}")
    assert "Not enough answers yet" in page.text and "Before and after" not in page.text
    with app.app_context():
        add_answers(db.session.get(SurveyRound, group["round"]), 2, belong=2)
        db.session.commit()
    page = client.get(f"/surveys/cohorts/{group['cohort']}")
    assert "Before and after" in page.text and "Not enough answers yet" not in page.text
    assert "+2,0" in page.text or "+2.0" in page.text  # belonging went from 2 to 4


def test_results_min_cell_is_configurable(app, make_app, world):
    custom = make_app(REPORT_MIN_CELL=3, LANGUAGES=("en",), BABEL_DEFAULT_LOCALE="en")
    with custom.app_context():
        cohort, _users = make_group(world.municipality_a, 3)
        round_ = open_round(cohort)
        add_answers(round_, 3, belong=1)
        db.session.commit()
        cohort_id = cohort.id
    client = custom.test_client()
    client.post("/login", data={"login": world.a["coordinator"].login, "password": PASSWORD})
    page = client.get(f"/surveys/cohorts/{cohort_id}")
    assert page.status_code == 200 and "3 answers." in page.text


def test_another_municipality_sees_no_round(app, client, world, login, group):
    login(world.b["coordinator"])
    assert client.get(f"/surveys/cohorts/{group['cohort']}").status_code == 404
    assert client.get(f"/surveys/rounds/{group['round']}/show").status_code == 404
    assert client.post(f"/surveys/rounds/{group['round']}/close").status_code == 404


def test_cohort_page_queries_are_constant(app, world, login, assert_constant_queries, group):
    login(world.a["youth_worker"])

    def grow():
        with app.app_context():
            round_ = db.session.get(SurveyRound, group["round"])
            add_answers(round_, 20)
            end = open_round(round_.cohort, RoundKind.END)
            add_answers(end, 20)
            db.session.commit()

    queries = assert_constant_queries(f"/surveys/cohorts/{group['cohort']}", grow)
    print("cohort self-assessment page queries:", queries)


# ---- the network report's effect section -------------------------------------------------------


def paired(municipality_id: int, before: int, after: int, *, belong=(2, 4)):
    """A cohort with a kick-off round of `before` answers and an end round of `after`."""
    cohort, _users = make_group(municipality_id, max(before, after), with_logins=False)
    add_answers(open_round(cohort, RoundKind.KICK_OFF), before, belong=belong[0])
    add_answers(open_round(cohort, RoundKind.END), after, belong=belong[1])
    return cohort


def effect_section(page: str) -> str:
    start = page.index('id="section-effect"')
    return page[start : page.index("</section>", start)]


def test_the_report_shows_the_change_with_small_rounds_left_out(app, client, world, login):
    with app.app_context():
        paired(world.municipality_a, 6, 6, belong=(2, 4))
        paired(world.municipality_b, 6, 4, belong=(1, 1))  # an end round too small: left out
        db.session.commit()
    login(world.admin)
    section = effect_section(client.get("/reports/").text)
    assert "Cohorts: 1." in section
    assert "+2,0" in section or "+2.0" in section
    assert "Bra kurs" not in section
    # The workbook has the same section as a sheet of its own, averages as numbers.
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/report.xlsx").data))
    sheet = book["Effect"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    heading = next(i for i, row in enumerate(rows) if row[0] == "Statement")
    assert rows[heading][:4] == ["Statement", "Kick-off", "End", "Change"]
    belong = rows[heading + 1]
    assert belong[:4] == ["I feel I belong in my city", 2, 4, 2]
    assert "Cohorts: 1. Answers at the kick-off: 6; at the end: 6." in [r[0] for r in rows]
    assert "Bra kurs" not in str(rows)


def test_the_report_says_when_nothing_counts_yet(app, client, world, login):
    with app.app_context():
        paired(world.municipality_a, 4, 6)
        db.session.commit()
    login(world.a["coordinator"])
    section = effect_section(client.get("/reports/").text)
    assert "Not enough answers yet" in section


def test_a_coordinator_gets_their_own_municipality_only(app, client, world, login):
    with app.app_context():
        paired(world.municipality_b, 6, 6)
        db.session.commit()
    login(world.a["coordinator"])
    assert "Not enough answers yet" in effect_section(client.get("/reports/").text)


def test_report_effect_queries_are_constant(app, world, login, assert_constant_queries):
    login(world.admin)

    def grow():
        with app.app_context():
            for municipality_id in (world.municipality_a, world.municipality_b):
                for _ in range(3):
                    paired(municipality_id, 7, 8)
            db.session.commit()

    with app.app_context():
        paired(world.municipality_a, 5, 5)
        db.session.commit()
    queries = assert_constant_queries("/reports/", grow)
    print("report queries:", queries)


def test_an_ambassadors_home_offers_the_open_round_until_answered(app, client, group, login):
    login(group["users"][1])
    home = client.get("/")
    assert f"/surveys/rounds/{group['round']}/answer" in home.text
    client.post(f"/surveys/rounds/{group['round']}/answer", data=SCORES)
    assert f"/surveys/rounds/{group['round']}/answer" not in client.get("/").text


def test_staff_home_has_no_round_card(client, world, login, group):
    login(world.a["youth_worker"])
    assert "/answer" not in client.get("/").text
