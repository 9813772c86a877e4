"""Concept pages: the staff board, a concept's page, writing it, its stage, its timeline,
reach figures and files."""

from __future__ import annotations

from pathlib import PurePath

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from ..access import Perm, can, forbid_unless, get_visible_or_404, public, require
from ..actions import act
from ..enums import ConceptFormat, ConceptStage, Language, ReachKind
from ..errors import attempt, drain_refused_body, render_error
from ..extensions import db
from ..followup import selectors as followup_selectors
from ..followup import services as followup_services
from ..followup.rules import can_complete as can_complete_check_in
from ..models import Attachment, Cohort
from ..pagination import paginate, paginate_rows
from ..security import accepts_files
from ..spread import selectors as spread_selectors
from ..transactions import runs_as, write_apart
from . import bp, charts, files, selectors, services, showcase
from .forms import AttachmentForm, ConceptForm, ConfirmForm, ReachForm, StageForm, TimelineForm
from .rules import (
    allowed_stage_moves,
    can_create_concept_in,
    can_edit_concept,
    can_propose_best_case,
    is_team_member,
    reviews,
)

UPLOAD_ENDPOINT = "concepts.upload"


def _enum_arg(enum_cls, name: str):
    value = request.args.get(name) or ""
    return enum_cls(value) if value in enum_cls._value2member_map_ else None


# ---- the board ------------------------------------------------------------------------------


@bp.get("/")
@require(Perm.REVIEW_CONCEPTS)
def board():
    """Every concept of the municipality by stage, filtered by cohort, format and stage."""
    cohorts = selectors.board_cohorts(current_user)
    cohort_id = request.args.get("cohort", type=int)
    if cohort_id not in {c.id for c in cohorts}:
        cohort_id = None
    fmt, stage = _enum_arg(ConceptFormat, "format"), _enum_arg(ConceptStage, "stage")
    filters = {"cohort_id": cohort_id, "format": fmt}
    if stage is None:
        columns, page = selectors.board(current_user, **filters), None
    else:
        page = paginate_rows(selectors.board_stage(current_user, stage, **filters))
        columns = [(stage, page.items, page.total)]
    return render_template(
        "concepts/board.html",
        columns=columns,
        page=page,
        cohorts=cohorts,
        cohort_id=cohort_id,
        format=fmt,
        stage=stage,
        total=sum(total for _stage, _shown, total in columns),
    )


# ---- writing a concept ----------------------------------------------------------------------


def _concept_form(cohort: Cohort, concept=None) -> ConceptForm:
    form = ConceptForm(
        obj=concept,
        members=selectors.team_choices(cohort),
        mentors=selectors.mentor_choices(cohort.municipality_id),
    )
    if concept is not None and request.method == "GET":
        # obj= fills these from the relationships of the same name (rows, not ids), and
        # would win over data=: set them from the ids, or saving the page drops the team.
        form.members.data = [m.enrolment_id for m in concept.members]
        form.mentor.data = concept.mentor_id
    return form


def _save(form: ConceptForm, cohort: Cohort, concept=None):
    submit = request.form.get("action") == "submit"
    data = services.ConceptData(
        title=form.title.data,
        challenge=form.challenge.data or "",
        target_group=form.target_group.data or "",
        idea=form.idea.data or "",
        format=ConceptFormat(form.format.data),
        member_ids=list(form.members.data or []),
        mentor_id=form.mentor.data,
    )
    ok, saved = attempt(
        services.save_concept,
        errors=form.form_errors,
        actor=current_user,
        cohort=cohort,
        data=data,
        concept=concept,
        submit=submit,
    )
    if not ok:
        return None
    db.session.commit()
    if saved.is_draft:
        flash(_("The draft is saved. Finish it and submit it when you are ready."), "success")
    else:
        flash(_("The concept %(title)s is saved.", title=saved.title), "success")
    return redirect(url_for("concepts.detail", concept_id=saved.id))


