"""The self-assessment pages: a cohort's rounds and results (staff), answering signed in
(ambassadors), and answering at the session with the code word (no sign-in)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Perm, forbid_unless, public, require
from ..actions import act
from ..cohorts import selectors as cohort_selectors
from ..cohorts.tabs import render as render_cohort_page
from ..enums import RoundKind
from ..errors import DomainError, attempt
from ..extensions import db, limiter
from ..fields import enum_choices
from ..training.forms import ConfirmForm
from ..training.times import today
from ..urls import external_url
from . import bp, selectors, services
from .forms import AnswerForm, CodeWordForm, OpenRoundForm, PublicAnswerForm
from .questions import QUESTIONS
from .results import before_after, cohort_results, min_cell
from .rules import can_answer, can_run_rounds, is_open

DEFAULT_OPEN = timedelta(days=7)
COOKIE_AGE = 120 * 24 * 3600  # past any round's last day


def _cookie(round_) -> str:
    return f"allin_survey_{round_.id}"


@bp.get("/cohorts/<int:cohort_id>")
@require(Perm.VIEW_COHORTS)
def cohort(cohort_id: int):
    """The cohort's rounds: staff open, show and close them and read the results; an
    ambassador answers the open ones."""
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    form = OpenRoundForm(formdata=None, closes_on=today() + DEFAULT_OPEN)
    return _cohort_page(cohort, form)


def _cohort_page(cohort, form, code: int = 200):
    rounds = selectors.cohort_rounds(current_user, cohort.id)
    day = today()
    values = {"rounds": rounds, "open_ids": {r.id for r in rounds if is_open(r, day)}}
    if can_run_rounds(current_user, cohort):
        results = cohort_results(rounds)
        taken = {r.kind for r in rounds}
        form.kind.choices = enum_choices([k for k in RoundKind if k not in taken])
        values.update(
            manage=True,
            form=form,
            results=results,
            changes=before_after(results),
        )
    else:
        member = selectors.is_member(current_user, cohort.id)
        values.update(
            manage=False,
            may_answer=can_answer(current_user, member),
            answered=selectors.answered(current_user, [r.id for r in rounds]),
        )
    page = render_cohort_page("surveys/cohort.html", cohort, min_cell=min_cell(), **values)
    return page, code


@bp.post("/cohorts/<int:cohort_id>/rounds")
@require(Perm.ENROL)
def open_round(cohort_id: int):
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_run_rounds(current_user, cohort))
    form = OpenRoundForm()
    form.kind.choices = enum_choices(RoundKind)
    if form.validate():
        ok, made = attempt(
            services.open_round,
            cohort,
            errors=form.form_errors,
            kind=RoundKind(form.kind.data),
            closes_on=form.closes_on.data,
            actor=current_user,
        )
        if ok:
            db.session.commit()
            return redirect(url_for("surveys.show", round_id=made.id))
    return _cohort_page(cohort, form, 400)


@bp.get("/rounds/<int:round_id>/show")
@require(Perm.ENROL)
def show(round_id: int):
    """What is shown in the room: the QR code, the short address and the code word."""
    round_ = selectors.round_page(current_user, round_id)
    forbid_unless(can_run_rounds(current_user, round_))
    link = external_url("surveys.public_answer", key=round_.key, code=round_.code_word)
    return render_template(
        "surveys/show.html",
        round=round_,
        cohort=round_.cohort,
        link=link,
        short=external_url("surveys.code_word"),
        taking=is_open(round_, today()),
    )


@bp.post("/rounds/<int:round_id>/close")
@require(Perm.ENROL)
def close(round_id: int):
    round_ = selectors.round_(current_user, round_id)
    forbid_unless(can_run_rounds(current_user, round_))
    return act(
        lambda: services.close_round(round_, actor=current_user),
        form=ConfirmForm(),
        success=_("The round is closed. Its results stay."),
        back=url_for("surveys.cohort", cohort_id=round_.cohort_id),
    )


@bp.route("/rounds/<int:round_id>/answer", methods=["GET", "POST"])
@require(Perm.VIEW_COHORTS)
def answer(round_id: int):
    """An ambassador answers signed in (at home, or at the session)."""
    round_ = selectors.round_(current_user, round_id)
    member = selectors.is_member(current_user, round_.cohort_id)
    forbid_unless(can_answer(current_user, member))
    form = AnswerForm()
    if form.validate_on_submit():
        already: list[str] = []
        ok, _none = attempt(
            services.answer_signed_in,
            round_,
            errors={services.AlreadyAnswered: already, DomainError: form.form_errors},
            actor=current_user,
            member=member,
            scores=form.scores(),
            comment=form.comment.data,
        )
        if ok:
            db.session.commit()
        for message in already:
            flash(message, "info")
        if ok or already:
            return redirect(url_for("surveys.thanks", round_id=round_.id))
    elif request.method == "GET":
        if round_.id in selectors.answered(current_user, [round_.id]):
            return redirect(url_for("surveys.thanks", round_id=round_.id))
    closed = services.refusal(round_)
    return render_template(
        "surveys/answer.html",
        round=round_,
        form=form,
        questions=QUESTIONS,
        closed=closed and str(closed),
        action=url_for("surveys.answer", round_id=round_.id),
    ), 400 if form.errors or form.form_errors else 200


@bp.get("/rounds/<int:round_id>/thanks")
@require(Perm.VIEW_COHORTS)
def thanks(round_id: int):
    round_ = selectors.round_(current_user, round_id)
    return render_template(
        "surveys/thanks.html",
        round=round_,
        back=url_for("surveys.cohort", cohort_id=round_.cohort_id),
    )


# ---- at the session, without signing in ----------------------------------------------------


@bp.route("/answer", methods=["GET", "POST"])
@public
# A whole group types the word at once, often behind one address (the venue's network);
# the word alone cannot be guessed at this rate (23^6 words).
@limiter.limit("60 per minute", methods=["POST"])
def code_word():
    """Type the code word shown in the room: it leads to that round's answer page."""
    form = CodeWordForm()
    if form.validate_on_submit():
        found = selectors.by_code_word(form.code_word.data)
        if found is not None:
            return redirect(url_for("surveys.public_answer", key=found.key, code=found.code_word))
        form.code_word.errors.append(_("That code word is not right. Check the word in the room."))
    code = 400 if form.errors else 200
    return render_template("surveys/code_word.html", form=form), code


