"""A launched concept's check-in: its owner (or a coordinator) says how it is doing."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Perm, forbid_unless, require
from ..enums import CheckInStatus
from ..errors import attempt
from ..extensions import db
from . import bp, selectors, services
from .forms import CheckInForm
from .rules import can_complete


@bp.route("/check-ins/<int:check_in_id>", methods=["GET", "POST"])
@require(Perm.REVIEW_CONCEPTS)
def check_in(check_in_id: int):
    check_in = selectors.check_in_page(current_user, check_in_id)
    forbid_unless(can_complete(current_user, check_in))
    back = url_for("concepts.detail", concept_id=check_in.concept_id)
    if check_in.completed_at is not None:
        flash(_("This check-in has been done already."), "info")
        return redirect(back)
    form = CheckInForm()
    if form.validate_on_submit():
        ok, _none = attempt(
            services.complete,
            check_in,
            errors=form.form_errors,
            actor=current_user,
            status=CheckInStatus(form.status.data),
            reach=form.reach.data,
            note=form.note.data or "",
        )
        if ok:
            db.session.commit()
            flash(_("Thank you: the check-in is recorded on the concept."), "success")
            return redirect(back)
    code = 400 if form.errors or form.form_errors else 200
    return render_template("followup/check_in.html", check_in=check_in, form=form), code
