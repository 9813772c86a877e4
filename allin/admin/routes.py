"""People and invitations in the actor's scope; municipalities for network admins."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import erasure
from ..access import (
    MANAGE_PEOPLE,
    Perm,
    Role,
    can,
    chooses_municipality,
    forbid_unless,
    get_visible_or_404,
    require,
)
from ..actions import act
from ..auth import claims, emails, invitations
from ..auth.rules import can_manage_invitation, invitable_roles
from ..auth.services import create_reset
from ..confirm import confirmation_needed
from ..enums import ClaimKind
from ..errors import attempt
from ..extensions import db
from ..models import Invitation, Municipality, User
from ..namesakes import Namesakes
from ..pagination import paginate
from ..urls import external_url
from . import bp, selectors, services
from .forms import InviteForm, MunicipalityForm, RoleForm
from .rules import (
    assignable_roles,
    can_hand_over_reset_link,
    can_manage_user,
    can_reset_two_factor,
)

# ---- people ---------------------------------------------------------------------------------


@bp.get("/users/")
@require(Perm.VIEW_PEOPLE)
def users():
    """People in my scope, by name; search by name."""
    query = (request.args.get("q") or "").strip()[:100]
    page = paginate(selectors.people(current_user, name_contains=query))
    return render_template(
        "admin/users/index.html",
        page=page,
        namesakes=Namesakes(selectors.names_like(current_user, (u.name for u in page.items))),
        query=query,
        pending=selectors.waiting_invitation_count(current_user),
        network=chooses_municipality(current_user),
        audit_link=can(current_user, Perm.VIEW_AUDIT),
    )


@bp.get("/users/<int:user_id>")
@require(Perm.VIEW_PEOPLE)
def user_detail(user_id: int):
    user = get_visible_or_404(User, user_id, current_user)
    roles = assignable_roles(current_user, user)
    reset_link = claims.pop_link(ClaimKind.SHOW_RESET_LINK, lambda held: held == user.id)
    return render_template(
        "admin/users/detail.html",
        user=user,
        session_count=selectors.session_count(user),
        manageable=can_manage_user(current_user, user),
        role_form=RoleForm(roles=roles, data={"role": user.role}) if roles else None,
        can_reset=can_hand_over_reset_link(current_user, user),
        reset_link=reset_link,
        can_reset_two_factor=can_reset_two_factor(current_user, user),
        may_erase=erasure.may_erase_staff(current_user, user),
    )


@bp.post("/users/<int:user_id>/erase")
@require(Perm.ERASE_STAFF)
def erase(user_id: int):
    """Erase a staff account's personal data; its audit events stay under a pseudonym."""
    user = get_visible_or_404(User, user_id, current_user)
    back = url_for("admin.user_detail", user_id=user.id)
    if user.id == current_user.id:
        flash(_("You cannot erase your own account."), "error")
        return redirect(back)
    forbid_unless(erasure.can_erase_staff(current_user, user))
    name = user.name
    return act(
        lambda: erasure.erase_staff(user, actor=current_user),
        confirm=dict(
            title=_("Erase the account of %(name)s?", name=name),
            consequence=_(
                "The name, e-mail address, username, password, two-factor sign-in and every "
                "sign-in of %(name)s go for good, and they are signed out everywhere. What they "
                "did stays in the audit trail under “%(pseudonym)s”. This cannot be undone.",
                name=name,
                pseudonym=erasure.former_staff(user.id),
            ),
            button=_("Erase the account"),
            cancel_url=back,
        ),
        success=_("The account is erased."),
        back=back,
    )


def _load_manageable(user_id: int) -> User:
    user = get_visible_or_404(User, user_id, current_user)
    forbid_unless(can_manage_user(current_user, user))
    return user


@bp.post("/users/<int:user_id>/deactivate")
@require(*MANAGE_PEOPLE)
def deactivate(user_id: int):
    user = _load_manageable(user_id)
    back = url_for("admin.user_detail", user_id=user.id)
    return act(
        lambda: services.deactivate_user(user, actor=current_user),
        confirm=dict(
            title=_("Deactivate %(name)s?", name=user.name),
            consequence=_(
                "%(name)s can no longer sign in and is signed out everywhere at once. "
                "You can reactivate the account later.",
                name=user.name,
            ),
            button=_("Deactivate"),
            cancel_url=back,
        ),
        success=_("%(name)s can no longer sign in.", name=user.name),
        back=back,
    )


