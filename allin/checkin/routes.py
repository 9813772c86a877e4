"""Check-in pages. The facilitator's screen (code, QR, how many checked in) and the roll call
poll the JSON state; an ambassador opens the QR's link or types the code."""

from __future__ import annotations

from functools import lru_cache

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Perm, forbid_unless, polled, require, visible
from ..errors import attempt
from ..extensions import db, limiter
from ..handover import qr_svg
from ..models import TrainingSession
from ..training import selectors as training_selectors
from ..training import services as training_services
from ..training.rules import can_take_attendance
from ..transactions import runs_as
from . import bp, codes, selectors, services
from .forms import CodeForm
from .rules import checks_in_self

# Per login, not per address: a class on one school network checks in at once.
PER_PERSON = "20 per minute"


def _person() -> str:
    return f"user:{current_user.get_id()}"


# ---- the facilitator ------------------------------------------------------------------------


def _session_to_show(session_id: int) -> TrainingSession:
    session = training_selectors.session_page(current_user, session_id)
    forbid_unless(can_take_attendance(current_user, session))
    return session


def _shown(session: TrainingSession) -> dict:
    """The code now, its link and QR code, and how long until it changes."""
    code = codes.current(session.id)
    link = url_for("checkin.scan", session_id=session.id, c=code, _external=True)
    return {
        "code": code,
        "spaced": f"{code[:3]} {code[3:]}",
        "link": link,
        "seconds": codes.seconds_left(),
    }


@bp.get("/sessions/<int:session_id>/check-in")
@require(Perm.TAKE_ATTENDANCE)
def show(session_id: int):
    """The screen to show the room: works on the session's day only."""
    session = _session_to_show(session_id)
    is_open = training_services.check_in_open(session)
    shown = _shown(session) if is_open else None
    return render_template(
        "checkin/show.html",
        session=session,
        open=is_open,
        shown=shown,
        qr_code=qr(shown["link"], _qr_label()) if shown else None,
        state=selectors.roll_state(current_user, session),
    )


@bp.get("/sessions/<int:session_id>/check-in/state")
@require(Perm.TAKE_ATTENDANCE)
@polled
def state(session_id: int):
    """What the pages poll every 2 s: the roll call's values and counts; with ?qr=1 the code
    now and its QR code too (the facilitator's screen)."""
    session = _session_to_show(session_id)
    roll = selectors.roll_state(current_user, session)
    body = {
        "values": roll.values,
        "checked_in": roll.checked_in,
        "marked": len(roll.values),
        "members": roll.members,
        "open": training_services.check_in_open(session),
    }
    if request.args.get("qr") == "1" and body["open"]:
        shown = _shown(session)
        body.update(shown, qr=str(qr(shown["link"], _qr_label())))
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _qr_label() -> str:
    return _("QR code for checking in")


@lru_cache(maxsize=256)
def qr(link: str, label: str):
    """A link's QR code, drawn once (about 8 ms each): the screen polls every 2 s and the
    code changes every 30 s."""
    return qr_svg(link, label)


# ---- the ambassador -------------------------------------------------------------------------


def _refused(message: str, status: int):
    """A refusal with what to do; an ambassador may type the code instead, staff are not
    offered the form."""
    form = CodeForm() if checks_in_self(current_user) else None
    return render_template("checkin/done.html", outcome=None, error=message, form=form), status


def _signed_out() -> bool:
    """Not signed in yet: the permission check sends them to sign in; not counted here, so a
    class scanning before signing in is not held back by one shared key."""
    return not current_user.is_authenticated


@bp.get("/check-in/<int:session_id>")
@require(Perm.USE_ACCOUNT)
@limiter.limit(PER_PERSON, key_func=_person, exempt_when=_signed_out)
@runs_as("writer")
def scan(session_id: int):
    """The QR code's link: opening it checks in (it carries the code of the moment, so it is
    a claim like an invitation link; a replay by the same person changes nothing)."""
    session = db.session.scalars(
        visible(TrainingSession, current_user).where(TrainingSession.id == session_id)
    ).first()
    if session is None:
        if not checks_in_self(current_user):
            abort(404)
        return _refused(str(services.NOT_MEMBER), 404)
    errors: list[str] = []
    ok, outcome = attempt(
        services.check_in,
        errors=errors,
        actor=current_user,
        session=session,
        code=request.args.get("c", "")[:20],
    )
    if not ok:
        return _refused(errors[0], 422 if checks_in_self(current_user) else 403)
    db.session.commit()
    return render_template("checkin/done.html", outcome=outcome, error=None, form=None)


@bp.route("/check-in", methods=["GET", "POST"])
@require(Perm.USE_ACCOUNT)
@limiter.limit("10 per minute", key_func=_person, methods=["POST"], exempt_when=_signed_out)
def enter():
    """Type the code: for phones without a camera, or a QR code that does not scan."""
    form = CodeForm()
    if not checks_in_self(current_user):
        return _refused(str(services.STAFF), 403)
    if form.validate_on_submit():
        ok, outcome = attempt(
            services.check_in_typed,
            errors=form.code.errors,
            actor=current_user,
            code=form.code.data,
        )
        if ok:
            db.session.commit()
            return render_template("checkin/done.html", outcome=outcome, error=None, form=None)
    status = 422 if form.errors else 200
    return render_template("checkin/enter.html", form=form), status
