"""Every list page sends the same number of SQL queries whatever the number of rows."""

from __future__ import annotations

from allin.enums import Role
from allin.extensions import db
from allin.models import Municipality, User
from tests.factories import make_invitation, make_municipality, make_user


def _add(app, count, make):
    with app.app_context():
        for _ in range(count):
            make()
        db.session.commit()


def test_people_list(app, world, login, assert_constant_queries):
    login(world.a["coordinator"])

    def people():
        municipality = db.session.get(Municipality, world.municipality_a)
        return make_user(Role.YOUTH_WORKER, municipality)

    _add(app, 5, people)
    assert assert_constant_queries("/admin/users/", lambda: _add(app, 45, people)) <= 8


def test_people_list_for_the_network(app, world, login, assert_constant_queries):
    """The network's list shows each person's municipality: loaded with the page, not per row."""
    login(world.admin)
    _add(app, 5, lambda: make_user(Role.COORDINATOR))
    assert assert_constant_queries("/admin/users/", lambda: _add(app, 45, make_user)) <= 8


def test_invitation_list(app, world, login, assert_constant_queries):
    login(world.admin)

    def invitation():
        return make_invitation(
            db.session.get(User, world.admin.id),
            Role.COORDINATOR,
            municipality_id=make_municipality().id,
        )

    _add(app, 5, invitation)
    assert assert_constant_queries("/admin/invitations/", lambda: _add(app, 45, invitation)) <= 8


def test_municipality_list(app, world, login, assert_constant_queries):
    login(world.admin)
    _add(app, 3, make_municipality)
    assert (
        assert_constant_queries("/admin/municipalities/", lambda: _add(app, 45, make_municipality))
        <= 8
    )