@bp.post("/users/<int:user_id>/reactivate")
@require(*MANAGE_PEOPLE)
def reactivate(user_id: int):
    user = _load_manageable(user_id)
    services.reactivate_user(user, actor=current_user)
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/role")
@require(*MANAGE_PEOPLE)
def change_role(user_id: int):
    user = _load_manageable(user_id)
    roles = assignable_roles(current_user, user)
    forbid_unless(bool(roles))
    form = RoleForm(roles=roles)
    return act(
        lambda: services.change_role(user, actor=current_user, role=Role(form.role.data)),
        form=form,
        success=_("The role is changed."),
        invalid=_("Choose one of the roles in the list."),
        back=url_for("admin.user_detail", user_id=user.id),
    )


@bp.post("/users/<int:user_id>/end-sessions")
@require(*MANAGE_PEOPLE)
def end_sessions(user_id: int):
    user = _load_manageable(user_id)
    if page := confirmation_needed(
        title=_("Sign %(name)s out everywhere?", name=user.name),
        consequence=_(
            "%(name)s is signed out on every phone and computer at once and must sign in "
            "again. Anything they have not saved is lost.",
            name=user.name,
        ),
        button=_("Sign out everywhere"),
        cancel_url=url_for("admin.user_detail", user_id=user.id),
    ):
        return page
    count = services.end_user_sessions(user, actor=current_user)
    db.session.commit()
    flash(
        ngettext(
            "Ended %(num)s session of %(name)s.",
            "Ended %(num)s sessions of %(name)s.",
            count,
            name=user.name,
        ),
        "success",
    )
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/reset-link")
@require(Perm.MANAGE_AMBASSADORS)
def reset_link(user_id: int):
    """A reset link for an ambassador without e-mail, to hand over in person."""
    user = get_visible_or_404(User, user_id, current_user)
    forbid_unless(can_hand_over_reset_link(current_user, user))
    token = create_reset(user, created_by=current_user)
    claims.keep_link(
        ClaimKind.SHOW_RESET_LINK, user.id, external_url("auth.reset_link", token=token)
    )
    db.session.commit()
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/two-factor/reset")
@require(Perm.RESET_TWO_FACTOR)
def reset_two_factor(user_id: int):
    """Turn off someone's two-factor sign-in when they lost their phone and recovery codes."""
    user = get_visible_or_404(User, user_id, current_user)
    forbid_unless(can_reset_two_factor(current_user, user) and user.two_factor_enabled)
    if page := confirmation_needed(
        title=_("Reset two-factor sign-in for %(name)s?", name=user.name),
        consequence=_(
            "%(name)s is signed out everywhere and signs in next time with the password alone, "
            "then sets up two-factor sign-in again. Do this only when you know it is them.",
            name=user.name,
        ),
        button=_("Reset two-factor sign-in"),
        cancel_url=url_for("admin.user_detail", user_id=user.id),
    ):
        return page
    services.reset_two_factor(user, actor=current_user)
    db.session.commit()
    flash(
        _("Two-factor sign-in is off for %(name)s. They can set it up again.", name=user.name),
        "success",
    )
    return redirect(url_for("admin.user_detail", user_id=user.id))


# ---- invitations ----------------------------------------------------------------------------


@bp.route("/invitations/new", methods=["GET", "POST"])
@require(*MANAGE_PEOPLE)
def invite():
    """Invite someone into a role I may grant; the link is shown to copy and e-mailed."""
    roles = invitable_roles(current_user)
    forbid_unless(bool(roles))
    network = chooses_municipality(current_user)
    form = InviteForm(
        actor=current_user,
        roles=roles,
        municipalities=selectors.municipality_choices(current_user) if network else None,
        data=None if request.method == "POST" else {"role": roles[-1]},
    )
    if form.validate_on_submit():
        chosen = None
        if "municipality" in form and not Role(form.role.data).works_for_network:
            chosen = get_visible_or_404(Municipality, form.municipality.data, current_user)
        ok, made = attempt(
            invitations.invite,
            errors=form.form_errors,
            actor=current_user,
            role=Role(form.role.data),
            name=form.name.data,
            email=form.email.data or None,
            municipality=chosen,
        )
        if ok:
            invitation, token = made
            _hand_out(invitation, token)
            return redirect(url_for("admin.invitation_detail", invitation_id=invitation.id))
    return render_template("admin/invitations/new.html", form=form)


