"""Reading the guide: every query of the guide's pages, as select() statements or results.

Readers get published entries (``published()``); those who write also see the drafts of their
own scope (``readable()``, built on access.visible). Every list is ordered; pages load what they
show in a fixed number of queries.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from ..access import BoundActor, visible
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
from . import search

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
    """`stmt` narrowed to the filters given (not None): values, or bound parameters."""
    if language is not None:
        stmt = stmt.where(GuideEntry.language == language)
    if phase is not None:
        stmt = stmt.where(GuideEntry.phase == phase)
    if kind is not None:
        stmt = stmt.where(GuideEntry.kind == kind)
    if tag is not None:
        tagged = select(GuideTag.entry_id).where(GuideTag.name == tag)
        stmt = stmt.where(GuideEntry.id.in_(tagged))
    return stmt


def in_programme_order(stmt: Select, group: str = "phase") -> Select:
    """By phase then kind (or kind then phase), then title: the order of the printed guide."""
    first, second = (KIND_ORDER, PHASE_ORDER) if group == "kind" else (PHASE_ORDER, KIND_ORDER)
    return stmt.order_by(first, second, GuideEntry.title_key, GuideEntry.id)


def page_in_programme_order(stmt: Select, group: str = "phase", per_page: int | None = None):
    """A page of `stmt`'s entries in programme order (in_programme_order), counted along."""
    return _programme_page(_programme_statements(stmt, group), {}, per_page)


def index_page(language, phase, kind, tag, group: str):
    """A page of the guide's index: published entries of `language`, filtered by the phase,
    kind and tag given (not None), in programme order by `group` - statements built once
    for each combination of filters."""
    statements = _index_statements(phase is not None, kind is not None, tag is not None, group)
    values = {"language": language, "phase": phase, "kind": kind, "tag": tag}
    return _programme_page(statements, values, None)


def _bound_filters(phase: bool, kind: bool, tag: bool = False) -> Select:
    """published() in the language of the bound parameter "language", narrowed by the
    filters asked for, each a bound parameter of its name: for statements built once."""
    return filtered(
        published(),
        language=bindparam("language", type_=GuideEntry.language.type),
        phase=bindparam("phase", type_=GuideEntry.phase.type) if phase else None,
        kind=bindparam("kind", type_=GuideEntry.kind.type) if kind else None,
        tag=bindparam("tag", type_=GuideTag.name.type) if tag else None,
    )


@cache
def _index_statements(phase: bool, kind: bool, tag: bool, group: str):
    return _programme_statements(_bound_filters(phase, kind, tag), group)


def _programme_statements(stmt: Select, group: str) -> tuple[Select, Select]:
    """(a page of ids with the count of all, the count alone), run with limit and offset.

    The page is read in the order of an index (ix_guide_entry_by_phase or _by_kind), nothing
    sorted, and counted by a subquery from the index: a count() OVER () window made SQLite
    sort every entry of the language again (1.0 against 0.2 ms at 1,000 entries). Only the
    page's entries are read whole (_BY_IDS)."""
    ordered = in_programme_order(stmt, group)
    every = ordered.with_only_columns(GuideEntry.id).order_by(None).subquery()
    total = select(func.count()).select_from(every)
    ranked = (
        ordered.with_only_columns(GuideEntry.id, total.scalar_subquery())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )
    return ranked, total


_BY_IDS = select(GuideEntry).where(GuideEntry.id.in_(bindparam("ids", expanding=True)))


def _programme_page(statements: tuple[Select, Select], values: dict, per_page: int | None):
    ranked, total = statements

    def fetch(limit: int, offset: int) -> tuple[list[GuideEntry], int]:
        rows = db.session.execute(ranked, {**values, "limit": limit, "offset": offset}).all()
        if not rows:  # an empty list, or a page past its end: counted on its own
            return [], db.session.scalar(total, values) if offset else 0
        ids = [row[0] for row in rows]
        found = {e.id: e for e in db.session.scalars(_BY_IDS, {"ids": ids})}
        return [found[i] for i in ids], rows[0][1]

    return paginate_rows(fetch, per_page)


