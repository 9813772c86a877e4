"""The audit page: who did what and when, filtered, a page at a time, and as a spreadsheet."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import false

from ..access import Perm, require
from ..exports import Table, download
from ..extensions import db
from ..pagination import paginate
from ..training.times import to_local
from . import bp, selectors
from .forms import FilterForm
from .labels import about, label

FILTERS = ("who", "what", "since", "until")
# The records an event can be about that have a page of their own: type -> endpoint, argument.
PAGES = {
    "user": ("admin.user_detail", "user_id"),
    "ambassador": ("ambassadors.detail", "ambassador_id"),
    "cohort": ("cohorts.detail", "cohort_id"),
    "concept": ("concepts.detail", "concept_id"),
}


@bp.get("/")
@require(Perm.VIEW_AUDIT)
def index():
    """The newest first; a filter that cannot be read is said next to its field."""
    form, stmt = _filtered()
    page = paginate(stmt)
    return render_template(
        "audit_log/index.html",
        form=form,
        page=page,
        rows=_rows(page.items),
        csv_url=url_for("audit_log.download_csv", **_filters()),
    )


@bp.get("/audit.csv")
@require(Perm.VIEW_AUDIT)
def download_csv():
    """The filtered events as CSV, newest first, at most MAX_ROWS of them."""
    _form, stmt = _filtered()
    events = db.session.scalars(stmt.limit(selectors.MAX_ROWS)).all()
    headings = [_("When"), _("Who"), _("What"), _("About"), _("Details")]
    table = Table(
        _("Audit trail"),
        headings,
        [[r["when"], r["who"], r["what"], r["about"], r["details"]] for r in _rows(events)],
    )
    return download(
        [table], "csv", name=_("audit-trail"), actor=current_user, target=None, what="audit"
    )


def _filters() -> dict:
    """The list's own filters from the query string (nothing url_for would take as its own)."""
    return {key: request.args[key] for key in FILTERS if request.args.get(key)}


def _filtered():
    form = FilterForm(request.args)
    if not form.validate():
        return form, selectors.events(current_user).where(false())
    return form, selectors.events(
        current_user,
        who=(form.who.data or "").strip(),
        what=form.what.data or "",
        since=form.since.data,
        until=form.until.data,
    )


def _rows(events) -> list[dict]:
    """What a row shows: Oslo time, the actor's name where the reader may see them, the
    action's name, the record it is about (a link where it has a page), its details."""
    names = selectors.actor_names(current_user, events)
    prefixes = {kind: url_for(endpoint, **{arg: 0})[:-1] for kind, (endpoint, arg) in PAGES.items()}
    rows = []
    for event in events:
        if event.actor_id is None:
            who = "–"
        else:
            who = names.get(event.actor_id) or _("Someone outside your scope")
        link = None
        if event.object_type in prefixes and event.object_id:
            link = f"{prefixes[event.object_type]}{event.object_id}"
        details = ", ".join(f"{key}: {value}" for key, value in sorted(event.detail.items()))
        rows.append(
            {
                "when": to_local(event.created_at).strftime("%Y-%m-%d %H:%M"),
                "who": who,
                "what": label(event.action),
                "about": about(event.object_type, event.object_id),
                "link": link,
                "details": details,
            }
        )
    return rows