@bp.route("/new/<int:cohort_id>", methods=["GET", "POST"])
@require(Perm.WRITE_CONCEPTS)
def new(cohort_id: int):
    """A new concept in one of the actor's cohorts; saved as a draft or submitted."""
    cohort = get_visible_or_404(Cohort, cohort_id, current_user)
    forbid_unless(can_create_concept_in(current_user, cohort))
    form = _concept_form(cohort)
    if form.validate_on_submit():
        done = _save(form, cohort)
        if done is not None:
            return done
    return render_template("concepts/form.html", form=form, cohort=cohort, concept=None)


@bp.route("/<int:concept_id>/edit", methods=["GET", "POST"])
@require(Perm.WRITE_CONCEPTS)
def edit(concept_id: int):
    concept = selectors.concept_page(current_user, concept_id)
    forbid_unless(can_edit_concept(current_user, concept))
    form = _concept_form(concept.cohort, concept)
    if form.validate_on_submit():
        done = _save(form, concept.cohort, concept)
        if done is not None:
            return done
    return render_template("concepts/form.html", form=form, cohort=concept.cohort, concept=concept)


@bp.post("/<int:concept_id>/submit")
@require(Perm.WRITE_CONCEPTS)
def submit(concept_id: int):
    """Submit a draft as it stands, from its page (no form that could change the team)."""
    concept = selectors.concept_page(current_user, concept_id)
    forbid_unless(can_edit_concept(current_user, concept))
    return act(
        lambda: services.submit_concept(concept, actor=current_user),
        form=ConfirmForm(),
        success=_("The concept %(title)s is submitted.", title=concept.title),
        back=url_for("concepts.detail", concept_id=concept.id),
    )


# ---- a concept's page -----------------------------------------------------------------------


@bp.get("/<int:concept_id>")
@require(Perm.VIEW_CONCEPTS)
def detail(concept_id: int):
    """The concept, its files, reach and timeline; opening it reads the team's feedback."""
    concept = selectors.concept_page(current_user, concept_id)
    member = is_team_member(current_user, concept)
    staff = reviews(current_user, concept)
    last_seen, unseen = (
        selectors.last_seen_and_unseen(current_user, concept) if member else (None, False)
    )
    page = paginate(selectors.timeline(concept), per_page=selectors.TIMELINE_PER_PAGE)
    figures = selectors.reach(concept)
    html = render_template(
        "concepts/detail.html",
        concept=concept,
        member=member,
        last_seen=last_seen,
        page=page,
        attachments=selectors.attachments(current_user, concept),
        charts=charts.small_multiples(figures),
        editable=can_edit_concept(current_user, concept, member=member),
        moves=allowed_stage_moves(current_user, concept, member=member),
        staff=staff,
        writes=services.writable_kind(current_user, concept, member=member),
        best_case=showcase.proposed_entry(concept) if staff else None,
        can_propose=can_propose_best_case(current_user, concept),
        may_write_guide=can(current_user, Perm.WRITE_GUIDE),
        form=ConfirmForm(),
        provenance=spread_selectors.provenance(concept),
        # Check-ins are for the staff of the concept's municipality (followup/rules.py).
        check_ins=[
            {"check_in": c, "may_complete": can_complete_check_in(current_user, c)}
            for c in (followup_selectors.of_concept(current_user, concept.id) if staff else ())
        ],
    )
    if unseen:
        with write_apart():
            services.mark_seen(concept, actor=current_user)
    return html


# ---- stage ----------------------------------------------------------------------------------


