"""Reading the guide: every query of the guide's pages, as select() statements or results.

Readers get published entries (``published()``); those who write also see the drafts of their
own scope (``readable()``, built on access.visible). Every list is ordered; pages load what they
show in a fixed number of queries.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, case, exists, func, literal, or_, select, union_all

from ..access import visible
from ..enums import GuideKind, GuideStatus, Language, Phase
from ..extensions import db
from ..models import (
    GuideEntry,
    GuideOldSlug,
    GuideRevision,
    GuideSynonym,
    GuideTag,
    SessionTool,
    TrainingSession,
)
from ..pagination import paginate_rows

PHASE_ORDER = GuideEntry.phase_rank
KIND_ORDER = GuideEntry.kind_rank
RELATED_COUNT = 4


def published() -> Select:
    """Every published entry: what anyone, signed in or not, may read."""
    return select(GuideEntry).where(GuideEntry.status == GuideStatus.PUBLISHED)


def readable(actor) -> Select:
    """Published entries, and the drafts `actor` writes (none for readers without the right)."""
    own = visible(GuideEntry, actor).with_only_columns(GuideEntry.id)
    return select(GuideEntry).where(
        or_(GuideEntry.status == GuideStatus.PUBLISHED, GuideEntry.id.in_(own))
    )


def filtered(
    stmt: Select,
    *,
    language: Language | None = None,
    phase: Phase | None = None,
    kind: GuideKind | None = None,
    tag: str | None = None,
) -> Select:
    if language:
        stmt = stmt.where(GuideEntry.language == language)
    if phase:
        stmt = stmt.where(GuideEntry.phase == phase)
    if kind:
        stmt = stmt.where(GuideEntry.kind == kind)
    if tag:
        tagged = select(GuideTag.entry_id).where(GuideTag.name == tag)
        stmt = stmt.where(GuideEntry.id.in_(tagged))
    return stmt


def in_programme_order(stmt: Select, group: str = "phase") -> Select:
    """By phase then kind (or kind then phase), then title: the order of the printed guide."""
    first, second = (KIND_ORDER, PHASE_ORDER) if group == "kind" else (PHASE_ORDER, KIND_ORDER)
    return stmt.order_by(first, second, GuideEntry.title_key, GuideEntry.id)


def page_in_programme_order(stmt: Select, group: str = "phase", per_page: int | None = None):
    """A page of `stmt`'s entries in programme order (in_programme_order), counted along.

    The page is read in the order of an index (ix_guide_entry_by_phase or _by_kind), nothing
    sorted, and counted by a subquery from the index: a count() OVER () window made SQLite
    sort every entry of the language again (1.0 against 0.2 ms at 1,000 entries). Only the
    page's entries are read whole."""
    ordered = in_programme_order(stmt, group)
    every = ordered.with_only_columns(GuideEntry.id).order_by(None).subquery()
    total = select(func.count()).select_from(every).scalar_subquery()

    def fetch(limit: int, offset: int) -> tuple[list[GuideEntry], int]:
        ranked = ordered.with_only_columns(GuideEntry.id, total)
        rows = db.session.execute(ranked.limit(limit).offset(offset)).all()
        if not rows:  # an empty list, or a page past its end: counted on its own
            return [], db.session.scalar(select(func.count()).select_from(every)) if offset else 0
        ids = [row[0] for row in rows]
        found = {
            e.id: e for e in db.session.scalars(select(GuideEntry).where(GuideEntry.id.in_(ids)))
        }
        return [found[i] for i in ids], rows[0][1]

    return paginate_rows(fetch, per_page)


def synonyms(language: Language) -> tuple[str, ...]:
    """The language's groups of synonyms, "a, b, c" each (guide/search.py::parse)."""
    stmt = select(GuideSynonym.words).where(GuideSynonym.language == language)
    return tuple(db.session.scalars(stmt.order_by(GuideSynonym.id)))


def by_slug(base: Select, slug: str, language: Language) -> GuideEntry | None:
    """The entry at /guide/<slug>: the reader's language first, then the other."""
    # Naming every language lets SQLite look the slug up in the (slug, language) index
    # instead of walking every published entry (4 ms at 2,000 entries, now 0.4 ms).
    return db.session.scalars(
        base.where(GuideEntry.slug == slug, GuideEntry.language.in_(tuple(Language)))
        .order_by(case((GuideEntry.language == language, 0), else_=1))
        .limit(1)
    ).first()


def moved(base: Select, slug: str, language: Language) -> GuideEntry | None:
    """The entry that used to live at `slug`, if `base` may show it."""
    old = (
        select(GuideOldSlug.entry_id)
        .where(GuideOldSlug.slug == slug)
        .order_by(case((GuideOldSlug.language == language, 0), else_=1))
        .limit(1)
        .scalar_subquery()
    )
    return db.session.scalars(base.where(GuideEntry.id == old)).first()


def counterpart(base: Select, entry: GuideEntry) -> GuideEntry | None:
    """The same entry in the other language, if `base` may show it."""
    return db.session.scalars(
        base.where(GuideEntry.pair_key == entry.pair_key, GuideEntry.id != entry.id).limit(1)
    ).first()


