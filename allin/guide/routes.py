"""The guide's pages. Reading is public (published entries, cacheable); writing needs
Perm.WRITE_GUIDE and stays inside the writer's scope."""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from .. import files
from ..access import Perm, can, get_visible_or_404, public, require, visible
from ..actions import act
from ..concepts import showcase
from ..confirm import confirmation_needed
from ..converters import id_arg
from ..enums import GuideKind, GuideStatus, Language, Phase
from ..errors import DomainError, attempt, drain_refused_body, render_error
from ..extensions import db
from ..i18n import reader_language
from ..markdown import render_markdown
from ..models import GuideEntry, GuideImage
from ..pagination import paginate, paginate_rows
from ..security import accepts_files
from ..spread import selectors as spread_selectors
from ..spread.rules import can_start_from
from ..transactions import runs_as, write_apart
from ..urls import SlugLinks, safe_next
from . import bp, history, pictures, search, selectors, services, tag_use
from .forms import EntryForm, ImageForm, PreviewForm, SynonymsForm
from .kept import kept_for_visitors, public_page
from .kept import synonyms as synonyms_of
from .rules import can_edit_guide_entry, can_publish_guide_entry

FORM_ENDPOINTS = ("guide.new", "guide.edit", "guide.preview")
# Entries offered when a search finds nothing: those with any of the words.
CLOSEST = 5


# ---- helpers --------------------------------------------------------------------------------


def _enum_arg(enum_cls, name: str):
    value = request.args.get(name) or ""
    return enum_cls(value) if value in enum_cls._value2member_map_ else None


def _cacheable(html: str):
    return public_page(make_response(html))


def _grouped(entries, attribute: str) -> list[tuple[object, list[GuideEntry]]]:
    """Consecutive entries with the same phase (or kind), keeping the page's order."""
    return [(key, list(items)) for key, items in groupby(entries, key=attrgetter(attribute))]


@bp.app_context_processor
def _guide_names():
    return {
        "Phase": Phase,
        "GuideKind": GuideKind,
        "Language": Language,
        "search_highlight": search.highlight,
    }


@bp.url_value_preprocessor
def _allow_long_texts(endpoint, values):
    """The entry forms carry a body of up to GUIDE_MAX_BODY_CHARS. This runs before every
    before_request hook (the CSRF check reads the form first), so the larger limit holds
    for these endpoints only."""
    if endpoint in FORM_ENDPOINTS:
        request.max_form_memory_size = current_app.config["MAX_CONTENT_LENGTH"]


@bp.errorhandler(413)
def _too_large(error):
    drain_refused_body()
    if request.endpoint == "guide.images" and can(current_user, Perm.WRITE_GUIDE):
        return _image_too_large()
    limit = current_app.config["GUIDE_MAX_BODY_CHARS"]
    return render_error(
        413,
        _(
            "The text is far too long to save. An entry's text can have at most %(max)s "
            "characters; split it into several entries.",
            max=format_decimal(limit),
        ),
    )


# ---- reading (public) -----------------------------------------------------------------------


@bp.get("/")
@public
@kept_for_visitors("lang", "phase", "kind", "tag", "group", "page")
def index():
    """Published entries in the reader's language, grouped by phase (or kind), filtered."""
    language = _enum_arg(Language, "lang") or reader_language()
    phase, kind = _enum_arg(Phase, "phase"), _enum_arg(GuideKind, "kind")
    tag = services.parse_tags(request.args.get("tag", "")[:40])
    tag = tag[0] if tag else None
    group = "kind" if request.args.get("group") == "kind" else "phase"
    page = selectors.index_page(language, phase, kind, tag, group)
    return _cacheable(
        render_template(
            "guide/index.html",
            page=page,
            language=language,
            phase=phase,
            kind=kind,
            tag=tag,
            group=group,
            groups=_grouped(page.items, group),
            tags=tag_use.tag_cloud(language),
            may_write_guide=can(current_user, Perm.WRITE_GUIDE),
            entry_link=SlugLinks("guide.entry", "slug"),
        )
    )


@bp.get("/start")
@public
@kept_for_visitors("lang", "page")
def start():
    """ "Start here": every phase in programme order, with its entries."""
    language = _enum_arg(Language, "lang") or reader_language()
    stmt = selectors.filtered(selectors.published(), language=language)
    page = selectors.page_in_programme_order(stmt, per_page=current_app.config["MAX_PER_PAGE"])
    return _cacheable(
        render_template(
            "guide/start.html",
            page=page,
            language=language,
            groups=_grouped(page.items, "phase"),
            may_write_guide=can(current_user, Perm.WRITE_GUIDE),
        )
    )


