"""Cohort pages: the list, a cohort's home, creating and editing, status, enrolment."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..access import Perm, can, forbid_unless, get_visible_or_404, require
from ..actions import act
from ..ambassadors import services as ambassador_services
from ..auth import claims
from ..clock import now
from ..concepts import selectors as concept_selectors
from ..concepts import sheets as concept_sheets
from ..concepts.selectors import cohort_section as concept_section
from ..enums import (
    ClaimKind,
    CohortRole,
    CohortStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    EnrolmentStatus,
    WithdrawalReason,
)
from ..errors import attempt, drain_refused_body, render_error
from ..exports import download
from ..extensions import db
from ..models import Ambassador
from ..namesakes import card_names
from ..pagination import paginate
from ..security import accepts_files
from ..signups import selectors as signup_selectors
from ..training import sheets
from ..training.dashboard import overview as training_overview
from ..training.rules import can_follow_progress
from ..training.times import local_date
from ..urls import external_url, is_local_path
from . import bp, imports, members, roster, selectors, services
from .forms import (
    CohortForm,
    ConfirmForm,
    EnrolExistingForm,
    EnrolForm,
    EnrolmentStatusForm,
    ImportForm,
    ImportRowForm,
    StatusForm,
    WithdrawEnrolmentForm,
)
from .rules import can_enrol_in, cohort_status_moves, enrolment_status_moves
from .tabs import render as render_cohort_page


def _status_filter() -> CohortStatus | None:
    value = request.args.get("status")
    return CohortStatus(value) if value in set(CohortStatus) else None


@bp.get("/")
@require(Perm.VIEW_COHORTS)
def index():
    """Active cohorts first, then the newest; by status, and "cohorts I lead"."""
    staff = can(current_user, Perm.ENROL)
    mine_arg = request.args.get("mine")
    mine = staff and (mine_arg == "1" if mine_arg else selectors.leads_any(current_user))
    status = _status_filter()
    page = paginate(selectors.cohort_list(current_user, status=status, mine=mine))
    return render_template(
        "cohorts/index.html",
        page=page,
        counts=selectors.member_counts(page.items),
        leads=selectors.lead_names(page.items) if staff else {},
        status=status,
        mine=mine,
        staff=staff,
        statuses=[(m.value, m.label) for m in CohortStatus],
        may_manage_cohorts=can(current_user, Perm.MANAGE_COHORTS),
        may_view_progress=can(current_user, Perm.VIEW_PROGRESS),
    )


@bp.get("/<int:cohort_id>")
@require(Perm.VIEW_COHORTS)
def detail(cohort_id: int):
    """A cohort's overview: its facts, next sessions, headline figures and concepts by
    stage; the rest is on its sub-pages (tabs.py)."""
    if request.args.get("missing") == "1":  # the people list and its filter were here once
        return redirect(url_for("cohorts.people", cohort_id=cohort_id, missing=1))
    cohort = selectors.cohort_page(current_user, cohort_id)
    staff = can_enrol_in(current_user, cohort)
    return render_cohort_page(
        "cohorts/detail.html",
        cohort,
        printed_on=local_date(now()),
        staff=staff,
        edit=staff and can(current_user, Perm.MANAGE_COHORTS),
        moves=cohort_status_moves(current_user, cohort),
        status_form=StatusForm(),
        **concept_section(current_user, cohort),
        **training_overview(current_user, cohort),
    )


@bp.get("/<int:cohort_id>/people")
@require(Perm.ENROL)
def people(cohort_id: int):
    """A cohort's ambassadors, a page at a time, with their consents and status moves; the
    staff who enrol find enrolling, importing and sign-in cards at the top."""
    cohort = selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_enrol_in(current_user, cohort))
    missing_only = request.args.get("missing") == "1"
    page = paginate(selectors.members(current_user, cohort, missing_consent=missing_only))
    actor = current_user._get_current_object()  # read once, not through the proxy a row
    return render_cohort_page(
        "cohorts/people.html",
        cohort,
        printed_on=local_date(now()),
        page=page,
        rows=members.rows(actor, cohort, page.items),
        missing_only=missing_only,
        signups_waiting=signup_selectors.waiting_count(current_user, cohort),
    )


@bp.get("/<int:cohort_id>/concepts")
@require(Perm.VIEW_CONCEPTS)
def concepts(cohort_id: int):
    """The cohort's concepts a page at a time, with their counts by stage for its staff."""
    cohort = selectors.cohort_page(current_user, cohort_id)
    return render_cohort_page(
        "cohorts/concepts.html",
        cohort,
        page=paginate(concept_selectors.of_cohort(current_user, cohort)),
        **concept_section(current_user, cohort, listed=False),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Perm.MANAGE_COHORTS)
