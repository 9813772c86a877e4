"""Operator commands: seed-demo and create-admin."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from allin.access import Role
from allin.extensions import db
from allin.models import Municipality, User
from tests.conftest import is_postgres

PASSWORD = "demo password 123"


def test_seed_demo_prints_one_line_per_account(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 3 for row in rows)
    assert rows[0][:2] == [Role.NETWORK_ADMIN, "-"]
    assert rows[1][:2] == [Role.NETWORK_VIEWER, "-"]  # the funder: reads the report
    assert {row[1] for row in rows[2:]} == {"Larvik", "Kristiansand"}
    staff = sorted(row[0] for row in rows[2:] if row[0] != Role.AMBASSADOR)
    assert staff == ["coordinator"] * 2 + ["youth_worker"] * 2
    assert [row[0] for row in rows].count(Role.AMBASSADOR) == 6  # three per municipality
    with app.app_context():
        for role, _municipality, login in rows:
            user = db.session.scalar(
                select(User).where((User.email == login) | (User.username == login))
            )
            assert user.role == role and user.check_password(PASSWORD)


def test_seed_demo_refuses_a_database_with_data(app, runner):
    assert runner.invoke(args=["seed-demo", "--password", PASSWORD]).exit_code == 0
    second = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert second.exit_code == 1
    assert "already has data" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Municipality)) == 2


def test_seed_demo_scale(app, runner):
    result = runner.invoke(args=["seed-demo", "--scale", "8"])
    assert result.exit_code == 0
    assert "Password for every demo account: demo-" in result.stderr
    with app.app_context():
        names = db.session.scalars(select(Municipality.name)).all()
        assert len(names) == 16 and len(set(names)) == 16
        assert db.session.scalar(select(func.count()).select_from(User)) == 2 + 16 * (2 + 3)


def test_create_admin(app, runner):
    result = runner.invoke(
        args=[
            "create-admin",
            "--name",
            "Åse Lunde",
            "--email",
            "Ase@Example.com",
            "--password",
            "fjell og fjord 2026",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.role, user.email, user.municipality_id) == (
            Role.NETWORK_ADMIN,
            "ase@example.com",
            None,
        )


def test_create_admin_applies_the_password_policy(app, runner):
    result = runner.invoke(
        args=["create-admin", "--name", "A", "--email", "a@example.com", "--password", "passord123"]
    )
    assert result.exit_code == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_admin_rejects_a_bad_email(app, runner):

    result = runner.invoke(
        args=["create-admin", "--name", "A", "--email", "nope", "--password", "x" * 12]
    )
    assert result.exit_code == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_fills_cohorts_with_ambassadors_and_consents(app, runner):
    from allin.ambassadors import rules
    from allin.enums import CohortStatus, ConsentGiver, ConsentPurpose
    from allin.models import Ambassador, Cohort, Consent

    assert runner.invoke(args=["seed-demo", "--password", PASSWORD]).exit_code == 0
    with app.app_context():
        for municipality in db.session.scalars(select(Municipality)):
            cohorts = db.session.scalars(
                select(Cohort).where(Cohort.municipality_id == municipality.id)
            ).all()
            assert 2 <= len(cohorts) <= 3
            assert {CohortStatus.COMPLETED, CohortStatus.ACTIVE} <= {c.status for c in cohorts}
        consents = db.session.scalars(select(Consent)).all()
        assert any(c.withdrawn_at for c in consents)
        for consent in consents:  # every recorded consent is one the age rules allow
            ambassador = db.session.get(Ambassador, consent.ambassador_id)
            if rules.needs_guardian(
                ambassador.birth_year, consent.purpose, ambassador.municipality
            ):
                assert consent.given_by == ConsentGiver.GUARDIAN
        ages = {
            rules.conservative_age(a.birth_year) for a in db.session.scalars(select(Ambassador))
        }
        assert min(ages) >= 11 and max(ages) <= 18
        assert ConsentPurpose.PARTICIPATION in {c.purpose for c in consents}


@pytest.mark.skipif(
    is_postgres(), reason="the counts at scale; test_seed_demo_scale seeds PostgreSQL (16 s here)"
)
def test_seed_demo_at_scale_10_makes_the_benchmark_network(app, runner):
    from allin.models import Ambassador, Cohort

    assert runner.invoke(args=["seed-demo", "--scale", "10"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Municipality)) == 20
        assert db.session.scalar(select(func.count()).select_from(Cohort)) == 200
        assert db.session.scalar(select(func.count()).select_from(Ambassador)) == 6000
