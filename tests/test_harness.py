"""The test harness itself (tests/harness.py): each test starts from the state it asks for, on
an app that carries nothing over from the test before."""

from __future__ import annotations

from PIL import Image
from sqlalchemy import func, select, update

from allin.enums import Role
from allin.extensions import db, limiter
from allin.models import AuditEvent, Municipality, User
from tests.factories import make_municipality, make_user


def _rows(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def test_the_database_goes_back_to_world_and_to_empty(app, world, harness):
    """What a test wrote, changed or deleted is undone before the next one starts."""
    with app.app_context():
        admin_name = db.session.get(User, world.admin.id).name
        make_user(Role.COORDINATOR, make_municipality("Ekstra"))  # rows in two tables
        db.session.execute(update(User).where(User.id == world.admin.id).values(name="Endret"))
        db.session.add(AuditEvent(action="test.wrote", actor_id=world.admin.id))
        db.session.commit()
    harness.apps.end(app)

    harness.database.put_back("world")
    with app.app_context():
        names = set(db.session.scalars(select(Municipality.name)))
        assert names == {"Larvik", "Kristiansand"}
        assert db.session.get(User, world.admin.id).name == admin_name
        assert _rows(User) == 7 and _rows(AuditEvent) == 0
    harness.apps.end(app)

    harness.database.put_back("empty")
    with app.app_context():
        left = {table.name: _rows(table) for table in db.metadata.sorted_tables}
        assert {name for name, rows in left.items() if rows} == {"guide_edition"}  # as migrated
    harness.apps.end(app)


def test_the_kept_app_begins_each_test_as_it_was_made(app, make_app, harness, tmp_path):
    """Settings a test changed, another app's process-wide settings, and the instance folder."""
    app.config["PER_PAGE"] = 1
    make_app(RATELIMIT_ENABLED=True, IMAGE_MAX_PIXELS=10)  # as test_config's own apps do
    assert limiter.enabled and Image.MAX_IMAGE_PIXELS == 10

    harness.apps.begin(app, tmp_path / "next")
    assert app.config["PER_PAGE"] == 25
    assert not limiter.enabled and Image.MAX_IMAGE_PIXELS == app.config["IMAGE_MAX_PIXELS"]
    assert app.instance_path == str(tmp_path / "next") and (tmp_path / "next").is_dir()
