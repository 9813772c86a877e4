"""The start every one-off benchmark shares (import_csv, exports, notify_flood): its own
settings whatever the shell has set, a fresh instance (SQLite, or a wiped PostgreSQL
database), the migrations, and the demo network at a scale, all sharing one password."""

from __future__ import annotations

import argparse
import os
import tempfile

PASSWORD = "benchmark password 2026"


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", help="a PostgreSQL URL (wiped!); default: SQLite")
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("ALLIN_") or k == "DATABASE_URL"]:
        del os.environ[key]
    return args


def seeded_app(database: str | None, *, prefix: str, scale: int, **config):
    """(app, instance folder) with the demo network seeded at `scale`. Staff sign in with a
    password alone: with two-factor sign-in on, every page would be its set-up page."""
    from flask_migrate import upgrade

    from allin import create_app, demo, schema
    from allin.extensions import db
    from tests.benchmarks.bench import reset_postgres

    instance = tempfile.mkdtemp(prefix=f"allin-{prefix}-bench-")
    url = database or f"sqlite:///{instance}/bench.sqlite"
    if database:
        reset_postgres(url)
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "benchmark",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "AUTO_MIGRATE": False,
        "REQUIRE_STAFF_2FA": False,
        "BASE_URL": "http://localhost",  # a server database wants the site's address
    }
    app = create_app(settings | config)
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        demo.create_demo_network(password=PASSWORD, scale=scale)
        db.session.commit()
    return app, instance