@bp.get("/search")
@public
@kept_for_visitors("q", "lang", "phase", "kind", "page")
def search_page():
    """Full-text search in the reader's language, title matches first."""
    text = (request.args.get("q") or "")[:200]
    language = _enum_arg(Language, "lang") or reader_language()
    phase, kind = _enum_arg(Phase, "phase"), _enum_arg(GuideKind, "kind")
    query = search.parse(text, language, synonyms_of(language) if text else ())
    page = passages = None
    closest, tags = [], []
    if query:
        dialect = db.engine.dialect.name
        page = paginate_rows(
            lambda limit, offset: selectors.search_results(
                query, dialect, phase, kind, limit, offset
            )
        )
        if not page.total:  # suggestions: entries with any of the words, and the tags
            closest, _count = selectors.search_results(
                query, dialect, phase, kind, CLOSEST, 0, any_word=True
            )
            tags = tag_use.tag_cloud(language)
        passages = {e.id: search.passage(e, query) for e in [*page.items, *closest]}
    return _cacheable(
        render_template(
            "guide/search.html",
            text=text,
            query=query,
            page=page,
            passages=passages,
            closest=closest,
            tags=tags,
            other_language=Language.EN if language == Language.NB else Language.NB,
            language=language,
            phase=phase,
            kind=kind,
            may_write_guide=can(current_user, Perm.WRITE_GUIDE),
            entry_link=SlugLinks("guide.entry", "slug"),
        )
    )


@bp.get("/print")
@public
@kept_for_visitors("lang", "phase", "page")
def print_guide():
    """The whole guide (or one phase) as one document, for paper or PDF."""
    language = _enum_arg(Language, "lang") or reader_language()
    phase = _enum_arg(Phase, "phase")
    stmt = selectors.filtered(selectors.published(), language=language, phase=phase)
    page = selectors.page_in_programme_order(stmt, per_page=current_app.config["MAX_PER_PAGE"])
    return _cacheable(
        render_template(
            "guide/print.html",
            page=page,
            language=language,
            phase=phase,
            groups=_grouped(page.items, "phase"),
        )
    )


@bp.get("/language")
@public
def language():
    """Choose the language without a form, so the public pages carry no session token and
    can be cached. Only the choice in this browser's session changes."""
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")))


@bp.get("/<slug>")
@public
@kept_for_visitors()
def entry(slug: str):
    """One entry, its other-language version and related entries; drafts only in scope."""
    if not services.SLUG.match(slug) or len(slug) > 120:
        abort(404)
    reader = current_user._get_current_object()
    language = reader_language()
    found = selectors.by_slug(reader, slug, language)
    if found is None:
        moved = selectors.moved(reader, slug, language)
        if moved is None:
            abort(404)
        return redirect(url_for("guide.entry", slug=moved.slug), 301)
    html = render_template(
        "guide/entry.html",
        entry=found,
        other=selectors.counterpart(reader, found),
        related=selectors.related(found) if found.is_published else [],
        editable=can_edit_guide_entry(current_user, found),
        showcase=showcase.public_view(found.concept_id),
        used_in=selectors.sessions_using(found) if found.kind == GuideKind.TOOL else None,
        tried_in=spread_selectors.tried_in(found.concept_id) if found.is_published else 0,
        may_start=found.concept_id is not None
        and found.is_published
        and can_start_from(current_user, found),
    )
    # A best case names and shows people as their consents stand now: never kept in a cache.
    if not found.is_published or found.concept_id is not None:
        return html
    return _cacheable(html)


# ---- writing --------------------------------------------------------------------------------


def _statuses(actor, entry=None) -> list[GuideStatus]:
    if (entry is None and can(actor, Perm.PUBLISH_GUIDE)) or (
        entry is not None and can_publish_guide_entry(actor, entry)
    ):
        return list(GuideStatus)
    return [entry.status] if entry is not None else [GuideStatus.DRAFT]


def _data(form: EntryForm) -> services.EntryData:
    return services.EntryData(
        kind=GuideKind(form.kind.data),
        phase=Phase(form.phase.data),
        title=form.title.data,
        summary=form.summary.data,
        body=form.body.data or "",
        tags=services.parse_tags(form.tags.data or ""),
        slug=form.slug.data or "",
        publish=form.status.data == GuideStatus.PUBLISHED,
    )


def _problems(form: EntryForm) -> dict[type, list]:
    """Where a save's DomainError goes: an unusable address beside the address field, the
    rest above the form."""
    form.slug.errors = list(form.slug.errors)
    return {services.SlugProblem: form.slug.errors, DomainError: form.form_errors}


def _wants_preview() -> bool:
    return request.method == "POST" and "preview" in request.form


