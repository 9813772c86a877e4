"""Start a published best case in one's own city."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import Perm, require
from ..errors import attempt
from ..extensions import db
from ..models import Cohort
from . import bp, selectors, services
from .forms import StartForm


@bp.route("/best-cases/<int:entry_id>/start", methods=["GET", "POST"])
@require(Perm.REVIEW_CONCEPTS)
def start(entry_id: int):
    """Choose the cohort; the draft is made there, with the original's text."""
    entry = selectors.best_case(current_user, entry_id)
    cohorts = {str(id_): (name, members) for id_, name, members in selectors.cohorts(current_user)}
    form = StartForm()
    form.cohort.choices = [
        SelectChoice(
            key,
            ngettext(
                "%(name)s (%(num)d ambassador)", "%(name)s (%(num)d ambassadors)", n, name=name
            )
            if n
            else _("%(name)s (no ambassadors yet)", name=name),
        )
        for key, (name, n) in cohorts.items()
    ]
    if form.validate_on_submit():
        chosen = cohorts.get(form.cohort.data)
        ok, copy = attempt(
            services.start_from,
            entry,
            errors=form.form_errors,
            cohort=db.session.get(Cohort, int(form.cohort.data)) if chosen else None,
            members=chosen[1] if chosen else 0,
            actor=current_user,
        )
        if ok:
            db.session.commit()
            flash(_("A draft is ready in your cohort. Make it your own."), "success")
            return redirect(url_for("concepts.detail", concept_id=copy.id))
    code = 400 if form.errors or form.form_errors else 200
    return render_template("spread/start.html", entry=entry, form=form), code