@bp.route("/<int:concept_id>/stage", methods=["GET", "POST"])
@require(Perm.WRITE_CONCEPTS, Perm.REVIEW_CONCEPTS)
def stage(concept_id: int):
    """Move the concept on (or back, or stop it): a reason where the rule asks for one."""
    concept = selectors.concept_page(current_user, concept_id)
    moves = {m.to: m for m in allowed_stage_moves(current_user, concept)}
    forbid_unless(bool(moves))
    form = StageForm(data={"expected": concept.stage.value, "to": request.args.get("to")})
    form.owner.choices = [SelectChoice("", _("Choose"))] + [
        SelectChoice(str(id_), name)
        for id_, name in followup_selectors.owners(concept.municipality_id)
    ]
    to = form.stage(form.to)
    move = moves.get(to)
    if form.validate_on_submit() and move is not None:
        ok, _none = attempt(
            _move_stage,
            concept,
            errors=form.form_errors,
            actor=current_user,
            to=to,
            expected=form.stage(form.expected) or concept.stage,
            reason=form.reason.data or "",
            launch=_launches(move),
            owner_id=form.owner.data,
        )
        if ok:
            db.session.commit()
            flash(_("The concept is now at the stage “%(stage)s”.", stage=to.label), "success")
            return redirect(url_for("concepts.detail", concept_id=concept.id))
    elif request.method == "POST" and move is None:
        form.form_errors.append(_("Choose one of the stages on the page."))
    if move is None:
        move = next(iter(moves.values()))
        form.to.data = move.to.value
    return render_template(
        "concepts/stage.html", concept=concept, form=form, move=move, launch=_launches(move)
    )


def _launches(move) -> bool:
    """A move forward to launched asks for the municipal owner of the follow-up."""
    return move is not None and move.to == ConceptStage.LAUNCHED and not move.back


def _move_stage(concept, *, launch: bool, owner_id, **move):
    """The stage move; a launch also makes the check-ins at 3, 6 and 12 months (issue 24)."""
    if launch:
        followup_services.schedule(concept, owner_id=owner_id, actor=move["actor"])
    services.move_stage(concept, **move)


# ---- timeline -------------------------------------------------------------------------------


@bp.route("/<int:concept_id>/write", methods=["GET", "POST"])
@require(Perm.WRITE_CONCEPTS, Perm.REVIEW_CONCEPTS)
def write(concept_id: int):
    """Staff write feedback; the team a progress update or an answer."""
    concept = selectors.concept_page(current_user, concept_id)
    kind = services.writable_kind(current_user, concept)
    forbid_unless(kind is not None)
    form = TimelineForm()
    if request.method == "GET" and request.args.get("answer"):
        form.answer.data = "1"
    if form.validate_on_submit():
        ok, entry = attempt(
            services.add_to_timeline,
            concept,
            errors=form.form_errors,
            actor=current_user,
            text=form.text.data,
            answer=bool(form.answer.data),
        )
        if ok:
            db.session.commit()
            flash(_("Your message is on the timeline."), "success")
            return redirect(url_for("concepts.detail", concept_id=concept.id))
    return render_template("concepts/write.html", concept=concept, form=form, kind=kind)


# ---- reach ----------------------------------------------------------------------------------


@bp.route("/<int:concept_id>/reach", methods=["GET", "POST"])
@require(Perm.WRITE_CONCEPTS)
def reach(concept_id: int):
    """Record how many people, events or users the concept has reached by a date."""
    concept = selectors.concept_page(current_user, concept_id)
    forbid_unless(can_edit_concept(current_user, concept) and not concept.is_draft)
    form = ReachForm()
    if form.validate_on_submit():
        ok, _figure = attempt(
            services.record_reach,
            concept,
            errors=form.form_errors,
            actor=current_user,
            kind=ReachKind(form.kind.data),
            value=form.value.data,
            measured_on=form.measured_on.data,
        )
        if ok:
            db.session.commit()
            flash(_("The figure is recorded."), "success")
            return redirect(url_for("concepts.detail", concept_id=concept.id) + "#reach")
    return render_template("concepts/reach.html", concept=concept, form=form)


# ---- files ----------------------------------------------------------------------------------


@bp.url_value_preprocessor
def _room_for_a_file(endpoint, values):
    """The upload form carries a file of up to ATTACHMENT_MAX_BYTES plus its form fields."""
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = current_app.config["ATTACHMENT_MAX_BYTES"] + 64 * 1024


def _upload_page(concept, form, status=200):
    limit_mb = current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
    page = render_template("concepts/upload.html", concept=concept, form=form, limit_mb=limit_mb)
    return page, status


