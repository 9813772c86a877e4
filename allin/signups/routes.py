"""Sign-up for new ambassadors: the cohort's page of sign-ups for staff (open or close the
form, accept or decline), and the public form a young person fills in.

The public form is rate-limited per address and per form, has a honeypot, and answers the same
thank-you page whatever happened: a bot, a person already known and a new one alike. A sign-up
over a limit gets its form back as it was sent, with when to send it again.
"""

from __future__ import annotations

import time

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..access import Perm, forbid_unless, get_visible_or_404, public, require
from ..actions import act
from ..cohorts import selectors as cohort_selectors
from ..enums import CohortStatus
from ..errors import attempt
from ..extensions import db, limiter
from ..models import Ambassador
from ..namesakes import card_names
from ..pagination import paginate
from ..urls import external_url
from . import bp, rules, selectors, services
from .forms import ButtonForm, SignupForm

# A class shares the form at a school visit, often from one network address: every POST from
# an address counts (typos and bots too), enough for a class that fixes mistakes; of them, an
# address may store 40 sign-ups an hour (a class of 30), so that no one address can fill the
# form's own cap. That cap counts only sign-ups stored, so typos and the honeypot's catches
# never use up what a class needs. (A stored-only limit is tested before the view and counted
# after it: requests in flight at once may pass it by as many as there are workers.)
PER_ADDRESS = "60 per minute;200 per hour"
STORED_PER_ADDRESS = "40 per hour"
PER_FORM = "120 per hour"
STORED = "allin.signup_stored"  # request.environ: this request stored a sign-up


@bp.after_request
def _no_index(response):
    """The public form is shared by hand (posters, class visits), never found by search."""
    if request.endpoint in ("signups.join", "signups.thanks"):
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# ---- staff -----------------------------------------------------------------------------------


def _cohort(cohort_id: int):
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    forbid_unless(rules.can_handle(current_user, cohort))
    return cohort


@bp.get("/signups/cohorts/<int:cohort_id>")
@require(Perm.ENROL)
def cohort(cohort_id: int):
    """The cohort's sign-up form (its address to share, open or closed) and the sign-ups
    waiting, each with anyone the municipality already knows by that name and birth year."""
    cohort = _cohort(cohort_id)
    form = selectors.form_of(current_user, cohort)
    is_open = services.is_open(form)
    page = paginate(selectors.pending(current_user, cohort))
    return render_template(
        "signups/cohort.html",
        cohort=cohort,
        is_open=is_open,
        address=external_url("signups.join", token=form.key) if is_open else None,
        may_open=rules.can_open_form(current_user, cohort)
        and cohort.status != CohortStatus.COMPLETED,
        page=page,
        known=selectors.known_people(current_user, page.items),
        button=ButtonForm(),
    )


@bp.post("/signups/cohorts/<int:cohort_id>/open")
@require(Perm.MANAGE_COHORTS)
def open_form(cohort_id: int):
    return _set_open(cohort_id, True)


@bp.post("/signups/cohorts/<int:cohort_id>/close")
@require(Perm.MANAGE_COHORTS)
def close_form(cohort_id: int):
    return _set_open(cohort_id, False)


def _set_open(cohort_id: int, open_: bool):
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    forbid_unless(rules.can_open_form(current_user, cohort))
    return act(
        lambda: services.set_open(cohort, actor=current_user, open_=open_),
        form=ButtonForm(),
        success=_("The sign-up form is open: share its address.")
        if open_
        else _("The sign-up form is closed. Its address stays the same if you open it again."),
        back=url_for("signups.cohort", cohort_id=cohort.id),
    )


def _signup(signup_id: int):
    signup = selectors.signup_page(current_user, signup_id)
    forbid_unless(rules.can_handle(current_user, signup))
    return signup


