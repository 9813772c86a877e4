"""Sign-up for new ambassadors (issue 25): a cohort's public form, off by default; pending
sign-ups a youth worker accepts (an enrolment, with the duplicate check) or declines."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from allin import retention
from allin.enums import CohortStatus
from allin.extensions import db
from allin.models import (
    Ambassador,
    AuditEvent,
    Cohort,
    Enrolment,
    Municipality,
    Signup,
    SignupForm,
    User,
)
from allin.signups import services
from tests.conftest import without_form_tokens
from tests.factories import count, make_ambassador, make_cohort

ADDRESS = re.compile(r"http://localhost(/join/[A-Za-z0-9_\-]+)")


@pytest.fixture(autouse=True)
def in_english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def sign_in(client, login, who) -> None:
    login(who)
    client.post("/language", data={"lang": "en"})


@pytest.fixture
def cohort_id(app, world):
    with app.app_context():
        cohort = make_cohort(
            db.session.get(Municipality, world.municipality_a), name="Kull Høst", status="active"
        )
        db.session.commit()
        return cohort.id


def open_form(client, login, world, cohort_id) -> str:
    """As A's coordinator: open the form; returns its public path."""
    sign_in(client, login, world.a["coordinator"])
    assert client.post(f"/signups/cohorts/{cohort_id}/open").status_code == 302
    page = client.get(f"/signups/cohorts/{cohort_id}").get_data(as_text=True)
    client.post("/logout")
    return ADDRESS.search(page).group(1)


def young(**fields) -> dict:
    data = {
        "name": "Emma Hansen",
        "birth_year": str(rules_year(15)),
        "school": "Hedrum 9B",
        "phone": "+47 912 34 567",
        "guardian_name": "Per Hansen",
        "guardian_phone": "+47 913 00 000",
        "motivation": "I want my town to be safer.\nAnd to meet people.",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def rules_year(age: int) -> int:
    from allin.ambassadors import rules

    return rules.today().year - age - 1


def test_the_form_is_off_by_default(app, client, world, login, cohort_id):
    sign_in(client, login, world.a["youth_worker"])
    page = client.get(f"/signups/cohorts/{cohort_id}").get_data(as_text=True)
    assert "Closed" in page and not ADDRESS.search(page)
    assert "Open the sign-up form" not in page  # a youth worker does not manage cohorts
    assert client.post(f"/signups/cohorts/{cohort_id}/open").status_code == 403
    with app.app_context():
        assert count(SignupForm) == 0


def test_the_address_is_stable_and_closing_takes_nothing(app, client, world, login, cohort_id):
    path = open_form(client, login, world, cohort_id)
    assert 'name="robots" content="noindex' in client.get(path).get_data(as_text=True)
    sign_in(client, login, world.a["coordinator"])
    client.post(f"/signups/cohorts/{cohort_id}/close")
    client.post("/logout")
    response = client.post(path, data=young())
    assert response.status_code == 410 and "closed" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Signup) == 0
    assert open_form(client, login, world, cohort_id) == path
    assert client.get("/join/not-a-form").status_code == 404


def test_a_sign_up_is_pending_then_accepted_as_an_enrolment(app, client, world, login, cohort_id):
    path = open_form(client, login, world, cohort_id)
    response = client.post(path, data=young())
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        signup = db.session.scalar(select(Signup))
        assert signup.name == "Emma Hansen" and "\n" in signup.motivation
        signup_id = signup.id
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signup.received"))
        assert "Emma" not in str(event.detail)
    sign_in(client, login, world.a["youth_worker"])
    people = client.get(f"/cohorts/{cohort_id}/people").get_data(as_text=True)
    assert "1 sign-up waiting" in people
    page = client.get(f"/signups/cohorts/{cohort_id}").get_data(as_text=True)
    assert "Emma Hansen" in page and "Accept and enrol" in page
    response = client.post(f"/signups/{signup_id}/accept")
    assert response.status_code == 302
    with app.app_context():
        ambassador = db.session.scalar(select(Ambassador).where(Ambassador.name == "Emma Hansen"))
        assert ambassador.guardian_phone == "+47 913 00 000"
        assert ambassador.created_by_id == world.a["youth_worker"].id
        enrolment = db.session.scalar(select(Enrolment))
        assert (enrolment.cohort_id, enrolment.ambassador_id) == (cohort_id, ambassador.id)
        assert count(Signup) == 0
    assert response.headers["Location"].endswith(f"/ambassadors/{ambassador.id}")
    again = client.post(f"/signups/{signup_id}/accept")
    assert again.status_code == 404