def new():
    return _cohort_form(None)


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@require(Perm.MANAGE_COHORTS)
def edit(cohort_id: int):
    cohort = selectors.cohort_page(current_user, cohort_id)
    return _cohort_form(cohort)


def _cohort_form(cohort):
    form = CohortForm(obj=cohort, leads=selectors.lead_choices(current_user))
    if cohort is not None and request.method == "GET":
        # obj= fills `leads` with the users themselves (and wins over data=): use their ids.
        form.leads.data = [u.id for u in cohort.leads]
    if form.validate_on_submit():
        ok, saved = attempt(
            services.save_cohort,
            errors=form.form_errors,
            actor=current_user,
            cohort=cohort,
            name=form.name.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            description=form.description.data or "",
            lead_ids=form.leads.data or [],
        )
        if ok:
            db.session.commit()
            flash(_("The cohort %(name)s is saved.", name=saved.name), "success")
            return redirect(url_for("cohorts.detail", cohort_id=saved.id))
    return render_template("cohorts/form.html", form=form, cohort=cohort)


@bp.post("/<int:cohort_id>/status")
@require(Perm.ENROL, Perm.MANAGE_COHORTS)
def change_status(cohort_id: int):
    """Start, complete or (coordinators) reopen a cohort."""
    cohort = selectors.cohort_page(current_user, cohort_id)
    moves = cohort_status_moves(current_user, cohort)
    forbid_unless(bool(moves))
    form = StatusForm()
    return act(
        lambda: services.change_status(cohort, actor=current_user, to=form.status.data),
        form=form,
        confirm=_confirm_completion(cohort, form, moves),
        success=lambda _none: _("The cohort is now %(status)s.", status=cohort.status.label),
        invalid=_("Choose one of the statuses on the page."),
        back=url_for("cohorts.detail", cohort_id=cohort_id),
    )


def _confirm_completion(cohort, form, moves):
    """Completing closes the cohort for everyone but a coordinator: ask first (the confirm
    step's arguments, or None)."""
    if not form.validate_on_submit():
        return None
    to = CohortStatus(form.status.data)
    if to != CohortStatus.COMPLETED or to not in moves:
        return None
    return dict(
        title=_("Complete the cohort “%(name)s”?", name=cohort.name),
        consequence=_(
            "Nobody can be enrolled in it any more, and only a coordinator can reopen it."
        ),
        button=_("Mark as completed"),
        cancel_url=url_for("cohorts.detail", cohort_id=cohort.id),
        keep=("status",),
    )


# ---- enrolment ------------------------------------------------------------------------------


def _cohort_to_enrol_in(cohort_id: int):
    cohort = selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_enrol_in(current_user, cohort))
    return cohort


