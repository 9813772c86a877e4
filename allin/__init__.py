"""allin – runs the ALL'IN / KomINN youth ambassador programme for a network of municipalities."""

from __future__ import annotations

from flask import Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an allin application."""
    app = Flask(
        __name__,
        instance_path=config.instance_path(test_config),
        instance_relative_config=True,
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    config.load(app, test_config)

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import i18n, models, schema  # noqa: F401  (models: every table known to Alembic)
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=schema.MIGRATIONS_DIR)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    schema.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .home import bp as home_bp

    app.register_blueprint(home_bp)


def register_error_handlers(app: Flask) -> None:
    from . import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.init_app(app)


def _load_user(user_id: str):
    from .extensions import db
    from .models import User

    return db.session.get(User, int(user_id)) if user_id.isdigit() else None