@bp.route("/a/<key>", methods=["GET", "POST"])
@public
@limiter.limit("60 per minute", methods=["POST"])
def public_answer(key: str):
    """Answer with the round's code word (in the QR code's link, or typed)."""
    round_ = selectors.by_key(key)
    if request.method == "GET":
        form = PublicAnswerForm(formdata=None, code_word=request.args.get("code", "")[:12])
    else:
        form = PublicAnswerForm()
    if request.cookies.get(_cookie(round_)):
        return _public_thanks(round_, again=True)
    if form.validate_on_submit():
        ok, _none = attempt(
            services.answer_with_code,
            round_,
            errors={services.RoundClosed: form.form_errors, DomainError: form.code_word.errors},
            code_word=form.code_word.data,
            scores=form.scores(),
            comment=form.comment.data,
        )
        if ok:
            db.session.commit()
            return _public_thanks(round_, again=False, remember=True)
    closed = services.refusal(round_)
    return render_template(
        "surveys/answer.html",
        round=round_,
        form=form,
        questions=QUESTIONS,
        closed=closed and str(closed),
        public=True,
        action=url_for("surveys.public_answer", key=round_.key),
    ), 400 if form.errors or form.form_errors else 200


def _public_thanks(round_, *, again: bool, remember: bool = False):
    response = make_response(
        render_template("surveys/thanks.html", round=round_, again=again, back=None)
    )
    if remember:
        # One answer per phone: the round's cookie, with the cap of the cohort's members
        # (services._let_in) for whoever clears it.
        response.set_cookie(
            _cookie(round_),
            "1",
            max_age=COOKIE_AGE,
            path=url_for("surveys.public_answer", key=round_.key),
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response