@bp.route("/<int:cohort_id>/enrol", methods=["GET", "POST"])
@require(Perm.ENROL)
def enrol(cohort_id: int):
    """Enrol a young person; someone already known (same name and birth year) is shown first
    and offered instead of a duplicate."""
    cohort = _cohort_to_enrol_in(cohort_id)
    form = EnrolForm()
    duplicates, enrolled = [], set()
    if form.validate_on_submit():
        if not form.create_anyway.data:
            duplicates = ambassador_services.find_duplicates(
                actor=current_user, name=form.name.data, birth_year=form.birth_year.data
            )
            enrolled = selectors.enrolled_among(cohort, (a.id for a in duplicates))
        if not duplicates:
            ok, made = attempt(
                services.enrol_with_consents,
                errors=form.form_errors,
                actor=current_user,
                cohort=cohort,
                person=form.person(),
                role=CohortRole(form.role.data),
                consents=[ConsentPurpose(p) for p in form.consents.data or []],
                given_by=ConsentGiver(form.consent_given_by.data) if form.consents.data else None,
                method=ConsentMethod(form.consent_method.data) if form.consents.data else None,
                make_login=form.make_login.data,
            )
            if ok:
                enrolment, login = made
                if login:  # shown once, at the top of their page: the hand-over
                    invitation, token = login
                    link = external_url("auth.invitation_link", token=token)
                    claims.keep_link(ClaimKind.SHOW_INVITATION_LINK, invitation.id, link)
                db.session.commit()
                flash(_enrolled_message(form), "success")
                return redirect(
                    url_for("ambassadors.detail", ambassador_id=enrolment.ambassador_id)
                )
        else:
            form.create_anyway.data = "1"  # "someone else" sends the same form on
    return render_template(
        "cohorts/enrol.html",
        form=form,
        cohort=cohort,
        duplicates=duplicates,
        enrolled=enrolled,
        existing_form=EnrolExistingForm(data={"role": form.role.data}),
    )


def _enrolled_message(form) -> str:
    name = form.name.data
    if form.make_login.data:
        return _("%(name)s is enrolled. Hand over the sign-in link below.", name=name)
    if form.consents.data:
        return _("%(name)s is enrolled and the consents are recorded.", name=name)
    return _("%(name)s is enrolled. Record their consents now.", name=name)


@bp.post("/<int:cohort_id>/enrol/<int:ambassador_id>")
@require(Perm.ENROL)
def enrol_existing(cohort_id: int, ambassador_id: int):
    """Enrol someone the municipality already knows."""
    cohort = _cohort_to_enrol_in(cohort_id)
    ambassador = get_visible_or_404(Ambassador, ambassador_id, current_user)
    form = EnrolExistingForm()
    errors: list[str] = []
    if form.validate_on_submit():
        ok, _enrolment = attempt(
            services.enrol,
            errors=errors,
            actor=current_user,
            cohort=cohort,
            ambassador=ambassador,
            role=CohortRole(form.role.data),
        )
        if ok:
            db.session.commit()
            flash(_("%(name)s is enrolled.", name=ambassador.name), "success")
            return redirect(url_for("ambassadors.detail", ambassador_id=ambassador.id))
    else:
        errors.append(_("Choose a role."))
    for error in errors:
        flash(error, "error")
    return redirect(url_for("cohorts.people", cohort_id=cohort.id))


@bp.post("/enrolments/<int:enrolment_id>/status")
@require(Perm.ENROL)
def move_enrolment(enrolment_id: int):
    """Invited -> active -> graduated (a coordinator also one step back), from the member list
    or the ambassador's page; back to the page it came from."""
    enrolment = selectors.enrolment_page(current_user, enrolment_id)
    graduated_at = selectors.graduation_times([enrolment]).get(enrolment.id)
    moves = enrolment_status_moves(current_user, enrolment, graduated_at)
    forbid_unless(bool(moves))
    form = EnrolmentStatusForm()
    back = request.form.get("next")
    if not is_local_path(back):
        back = url_for("cohorts.people", cohort_id=enrolment.cohort_id)
    return act(
        lambda: services.move_enrolment(
            enrolment,
            actor=current_user,
            to=EnrolmentStatus(form.status.data),
            seen=EnrolmentStatus(form.seen.data),
        ),
        form=form,
        confirm=_confirm_graduation(enrolment, form, moves, back),
        success=lambda _none: _(
            "The status of %(name)s is now “%(status)s”.",
            name=enrolment.ambassador.name,
            status=enrolment.status.label,
        ),
        invalid=_("Choose one of the statuses on the page."),
        back=back,
    )


