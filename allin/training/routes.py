"""Session pages: list, detail, create/edit/cancel, the programme template, the roll call,
the municipality overview and the calendar feed."""

from __future__ import annotations

from flask import Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..access import Perm, forbid_unless, public, require, visible
from ..actions import act
from ..cohorts import selectors as cohort_selectors
from ..cohorts.tabs import render as render_cohort_page
from ..confirm import confirmation_needed
from ..enums import AttendanceValue
from ..errors import attempt
from ..extensions import db
from ..guide import selectors as guide_selectors
from ..i18n import reader_language
from ..markdown import render_markdown
from ..models import Cohort
from ..pagination import paginate
from ..transactions import runs_as, write_apart
from ..urls import Links
from . import bp, dashboard, feed, progress, selectors, services, times
from .display import SHORT_LABELS
from .forms import AttendanceForm, ConfirmForm, SessionForm
from .rules import can_follow_progress, can_schedule_in, can_take_attendance


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


# ---- sessions -------------------------------------------------------------------------------


@bp.get("/cohorts/<int:cohort_id>/sessions")
@require(Perm.VIEW_COHORTS)
def cohort_sessions(cohort_id: int):
    """The cohort's sessions in time order, upcoming first, then the past ones."""
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    upcoming, past = selectors.cohort_sessions(current_user, cohort)
    return render_cohort_page(
        "training/list.html",
        cohort,
        upcoming=upcoming,
        past=list(reversed(past)),
        manage=can_schedule_in(current_user, cohort),
        feed=selectors.feed_of(current_user, cohort),
        form=ConfirmForm(),
    )


@bp.get("/cohorts/<int:cohort_id>/progress")
@require(Perm.VIEW_PROGRESS)
def cohort_progress(cohort_id: int):
    """How the cohort is doing: its figures, early warnings, attendance per session and a page
    of the per-ambassador table (the spreadsheets have everyone)."""
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_follow_progress(current_user, cohort))
    return render_cohort_page(
        "training/progress.html",
        cohort,
        **dashboard.progress_page(cohort),
    )


@bp.get("/sessions/<int:session_id>")
@require(Perm.VIEW_COHORTS)
def detail(session_id: int):
    session = selectors.session_page(current_user, session_id)
    return render_template(
        "training/detail.html",
        session=session,
        cohort=session.cohort,
        agenda=render_markdown(session.agenda),
        manage=can_schedule_in(current_user, session),
        roll_call=can_take_attendance(current_user, session),
        check_in=can_take_attendance(current_user, session) and services.check_in_open(session),
        form=ConfirmForm(),
        guide_entries=guide_selectors.for_phase(session.phase, reader_language()),
        tools=guide_selectors.in_language(selectors.tool_keys(session), reader_language()),
    )


def _fields(form: SessionForm, listed=()) -> services.SessionFields:
    """What the form sends; of the tools listed before, those this form did not offer (not
    published, or only in the other language) stay listed."""
    offered = chosen = set()
    if "tools" in form:
        offered = {key for key, _title in form.tools.choices}
        chosen = set(form.tools.data or ())
    return services.SessionFields(
        title=form.title.data,
        phase=form.phase.data,
        starts=form.starts.data,
        ends=form.ends.data,
        place=form.place.data or "",
        online_url=form.online_url.data or "",
        agenda=form.agenda.data or "",
        facilitator_id=form.facilitator.data or None,
        tools=tuple(sorted(chosen | (set(listed) - offered))),
    )


def _session_form(cohort, session=None):
    data = None
    listed = selectors.tool_keys(session) if session is not None else []
    if session is not None and request.method == "GET":
        data = {
            "starts": times.to_local(session.starts_at).replace(tzinfo=None),
            "ends": times.to_local(session.ends_at).replace(tzinfo=None),
            "facilitator": session.facilitator_id or 0,
            "tools": listed,
        }
    form = SessionForm(
        obj=session,
        facilitators=cohort_selectors.lead_choices(current_user),
        tools=guide_selectors.tools(reader_language()),
    )
    # obj= wins over data= (it would fill `facilitator` with the user, not the id): set after.
    for name, value in (data or {}).items():
        if name in form:
            form[name].data = value
    if form.validate_on_submit():
        ok, saved = attempt(
            services.save_session,
            errors=form.form_errors,
            actor=current_user,
            cohort=cohort,
            session=session,
            fields=_fields(form, listed),
        )
        if ok:
            db.session.commit()
            flash(_("The session %(title)s is saved.", title=saved.title), "success")
            return redirect(url_for("training.detail", session_id=saved.id))
    return render_template("training/form.html", form=form, cohort=cohort, session=session)


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@require(Perm.SCHEDULE_SESSIONS)
def new(cohort_id: int):
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_schedule_in(current_user, cohort))
    return _session_form(cohort)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@require(Perm.SCHEDULE_SESSIONS)
