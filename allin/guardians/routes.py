"""A guardian's consent online: the youth worker makes the link; the guardian answers on a
phone without an account and gets a receipt with a withdraw link.

The guardian's pages are public, rate-limited and not indexed; they show nothing about the
young person but the first name.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import Perm, forbid_unless, public, require
from ..actions import act
from ..ambassadors import selectors as ambassador_selectors
from ..auth import claims
from ..cohorts.rules import can_enrol_in
from ..enums import ClaimKind, ConsentPurpose
from ..errors import attempt
from ..extensions import db, limiter
from ..urls import external_url
from . import bp, services
from .forms import GuardianConsentForm

# What each purpose means, in plain words for a guardian on a phone.
EXPLAIN = {
    ConsentPurpose.PARTICIPATION: _l(
        "Your child takes part in the programme's meetings, workshops and camps, and gets "
        "their own login to the programme's app. The youth workers keep their name, birth "
        "year, class and how to reach them and you."
    ),
    ConsentPurpose.PHOTO: _l(
        "Photos from the programme in which your child can be seen may be taken and used by "
        "the programme, for example in its reports and on its pages."
    ),
    ConsentPurpose.PUBLISH_NAME: _l(
        "Your child's name may be shown with their work, for example with a concept they made "
        "that the municipality publishes."
    ),
}


@bp.after_request
def _no_index(response):
    """No page of a guardian's link belongs in a search engine or a shared cache."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# ---- staff: make a link ----------------------------------------------------------------------


@bp.post("/ambassadors/<int:ambassador_id>/link")
@require(Perm.ENROL)
def make_link(ambassador_id: int):
    """A consent link for the guardian, shown once on the ambassador's page (copy, share, QR)."""
    ambassador = ambassador_selectors.ambassador_page(current_user, ambassador_id)
    forbid_unless(can_enrol_in(current_user, ambassador))
    errors: list[str] = []
    ok, made = attempt(services.make_link, ambassador, errors=errors, actor=current_user)
    if ok:
        link, token = made
        claims.keep_link(
            ClaimKind.SHOW_CONSENT_LINK, link.id, external_url("guardians.give", token=token)
        )
        db.session.commit()
    for error in errors:
        flash(error, "error")
    return redirect(url_for("ambassadors.detail", ambassador_id=ambassador.id))


# ---- the guardian (no account) ---------------------------------------------------------------


def _refused(message: str, status: int = 410):
    return render_template("guardians/refused.html", message=message), status


@bp.route("/consent/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["GET"])
@limiter.limit("10 per minute", methods=["POST"])
def give(token: str):
    """The guardian's form: what each purpose means, yes or no to each, name and relation."""
    link = services.find_link(token)
    if link is None:
        abort(404)
    why = services.refusal(link)
    if why:
        return _refused(str(why))
    ambassador = link.ambassador
    asked = services.asked_for(ambassador)
    if not asked:
        return _refused(_("Every consent this link asked for is recorded already."))
    form = GuardianConsentForm()
    form.keep_only(asked)
    if form.validate_on_submit():
        answers = form.answers(asked)
        answer = services.Answer(
            given=[p for p, yes in answers.items() if yes],
            declined=[p for p, yes in answers.items() if not yes],
            guardian_name=form.guardian_name.data,
            relation=form.relation.data,
            email=form.email.data or None,
        )
        ok, withdraw_token = attempt(services.give, link, errors=form.form_errors, answer=answer)
        if ok:
            db.session.commit()
            flash(_("Thank you. Your answer is recorded."), "success")
            return redirect(url_for("guardians.receipt", token=withdraw_token))
    return render_template(
        "guardians/give.html",
        form=form,
        first_name=ambassador.first_name,
        asked=asked,
        explain=EXPLAIN,
        days=services.LINK_DAYS,
    )


@bp.route("/receipt/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["GET"])
@limiter.limit("10 per minute", methods=["POST"])
def receipt(token: str):
    """What the guardian answered, and a button to withdraw each consent given (a POST)."""
    link = services.find_for_withdrawal(token)
    if link is None:
        abort(404)
    if request.method == "POST":
        return _withdraw(link, token)
    return render_template(
        "guardians/receipt.html",
        link=link,
        first_name=link.ambassador.first_name,
        consents=services.consents_of(link),
        declined=link.declined_purposes,
        address=request.url,
    )


def _withdraw(link, token: str):
    """Withdraw one consent, once confirmed (like every destructive action): at once, and the
    consent stays in the history."""
    value = request.form.get("purpose", "")
    purpose = next((p for p in ConsentPurpose if p.value == value), None)
    back = url_for("guardians.receipt", token=token)
    if purpose is None:
        flash(_("Choose a consent to withdraw."), "error")
        return redirect(back)
    return act(
        lambda: services.withdraw(link, purpose),
        confirm=dict(
            title=_("Withdraw your consent to “%(purpose)s”?", purpose=purpose.label),
            consequence=_(
                "From now on %(name)s counts as not having this consent. The youth workers see "
                "it at once. To give it again later, ask them for a new link.",
                name=link.ambassador.first_name,
            ),
            button=_("Withdraw the consent"),
            cancel_url=back,
            keep=("purpose",),
        ),
        success=_("The consent to “%(purpose)s” is withdrawn.", purpose=purpose.label),
        back=back,
    )
