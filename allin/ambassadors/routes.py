"""An ambassador's record for staff: facts, cohorts, consents, and their login."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, erasure
from ..access import Perm, can, forbid_unless, require, visible
from ..actions import act
from ..auth import claims
from ..auth import services as auth_services
from ..clock import now
from ..cohorts import selectors as cohort_selectors
from ..cohorts.rules import can_enrol_in, enrolment_status_moves
from ..enums import ClaimKind, ConsentGiver, ConsentMethod, ConsentPurpose
from ..errors import attempt
from ..extensions import db
from ..guardians import selectors as guardian_selectors
from ..guardians import services as guardian_services
from ..models import Ambassador
from ..notifications import services as notification_services
from ..transactions import write_apart
from ..urls import external_url
from . import bp, data_copy, rules, selectors, services
from .forms import AmbassadorForm, ConsentForm, DataCopyForm, HoldForm, MyDataForm


def _load(ambassador_id: int):
    ambassador = selectors.ambassador_page(current_user, ambassador_id)
    forbid_unless(can_enrol_in(current_user, ambassador))
    return ambassador


def _load_living(ambassador_id: int):
    """An ambassador whose data may be changed: an erased one answers with the page that says
    so (nothing is written about a person who was erased)."""
    ambassador = _load(ambassador_id)
    if ambassador.erased_at is not None:
        flash(_("This person's data was erased. Nothing was changed."), "error")
        abort(redirect(url_for("ambassadors.detail", ambassador_id=ambassador.id)))
    return ambassador


def _pop_link(ambassador_id: int) -> str | None:
    """The login link made on the previous request, shown once (redirect-after-POST); kept on
    the server under its invitation, never in the cookie."""
    return claims.pop_link(
        ClaimKind.SHOW_INVITATION_LINK,
        lambda invitation_id: selectors.invitation_is_for(invitation_id, ambassador_id),
    )


@bp.get("/<int:ambassador_id>")
@require(Perm.ENROL)
def detail(ambassador_id: int):
    ambassador = _load(ambassador_id)
    if ambassador.erased_at is not None:
        return _erased_page(ambassador)
    with write_apart():  # who saw whose data, when: nothing of the data itself
        audit.record("ambassador.viewed", actor=current_user, target=ambassador)
    history = selectors.consent_history(current_user, ambassador)
    standing = [c for c in history if c.withdrawn_at is None]
    link = _pop_link(ambassador.id)
    municipality = ambassador.municipality
    enrolments = selectors.enrolments_of(current_user, ambassador)
    graduated = cohort_selectors.graduation_times(enrolments)
    return render_template(
        "ambassadors/detail.html",
        ambassador=ambassador,
        enrolments=enrolments,
        moves={
            e.id: enrolment_status_moves(current_user, e, graduated.get(e.id)) for e in enrolments
        },
        history=history,
        missing=rules.missing_purposes(ambassador, standing, municipality),
        guardian_needed={
            p: rules.needs_guardian(ambassador.birth_year, p, municipality) for p in ConsentPurpose
        },
        age=rules.conservative_age(ambassador.birth_year),
        refusal=services.login_refusal(ambassador, standing),
        paused=ambassador.user is not None
        and not rules.may_have_login(ambassador.birth_year, municipality, standing),
        link=link,
        may_erase=erasure.may_erase(current_user, ambassador),
        seen=selectors.seen_by(current_user, ambassador)
        if can(current_user, Perm.VIEW_AUDIT)
        else None,
        notification_emails=_notification_emails(ambassador),
        **_guardian_links(ambassador, standing, enrolments),
    )


def _guardian_links(ambassador, standing, enrolments) -> dict:
    """The guardian's consent links (issue 25): one made on the previous request, shown once;
    the newest ones with what became of them; why no new one can be made, if so."""
    return {
        "consent_link": claims.pop_link(
            ClaimKind.SHOW_CONSENT_LINK,
            lambda link_id: guardian_selectors.link_is_for(link_id, ambassador.id),
        ),
        "consent_links": guardian_selectors.links_of(current_user, ambassador),
        "consent_link_refusal": guardian_services.link_refusal(ambassador, standing, enrolments),
        "now": now(),
    }


def _erased_page(ambassador):
    """What is left of an erased person: the cohorts they were in, nothing about them."""
    return render_template(
        "ambassadors/erased.html",
        ambassador=ambassador,
        enrolments=selectors.enrolments_of(current_user, ambassador),
    )


@bp.route("/<int:ambassador_id>/erase", methods=["GET", "POST"])
@require(Perm.ERASE_AMBASSADORS)
def erase(ambassador_id: int):
    """Erase the person's data (SECURITY 27): a page that names what goes, then the button."""
    ambassador = _load(ambassador_id)
    forbid_unless(erasure.may_erase(current_user, ambassador))
    back = url_for("ambassadors.detail", ambassador_id=ambassador.id)
    if request.method == "POST":
        return act(
            lambda: erasure.erase_ambassador(ambassador, actor=current_user),
            success=_("The data of the person is erased. The cohorts keep their figures."),
            back=back,
        )
    goes = None if ambassador.erased_at or ambassador.on_hold else erasure.what_goes(ambassador)
    return render_template("ambassadors/erase.html", ambassador=ambassador, goes=goes, back=back)