def test_a_known_person_is_offered_and_never_shown_to_the_public(
    app, client, world, login, cohort_id
):
    with app.app_context():
        known = make_ambassador(
            db.session.get(Municipality, world.municipality_a),
            age=15,
            name="Emma  hansen",
            school="Hedrum 9B",
        )
        db.session.commit()
        known_id = known.id
    path = open_form(client, login, world, cohort_id)
    client.get(path)  # the "signed out" message is shown and gone
    new = client.post(path, data=young(name="Nora Berg"))
    same = client.post(path, data=young())
    assert new.headers["Location"] == same.headers["Location"]
    # The same page for a new and a known person (their form tokens carry the second they
    # were made in, so two renders a second apart differ there and only there).
    first, second = (
        without_form_tokens(client.get(r.headers["Location"]).get_data(as_text=True))
        for r in (new, same)
    )
    assert first == second, (first[1400:1700], second[1400:1700])
    sign_in(client, login, world.a["youth_worker"])
    page = client.get(f"/signups/cohorts/{cohort_id}").get_data(as_text=True)
    assert "Already known with this name and birth year" in page
    with app.app_context():
        emma = db.session.scalar(select(Signup.id).where(Signup.name == "Emma Hansen"))
    refused = client.post(f"/signups/{emma}/accept", follow_redirects=True)
    assert "known already" in refused.get_data(as_text=True)
    with app.app_context():
        assert count(Enrolment) == 0 and count(Signup) == 2
    client.post(f"/signups/{emma}/accept", data={"ambassador": str(known_id)})
    with app.app_context():
        assert count(Ambassador) == 1 + 0  # no duplicate made
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.ambassador_id == known_id


def test_someone_else_with_the_same_name_is_enrolled_as_new(app, client, world, login, cohort_id):
    with app.app_context():
        make_ambassador(
            db.session.get(Municipality, world.municipality_a), age=15, name="Emma Hansen"
        )
        db.session.commit()
    path = open_form(client, login, world, cohort_id)
    client.post(path, data=young())
    sign_in(client, login, world.a["youth_worker"])
    with app.app_context():
        signup_id = db.session.scalar(select(Signup.id))
    client.post(f"/signups/{signup_id}/accept", data={"someone_else": "1"})
    with app.app_context():
        assert count(Ambassador, Ambassador.name == "Emma Hansen") == 2
        assert count(Enrolment) == 1


def test_declining_deletes_the_data_at_once(app, client, world, login, cohort_id):
    path = open_form(client, login, world, cohort_id)
    client.post(path, data=young())
    sign_in(client, login, world.a["youth_worker"])
    with app.app_context():
        signup_id = db.session.scalar(select(Signup.id))
    asked = client.post(f"/signups/{signup_id}/decline")
    assert asked.status_code == 200 and "Decline the sign-up" in asked.get_data(as_text=True)
    with app.app_context():
        assert count(Signup) == 1
    client.post(f"/signups/{signup_id}/decline", data={"confirmed": "yes"})
    with app.app_context():
        assert count(Signup) == 0 and count(Ambassador) == 0
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signup.declined"))
        assert "Emma" not in str(event.detail)


