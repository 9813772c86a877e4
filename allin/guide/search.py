"""Full-text search over the guide: each engine's own feature, behind one function.

- SQLite: the FTS5 table ``guide_entry_fts`` (migration 0004), ranked by bm25.
- PostgreSQL: a weighted tsvector ('norwegian' for nb, 'english' for en) that the database
  keeps in the generated column ``guide_entry.search_vector`` (migration 0016), with a GIN
  index, ranked by ts_rank. Stored, so ranking and rechecking a match read it instead of
  running to_tsvector over the body again for every matching entry.

Norwegian word forms: Snowball stems "ungdom" and "ungdommer" differently (ungdom / ungdomm),
so a plain stemmed match would miss. The query's words are therefore matched as prefixes of
their stem: "ungdom" finds "ungdommer" and "ungdommens" on both engines. User text never
reaches MATCH or to_tsquery as syntax: the query is rebuilt from word tokens (letters and
digits only), so quotes, operators and brackets are just separators. Entries whose title
matches every word come first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import (
    CTE,
    Column,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    case,
    func,
    literal,
    literal_column,
    select,
)

from ..enums import Language
from ..extensions import db
from ..models import GuideEntry

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
WORD = re.compile(r"[^\W_]+")

# Objects the migrations keep by hand; alembic's autogenerate must not drop them.
ENGINE_INDEX_NAMES = ("guide_entry_fts", "ix_guide_entry_search")
# Columns one engine has and the models do not declare (table, column).
ENGINE_COLUMNS = frozenset({("guide_entry", "search_vector")})


def is_engine_index(name: str | None) -> bool:
    return bool(name) and name.startswith(ENGINE_INDEX_NAMES)


def include_object(object, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: leave the full-text index and the stored search vector (kept
    by hand) out of comparisons."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "column":
        return (object.table.name, name) not in ENGINE_COLUMNS
    return not is_engine_index(name)


# The FTS5 table, described for queries only (its own MetaData: never created or compared).
_fts = Table(
    "guide_entry_fts",
    MetaData(),
    Column("rowid", Integer),
    Column("title", Text),
    Column("summary", Text),
    Column("body", Text),
    Column("tags", Text),
)
_FTS = literal_column("guide_entry_fts")

# The generated column of migration 0016: the title weighted A, tags and summary B, body C.
PG_VECTOR = literal_column("guide_entry.search_vector")
PG_CONFIGS = {Language.NB: "norwegian", Language.EN: "english"}
STEMMERS = {Language.NB: "norwegian", Language.EN: "english"}


@lru_cache(maxsize=4)
def _stemmer(language: str):
    return snowballstemmer.stemmer(STEMMERS[Language(language)])


@dataclass(frozen=True)
class Query:
    """A search as the engines get it: the words typed and their stems, lower-case."""

    words: tuple[str, ...]
    stems: tuple[str, ...]
    language: Language

    def __bool__(self) -> bool:
        return bool(self.words)


def parse(text: str | None, language: Language | str) -> Query:
    """The words of `text` (at most 8, each at most 40 characters); the rest is ignored."""
    language = Language(language)
    normal = unicodedata.normalize("NFC", text or "").lower()
    words: list[str] = []
    for word in WORD.findall(normal):
        word = word[:MAX_TERM_LENGTH]
        if word not in words:
            words.append(word)
        if len(words) == MAX_TERMS:
            break
    stemmer = _stemmer(language)
    stems = tuple(stemmer.stemWord(word) or word for word in words)
    return Query(tuple(words), stems, language)


def _fts5_expression(query: Query) -> str:
    # Tokens hold letters and digits only, so the quotes cannot be broken out of.
    return " ".join(f'"{stem}"*' for stem in query.stems)


def _tsquery_text(query: Query, weights: str = "") -> str:
    # PostgreSQL stems each word with the entry language's configuration; ":*" makes it a
    # prefix, and a weight ("A": the title's) keeps it to that part. Words are letters and
    # digits only: no tsquery operator can get in.
    return " & ".join(f"{word}:*{weights}" for word in query.words)


def _pg_tsquery(query: Query, weights: str = ""):
    config = literal_column(f"'{PG_CONFIGS[query.language]}'::regconfig")
    return func.to_tsquery(config, literal(_tsquery_text(query, weights)))


def _fts5_hits(query: Query, *columns) -> CTE:
    # The matches first, materialised: joined directly, SQLite may drive the join from
    # guide_entry and run the MATCH once per entry, which made the page's count take 400 ms at
    # 2,000 entries instead of 3 ms.
    return (
        select(_fts.c.rowid, *columns)
        .where(_FTS.op("MATCH")(literal(_fts5_expression(query))))
        .cte("guide_hits")
        .prefix_with("MATERIALIZED")
    )


def _matches(stmt: Select, query: Query, dialect: str) -> tuple[Select, tuple]:
    """`stmt` (a select of GuideEntry) narrowed to entries matching `query`, and the order of
    the results, best first: entries with every word in the title, then by rank, then by id."""
    if dialect == "postgresql":
        tsquery = _pg_tsquery(query)
        # Every word in the title: its part of the stored vector, weighted A.
        in_title = PG_VECTOR.op("@@")(_pg_tsquery(query, "A"))
        return stmt.where(PG_VECTOR.op("@@")(tsquery)), (
            case((in_title, 0), else_=1),
            -func.ts_rank(PG_VECTOR, tsquery),
        )
    hits = _fts5_hits(query, func.bm25(_FTS, 10.0, 4.0, 1.0, 4.0).label("rank"))
    expression = _fts5_expression(query)
    in_title = select(_fts.c.rowid).where(_FTS.op("MATCH")(literal(f"title : ({expression})")))
    return stmt.join(hits, hits.c.rowid == GuideEntry.id), (
        case((GuideEntry.id.in_(in_title), 0), else_=1),
        hits.c.rank,
    )


def results(
    stmt: Select, query: Query, dialect: str, limit: int, offset: int
) -> tuple[list[GuideEntry], int]:
    """One page of the entries of `stmt` that match `query`, best first, and how many match
    in all, in one query (for pagination.paginate_rows).

    The matches are ranked and counted as bare ids, and only the page's entries are read
    whole: sorting every match with its body (the ranked statement itself, paginated) cost
    SQLite more than ranking them, and the total came from a second query that ranked every
    match again."""
    found, (in_title, rank) = _matches(stmt, query, dialect)
    in_title, rank = in_title.label("in_title"), rank.label("score")
    ranked = (
        found.with_only_columns(GuideEntry.id, in_title, rank, func.count().over().label("total"))
        .order_by(in_title, rank, GuideEntry.id)
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    rows = db.session.execute(
        select(GuideEntry, ranked.c.total)
        .join(ranked, ranked.c.id == GuideEntry.id)
        .order_by(ranked.c.in_title, ranked.c.score, GuideEntry.id)
    ).all()
    if rows:
        return [entry for entry, _total in rows], rows[0].total
    if offset == 0:
        return [], 0
    # A page past the end: counted on its own.
    matches = found.with_only_columns(GuideEntry.id).subquery()
    return [], db.session.scalar(select(func.count()).select_from(matches))


# ---- the passage shown with each result -----------------------------------------------------

MARKDOWN_NOISE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[#>*_`|~]+|^\s*[-+]\s+|^-{3,}$", re.M)
PASSAGE_WORDS = 32


def plain_text(markdown: str) -> str:
    """Markdown without its markup, in one line: good enough to quote a passage from."""
    return " ".join(MARKDOWN_NOISE.sub(lambda m: m.group(1) or " ", markdown).split())


def _pattern(query: Query) -> re.Pattern | None:
    prefixes = sorted({*query.stems, *query.words}, key=len, reverse=True)
    if not prefixes:
        return None
    return re.compile(
        r"(?<![^\W_])(?:" + "|".join(re.escape(p) for p in prefixes) + r")[^\W_]*", re.I
    )


def highlight(text: str, query: Query) -> Markup:
    """`text` escaped, with the words that match wrapped in <mark>."""
    pattern = _pattern(query)
    if pattern is None:
        return escape(text)
    parts: list[Markup] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def passage(entry: GuideEntry, query: Query) -> Markup:
    """The part of the summary or body where the query's words first appear, highlighted."""
    pattern = _pattern(query)
    for source in (entry.summary, plain_text(entry.body)):
        match = pattern.search(source) if pattern else None
        if match is None:
            continue
        words = source.split(" ")
        position = source[: match.start()].count(" ")
        start = max(position - PASSAGE_WORDS // 3, 0)
        excerpt = " ".join(words[start : start + PASSAGE_WORDS])
        prefix = "… " if start > 0 else ""
        suffix = " …" if start + PASSAGE_WORDS < len(words) else ""
        return Markup("").join([escape(prefix), highlight(excerpt, query), escape(suffix)])
    return highlight(entry.summary, query)


__all__ = ["Query", "highlight", "is_engine_index", "parse", "passage", "results"]