@bp.route("/<int:ambassador_id>/hold", methods=["GET", "POST"])
@require(Perm.ERASE_AMBASSADORS)
def hold(ambassador_id: int):
    """Set a legal hold, with its reason: no erasure until it is lifted."""
    ambassador = _load(ambassador_id)
    forbid_unless(erasure.may_erase(current_user, ambassador))
    form = HoldForm(data={"reason": ambassador.hold_reason} if request.method == "GET" else None)
    if form.validate_on_submit():
        ok, _none = attempt(
            erasure.set_hold,
            ambassador,
            errors=form.reason.errors,
            actor=current_user,
            reason=form.reason.data,
        )
        if ok:
            db.session.commit()
            flash(_("A legal hold is set: the data is kept until it is lifted."), "success")
            return redirect(url_for("ambassadors.detail", ambassador_id=ambassador.id))
    return render_template("ambassadors/hold.html", form=form, ambassador=ambassador)


@bp.post("/<int:ambassador_id>/hold/lift")
@require(Perm.ERASE_AMBASSADORS)
def lift_hold(ambassador_id: int):
    ambassador = _load(ambassador_id)
    forbid_unless(erasure.may_erase(current_user, ambassador))
    back = url_for("ambassadors.detail", ambassador_id=ambassador.id)
    return act(
        lambda: erasure.clear_hold(ambassador, actor=current_user),
        confirm=dict(
            title=_("Lift the legal hold?"),
            consequence=_(
                "The data of %(name)s can then be erased, by hand or when the municipality's "
                "retention time has passed.",
                name=ambassador.first_name,
            ),
            button=_("Lift the hold"),
            cancel_url=back,
        ),
        success=_("The legal hold is lifted."),
        back=back,
    )


def _notification_emails(ambassador) -> list[str] | None:
    """What the young person gets by e-mail, for staff to see (only they change it); None
    without a login that has an e-mail address (they are told in the app only)."""
    user = ambassador.user
    if user is None or not user.email:
        return None
    choices = notification_services.email_choices(user.id, staff=False)
    return [str(kind.label) for kind, email in choices.items() if email]


@bp.route("/<int:ambassador_id>/edit", methods=["GET", "POST"])
@require(Perm.ENROL)
def edit(ambassador_id: int):
    ambassador = _load_living(ambassador_id)
    form = AmbassadorForm(obj=ambassador)
    if form.validate_on_submit():
        ok, _none = attempt(
            services.update_ambassador,
            ambassador,
            errors=form.form_errors,
            actor=current_user,
            person=form.person(),
        )
        if ok:
            db.session.commit()
            flash(_("The record of %(name)s is saved.", name=ambassador.name), "success")
            return redirect(url_for("ambassadors.detail", ambassador_id=ambassador.id))
    return render_template("ambassadors/form.html", form=form, ambassador=ambassador)


@bp.route("/<int:ambassador_id>/consents/new", methods=["GET", "POST"])
@require(Perm.ENROL)
def record_consent(ambassador_id: int):
    """Record a consent; the page says which purposes need a guardian at this age."""
    ambassador = _load_living(ambassador_id)
    defaults = None
    if request.method == "GET":
        defaults = {
            "purpose": request.args.get("purpose", ConsentPurpose.PARTICIPATION.value),
            "given_by": ConsentGiver.GUARDIAN.value,
            "guardian_name": ambassador.guardian_name,
            "method": ConsentMethod.PAPER.value,
            "given_on": now().date(),
        }
    form = ConsentForm(data=defaults)
    if form.validate_on_submit():
        ok, _consent = attempt(
            services.record_consent,
            ambassador,
            errors=form.form_errors,
            actor=current_user,
            purpose=ConsentPurpose(form.purpose.data),
            given_by=ConsentGiver(form.given_by.data),
            guardian_name=form.guardian_name.data or None,
            method=ConsentMethod(form.method.data),
            given_on=form.given_on.data,
        )
        if ok:
            db.session.commit()
            flash(_("The consent is recorded."), "success")
            return redirect(url_for("ambassadors.detail", ambassador_id=ambassador.id))
    return render_template(
        "ambassadors/consent.html",
        form=form,
        ambassador=ambassador,
        guardian_needed=[
            p
            for p in ConsentPurpose
            if rules.needs_guardian(ambassador.birth_year, p, ambassador.municipality)
        ],
        ages={p: rules.threshold(p, ambassador.municipality) for p in ConsentPurpose},
        age=rules.conservative_age(ambassador.birth_year),
    )