def test_a_12_year_old_without_a_guardian_is_refused_clearly(app, client, world, login, cohort_id):
    path = open_form(client, login, world, cohort_id)
    response = client.post(
        path,
        data=young(birth_year=str(rules_year(12)), guardian_name=None, guardian_phone=None),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Under 18: enter a guardian" in page and 'value="Emma Hansen"' in page
    with app.app_context():
        assert count(Signup) == 0


def test_a_way_to_reach_them_is_required(app, client, world, login, cohort_id):
    path = open_form(client, login, world, cohort_id)
    response = client.post(path, data=young(phone=None))
    assert "Enter a phone number or an e-mail address" in response.get_data(as_text=True)
    assert client.post(path, data=young(phone=None, email="emma@example.no")).status_code == 302
    with app.app_context():
        assert count(Signup) == 1


def test_a_bot_filling_the_honeypot_sees_thanks_and_nothing_is_kept(
    app, client, world, login, cohort_id
):
    path = open_form(client, login, world, cohort_id)
    response = client.post(path, data=young(website="http://spam.example"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    with app.app_context():
        assert count(Signup) == 0


def test_a_completed_cohort_takes_no_sign_ups(app, client, world, login, cohort_id):
    path = open_form(client, login, world, cohort_id)
    with app.app_context():
        db.session.get(Cohort, cohort_id).status = CohortStatus.COMPLETED
        db.session.commit()
    assert client.post(path, data=young()).status_code == 410


def test_retention_deletes_sign_ups_left_90_days(app, client, world, login, cohort_id, frozen):
    path = open_form(client, login, world, cohort_id)
    client.post(path, data=young())
    with app.app_context():
        assert retention.purge_expired()["sign-ups"] == 0
        frozen.advance(days=91)
        assert retention.purge_expired()["sign-ups"] == 1
        assert count(Signup) == 0


def test_only_the_municipalitys_staff_answer(app, world, cohort_id):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        coordinator = db.session.get(User, world.a["coordinator"].id)
        form = services.set_open(cohort, actor=coordinator, open_=True)
        person = services.ambassador_services.Person(
            name="Emma Hansen", birth_year=rules_year(19), phone="+47 912 34 567"
        )
        signup = services.submit(
            form, submission=services.Submission(person=person, motivation="Yes.")
        )
        outsider = db.session.get(User, world.b["youth_worker"].id)
        with pytest.raises(services.DomainError):
            services.accept(signup, actor=outsider)
        with pytest.raises(services.DomainError):
            services.set_open(cohort, actor=outsider, open_=False)


def _limited_form(make_app, world):
    """An app with its rate limits on, and the public path of an open form."""
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), status="active")
        form = services.set_open(
            cohort, actor=db.session.get(User, world.a["coordinator"].id), open_=True
        )
        db.session.commit()
        return app, f"/join/{form.key}"


def test_a_class_behind_one_school_address_can_all_sign_up(make_app, world):
    """A class visit: 30 young people on the school's network (one address), each opening the
    form and sending it twice (a mistake first). Everyone gets through; the 61st POST in a
    minute from that address gets the form back as it was sent, with when to send it again."""
    app, path = _limited_form(make_app, world)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    codes = []
    for n in range(30):
        assert client.get(path).status_code == 200  # opening the form is counted apart
        without_contact = young(name=f"Elev {n} Hansen", phone=None)
        codes.append(client.post(path, data=without_contact).status_code)
        codes.append(client.post(path, data=young(name=f"Elev {n} Hansen")).status_code)
    assert codes == [200, 302] * 30  # the first lacked a way to reach them: shown, kept
    over = client.post(path, data=young(name="Nora Berg", school="Hedrum 10A"))
    assert over.status_code == 429 and 60 <= int(over.headers["Retry-After"]) <= 60 * 60
    page = over.get_data(as_text=True)
    assert "Your sign-up is not sent yet:" in page and "Please fix" not in page
    assert "Many sign-ups have come in just now, so yours was not sent." in page
    assert 'value="Nora Berg"' in page and 'value="Hedrum 10A"' in page
    assert "I want my town to be safer." in page
    with app.app_context():
        assert count(Signup) == 30


def test_one_address_cannot_fill_the_form_for_everyone(make_app, world):
    """An address stores at most 40 sign-ups an hour (a class of 30 fits): a script on one
    machine cannot use up the form's 120 and close it to the next class."""
    app, path = _limited_form(make_app, world)
    client = app.test_client()
    codes = [client.post(path, data=young(name=f"Ung {n} Hansen")).status_code for n in range(41)]
    assert codes == [302] * 40 + [429]
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"  # the next class, on another network
    assert client.post(path, data=young(name="Nora Berg")).status_code == 302
    with app.app_context():
        assert count(Signup) == 41


def test_the_forms_cap_counts_stored_sign_ups_only(make_app, world):
    """120 sign-ups an hour per form, from any number of addresses; mistakes and the honeypot's
    catches do not count, so a flood of junk cannot close the form to a class."""
    app, path = _limited_form(make_app, world)
    client = app.test_client()
    for n in range(200):  # junk from many addresses: nothing stored, nothing counted
        client.environ_base["REMOTE_ADDR"] = f"10.0.{n // 250}.{n % 250}"
        client.post(path, data=young(website="x") if n % 2 else young(name=""))
    codes = []
    for n in range(121):
        client.environ_base["REMOTE_ADDR"] = f"10.1.{n // 250}.{n % 250}"
        codes.append(client.post(path, data=young(name=f"Ung {n} Hansen")).status_code)
    assert codes == [302] * 120 + [429]
    with app.app_context():
        assert count(Signup) == 120


def test_pages_send_constant_queries(app, client, world, login, cohort_id, assert_constant_queries):
    path = open_form(client, login, world, cohort_id)

    def more():
        for n in range(4):
            client.post(path, data=young(name=f"Person {n} Hansen"))

    client.post(path, data=young())
    sign_in(client, login, world.a["youth_worker"])
    staff = assert_constant_queries(f"/signups/cohorts/{cohort_id}", more)
    client.post("/logout")
    public = assert_constant_queries(path, more)
    thanks = assert_constant_queries(path + "/thanks", more)
    print(f"signups: staff page {staff}, form {public}, thanks {thanks} queries")
    assert staff <= 8 and public <= 2 and thanks <= 2


def test_the_duplicate_check_ignores_erased_and_foreign_people(app, world):
    with app.app_context():
        b = db.session.get(Municipality, world.municipality_b)
        make_ambassador(b, age=15, name="Emma Hansen")
        db.session.commit()
        actor = db.session.get(User, world.a["youth_worker"].id)
        from allin.signups import selectors

        class Row:
            id, name, birth_year = 1, "Emma Hansen", rules_year(15)

        assert selectors.known_people(actor, [Row()]) == {}
    assert timedelta(days=90)