@bp.post("/signups/<int:signup_id>/accept")
@require(Perm.ENROL)
def accept(signup_id: int):
    """Enrol the young person: as someone the municipality knows (`ambassador`), or as a new
    person (`someone_else` when the duplicate check found a namesake who is not them)."""
    signup = _signup(signup_id)
    back = url_for("signups.cohort", cohort_id=signup.cohort_id)
    known = None
    if request.form.get("ambassador", "").isdigit():
        known = get_visible_or_404(Ambassador, int(request.form["ambassador"]), current_user)
    name = signup.name
    errors: list[str] = []
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    ok, enrolment = attempt(
        services.accept,
        signup,
        errors=errors,
        actor=current_user,
        known=known,
        someone_else=request.form.get("someone_else") == "1",
    )
    if not ok:
        for error in errors:
            flash(error, "error")
        return redirect(back)
    db.session.commit()
    flash(_("%(name)s is enrolled. Record their consents now.", name=name), "success")
    return redirect(url_for("ambassadors.detail", ambassador_id=enrolment.ambassador_id))


@bp.post("/signups/<int:signup_id>/decline")
@require(Perm.ENROL)
def decline(signup_id: int):
    signup = _signup(signup_id)
    back = url_for("signups.cohort", cohort_id=signup.cohort_id)
    return act(
        lambda: services.decline(signup, actor=current_user),
        confirm=dict(
            title=_("Decline the sign-up of %(name)s?", name=card_names([signup])[0]),
            consequence=_(
                "Everything the sign-up holds is deleted at once. Nobody is told: let the young "
                "person know yourself if you can."
            ),
            button=_("Decline and delete"),
            cancel_url=back,
        ),
        success=_("The sign-up is declined and deleted."),
        back=back,
    )


# ---- the public form -------------------------------------------------------------------------


def _form_key() -> str:
    return "signup:" + str((request.view_args or {}).get("token", ""))[:43]


def _stored(_response) -> bool:
    return bool(request.environ.get(STORED))


def _sent_back(limit):
    """Over a limit: the form again, filled in as it was sent, saying when to send it (429
    with Retry-After). Nothing is stored."""
    signup_form = selectors.open_form(str((request.view_args or {}).get("token", "")))
    if signup_form is None or not services.is_open(signup_form):
        return None  # the plain 429 page: there is no form to give back
    wait = max(60, int(limit.reset_at - time.time()))
    form = SignupForm()
    form.form_errors.append(
        ngettext(
            "Many sign-ups have come in just now, so yours was not sent. What you wrote is "
            "still here: press Sign up again in a minute.",
            "Many sign-ups have come in just now, so yours was not sent. What you wrote is "
            "still here: press Sign up again in %(num)s minutes.",
            -(-wait // 60),
        )
    )
    cohort = signup_form.cohort
    page = render_template(
        "signups/join.html",
        form=form,
        cohort=cohort,
        municipality=cohort.municipality,
        held_back=True,
    )
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
@limiter.limit("60 per minute", methods=["GET"], per_method=True)
@limiter.limit(PER_ADDRESS, methods=["POST"], per_method=True, on_breach=_sent_back)
@limiter.limit(
    STORED_PER_ADDRESS, methods=["POST"], per_method=True, deduct_when=_stored, on_breach=_sent_back
)
@limiter.limit(
    PER_FORM, key_func=_form_key, methods=["POST"], deduct_when=_stored, on_breach=_sent_back
)
def join(token: str):
    """The public sign-up form of one cohort; closed, it says so (and takes nothing)."""
    signup_form = selectors.open_form(token)
    if signup_form is None:
        abort(404)
    cohort = signup_form.cohort
    if not services.is_open(signup_form):
        return render_template("signups/closed.html", cohort=cohort), 410
    form = SignupForm()
    if request.method == "POST" and form.is_bot():
        return redirect(url_for("signups.thanks", token=token))  # the same page, nothing kept
    if form.validate_on_submit():
        submission = services.Submission(person=form.person(), motivation=form.motivation.data)
        ok, _signup = attempt(
            services.submit, signup_form, errors=form.form_errors, submission=submission
        )
        if ok:
            db.session.commit()
            request.environ[STORED] = True  # counted by the stored-only limits (_stored)
            return redirect(url_for("signups.thanks", token=token))
    return render_template(
        "signups/join.html", form=form, cohort=cohort, municipality=cohort.municipality
    )


@bp.get("/join/<token>/thanks")
@public
@limiter.limit("60 per minute")
def thanks(token: str):
    """The one answer to every sign-up: the same for a new person, a known one and a bot."""
    signup_form = selectors.open_form(token)
    if signup_form is None:
        abort(404)
    return render_template("signups/thanks.html", cohort=signup_form.cohort)