def synonyms(language: Language) -> tuple[str, ...]:
    """The language's groups of synonyms, "a, b, c" each (guide/search.py::parse)."""
    stmt = select(GuideSynonym.words).where(GuideSynonym.language == language)
    return tuple(db.session.scalars(stmt.order_by(GuideSynonym.id)))


def search_results(
    query, dialect: str, phase, kind, limit: int, offset: int, any_word: bool = False
) -> tuple[list[GuideEntry], int]:
    """One page of the published entries in the query's language (of `phase` and `kind` when
    given) that match `query` (guide/search.py), best first, and how many match in all: one
    query, built once for each engine, language and combination of filters."""
    statements = _search_statements(dialect, query.language, phase is not None, kind is not None)
    values = {
        "language": query.language,
        "phase": phase,
        "kind": kind,
        "limit": limit,
        "offset": offset,
        **search.match_values(query, dialect, any_word),
    }
    return search.results(statements, values)


@cache
def _search_statements(dialect: str, language: Language, phase: bool, kind: bool):
    return search.ranked(_bound_filters(phase, kind), language, dialect)


def _base(key) -> Select:
    """published() for a visitor (key None); readable() for a kind of signed-in reader (the
    BoundActor key), so that a statement built on it is built once per kind of reader."""
    return published() if key is None else readable(BoundActor.like(key))


def _reader(actor) -> tuple[object, dict]:
    """The key of `actor`'s statements (None: a visitor) and the values to run them with."""
    if actor is None or not actor.is_authenticated:
        return None, {}
    return BoundActor.key(actor), BoundActor.values(actor)


@cache
def _by_slug(key) -> Select:
    # Naming every language lets SQLite look the slug up in the (slug, language) index
    # instead of walking every published entry (4 ms at 2,000 entries, now 0.4 ms).
    return (
        _base(key)
        .where(GuideEntry.slug == bindparam("slug"), GuideEntry.language.in_(tuple(Language)))
        .order_by(case((GuideEntry.language == bindparam("language"), 0), else_=1))
        .limit(1)
    )


def by_slug(reader, slug: str, language: Language) -> GuideEntry | None:
    """The entry at /guide/<slug> that `reader` (None: a visitor) may read: the reader's
    language first, then the other."""
    key, values = _reader(reader)
    found = db.session.scalars(_by_slug(key), {**values, "slug": slug, "language": language})
    return found.first()


@cache
def _moved(key) -> Select:
    old = (
        select(GuideOldSlug.entry_id)
        .where(GuideOldSlug.slug == bindparam("slug"))
        .order_by(case((GuideOldSlug.language == bindparam("language"), 0), else_=1))
        .limit(1)
        .scalar_subquery()
    )
    return _base(key).where(GuideEntry.id == old)


def moved(reader, slug: str, language: Language) -> GuideEntry | None:
    """The entry that used to live at `slug`, if `reader` may read it."""
    key, values = _reader(reader)
    found = db.session.scalars(_moved(key), {**values, "slug": slug, "language": language})
    return found.first()


@cache
def _counterpart(key) -> Select:
    return (
        _base(key)
        .where(GuideEntry.pair_key == bindparam("pair_key"), GuideEntry.id != bindparam("id"))
        .limit(1)
    )


def counterpart(reader, entry: GuideEntry) -> GuideEntry | None:
    """The same entry in the other language, if `reader` may read it."""
    key, values = _reader(reader)
    found = db.session.scalars(
        _counterpart(key), {**values, "pair_key": entry.pair_key, "id": entry.id}
    )
    return found.first()


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


@cache
def _sessions_using() -> Select:
    return (
        select(func.count())
        .select_from(SessionTool)
        .join(TrainingSession, TrainingSession.id == SessionTool.session_id)
        .where(
            SessionTool.pair_key == bindparam("pair_key"), TrainingSession.cancelled_at.is_(None)
        )
    )


def sessions_using(entry: GuideEntry) -> int:
    """How many training sessions across the network list this tool (in either language);
    cancelled ones are left out. A count only: never which sessions or whose."""
    return db.session.scalar(_sessions_using(), {"pair_key": entry.pair_key})
