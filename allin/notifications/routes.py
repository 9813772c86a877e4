"""The list of one's notifications, opening one (read, then on to what it is about) and
marking them all read. Each person sees only their own: another's id answers 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Perm, can, public, require
from ..extensions import csrf, db
from ..pagination import paginate_rows
from ..transactions import write_apart
from . import bp, selectors, services, texts
from . import unsubscribe as unsubscribe_tokens
from .forms import PreferencesForm


@bp.get("/")
@require(Perm.USE_ACCOUNT)
def index():
    page = paginate_rows(selectors.page_of(current_user))
    items = [texts.item(row) for row in page.items]
    return render_template(
        "notifications/index.html",
        page=page,
        items=items,
        newest_id=page.items[0].newest if page.items else 0,
        any_unread=any(item.unread for item in items),
    )


@bp.get("/<int:notification_id>")
@require(Perm.USE_ACCOUNT)
def open_one(notification_id: int):
    """Mark it read (a small write of its own, as opening a concept marks its feedback read)
    and go on to what it is about."""
    row = selectors.opened(current_user, notification_id)
    if row is None:
        abort(404)
    if row.Notification.read_at is None:
        with write_apart():
            services.mark_read(current_user, notification_id)
    return redirect(texts.target_url(row))


@bp.post("/read")
@require(Perm.USE_ACCOUNT)
def read_all():
    """Mark read what the page showed (up to its newest), not what arrived since."""
    upto = request.form.get("upto", type=int)
    if upto is None or upto < 0:
        abort(400)
    services.mark_all_read(current_user, upto=upto)
    db.session.commit()
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@require(Perm.USE_ACCOUNT)
def preferences():
    """E-mail on or off per kind; in the app everything is always shown."""
    form = PreferencesForm()
    staff = can(current_user, Perm.VIEW_PROGRESS)  # leads; ambassadors are not offered it
    if not staff:
        del form.weekly_digest
    if request.method == "GET":
        for kind, email in services.email_choices(current_user.id, staff=staff).items():
            form[kind.value].data = email
    if form.validate_on_submit():
        for kind, email in form.choices().items():
            services.set_email(current_user.id, kind, email)
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html", form=form, has_email=bool(current_user.email)
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """The link in every notification e-mail (List-Unsubscribe). A GET only asks (mail
    scanners open links); the POST - the page's button, or a mail client's one-click POST
    (RFC 8058) - turns that kind's e-mail off. A token this app did not sign: 404."""
    found = unsubscribe_tokens.read(token)
    if found is None:
        abort(404)
    user_id, kind = found
    if request.method == "POST":
        services.set_email(user_id, kind, False)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", kind=kind, done=True)
    return render_template("notifications/unsubscribed.html", kind=kind, done=False)


csrf.exempt(unsubscribe)  # the signed token is the authority; mail clients post without a form