def edit(session_id: int):
    session = selectors.session_page(current_user, session_id)
    forbid_unless(can_schedule_in(current_user, session))
    return _session_form(session.cohort, session)


@bp.post("/sessions/<int:session_id>/cancel")
@require(Perm.SCHEDULE_SESSIONS)
def cancel(session_id: int):
    session = selectors.session_page(current_user, session_id)
    forbid_unless(can_schedule_in(current_user, session))
    back = url_for("training.detail", session_id=session.id)
    return act(
        lambda: services.cancel_session(session, actor=current_user),
        form=ConfirmForm(),
        confirm=dict(
            title=_("Cancel %(title)s?", title=session.title),
            consequence=_(
                "The session stays in the list, marked as cancelled, and is left out of "
                "attendance figures. Calendar subscribers see it as cancelled. This cannot be "
                "undone."
            ),
            button=_("Cancel the session"),
            cancel_url=back,
        ),
        success=_("The session is cancelled."),
        back=back,
    )


@bp.post("/cohorts/<int:cohort_id>/sessions/from-programme")
@require(Perm.SCHEDULE_SESSIONS)
def apply_programme(cohort_id: int):
    """Create the cohort's sessions from the ALL'IN programme (once)."""
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_schedule_in(current_user, cohort))
    return act(
        # In the cohort's language, not the reader's: the sessions are the cohort's to share.
        lambda: services.apply_programme(
            actor=current_user, cohort=cohort, language=cohort.municipality.language
        ),
        form=ConfirmForm(),
        success=lambda made: (
            ngettext(
                "%(num)s session is created. Adjust its date and place now.",
                "%(num)s sessions are created. Adjust dates and places now.",
                made,
            )
            if made
            else [(_("The programme's sessions are already there."), "info")]
        ),
        back=url_for("training.cohort_sessions", cohort_id=cohort.id),
    )


# ---- roll call ------------------------------------------------------------------------------


def _session_for_roll_call(session_id: int):
    session = selectors.session_page(current_user, session_id)
    forbid_unless(can_take_attendance(current_user, session))
    return session


@bp.get("/sessions/<int:session_id>/roll-call")
@require(Perm.TAKE_ATTENDANCE)
def roll_call(session_id: int):
    """Every active member on one line each; ?q= keeps the rows whose name holds it (the
    filter field does the same as you type, where JavaScript runs)."""
    session = _session_for_roll_call(session_id)
    rows = selectors.roll_call(current_user, session)
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "training/roll_call.html",
        session=session,
        cohort=session.cohort,
        rows=[row for row in rows if query.casefold() in row.name.casefold()],
        everyone=len(rows),
        query=query,
        open=services.roll_call_open(session),
        unmarked=sum(1 for r in rows if r.value is None),
        values=list(AttendanceValue),
        short=SHORT_LABELS,
        # Each row's choices and address, made once a page (not 4 lazy labels and a url_for a row).
        choices=[(v, str(SHORT_LABELS[v]), str(v.label)) for v in AttendanceValue],
        record_link=Links("training.record", "enrolment_id", session_id=session.id),
        check_in=services.check_in_open(session),
        poll_url=url_for("checkin.state", session_id=session.id),
        form=ConfirmForm(),
    )