def _hand_out(invitation: Invitation, token: str) -> None:
    """Commit the new link, show it once on the next page, and e-mail it when there is an
    address (the staff member has the link either way, so a failed e-mail loses nothing)."""
    link = external_url("auth.invitation_link", token=token)
    claims.keep_link(ClaimKind.SHOW_INVITATION_LINK, invitation.id, link)
    db.session.commit()
    if emails.send_invitation(invitation, link=link, inviter=current_user):
        flash(_("The invitation is e-mailed to %(email)s.", email=invitation.email), "success")


@bp.get("/invitations/")
@require(Perm.VIEW_PEOPLE)
def invitation_list():
    """Invitations waiting for an answer, newest first."""
    return render_template(
        "admin/invitations/index.html",
        page=paginate(selectors.open_invitations(current_user)),
        network=chooses_municipality(current_user),
    )


@bp.get("/invitations/<int:invitation_id>")
@require(Perm.VIEW_PEOPLE)
def invitation_detail(invitation_id: int):
    invitation = get_visible_or_404(Invitation, invitation_id, current_user)
    link = claims.pop_link(ClaimKind.SHOW_INVITATION_LINK, lambda held: held == invitation.id)
    return render_template(
        "admin/invitations/detail.html",
        invitation=invitation,
        link=link,
        manageable=can_manage_invitation(current_user, invitation),
    )


def _load_invitation(invitation_id: int) -> Invitation:
    invitation = get_visible_or_404(Invitation, invitation_id, current_user)
    forbid_unless(can_manage_invitation(current_user, invitation))
    return invitation


@bp.post("/invitations/<int:invitation_id>/renew")
@require(*MANAGE_PEOPLE)
def renew_invitation(invitation_id: int):
    """A fresh link and 72 hours; the old link stops working."""
    invitation = _load_invitation(invitation_id)
    errors: list[str] = []
    ok, token = attempt(invitations.renew, invitation, errors=errors, actor=current_user)
    if ok:
        _hand_out(invitation, token)
    for error in errors:
        flash(error, "error")
    return redirect(url_for("admin.invitation_detail", invitation_id=invitation.id))


@bp.post("/invitations/<int:invitation_id>/revoke")
@require(*MANAGE_PEOPLE)
def revoke_invitation(invitation_id: int):
    invitation = _load_invitation(invitation_id)
    back = url_for("admin.invitation_detail", invitation_id=invitation.id)
    return act(
        lambda: invitations.revoke(invitation, actor=current_user),
        confirm=dict(
            title=_("Revoke the invitation for %(name)s?", name=invitation.name),
            consequence=_(
                "The link stops working at once, also if %(name)s already has it. "
                "To invite them again you must make a new invitation.",
                name=invitation.name,
            ),
            button=_("Revoke the invitation"),
            cancel_url=back,
        ),
        success=_("The invitation is revoked; its link no longer works."),
        back=back,
    )


# ---- municipalities -------------------------------------------------------------------------


@bp.get("/municipalities/")
@require(Perm.MANAGE_MUNICIPALITIES)
def municipalities():
    return render_template(
        "admin/municipalities/index.html",
        page=paginate(selectors.municipalities(current_user)),
    )


@bp.route("/municipalities/new", methods=["GET", "POST"])
@require(Perm.MANAGE_MUNICIPALITIES)
def new_municipality():
    return _municipality_form(None)


@bp.route("/municipalities/<int:municipality_id>/edit", methods=["GET", "POST"])
@require(Perm.MANAGE_MUNICIPALITIES)
def edit_municipality(municipality_id: int):
    return _municipality_form(get_visible_or_404(Municipality, municipality_id, current_user))


def _municipality_form(municipality: Municipality | None):
    form = MunicipalityForm(obj=municipality)
    if form.validate_on_submit():
        ok, _saved = attempt(
            services.save_municipality,
            errors=form.name.errors,
            actor=current_user,
            municipality=municipality,
            name=form.name.data,
            country=form.country.data,
            digital_consent_age=form.digital_consent_age.data,
            photo_consent_age=form.photo_consent_age.data,
            retention_years=form.retention_years.data,
        )
        if ok:
            db.session.commit()
            flash(_("%(name)s is saved.", name=form.name.data), "success")
            return redirect(url_for("admin.municipalities"))
    return render_template("admin/municipalities/form.html", form=form, municipality=municipality)