@bp.post("/consents/<int:consent_id>/withdraw")
@require(Perm.ENROL)
def withdraw_consent(consent_id: int):
    """Effective at once once confirmed (like every destructive action); the grant stays in
    the history."""
    consent = selectors.consent_page(current_user, consent_id)
    forbid_unless(can_enrol_in(current_user, consent))
    name = consent.ambassador.first_name
    back = url_for("ambassadors.detail", ambassador_id=consent.ambassador_id)
    return act(
        lambda: services.withdraw_consent(consent, actor=current_user),
        confirm=dict(
            title=_("Withdraw the consent to “%(purpose)s”?", purpose=consent.purpose.label),
            consequence=_withdrawal_consequence(consent, name),
            button=_("Withdraw the consent"),
            cancel_url=back,
        ),
        success=lambda stopped: (
            [(_("The consent is withdrawn."), "success")]
            + ([(_login_stopped_message(name, stopped), "info")] if stopped is not None else [])
        ),
        back=back,
    )


def _withdrawal_consequence(consent, name: str) -> str:
    """What confirming will do; below the digital-consent age it also ends the login."""
    said = _(
        "From now on %(name)s counts as not having consented to this. The consent stays "
        "in the history; a new consent can be recorded later.",
        name=name,
    )
    ambassador = consent.ambassador
    has_login = ambassador.user_id is not None
    if (
        consent.purpose == ConsentPurpose.PARTICIPATION
        and has_login
        and rules.needs_guardian(
            ambassador.birth_year, ConsentPurpose.PARTICIPATION, ambassador.municipality
        )
    ):
        said += " " + _(
            "%(name)s is under %(age)s: their login stops too (they are signed out, and a "
            "sign-in link made for them no longer works).",
            name=name,
            age=ambassador.municipality.digital_consent_age,
        )
    return said


def _login_stopped_message(name: str, stopped: services.LoginStopped) -> str:
    """What the withdrawal ended, for the staff member who withdrew."""
    said = []
    if stopped.had_login:
        said.append(
            _(
                "%(name)s can no longer sign in until a guardian's consent to participation is "
                "recorded.",
                name=name,
            )
        )
    if stopped.sessions:
        said.append(_("%(name)s is signed out everywhere.", name=name))
    if stopped.links:
        said.append(_("The sign-in link for %(name)s no longer works.", name=name))
    return " ".join(said)


@bp.post("/<int:ambassador_id>/login")
@require(Perm.ENROL)
def create_login(ambassador_id: int):
    """A sign-in link for the young person, shown once with a QR code to scan."""
    ambassador = _load_living(ambassador_id)
    errors: list[str] = []
    ok, made = attempt(services.create_login, ambassador, errors=errors, actor=current_user)
    if ok:
        invitation, token = made
        link = external_url("auth.invitation_link", token=token)
        claims.keep_link(ClaimKind.SHOW_INVITATION_LINK, invitation.id, link)
        db.session.commit()
    for error in errors:
        flash(error, "error")
    return redirect(url_for("ambassadors.detail", ambassador_id=ambassador_id))


@bp.route("/<int:ambassador_id>/data", methods=["GET", "POST"])
@require(Perm.ENROL)
def data_copy_page(ambassador_id: int):
    """Everything held about the young person, for them or a guardian who asked: who asked,
    and the member of staff's password again (SECURITY 9 and 26)."""
    ambassador = _load(ambassador_id)
    form = DataCopyForm()
    if form.validate_on_submit() and _password_again(form.current):
        return _data_zip(ambassador, asked_by=form.asked_by.data)
    return render_template("ambassadors/data_copy_ask.html", form=form, ambassador=ambassador)


@bp.route("/my-data", methods=["GET", "POST"])
@require(Perm.USE_ACCOUNT)
def my_data():
    """A young person's own copy of everything held about them, after their password."""
    mine = visible(Ambassador, current_user).where(Ambassador.user_id == current_user.id)
    ambassador = db.session.scalars(mine).first()
    if ambassador is None:
        abort(404)
    form = MyDataForm()
    if form.validate_on_submit() and _password_again(form.current):
        return _data_zip(ambassador, asked_by=ConsentGiver.AMBASSADOR.value)
    return render_template(
        "ambassadors/data_copy_ask.html", form=form, ambassador=ambassador, mine=True
    )


@bp.errorhandler(auth_services.Throttled)
def _throttled(exc: auth_services.Throttled):
    db.session.commit()  # the failures and the audit event of the refusal
    return render_template("auth/throttled.html", minutes=exc.throttle.wait_minutes), 429


def _password_again(field) -> bool:
    """The signed-in person's current password, typed now; wrong ones count like sign-in
    failures (too many: the 429 page)."""
    address = request.remote_addr or ""
    if auth_services.authenticate(login=current_user.login, password=field.data, address=address):
        return True
    db.session.commit()  # the failure counts
    field.errors.append(_("That is not your current password."))
    return False


def _data_zip(ambassador, *, asked_by: str):
    """The ZIP (ambassadors/data_copy.py), with an audit event of who took it for whom."""
    body = data_copy.zip_bytes(ambassador)
    audit.record("data.downloaded", actor=current_user, target=ambassador, asked_by=asked_by)
    db.session.commit()
    name = _("%(name)s - data", name=ambassador.name) + ".zip"
    return Response(
        body,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "Cache-Control": "no-store",
        },
    )
