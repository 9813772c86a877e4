"""Writing the guide. Services flush, never commit; the route or command commits once.

Every save keeps a GuideRevision with the content it left, so the history can show who
changed what and an old version can be restored (as a new save). Two people saving the same
entry are told apart by a conditional UPDATE on ``version``: the database lets exactly one
through, and the other gets EditConflict with their text still in the form.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from .. import audit
from ..access import Perm, can
from ..clock import now
from ..enums import GuideKind, GuideStatus, Language, Phase
from ..errors import DomainError
from ..extensions import db
from ..markdown import render_markdown
from ..models import GuideEntry, GuideOldSlug, GuideRevision, GuideSynonym, GuideTag, User
from ..models.guide import MAX_TAGS, SLUG_LENGTH, TAG_LENGTH
from ..text import slugify
from .rules import can_edit_guide_entry, can_publish_guide_entry

# Paths of the guide's own pages: an entry cannot take these as its address.
RESERVED_SLUGS = frozenset(
    {"entries", "files", "language", "manage", "new", "preview", "print", "search", "start"}
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SlugProblem(DomainError):
    """The address typed for an entry cannot be used (shown next to the address field)."""


class EditConflict(DomainError):
    """Someone else saved the entry after this editor opened it."""


@dataclass
class EntryData:
    """What an editor fills in (already validated by the form)."""

    kind: GuideKind
    phase: Phase
    title: str
    summary: str
    body: str
    tags: list[str]
    slug: str = ""  # empty: made from the title (new entries) or kept (existing ones)
    publish: bool = False


def parse_tags(text: str) -> list[str]:
    """ "Camp, rekruttering,camp" -> ["camp", "rekruttering"]: trimmed, lower-case, unique."""
    tags: list[str] = []
    for part in (text or "").split(","):
        tag = " ".join(part.split()).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def tags_problem(tags: list[str]):
    if len(tags) > MAX_TAGS:
        return _l("Use at most %(count)s tags.", count=MAX_TAGS)
    if any(len(tag) > TAG_LENGTH for tag in tags):
        return _l("Each tag can have at most %(max)s characters.", max=TAG_LENGTH)
    return None


def body_limit() -> int:
    return current_app.config["GUIDE_MAX_BODY_CHARS"]


def _check_body(body: str) -> None:
    if len(body) > body_limit():
        raise DomainError(_l("The text is too long."))


def _taken(slug: str, language: Language, entry_id: int | None) -> bool:
    current = select(GuideEntry.id).where(GuideEntry.slug == slug, GuideEntry.language == language)
    old = select(GuideOldSlug.entry_id).where(
        GuideOldSlug.slug == slug, GuideOldSlug.language == language
    )
    if entry_id is not None:
        current = current.where(GuideEntry.id != entry_id)
        old = old.where(GuideOldSlug.entry_id != entry_id)
    return bool(db.session.scalar(select(func.count()).select_from(current.union(old).subquery())))


def free_slug(title: str, language: Language) -> str:
    """An unused address made from `title`: "Øvelse på leir" -> "ovelse-pa-leir", then -2, -3…"""
    # Punctuation separates words first ("13–20" -> "13-20"), then æøå are transliterated.
    words = "".join(c if c.isalnum() else " " for c in title)
    base = slugify(words)[: SLUG_LENGTH - 4].rstrip("-") or "entry"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or _taken(slug, language, None):
        n += 1
        slug = f"{base}-{n}"
    return slug


def check_slug(slug: str, language: Language, entry_id: int | None) -> None:
    """An address typed by the editor: well formed, not one of the guide's pages, not taken."""
    if not SLUG.match(slug) or len(slug) > SLUG_LENGTH:
        raise SlugProblem(_l("Use only the letters a–z, digits and single hyphens in the address."))
    if slug in RESERVED_SLUGS:
        raise SlugProblem(_l("This address is used by the guide itself. Choose another."))
    if _taken(slug, language, entry_id):
        raise SlugProblem(_l("Another entry in this language already has this address."))


def _set_tags(entry_id: int, tags: list[str]) -> None:
    db.session.execute(delete(GuideTag).where(GuideTag.entry_id == entry_id))
    db.session.add_all(GuideTag(entry_id=entry_id, name=tag) for tag in tags)


def _keep_revision(entry: GuideEntry, *, editor: User | None, note: str, restored_from=None):
    number = (
        db.session.scalar(
            select(func.max(GuideRevision.number)).where(GuideRevision.entry_id == entry.id)
        )
        or 0
    ) + 1
    db.session.add(
        GuideRevision.of(
            entry,
            number=number,
            note=note,
            restored_from=restored_from,
            editor_id=editor.id if editor else None,
        )
    )


def _owner_of(actor: User, counterpart: GuideEntry | None) -> int | None:
    if counterpart is not None:
        return counterpart.municipality_id
    return actor.municipality_id


