"""Users and invitations in the actor's scope; municipalities for network admins."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from .. import clock
from ..access import (
    MANAGE_PEOPLE,
    Perm,
    Role,
    assignable_roles,
    can_hand_over_reset_link,
    can_manage_invitation,
    can_manage_user,
    get_visible_or_404,
    invitable_roles,
    require,
    visible,
)
from ..auth import invitations
from ..auth.services import create_reset
from ..confirm import confirmation_needed
from ..errors import DomainError
from ..extensions import db
from ..mail import send_mail
from ..models import Invitation, LoginSession, Municipality, User
from ..pagination import paginate
from . import bp, services
from .forms import InviteForm, MunicipalityForm, RoleForm


def _forbidden_unless(allowed: bool) -> None:
    if not allowed:
        abort(403)


# ---- users ----------------------------------------------------------------------------------


@bp.get("/users/")
@require(Perm.VIEW_PEOPLE)
def users():
    """People in my scope, by name; search by name."""
    query = (request.args.get("q") or "").strip()[:100]
    stmt = visible(User, current_user).options(db.joinedload(User.municipality))
    if query:
        stmt = stmt.where(func.lower(User.name).contains(query.lower(), autoescape=True))
    page = paginate(stmt.order_by(func.lower(User.name), User.id))
    pending = db.session.scalar(
        select(func.count()).select_from(
            visible(Invitation, current_user)
            .where(
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > clock.now(),  # the same rule as Invitation.status
            )
            .subquery()
        )
    )
    return render_template("admin/users/index.html", page=page, query=query, pending=pending)


@bp.get("/users/<int:user_id>")
@require(Perm.VIEW_PEOPLE)
def user_detail(user_id: int):
    user = get_visible_or_404(User, user_id, current_user)
    session_count = db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )
    roles = assignable_roles(current_user, user)
    return render_template(
        "admin/users/detail.html",
        user=user,
        session_count=session_count,
        manageable=can_manage_user(current_user, user),
        role_form=RoleForm(roles=roles, data={"role": user.role}) if roles else None,
        can_reset=can_hand_over_reset_link(current_user, user),
        reset_link=_pop_link("reset", user.id),
    )


def _load_manageable(user_id: int) -> User:
    user = get_visible_or_404(User, user_id, current_user)
    _forbidden_unless(can_manage_user(current_user, user))
    return user


@bp.post("/users/<int:user_id>/deactivate")
@require(*MANAGE_PEOPLE)
def deactivate(user_id: int):
    user = _load_manageable(user_id)
    if page := confirmation_needed(
        title=_("Deactivate %(name)s?", name=user.name),
        consequence=_(
            "%(name)s can no longer sign in and is signed out everywhere at once. "
            "You can reactivate the account later.",
            name=user.name,
        ),
        button=_("Deactivate"),
        cancel_url=url_for("admin.user_detail", user_id=user.id),
    ):
        return page
    services.deactivate_user(user, actor=current_user)
    db.session.commit()
    flash(_("%(name)s can no longer sign in.", name=user.name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


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
    _forbidden_unless(bool(roles))
    form = RoleForm(roles=roles)
    if form.validate_on_submit():
        services.change_role(user, actor=current_user, role=form.role.data)
        db.session.commit()
        flash(_("The role is changed."), "success")
    else:
        flash(_("Choose one of the roles in the list."), "error")
    return redirect(url_for("admin.user_detail", user_id=user.id))


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
    _forbidden_unless(can_hand_over_reset_link(current_user, user))
    token = create_reset(user, created_by=current_user)
    db.session.commit()
    _keep_link("reset", user.id, url_for("auth.reset_link", token=token, _external=True))
    return redirect(url_for("admin.user_detail", user_id=user.id))


# ---- invitations ----------------------------------------------------------------------------


def _keep_link(kind: str, object_id: int, link: str) -> None:
    """Show a one-time link on the next page only (redirect-after-POST without losing it)."""
    session[f"new_{kind}_link"] = [object_id, link]


def _pop_link(kind: str, object_id: int) -> str | None:
    stored = session.get(f"new_{kind}_link")
    if stored and stored[0] == object_id:
        session.pop(f"new_{kind}_link")
        return stored[1]
    return None


@bp.route("/invitations/new", methods=["GET", "POST"])
@require(*MANAGE_PEOPLE)
def invite():
    """Invite someone into a role I may grant; the link is shown to copy and e-mailed."""
    roles = invitable_roles(current_user)
    _forbidden_unless(bool(roles))
    municipalities = None
    if current_user.role == Role.NETWORK_ADMIN:
        municipalities = db.session.scalars(
            visible(Municipality, current_user).order_by(Municipality.name)
        ).all()
    form = InviteForm(
        roles=roles,
        municipalities=municipalities,
        data=None if request.method == "POST" else {"role": roles[-1]},
    )
    if form.validate_on_submit():
        chosen = None
        if municipalities is not None and form.role.data != Role.NETWORK_ADMIN:
            chosen = get_visible_or_404(Municipality, form.municipality.data, current_user)
        try:
            invitation, token = invitations.invite(
                actor=current_user,
                role=Role(form.role.data),
                name=form.name.data,
                email=form.email.data or None,
                municipality=chosen,
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            link = url_for("auth.invitation_link", token=token, _external=True)
            _keep_link("invitation", invitation.id, link)
            _send_invitation(invitation, link)
            return redirect(url_for("admin.invitation_detail", invitation_id=invitation.id))
    return render_template("admin/invitations/new.html", form=form)


def _send_invitation(invitation: Invitation, link: str) -> None:
    if not invitation.email:
        return
    sent = send_mail(
        to=invitation.email,
        subject=_("You are invited to ALL'IN"),
        body=render_template(
            "auth/email/invitation.txt",
            invitation=invitation,
            link=link,
            inviter=current_user,
            hours=current_app.config["INVITATION_HOURS"],
        ),
    )
    if sent:
        flash(_("The invitation is e-mailed to %(email)s.", email=invitation.email), "success")


@bp.get("/invitations/")
@require(Perm.VIEW_PEOPLE)
def invitation_list():
    """Invitations not yet accepted, newest first."""
    stmt = (
        visible(Invitation, current_user)
        .where(Invitation.accepted_at.is_(None))
        .options(db.joinedload(Invitation.municipality))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return render_template("admin/invitations/index.html", page=paginate(stmt))


@bp.get("/invitations/<int:invitation_id>")
@require(Perm.VIEW_PEOPLE)
def invitation_detail(invitation_id: int):
    invitation = get_visible_or_404(Invitation, invitation_id, current_user)
    return render_template(
        "admin/invitations/detail.html",
        invitation=invitation,
        link=_pop_link("invitation", invitation.id),
        manageable=can_manage_invitation(current_user, invitation),
    )


@bp.post("/invitations/<int:invitation_id>/renew")
@require(*MANAGE_PEOPLE)
def renew_invitation(invitation_id: int):
    """A fresh link and 72 hours; the old link stops working."""
    invitation = get_visible_or_404(Invitation, invitation_id, current_user)
    _forbidden_unless(can_manage_invitation(current_user, invitation))
    try:
        token = invitations.renew(invitation, actor=current_user)
    except DomainError:
        db.session.rollback()
        flash(_("This invitation can no longer be renewed."), "error")
    else:
        db.session.commit()
        link = url_for("auth.invitation_link", token=token, _external=True)
        _keep_link("invitation", invitation.id, link)
        _send_invitation(invitation, link)
    return redirect(url_for("admin.invitation_detail", invitation_id=invitation.id))


@bp.post("/invitations/<int:invitation_id>/revoke")
@require(*MANAGE_PEOPLE)
def revoke_invitation(invitation_id: int):
    invitation = get_visible_or_404(Invitation, invitation_id, current_user)
    _forbidden_unless(can_manage_invitation(current_user, invitation))
    if page := confirmation_needed(
        title=_("Revoke the invitation for %(name)s?", name=invitation.name),
        consequence=_(
            "The link stops working at once, also if %(name)s already has it. "
            "To invite them again you must make a new invitation.",
            name=invitation.name,
        ),
        button=_("Revoke the invitation"),
        cancel_url=url_for("admin.invitation_detail", invitation_id=invitation.id),
    ):
        return page
    try:
        invitations.revoke(invitation, actor=current_user)
    except DomainError:
        db.session.rollback()
        flash(_("This invitation can no longer be revoked."), "error")
    else:
        db.session.commit()
        flash(_("The invitation is revoked; its link no longer works."), "success")
    return redirect(url_for("admin.invitation_detail", invitation_id=invitation.id))


# ---- municipalities -------------------------------------------------------------------------


@bp.get("/municipalities/")
@require(Perm.MANAGE_MUNICIPALITIES)
def municipalities():
    stmt = visible(Municipality, current_user).order_by(Municipality.name)
    return render_template("admin/municipalities/index.html", page=paginate(stmt))


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
        try:
            services.save_municipality(
                actor=current_user,
                municipality=municipality,
                name=form.name.data,
                country=form.country.data,
                digital_consent_age=form.digital_consent_age.data,
                photo_consent_age=form.photo_consent_age.data,
            )
        except DomainError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("%(name)s is saved.", name=form.name.data), "success")
            return redirect(url_for("admin.municipalities"))
    return render_template("admin/municipalities/form.html", form=form, municipality=municipality)