def _confirm_graduation(enrolment, form, moves, back: str):
    """Graduating is one tap that a youth worker cannot take back after a day: ask first (the
    confirm step's arguments, or None)."""
    if not form.validate_on_submit():
        return None
    to = EnrolmentStatus(form.status.data)
    if to != EnrolmentStatus.GRADUATED or to not in moves or form.seen.data != enrolment.status:
        return None
    return dict(
        title=_("Mark %(name)s as graduated?", name=enrolment.ambassador.name),
        consequence=_(
            "%(name)s will be listed as having completed %(cohort)s and no longer take part "
            "in its sessions. You can undo this within a day; after that only a coordinator "
            "can.",
            name=enrolment.ambassador.name,
            cohort=enrolment.cohort.name,
        ),
        button=_("Mark as graduated"),
        cancel_url=back,
        keep=("status", "seen", "next"),
    )


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"])
@require(Perm.ENROL)
def withdraw(enrolment_id: int):
    """Withdraw someone from a cohort, with a reason (the page is the confirmation step)."""
    enrolment = selectors.enrolment_page(current_user, enrolment_id)
    forbid_unless(can_enrol_in(current_user, enrolment))
    form = WithdrawEnrolmentForm()
    if form.validate_on_submit():
        ok, _none = attempt(
            services.withdraw_enrolment,
            enrolment,
            errors=form.form_errors,
            actor=current_user,
            reason=WithdrawalReason(form.reason.data),
            note=form.note.data,
        )
        if ok:
            db.session.commit()
            flash(
                _("%(name)s is withdrawn from the cohort.", name=enrolment.ambassador.name),
                "success",
            )
            return redirect(url_for("cohorts.people", cohort_id=enrolment.cohort_id))
    return render_template("cohorts/withdraw.html", form=form, enrolment=enrolment)


# ---- spreadsheet import ---------------------------------------------------------------------