def create_entry(
    *,
    actor: User,
    data: EntryData,
    language: Language,
    counterpart: GuideEntry | None = None,
) -> GuideEntry:
    """A new entry in the actor's scope (network-wide for network admins); `counterpart` makes
    it the other-language version of an existing entry."""
    if not can(actor, Perm.WRITE_GUIDE):
        raise DomainError(_l("You cannot write guide entries."))
    if counterpart is not None:
        if not can_edit_guide_entry(actor, counterpart):
            raise DomainError(_l("You cannot change this entry."))
        if counterpart.language == language:
            raise DomainError(_l("The other version must be in the other language."))
        exists = select(func.count()).where(
            GuideEntry.pair_key == counterpart.pair_key, GuideEntry.language == language
        )
        if db.session.scalar(exists):
            raise DomainError(_l("This entry already has a version in that language."))
    if data.publish and not can(actor, Perm.PUBLISH_GUIDE):
        raise DomainError(_l("You cannot publish guide entries."))
    _check_body(data.body)
    if data.slug:
        check_slug(data.slug, language, None)
    entry = GuideEntry(
        kind=data.kind,
        phase=data.phase,
        language=language,
        status=GuideStatus.PUBLISHED if data.publish else GuideStatus.DRAFT,
        title=data.title,
        slug=data.slug or free_slug(data.title, language),
        summary=data.summary,
        body=data.body,
        body_html=str(render_markdown(data.body)),
        tags=", ".join(data.tags),
        pair_key=counterpart.pair_key if counterpart else uuid.uuid4().hex,
        municipality_id=_owner_of(actor, counterpart),
        author_id=actor.id,
        published_at=now() if data.publish else None,
    )
    db.session.add(entry)
    db.session.flush()
    _set_tags(entry.id, data.tags)
    _keep_revision(entry, editor=actor, note="created")
    audit.record("guide.entry_created", actor=actor, target=entry)
    db.session.flush()
    return entry


def update_entry(
    entry: GuideEntry,
    *,
    actor: User,
    data: EntryData,
    seen_version: int,
    note: str = "edited",
    restored_from: int | None = None,
) -> None:
    """Save new content, if nobody else saved since `seen_version` (else EditConflict)."""
    if not can_edit_guide_entry(actor, entry):
        raise DomainError(_l("You cannot change this entry."))
    publish_changes = data.publish != entry.is_published
    if publish_changes and not can_publish_guide_entry(actor, entry):
        raise DomainError(_l("You cannot publish or unpublish this entry."))
    _check_body(data.body)
    slug = data.slug or entry.slug
    if slug != entry.slug:
        check_slug(slug, entry.language, entry.id)
    status = GuideStatus.PUBLISHED if data.publish else GuideStatus.DRAFT
    values = dict(
        kind=data.kind,
        phase=data.phase,
        status=status,
        title=data.title,
        slug=slug,
        summary=data.summary,
        body=data.body,
        body_html=str(render_markdown(data.body)),
        tags=", ".join(data.tags),
        version=GuideEntry.version + 1,
    )
    if status == GuideStatus.PUBLISHED and not entry.is_published:
        values["published_at"] = now()
    old_slug = entry.slug
    result = db.session.execute(
        update(GuideEntry)
        .where(GuideEntry.id == entry.id, GuideEntry.version == seen_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise EditConflict(
            _l(
                "Someone else saved this entry while you were writing. Your text is below and "
                "has not been saved: compare it with the current version (open it in a new "
                "tab), then save again."
            )
        )
    db.session.refresh(entry)
    if slug != old_slug:
        db.session.execute(
            delete(GuideOldSlug).where(
                GuideOldSlug.language == entry.language,
                or_(GuideOldSlug.slug == slug, GuideOldSlug.slug == old_slug),
            )
        )
        db.session.add(GuideOldSlug(entry_id=entry.id, language=entry.language, slug=old_slug))
    _set_tags(entry.id, data.tags)
    _keep_revision(entry, editor=actor, note=note, restored_from=restored_from)
    audit.record("guide.entry_saved", actor=actor, target=entry, note=note)
    db.session.flush()


def restore_revision(entry: GuideEntry, revision: GuideRevision, *, actor: User) -> None:
    """Make an old version the current text again (a new save; nothing is lost). The status
    stays as it is now."""
    data = EntryData(
        kind=revision.kind,
        phase=revision.phase,
        title=revision.title,
        summary=revision.summary,
        body=revision.body,
        tags=parse_tags(revision.tags),
        slug=entry.slug,
        publish=entry.is_published,
    )
    update_entry(
        entry,
        actor=actor,
        data=data,
        seen_version=entry.version,
        note="restored",
        restored_from=revision.number,
    )


def replace_synonyms(groups: dict[Language, list[str]], *, actor: User) -> None:
    """The search's synonym groups, each language's replaced by `groups` (guide/search.py)."""
    if not can(actor, Perm.WRITE_GUIDE):
        raise DomainError(_l("You cannot change the guide's synonyms."))
    changed = {}
    for language, wanted in groups.items():
        stmt = select(GuideSynonym).where(GuideSynonym.language == language)
        have = {row.words: row for row in db.session.scalars(stmt)}
        gone = [row for words, row in have.items() if words not in wanted]
        new = [words for words in dict.fromkeys(wanted) if words not in have]
        for row in gone:
            db.session.delete(row)
        db.session.add_all(GuideSynonym(language=language, words=w) for w in new)
        if gone or new:
            changed[str(language)] = {"added": len(new), "removed": len(gone)}
    if changed:  # a form saved as it was changes nothing
        db.session.flush()
        audit.record("guide.synonyms_changed", actor=actor, **changed)