@cache
def _related() -> Select:
    """Built once; run with the entry's id, language, phase and tags.

    The best four of two short lists, each cut at four: the entries sharing most of its tags
    (counted from the tags' index: as many rows as entries carry one of these tags), and the
    first entries of its phase that share none, read in the order of the index
    ix_guide_entry_phase_title, so no other entry of the language is read."""
    tags = bindparam("tags", expanding=True)
    others = (
        GuideEntry.status == GuideStatus.PUBLISHED,
        GuideEntry.language == bindparam("language"),
        GuideEntry.id != bindparam("id"),
    )
    # Counted in guide_tag alone, so both engines start from the tags' index.
    tagged = (
        select(GuideTag.entry_id, func.count().label("shared"))
        .where(GuideTag.name.in_(tags))
        .group_by(GuideTag.entry_id)
        .subquery()
    )
    by_tags = (
        select(GuideEntry.id, tagged.c.shared)
        .join(tagged, tagged.c.entry_id == GuideEntry.id)
        .where(*others)
        .order_by(tagged.c.shared.desc(), PHASE_ORDER, GuideEntry.title, GuideEntry.id)
        .limit(RELATED_COUNT)
    )
    untagged = ~exists().where(GuideTag.entry_id == GuideEntry.id, GuideTag.name.in_(tags))
    by_phase = (
        select(GuideEntry.id, literal(0).label("shared"))
        .where(*others, GuideEntry.phase == bindparam("phase"), untagged)
        .order_by(GuideEntry.title, GuideEntry.id)
        .limit(RELATED_COUNT)
    )
    found = union_all(by_tags.subquery().select(), by_phase.subquery().select()).subquery()
    return (
        select(GuideEntry)
        .join(found, found.c.id == GuideEntry.id)
        .order_by(found.c.shared.desc(), PHASE_ORDER, GuideEntry.title, GuideEntry.id)
        .limit(RELATED_COUNT)
    )


def related(entry: GuideEntry) -> list[GuideEntry]:
    """Published entries in the same language sharing a tag or the phase: most shared tags
    first, then by phase and title. One query, whose cost does not grow with the number of
    entries of the language (see _related).

    Titles are in the database's order of the column (not lower(title)), the order its index
    holds: a lower() index cannot serve SQLite, where lower() is the app's own function
    (collation.py) and an expression index is not reflected for autogenerate."""
    params = {
        "id": entry.id,
        "language": entry.language,
        "phase": entry.phase,
        "tags": entry.tag_list,
    }
    return list(db.session.scalars(_related(), params))


def revisions(entry: GuideEntry) -> Select:
    return (
        select(GuideRevision)
        .where(GuideRevision.entry_id == entry.id)
        .options(db.joinedload(GuideRevision.editor))
        .order_by(GuideRevision.number.desc())
    )


def revision_pair(
    entry: GuideEntry, revision_id: int
) -> tuple[GuideRevision, GuideRevision | None]:
    """A revision of `entry` (404 for anyone else's) and the one before it."""
    revision = db.one_or_404(
        select(GuideRevision)
        .where(GuideRevision.id == revision_id, GuideRevision.entry_id == entry.id)
        .options(db.joinedload(GuideRevision.editor))
    )
    previous = db.session.scalars(
        select(GuideRevision).where(
            GuideRevision.entry_id == entry.id, GuideRevision.number == revision.number - 1
        )
    ).first()
    return revision, previous


def latest_revision_number(entry: GuideEntry) -> int:
    return (
        db.session.scalar(
            select(func.max(GuideRevision.number)).where(GuideRevision.entry_id == entry.id)
        )
        or 0
    )


def for_phase(phase: Phase, language: Language, limit: int = 5) -> list[GuideEntry]:
    """The guide's tools and recommendations for one programme phase, in the reader's
    language: what a training session of that phase links to."""
    stmt = filtered(published(), language=language, phase=phase).where(
        GuideEntry.kind.in_((GuideKind.TOOL, GuideKind.RECOMMENDATION))
    )
    return list(db.session.scalars(in_programme_order(stmt, group="kind").limit(limit)))


TOOL_CHOICES = 200


def tools(language: Language) -> list[GuideEntry]:
    """The published tools a training session can list, in the reader's language."""
    stmt = filtered(published(), language=language).where(GuideEntry.kind == GuideKind.TOOL)
    return list(db.session.scalars(in_programme_order(stmt).limit(TOOL_CHOICES)))


def published_tool_keys(pair_keys) -> set[str]:
    """Those of `pair_keys` that name a published tool (in either language)."""
    if not pair_keys:
        return set()
    stmt = (
        published()
        .with_only_columns(GuideEntry.pair_key)
        .where(GuideEntry.pair_key.in_(pair_keys), GuideEntry.kind == GuideKind.TOOL)
    )
    return set(db.session.scalars(stmt))


def in_language(pair_keys: list[str], language: Language) -> list[GuideEntry]:
    """The published entries of these pairs, each in `language` when it has that version."""
    if not pair_keys:
        return []
    chosen: dict[str, GuideEntry] = {}
    for entry in db.session.scalars(published().where(GuideEntry.pair_key.in_(pair_keys))):
        if entry.pair_key not in chosen or entry.language == language:
            chosen[entry.pair_key] = entry
    return sorted(chosen.values(), key=lambda entry: entry.title.casefold())


def sessions_using(entry: GuideEntry) -> int:
    """How many training sessions across the network list this tool (in either language);
    cancelled ones are left out. A count only: never which sessions or whose."""
    return db.session.scalar(
        select(func.count())
        .select_from(SessionTool)
        .join(TrainingSession, TrainingSession.id == SessionTool.session_id)
        .where(SessionTool.pair_key == entry.pair_key, TrainingSession.cancelled_at.is_(None))
    )