@bp.route("/<int:concept_id>/files", methods=["GET", "POST"])
@accepts_files
@require(Perm.WRITE_CONCEPTS)
@runs_as("reader")
def upload(concept_id: int):
    """Add a photo or a PDF; images are re-encoded without their metadata (before the write,
    so that nobody waits for the database while a photo is decoded)."""
    concept = selectors.concept_page(current_user, concept_id)
    forbid_unless(can_edit_concept(current_user, concept))
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors.append(_("Choose a file to upload."))
        else:
            data = upload.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
            ok, prepared = attempt(files.prepare, data, errors=form.file.errors)
            if ok:
                with write_apart():
                    ok, _stored = attempt(
                        files.add_attachment,
                        concept,
                        errors=form.file.errors,
                        actor=current_user,
                        data=prepared,
                        filename=upload.filename,
                        shows_people=form.shows_people.data,
                    )
            if ok:
                flash(_("The file is added."), "success")
                return redirect(url_for("concepts.detail", concept_id=concept.id) + "#files")
    return _upload_page(concept, form)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A file over the limit: say so on the upload page, as a 413."""
    drain_refused_body()
    limit_mb = current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
    message = _("The file is larger than %(mb)s MB. Choose a smaller one.", mb=limit_mb)
    if request.endpoint != UPLOAD_ENDPOINT or not current_user.is_authenticated:
        return render_error(413, message)
    concept = selectors.concept_page(current_user, request.view_args["concept_id"])
    form = AttachmentForm(formdata=None)
    form.file.errors = [message]
    return _upload_page(concept, form, 413)


def _send(attachment: Attachment, name: str | None = None):
    """The stored file: PDFs always as a download, images inline; never sniffed or run."""
    path = files.file_path(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=not attachment.is_image,
        download_name=name or attachment.original_name,
        max_age=0,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/files/<int:attachment_id>")
@require(Perm.VIEW_CONCEPTS)
def download(attachment_id: int):
    """A concept's file, for whoever may read the concept."""
    attachment = get_visible_or_404(Attachment, attachment_id, current_user)
    response = _send(attachment)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
            "inline", "attachment", 1
        )
    return response


@bp.post("/files/<int:attachment_id>/delete")
@require(Perm.WRITE_CONCEPTS)
def delete_file(attachment_id: int):
    attachment = get_visible_or_404(Attachment, attachment_id, current_user)
    concept = selectors.concept_page(current_user, attachment.concept_id)
    forbid_unless(can_edit_concept(current_user, concept))
    back = url_for("concepts.detail", concept_id=concept.id) + "#files"
    return act(
        lambda: files.delete_attachment(attachment, concept, actor=current_user),
        confirm=dict(
            title=_("Remove %(name)s?", name=attachment.original_name),
            consequence=_("The file is deleted for good."),
            button=_("Remove the file"),
            cancel_url=back,
        ),
        success=_("The file is removed."),
        back=back,
    )


@bp.get("/photos/<int:attachment_id>")
@public
def public_photo(attachment_id: int):
    """A photo of a published best case, while the consents that allow it stand."""
    attachment = showcase.public_photo(attachment_id)
    if attachment is None:
        abort(404)
    # Not the uploaded name: "Ida_og_Ola_14.jpg" would publish names without their consent.
    suffix = PurePath(attachment.stored_name).suffix
    return _send(attachment, name=f"photo-{attachment.id}{suffix}")


# ---- best case ------------------------------------------------------------------------------


@bp.post("/<int:concept_id>/best-case")
@require(Perm.REVIEW_CONCEPTS)
def propose(concept_id: int):
    """Propose a launched or sustained concept as a best case: a draft guide entry."""
    concept = selectors.concept_page(current_user, concept_id)
    forbid_unless(can_propose_best_case(current_user, concept))
    language = Language._value2member_map_.get(current_user.language or "", Language.NB)
    return act(
        lambda: showcase.propose_best_case(concept, actor=current_user, language=language),
        form=ConfirmForm(),
        success=_("A draft best case is in the guide. A coordinator edits and publishes it."),
        back=url_for("concepts.detail", concept_id=concept.id),
    )


@bp.app_context_processor
def _concept_names():
    return {"ConceptStage": ConceptStage, "ConceptFormat": ConceptFormat}