@bp.post("/sessions/<int:session_id>/roll-call/<int:enrolment_id>")
@require(Perm.TAKE_ATTENDANCE)
@runs_as("reader")
def record(session_id: int, enrolment_id: int):
    """One tap: saves at once. Without JavaScript, back to the row; with it, JSON. Signing in,
    the session and the form are read first; only the upsert holds SQLite's write lock, so a
    room full of taps queues on the write alone."""
    session = _session_for_roll_call(session_id)
    form = AttendanceForm()
    errors: list[str] = []
    if form.validate_on_submit():
        with write_apart():
            attempt(
                services.record_attendance,
                session,
                errors=errors,
                actor=current_user,
                enrolment_id=enrolment_id,
                value=form.value.data,
            )
    else:
        errors.append(_("Choose present, late, excused or absent."))
    if _wants_json():
        if errors:
            return jsonify(ok=False, error=errors[0]), 422
        return jsonify(ok=True, value=form.value.data)
    for error in errors:
        flash(error, "error")
    target = url_for("training.roll_call", session_id=session.id)
    return redirect(f"{target}#row-{enrolment_id}", code=303)


@bp.post("/sessions/<int:session_id>/roll-call/rest-absent")
@require(Perm.TAKE_ATTENDANCE)
def rest_absent(session_id: int):
    session = _session_for_roll_call(session_id)
    back = url_for("training.roll_call", session_id=session.id)
    count = selectors.unmarked_count(current_user, session)
    ask = dict(
        title=ngettext(
            "Mark %(num)s ambassador as absent?", "Mark %(num)s ambassadors as absent?", count
        ),
        consequence=_(
            "Everyone not yet marked on this roll call is recorded as absent. You can still "
            "change each of them afterwards."
        ),
        button=_("Mark as absent"),
        cancel_url=back,
    )
    return act(
        lambda: services.mark_rest(session, AttendanceValue.ABSENT, actor=current_user),
        form=ConfirmForm(),
        confirm=ask if count else None,
        success=lambda made: ngettext(
            "%(num)s marked as absent.", "%(num)s marked as absent.", made
        ),
        back=back,
        code=303,
    )


@bp.post("/sessions/<int:session_id>/roll-call/rest-present")
@require(Perm.TAKE_ATTENDANCE)
def rest_present(session_id: int):
    """ "Everyone is here" in one tap at the start; then each exception is tapped. Nothing
    recorded is changed, and each person can still be corrected."""
    session = _session_for_roll_call(session_id)
    return act(
        lambda: services.mark_rest(session, AttendanceValue.PRESENT, actor=current_user),
        form=ConfirmForm(),
        success=lambda made: ngettext(
            "%(num)s marked as present. Now tap whoever is not here.",
            "%(num)s marked as present. Now tap whoever is not here.",
            made,
        ),
        back=url_for("training.roll_call", session_id=session.id),
        code=303,
    )


# ---- progress -------------------------------------------------------------------------------


@bp.get("/cohorts/overview")
@require(Perm.VIEW_PROGRESS)
def overview():
    """Every cohort of the municipality with its headline figures."""
    stmt = visible(Cohort, current_user).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    page = paginate(stmt)
    return render_template(
        "training/overview.html",
        page=page,
        figures=progress.headlines([c.id for c in page.items]),
        progress_link=Links("training.cohort_progress", "cohort_id"),
    )


# ---- calendar feed --------------------------------------------------------------------------


@bp.post("/cohorts/<int:cohort_id>/calendar/rotate")
@require(Perm.SCHEDULE_SESSIONS)
def rotate_feed(cohort_id: int):
    cohort = cohort_selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_schedule_in(current_user, cohort))
    back = url_for("training.cohort_sessions", cohort_id=cohort.id)
    page = confirmation_needed(
        title=_("Make a new calendar address?"),
        consequence=_(
            "Every address of this calendar is renewed, the staff's and each ambassador's "
            "own: everyone subscribed stops getting updates and must subscribe again."
        ),
        button=_("Make a new address"),
        cancel_url=back,
    )
    if page:
        return page
    if ConfirmForm().validate_on_submit():
        services.rotate_feed(cohort, actor=current_user)
        db.session.commit()
        flash(_("The calendar has a new address. The old one no longer works."), "success")
    return redirect(back)


@bp.get("/calendar/<token>.ics")
@public
def calendar_feed(token: str):
    """The secret address calendar apps subscribe to (no sign-in): unknown -> 404."""
    cohort = selectors.feed_cohort(token)
    if cohort is None:
        abort(404)
    body = feed.calendar(cohort, selectors.session_feed(cohort))
    g.public_cache = True  # its own Cache-Control: the calendar app may keep it 5 minutes
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