@bp.route("/synonyms", methods=["GET", "POST"])
@require(Perm.WRITE_GUIDE)
def synonyms():
    """The words a search treats as one, per language: one group a line."""
    form = SynonymsForm(
        data=None
        if request.method == "POST"
        else {lang.value: "\n".join(selectors.synonyms(lang)) for lang in Language}
    )
    if form.validate_on_submit():
        groups = {lang: form.groups(form[lang.value]) for lang in Language}
        ok, _done = attempt(
            services.replace_synonyms, groups, errors=form.form_errors, actor=current_user
        )
        if ok:
            db.session.commit()
            flash(_("The synonyms are saved. Searches use them at once."), "success")
            return redirect(url_for("guide.synonyms"))
    return render_template(
        "guide/synonyms.html", form=form, may_write_guide=can(current_user, Perm.WRITE_GUIDE)
    )


@bp.get("/manage/")
@require(Perm.WRITE_GUIDE)
def manage():
    """The entries I write (drafts and published), last changed first."""
    stmt = visible(GuideEntry, current_user).order_by(
        GuideEntry.updated_at.desc(), GuideEntry.id.desc()
    )
    return render_template(
        "guide/manage.html",
        page=paginate(stmt),
        may_write_guide=can(current_user, Perm.WRITE_GUIDE),
    )


def _counterpart() -> GuideEntry | None:
    """The entry a new one translates (?counterpart=<id>, which the form posts back), if any:
    an id as in a path, so a number the database cannot hold is a 404 like a missing entry."""
    given = request.values.get("counterpart")
    if not given:
        return None
    counterpart_id = id_arg(given)
    if counterpart_id is None:
        abort(404)
    counterpart = get_visible_or_404(GuideEntry, counterpart_id, current_user)
    if not can_edit_guide_entry(current_user, counterpart):
        abort(403)
    return counterpart


@bp.route("/new", methods=["GET", "POST"])
@require(Perm.WRITE_GUIDE)
def new():
    """Write a new entry, or the other-language version of one (?counterpart=<id>)."""
    counterpart = _counterpart()
    form = EntryForm(statuses=_statuses(current_user), editing=False)
    if request.method == "GET":
        form.language.data = reader_language()
        if counterpart is not None:
            form.counterpart.data = counterpart.id
            form.kind.data, form.phase.data = counterpart.kind, counterpart.phase
            form.language.data = Language.EN if counterpart.language == Language.NB else Language.NB
    preview = render_markdown(form.body.data or "") if _wants_preview() else None
    if preview is None and form.validate_on_submit():
        ok, created = attempt(
            services.create_entry,
            errors=_problems(form),
            actor=current_user,
            data=_data(form),
            language=Language(form.language.data),
            counterpart=counterpart,
        )
        if ok:
            db.session.commit()
            flash(_("The entry is saved."), "success")
            return redirect(url_for("guide.entry", slug=created.slug))
    return render_template(
        "guide/form.html", form=form, entry=None, counterpart=counterpart, preview=preview
    )


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@require(Perm.WRITE_GUIDE)
def edit(entry_id: int):
    found = get_visible_or_404(GuideEntry, entry_id, current_user)
    if not can_edit_guide_entry(current_user, found):
        abort(403)
    statuses = _statuses(current_user, found)
    form = EntryForm(statuses=statuses, editing=True)
    if request.method == "GET":
        form.process(obj=found)
        form.version.data = str(found.version)
    preview = render_markdown(form.body.data or "") if _wants_preview() else None
    if preview is None and form.validate_on_submit():
        conflicts: list[str] = []
        ok, _none = attempt(
            services.update_entry,
            found,
            errors={services.EditConflict: conflicts, **_problems(form)},
            actor=current_user,
            data=_data(form),
            seen_version=int(form.version.data),
        )
        if conflicts:
            form.form_errors.extend(conflicts)
            # Saving again now replaces the other person's version: they were told.
            form.version.data = str(found.version)
        if ok:
            db.session.commit()
            flash(_("The entry is saved."), "success")
            return redirect(url_for("guide.entry", slug=found.slug))
    return render_template(
        "guide/form.html", form=form, entry=found, counterpart=None, preview=preview
    )


@bp.post("/preview")
@require(Perm.WRITE_GUIDE)
def preview():
    """The live preview: the body rendered exactly as readers will see it."""
    form = PreviewForm()
    if not form.validate_on_submit():
        return render_error(400)
    body = form.body.data or ""
    if len(body) > current_app.config["GUIDE_MAX_BODY_CHARS"]:
        return _("The text is too long to preview."), 413
    return render_template("guide/_preview.html", preview=render_markdown(body))


