"""The list of one's notifications, opening one (read, then on to what it is about) and
marking them all read. Each person sees only their own: another's id answers 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Perm, require
from ..extensions import db
from ..pagination import paginate_rows
from ..transactions import write_apart
from . import bp, selectors, services, texts


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