@bp.route("/<int:cohort_id>/import", methods=["GET", "POST"])
@accepts_files
@require(Perm.ENROL)
def import_upload(cohort_id: int):
    """Upload a CSV; nothing is written until its preview is confirmed."""
    cohort = _cohort_to_enrol_in(cohort_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.spreadsheet.data
        if not upload or not getattr(upload, "filename", ""):
            form.spreadsheet.errors.append(_("Choose a CSV file to upload."))
        else:
            ok, stored = attempt(
                imports.preview,
                errors=form.spreadsheet.errors,
                actor=current_user,
                cohort=cohort,
                data=upload.read(),
                filename=upload.filename,
            )
            if ok:
                db.session.commit()
                return redirect(
                    url_for("cohorts.import_preview", cohort_id=cohort.id, key=stored.key)
                )
    return render_template("cohorts/import.html", form=form, cohort=cohort, **_limits())


def _limits() -> dict:
    return {
        "max_rows": current_app.config["IMPORT_MAX_ROWS"],
        "max_mb": current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
    }


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """An upload over the size limit: say so on the import page rather than a bare 413."""
    drain_refused_body()
    if request.endpoint != "cohorts.import_upload" or not current_user.is_authenticated:
        return render_error(413)
    cohort = selectors.cohort_page(current_user, request.view_args["cohort_id"])
    form = ImportForm(formdata=None)
    form.spreadsheet.errors = [
        _("The file is larger than %(mb)s MB. Split it into smaller files.", mb=_limits()["max_mb"])
    ]
    return render_template("cohorts/import.html", form=form, cohort=cohort, **_limits()), 413


@bp.get("/<int:cohort_id>/import/template.csv")
@require(Perm.ENROL)
def import_template(cohort_id: int):
    """The expected headings, in the user's language."""
    _cohort_to_enrol_in(cohort_id)
    language = str(get_locale().language)
    filename = _("ambassadors-template") + ".csv"
    return Response(
        imports.template_csv(language),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@bp.route("/<int:cohort_id>/import/<key>", methods=["GET", "POST"])
@require(Perm.ENROL)
def import_preview(cohort_id: int, key: str):
    """Every row and what it would do; confirming writes the good rows, once (those with an
    error too only when corrected on the page, or left out when asked)."""
    cohort = _cohort_to_enrol_in(cohort_id)
    stored = _preview_or_404(cohort, key)
    form = ConfirmForm()
    if form.validate_on_submit():
        ok, counts = attempt(
            imports.confirm,
            stored,
            errors=form.form_errors,
            actor=current_user,
            cohort=cohort,
            skip_errors=request.form.get("skip") == "1",
        )
        if ok:
            db.session.commit()
            _flash_imported(counts)
            return redirect(url_for("cohorts.people", cohort_id=cohort.id))
        for error in form.form_errors:
            flash(error, "error")
        return redirect(url_for("cohorts.people", cohort_id=cohort.id))
    return _render_preview(cohort, stored, form)


@bp.post("/<int:cohort_id>/import/<key>/rows/<int:row>")
@require(Perm.ENROL)
def import_row(cohort_id: int, key: str, row: int):
    """Correct one row of the preview in place; what was typed stays on the page if it still
    has an error."""
    cohort = _cohort_to_enrol_in(cohort_id)
    stored = _preview_or_404(cohort, key)
    form = ImportRowForm(prefix=f"row{row}")
    if not form.validate_on_submit():
        return _render_preview(cohort, stored, ConfirmForm(), typed={row: form}), 400
    typed = {name: form[name].data or "" for name in imports.FIELDS}
    ok, fixed = attempt(
        imports.correct,
        stored,
        row,
        typed,
        errors=form.form_errors,
        actor=current_user,
        cohort=cohort,
    )
    if not ok:
        return _render_preview(cohort, stored, ConfirmForm(), typed={row: form}), 400
    db.session.commit()
    if fixed.errors:
        fields = {str(imports.LABELS[name]): name for name in imports.FIELDS}
        for column, message in fixed.errors:
            if column in fields:
                form[fields[column]].errors = [*form[fields[column]].errors, message]
            else:
                form.form_errors.append(message)
        return _render_preview(cohort, stored, ConfirmForm(), typed={row: form}), 400
    flash(_("Row %(row)s is corrected.", row=row), "success")
    return redirect(
        url_for("cohorts.import_preview", cohort_id=cohort.id, key=stored.key) + f"#row-{row}"
    )


def _preview_or_404(cohort, key: str):
    stored = imports.find_preview(current_user, cohort, key)
    if stored is None:
        abort(404)
    return stored


def _flash_imported(counts: dict) -> None:
    flash(
        _(
            "Imported: %(enrolled)s enrolled, of whom %(created)s new.",
            enrolled=counts["enrolled"],
            created=counts["created"],
        ),
        "success",
    )
    if counts["skipped"]:
        rows = ", ".join(str(number) for number in counts["skipped"])
        flash(
            ngettext(
                "Left out: row %(rows)s of the file. Enrol them one by one, or upload just them.",
                "Left out: rows %(rows)s of the file. Enrol them one by one, or upload just them.",
                len(counts["skipped"]),
                rows=rows,
            ),
            "warning",
        )


def _render_preview(cohort, stored, form, typed: dict | None = None):
    rows = stored.payload["rows"]
    forms = {}
    for row in rows:
        if row["errors"]:
            forms[row["row"]] = (typed or {}).get(row["row"]) or ImportRowForm(
                prefix=f"row{row['row']}",
                data={
                    name: str(row.get("typed", {}).get(name) or ("" if value is None else value))
                    for name, value in row["values"].items()
                },
            )
    return render_template(
        "cohorts/import_preview.html",
        cohort=cohort,
        stored=stored,
        form=form,
        rows=rows,
        row_forms=forms,
        ignored=stored.payload.get("ignored", []),
        summary=Counter(r["action"] for r in rows),
        expired=stored.expires_at <= now(),
    )


# ---- sign-in cards for a kick-off ----------------------------------------------------------


@bp.route("/<int:cohort_id>/hand-out", methods=["GET", "POST"])
@require(Perm.ENROL)
def hand_out(cohort_id: int):
    """A printable page of QR sign-in cards, one per ambassador without a login. The GET page
    says what will happen (old links stop working); the POST makes the links and shows them
    once (they are stored only as hashes)."""
    cohort = _cohort_to_enrol_in(cohort_id)
    people = selectors.without_login(current_user, cohort)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "cohorts/hand_out_start.html", cohort=cohort, people=people, form=form
        )
    made, refused = ambassador_services.hand_out_logins(people, actor=current_user)
    db.session.commit()
    labels = card_names(ambassador for ambassador, _token in made)
    cards = [
        (label, external_url("auth.invitation_link", token=token))
        for label, (_ambassador, token) in zip(labels, made, strict=True)
    ]
    return render_template("cohorts/hand_out.html", cohort=cohort, cards=cards, refused=refused)


@bp.get("/<int:cohort_id>/roster.xlsx")
@require(Perm.ENROL)
def roster_xlsx(cohort_id: int):
    """The cohort's people as an Excel workbook: what this page lists, all of it."""
    return _roster(cohort_id, "xlsx")


@bp.get("/<int:cohort_id>/roster.csv")
@require(Perm.ENROL)
def roster_csv(cohort_id: int):
    """The same as CSV, separated as the reader's Excel expects (`;` in nb, `,` in en)."""
    return _roster(cohort_id, "csv")


def _roster(cohort_id: int, kind: str):
    cohort = _cohort_to_enrol_in(cohort_id)
    tables = [roster.roster_table(current_user, cohort)]
    name = _("%(cohort)s - people", cohort=cohort.name)
    return download(tables, kind, name=name, actor=current_user, target=cohort, what="roster")


@bp.get("/people.xlsx")
@require(Perm.ENROL)
def everyone_xlsx():
    """Everyone the municipality's cohorts know (not erased), with their cohorts and
    consents: the school's or the municipality's list, as an Excel workbook."""
    return _everyone("xlsx")


@bp.get("/people.csv")
@require(Perm.ENROL)
def everyone_csv():
    """The same as CSV (`;` in nb, `,` in en)."""
    return _everyone("csv")


def _everyone(kind: str):
    tables = [roster.everyone_table(current_user)]
    name = _("Ambassadors - %(day)s", day=now().date().isoformat())
    return download(tables, kind, name=name, actor=current_user, target=None, what="people")


@bp.get("/<int:cohort_id>/attendance.xlsx")
@require(Perm.VIEW_PROGRESS)
def attendance_xlsx(cohort_id: int):
    """Attendance per ambassador (the dashboard's figures) and per session, two sheets."""
    cohort = _cohort_to_follow(cohort_id)
    tables = [sheets.per_person(cohort.id), sheets.per_session(cohort.id)]
    return _attendance(cohort, tables, "xlsx")


@bp.get("/<int:cohort_id>/attendance.csv")
@require(Perm.VIEW_PROGRESS)
def attendance_csv(cohort_id: int):
    """Attendance per session: a row per ambassador and session."""
    cohort = _cohort_to_follow(cohort_id)
    name = _("%(cohort)s - attendance per session", cohort=cohort.name)
    return _attendance(cohort, [sheets.per_session(cohort.id)], "csv", name)


@bp.get("/<int:cohort_id>/attendance-totals.csv")
@require(Perm.VIEW_PROGRESS)
def attendance_totals_csv(cohort_id: int):
    """Attendance per ambassador, with the dashboard's figures."""
    cohort = _cohort_to_follow(cohort_id)
    name = _("%(cohort)s - attendance per ambassador", cohort=cohort.name)
    return _attendance(cohort, [sheets.per_person(cohort.id)], "csv", name)


def _cohort_to_follow(cohort_id: int):
    cohort = selectors.cohort_page(current_user, cohort_id)
    forbid_unless(can_follow_progress(current_user, cohort))
    return cohort


def _attendance(cohort, tables, kind: str, name: str | None = None):
    name = name or _("%(cohort)s - attendance", cohort=cohort.name)
    return download(tables, kind, name=name, actor=current_user, target=cohort, what="attendance")


@bp.get("/<int:cohort_id>/concepts.xlsx")
@require(Perm.REVIEW_CONCEPTS)
def concepts_xlsx(cohort_id: int):
    """The cohort's concepts: team, stage, the day each stage was reached, reach."""
    return _concepts(cohort_id, "xlsx")


@bp.get("/<int:cohort_id>/concepts.csv")
@require(Perm.REVIEW_CONCEPTS)
def concepts_csv(cohort_id: int):
    """The same as CSV."""
    return _concepts(cohort_id, "csv")


def _concepts(cohort_id: int, kind: str):
    cohort = selectors.cohort_page(current_user, cohort_id)
    forbid_unless(cohort.municipality_id == current_user.municipality_id)
    tables = [concept_sheets.concept_table(current_user, cohort)]
    name = _("%(cohort)s - concepts", cohort=cohort.name)
    return download(tables, kind, name=name, actor=current_user, target=cohort, what="concepts")
