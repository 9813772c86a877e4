"""Landing page, language switch and health check."""

from __future__ import annotations

from flask import current_app, g, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import schema
from ..access import Perm, can, public
from ..ambassadors.selectors import ambassador_home
from ..concepts.selectors import concept_home
from ..extensions import db
from ..followup.selectors import home as followup_home
from ..notifications.selectors import ambassador_home as notification_home
from ..reports.home import network_home
from ..surveys.selectors import home as survey_home
from ..training.dashboard import ambassador_home as training_home
from ..training.dashboard import staff_home
from ..urls import safe_next
from . import bp


@bp.get("/")
@public
def index():
    """What allin is, for anyone who arrives; a start page for those signed in."""
    if current_user.is_authenticated:
        return render_template(
            "home/dashboard.html",
            **ambassador_home(current_user),
            **training_home(current_user),
            **concept_home(current_user),
            **notification_home(current_user, unread=g.get("unread_notifications", 0)),
            **staff_home(current_user),
            may_enrol=can(current_user, Perm.ENROL),
            may_review_concepts=can(current_user, Perm.REVIEW_CONCEPTS),
            may_view_people=can(current_user, Perm.VIEW_PEOPLE),
            may_manage_municipalities=can(current_user, Perm.MANAGE_MUNICIPALITIES),
            **network_home(current_user),
            **followup_home(current_user),
            **survey_home(current_user),
        )
    return render_template("home/index.html")


@bp.post("/language")
@public
def set_language():
    """Remember the chosen language in the session and, when signed in, on the account."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.language != lang:
            current_user.language = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers and its schema is current; 503 otherwise."""
    try:
        # The schema check uses a connection of its own: ask it before this request's
        # transaction begins (on SQLite that holds the write lock until the request ends).
        current = schema.is_current(current_app)
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unavailable")
        return jsonify(status="error", database="unavailable"), 503
    if not current:
        return jsonify(status="error", database="ok", schema="behind"), 503
    return jsonify(status="ok", database="ok", schema="current")
