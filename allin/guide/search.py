"""Full-text search over the guide: each engine's own feature, behind one function.

- SQLite: the FTS5 table ``guide_entry_fts`` (migration 0004), ranked by bm25.
- PostgreSQL: a weighted tsvector ('norwegian' for nb, 'english' for en) that the database
  keeps in the generated column ``guide_entry.search_vector`` (migration 0016), with a GIN
  index, ranked by ts_rank. Stored, so ranking and rechecking a match read it instead of
  running to_tsvector over the body again for every matching entry.

Word forms: Snowball stems "ungdom" and "ungdommer" differently (ungdom / ungdomm), so a plain
stemmed match would miss. The query's words are therefore matched as prefixes: on SQLite the
part a word shares with its stem ("ungdomm" of "ungdommer"; "cit" of "city", whose English
stem "citi" is no prefix of "cities"), on PostgreSQL the stem of the entry's language's
configuration. "ungdom" finds "ungdommer" and "ungdommens", "city" finds "cities", on both
engines. A word that belongs to a group of synonyms (models/guide.py::GuideSynonym) also finds
the group's other words: "foreldre" finds "foresatte". User text never
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
    bindparam,
    case,
    func,
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
    """A search as the engines get it: the words typed, lower-case, and for each the words it
    stands for (itself and its synonyms), with the prefix each is matched by on SQLite."""

    words: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    prefixes: tuple[tuple[str, ...], ...]
    language: Language

    def __bool__(self) -> bool:
        return bool(self.words)


def _words(text: str | None) -> list[str]:
    normal = unicodedata.normalize("NFC", text or "").lower()
    words: list[str] = []
    for word in WORD.findall(normal):
        word = word[:MAX_TERM_LENGTH]
        if word not in words:
            words.append(word)
    return words


def prefix(word: str, language: Language | str) -> str:
    """What `word` is matched by: the part it shares with its stem (at least three letters,
    or the word itself when shorter)."""
    stem = _stemmer(Language(language)).stemWord(word) or word
    shared = 0
    for a, b in zip(word, stem, strict=False):
        if a != b:
            break
        shared += 1
    return word[: max(shared, min(len(word), 3))]


def parse(text: str | None, language: Language | str, synonyms: tuple[str, ...] = ()) -> Query:
    """The words of `text` (at most 8, each at most 40 characters; the rest is ignored), each
    with the synonyms of its group (`synonyms`: the language's groups, "a, b, c")."""
    language = Language(language)
    words = tuple(_words(text)[:MAX_TERMS])
    same = _synonym_map(synonyms, language)
    groups = tuple(
        tuple(dict.fromkeys((word, *same.get(prefix(word, language), ()))))[:MAX_SYNONYMS]
        for word in words
    )
    prefixes = tuple(_widest(prefix(w, language) for w in group) for group in groups)
    return Query(words, groups, prefixes, language)


def _widest(prefixes) -> tuple[str, ...]:
    """The prefixes without those a shorter one of them covers ("ung" covers "ungdom"): they
    match nothing more, and each costs the ranking of every match again."""
    unique = tuple(dict.fromkeys(prefixes))
    return tuple(p for p in unique if not any(p != q and p.startswith(q) for q in unique))


MAX_SYNONYMS = 6


@lru_cache(maxsize=64)
def _synonym_map(groups: tuple[str, ...], language: Language) -> dict[str, tuple[str, ...]]:
    """{prefix of a word: the words of its groups}, for one language's groups."""
    found: dict[str, list[str]] = {}
    for group in groups:
        members = _words(group)
        for word in members:
            found.setdefault(prefix(word, language), []).extend(members)
    return {key: tuple(dict.fromkeys(words)) for key, words in found.items()}


def _fts5_expression(query: Query, any_word: bool = False) -> str:
    # Tokens hold letters and digits only, so the quotes cannot be broken out of.
    parts = ["(" + " OR ".join(f'"{p}"*' for p in group) + ")" for group in query.prefixes]
    return (" OR " if any_word else " AND ").join(parts)


def _tsquery_text(query: Query, weights: str = "", any_word: bool = False) -> str:
    # PostgreSQL stems each word with the entry language's configuration; ":*" makes it a
    # prefix, and a weight ("A": the title's) keeps it to that part. Words are letters and
    # digits only: no tsquery operator can get in.
    parts = [
        "(" + " | ".join(f"{w}:*{weights}" for w in _widest_stems(group, query.language)) + ")"
        for group in query.groups
    ]
    return (" | " if any_word else " & ").join(parts)


def _widest_stems(group: tuple[str, ...], language: Language) -> tuple[str, ...]:
    """The words of `group` without those whose stem starts with another one's ("ungdom"
    with "ung"), or equals it: as prefixes they match nothing more, and ts_rank weighs each
    term of every match. Snowball is the algorithm of PostgreSQL's configurations too."""
    stem = _stemmer(language).stemWord
    kept: dict[str, str] = {}  # stem: word, shortest stems first
    for word in sorted(group, key=lambda w: len(stem(w))):
        if not any(stem(word).startswith(other) for other in kept):
            kept[stem(word)] = word
    return tuple(w for w in group if w in kept.values())


def _pg_tsquery(language: Language, name: str):
    """The bound parameter `name` (a query's text, _tsquery_text) as a tsquery, made once
    per statement: a scalar subquery, which PostgreSQL runs once before the scan. Written in
    place, a plan for any words (the generic plan that a prepared statement comes to) parsed
    and stemmed the words again for every entry it tested and ranked: 13 ms instead of 4 for
    "ungdom" at 2,000 entries."""
    config = literal_column(f"'{PG_CONFIGS[language]}'::regconfig")
    return select(func.to_tsquery(config, bindparam(name, type_=Text))).scalar_subquery()


def _fts5_hits(*columns) -> CTE:
    # The matches first, materialised: joined directly, SQLite may drive the join from
    # guide_entry and run the MATCH once per entry, which made the page's count take 400 ms at
    # 2,000 entries instead of 3 ms.
    return (
        select(_fts.c.rowid, *columns)
        .where(_FTS.op("MATCH")(bindparam("match", type_=Text)))
        .cte("guide_hits")
        .prefix_with("MATERIALIZED")
    )


def _matches(stmt: Select, language: Language, dialect: str) -> tuple[Select, tuple]:
    """`stmt` (a select of GuideEntry) narrowed to entries matching a query, and the order of
    the results, best first: entries with every word in the title, then by rank, then by id.
    The query comes as bound parameters: run with match_values()."""
    if dialect == "postgresql":
        tsquery = _pg_tsquery(language, "tsquery")
        # Every word in the title: its part of the stored vector, weighted A.
        in_title = PG_VECTOR.op("@@")(_pg_tsquery(language, "title_tsquery"))
        return stmt.where(PG_VECTOR.op("@@")(tsquery)), (
            case((in_title, 0), else_=1),
            -func.ts_rank(PG_VECTOR, tsquery),
        )
    hits = _fts5_hits(func.bm25(_FTS, 10.0, 4.0, 1.0, 4.0).label("rank"))
    title = _FTS.op("MATCH")(bindparam("title_match", type_=Text))
    in_title = select(_fts.c.rowid).where(title)
    return stmt.join(hits, hits.c.rowid == GuideEntry.id), (
        case((GuideEntry.id.in_(in_title), 0), else_=1),
        hits.c.rank,
    )


def match_values(query: Query, dialect: str, any_word: bool = False) -> dict:
    """The bound parameters of _matches() for `query`: every word, or with `any_word` any."""
    if dialect == "postgresql":
        return {
            "tsquery": _tsquery_text(query, any_word=any_word),
            "title_tsquery": _tsquery_text(query, "A"),
        }
    return {
        "match": _fts5_expression(query, any_word),
        "title_match": f"title : ({_fts5_expression(query)})",
    }


def ranked(stmt: Select, language: Language, dialect: str) -> tuple[Select, Select]:
    """(one page of the entries of `stmt` that match, best first, each with how many match in
    all; that count alone), to build once and run with match_values(), limit and offset.

    The matches are ranked and counted as bare ids, and only the page's entries are read
    whole: sorting every match with its body (the ranked statement itself, paginated) cost
    SQLite more than ranking them, and the total came from a second query that ranked every
    match again."""
    found, (in_title, rank) = _matches(stmt, language, dialect)
    in_title, rank = in_title.label("in_title"), rank.label("score")
    page = (
        found.with_only_columns(GuideEntry.id, in_title, rank, func.count().over().label("total"))
        .order_by(in_title, rank, GuideEntry.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery()
    )
    rows = (
        select(GuideEntry, page.c.total)
        .join(page, page.c.id == GuideEntry.id)
        .order_by(page.c.in_title, page.c.score, GuideEntry.id)
    )
    count = select(func.count()).select_from(found.with_only_columns(GuideEntry.id).subquery())
    return rows, count


def results(statements: tuple[Select, Select], values: dict) -> tuple[list[GuideEntry], int]:
    """One page of ranked() statements' matches and how many match in all, in one query (for
    pagination.paginate_rows); `values` has the query's, the filters', limit and offset."""
    rows_stmt, count = statements
    rows = db.session.execute(rows_stmt, values).all()
    if rows:
        return [entry for entry, _total in rows], rows[0].total
    if values["offset"] == 0:
        return [], 0
    # A page past the end: counted on its own.
    return [], db.session.scalar(count, values)


# ---- the passage shown with each result -----------------------------------------------------

MARKDOWN_NOISE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[#>*_`|~]+|^\s*[-+]\s+|^-{3,}$", re.M)
PASSAGE_WORDS = 32


@lru_cache(maxsize=512)
def plain_text(markdown: str) -> str:
    """Markdown without its markup, in one line: good enough to quote a passage from.
    Kept per text (at most 512, a worker's few MB with bodies of a few pages; keyed by the
    text itself, so never stale): a result whose
    summary lacks the words quotes its body, and stripping a body's markup cost more than
    the rest of the result."""
    return " ".join(MARKDOWN_NOISE.sub(lambda m: m.group(1) or " ", markdown).split())


@lru_cache(maxsize=64)
def _pattern(query: Query) -> re.Pattern | None:
    every = {p for group in query.prefixes for p in group}
    prefixes = sorted({*every, *query.words}, key=len, reverse=True)
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
    if type(text) is str and "\x00" not in text and "\x01" not in text:
        # Marked with two control characters, escaped once, the marks made tags: what the
        # loop below builds, without escaping every part on its own.
        marked = pattern.sub("\x00\\g<0>\x01", text)
        return Markup(str(escape(marked)).replace("\x00", "<mark>").replace("\x01", "</mark>"))
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