@bp.get("/entries/<int:entry_id>/history")
@require(Perm.WRITE_GUIDE)
def entry_history(entry_id: int):
    found = get_visible_or_404(GuideEntry, entry_id, current_user)
    page = paginate(selectors.revisions(found))
    return render_template("guide/history.html", entry=found, page=page)


@bp.get("/entries/<int:entry_id>/revisions/<int:revision_id>")
@require(Perm.WRITE_GUIDE)
def revision(entry_id: int, revision_id: int):
    found = get_visible_or_404(GuideEntry, entry_id, current_user)
    shown, previous = selectors.revision_pair(found, revision_id)
    return render_template(
        "guide/revision.html",
        entry=found,
        revision=shown,
        previous=previous,
        fields=history.field_changes(previous, shown),
        lines=history.body_diff(previous, shown),
        editable=can_edit_guide_entry(current_user, found),
        latest=selectors.latest_revision_number(found),
    )


@bp.post("/entries/<int:entry_id>/revisions/<int:revision_id>/restore")
@require(Perm.WRITE_GUIDE)
def restore(entry_id: int, revision_id: int):
    found = get_visible_or_404(GuideEntry, entry_id, current_user)
    if not can_edit_guide_entry(current_user, found):
        abort(403)
    shown, _previous = selectors.revision_pair(found, revision_id)
    return act(
        lambda: services.restore_revision(found, shown, actor=current_user),
        success=_("Version %(number)s is the current text again.", number=shown.number),
        back=url_for("guide.entry_history", entry_id=found.id),
    )


# ---- pictures -------------------------------------------------------------------------------


@bp.route("/manage/images/", methods=["GET", "POST"])
@accepts_files
@require(Perm.WRITE_GUIDE)
@runs_as("reader")
def images():
    """Upload a picture; the pictures of my part of the guide, newest first."""
    form = ImageForm()
    if form.validate_on_submit():
        picture = form.picture.data
        if not picture or not getattr(picture, "filename", ""):
            form.picture.errors.append(_("Choose a picture to upload."))
        else:
            ok, clean = attempt(pictures.clean, picture.read(), errors=form.picture.errors)
            if ok:
                with write_apart():
                    ok, image = attempt(
                        pictures.store,
                        current_user,
                        clean,
                        errors=form.picture.errors,
                        filename=picture.filename,
                    )
            if ok:
                flash(
                    _("The picture is uploaded. Copy its Markdown line into an entry."), "success"
                )
                return redirect(url_for("guide.images", _anchor=f"image-{image.id}"))
    return _page(form)


def _page(form: ImageForm, status: int = 200):
    stmt = visible(GuideImage, current_user).order_by(
        GuideImage.created_at.desc(), GuideImage.id.desc()
    )
    max_mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    page = paginate(stmt)
    return render_template(
        "guide/images.html",
        form=form,
        page=page,
        max_mb=max_mb,
        may_write_guide=can(current_user, Perm.WRITE_GUIDE),
    ), status


def _image_too_large():
    """The 413 of an upload over the size limit, said on the upload page."""
    form = ImageForm(formdata=None)
    form.picture.errors = [
        _(
            "The picture is larger than %(mb)s MB. Save it smaller and try again.",
            mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
        )
    ]
    return _page(form, 413)


@bp.post("/manage/images/<int:image_id>/delete")
@require(Perm.WRITE_GUIDE)
def delete_image(image_id: int):
    """Remove a picture (e.g. when a photo consent is withdrawn). Entries that show it then
    show only its description (the Markdown alt text)."""
    image = get_visible_or_404(GuideImage, image_id, current_user)
    if page := confirmation_needed(
        title=_("Delete the picture “%(name)s”?", name=image.original_name),
        consequence=_(
            "Entries that show it will show only its description instead. This cannot be undone."
        ),
        button=_("Delete the picture"),
        cancel_url=url_for("guide.images"),
    ):
        return page
    pictures.delete(current_user, image)
    db.session.commit()
    flash(_("The picture is deleted."), "success")
    return redirect(url_for("guide.images"))


@bp.get("/images/<name>")
@public
def image(name: str):
    """A guide picture, as readers' browsers fetch it."""
    found = db.session.scalar(db.select(GuideImage).where(GuideImage.name == name))
    path = files.path_of(pictures.FOLDER, name)
    if found is None or path is None or not path.is_file():
        abort(404)
    # A name is never reused, so a browser may keep the picture - for an hour only, so that a
    # picture deleted (a withdrawn consent) soon stops showing from caches too.
    response = send_file(path, mimetype=found.mime, max_age=3600, conditional=True)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600"
    g.public_cache = True  # security._headers leaves these headers alone
    return response
