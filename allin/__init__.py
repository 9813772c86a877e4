"""allin – runs the ALL'IN / KomINN youth ambassador programme for a network of municipalities."""

from __future__ import annotations

from flask import Flask

from . import config, logs
from .converters import IdConverter


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
    logs.init_app(app)
    config.announce(app)
    app.url_map.converters["int"] = IdConverter

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_demo(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import (  # noqa: F401
        handover,
        i18n,
        models,
        nav,
        pagination,
        schema,
        schema_gate,
        security,
        sqlite,
        transactions,
    )
    from .auth import login
    from .concepts import files as concept_files
    from .extensions import csrf, db, limiter, migrate
    from .guide import kept as guide_kept

    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    sqlite.prepare_database_file(app)
    db.init_app(app)
    transactions.init_app(app)  # on the app's own engines, before their first connection
    sqlite.init_app(app)
    migrate.init_app(app, db, directory=schema.MIGRATIONS_DIR)
    # Order matters: the schema gate and the setup redirect run before the CSRF check.
    schema.init_app(app)
    schema_gate.init_app(app)
    login.init_app(app)
    security.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    nav.init_app(app)
    pagination.init_app(app)
    handover.init_app(app)
    concept_files.init_app(app)
    guide_kept.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .ambassadors import bp as ambassadors_bp
    from .audit_log import bp as audit_log_bp
    from .auth import bp as auth_bp
    from .certificates import bp as certificates_bp
    from .checkin import bp as checkin_bp
    from .cohorts import bp as cohorts_bp
    from .concepts import bp as concepts_bp
    from .followup import bp as followup_bp
    from .guardians import bp as guardians_bp
    from .guide import bp as guide_bp
    from .home import bp as home_bp
    from .notifications import bp as notifications_bp
    from .reports import bp as reports_bp
    from .signups import bp as signups_bp
    from .spread import bp as spread_bp
    from .surveys import bp as surveys_bp
    from .training import bp as training_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(guide_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(ambassadors_bp)
    app.register_blueprint(concepts_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(audit_log_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(guardians_bp)
    app.register_blueprint(signups_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(spread_bp)


def register_error_handlers(app: Flask) -> None:
    from . import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.init_app(app)


def register_demo(app: Flask) -> None:
    """The demo network is on the top floor: no feature imports it, so the factory wires it in
    (the setup page's demo button and `seed-demo`). The only module outside it that may."""
    from . import demo

    demo.init_app(app)
