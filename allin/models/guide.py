"""The guide: tools, recommendations, inspiration and best cases, with every saved version.

An entry is network-wide (municipality NULL, written by network admins) or one municipality's
own (written by its coordinators). The nb and en versions of the same entry share a
``pair_key``. Published entries are public; drafts are seen only in the author's scope
(guide/rules.py). Full-text search uses an index kept by the database itself (migration 0004 and
allin/guide/search.py; on PostgreSQL the generated column search_vector of 0016), so it is not
declared here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..enums import GuideKind, GuideStatus, Language, Phase
from ..extensions import db
from .base import TimestampMixin
from .people import Municipality, User

TITLE_LENGTH = 200
SUMMARY_LENGTH = 500
SLUG_LENGTH = 120
TAG_LENGTH = 40
MAX_TAGS = 12
TAGS_LENGTH = MAX_TAGS * (TAG_LENGTH + 2)
ORIGINAL_NAME_LENGTH = 200
SYNONYM_LENGTH = 400


def _rank(column: str, members) -> Computed:
    """A member's place in its enum's order, worked out by the database on every write (a new
    member needs a migration that gives the column its new expression). Stored: PostgreSQL
    has no other kind; SQLite's are virtual where a migration adds them (migration 0034)."""
    whens = " ".join(f"WHEN '{member.value}' THEN {index}" for index, member in enumerate(members))
    return Computed(f"CASE {column} {whens} END", persisted=True)


class GuideEntry(TimestampMixin, db.Model):
    """One entry of the guide in one language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[GuideKind]
    phase: Mapped[Phase]
    language: Mapped[Language]
    status: Mapped[GuideStatus] = mapped_column(default=GuideStatus.DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    # Made from the title once; it stays when the title changes (old slugs redirect).
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    summary: Mapped[str] = mapped_column(String(SUMMARY_LENGTH), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The sanitised HTML of the body, rendered when it is saved (allin/markdown.py).
    body_html: Mapped[str] = mapped_column(Text, default="")
    # "camp, recruiting": the canonical text, searched; guide_tag holds the same for filters.
    tags: Mapped[str] = mapped_column(String(TAGS_LENGTH), default="")
    # The nb and en versions of one entry share this key ("starter:<name>" for starter content).
    pair_key: Mapped[str] = mapped_column(String(64))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Raised by every save, in a conditional UPDATE: the second of two editors is told.
    version: Mapped[int] = mapped_column(default=1)
    published_at: Mapped[datetime | None]
    # A best case tells about one concept; who may be named or shown is decided when the
    # page is rendered (concepts/showcase.py), never copied into the entry.
    concept_id: Mapped[int | None] = mapped_column(
        ForeignKey("concept.id", ondelete="SET NULL"), index=True
    )

    # The printed guide's order (guide/selectors.py::in_programme_order), kept by the database
    # so that its indexes give a page of the guide without sorting every entry.
    phase_rank: Mapped[int | None] = mapped_column(_rank("phase", Phase))
    kind_rank: Mapped[int | None] = mapped_column(_rank("kind", GuideKind))
    title_key: Mapped[str | None] = mapped_column(
        String(TITLE_LENGTH), Computed("lower(title)", persisted=True)
    )

    municipality: Mapped[Municipality | None] = relationship()
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("slug", "language"),
        UniqueConstraint("pair_key", "language"),
        # A phase's published entries in title order, read four at a time from the start
        # (guide/selectors.py::related): no sort of every entry of the phase.
        Index("ix_guide_entry_phase_title", "language", "status", "phase", "title", "id"),
        # The guide's index in programme order, by phase or by kind (guide/selectors.py::
        # in_programme_order): a page read in the index's order, nothing sorted.
        Index(
            "ix_guide_entry_by_phase",
            "language",
            "status",
            "phase_rank",
            "kind_rank",
            "title_key",
            "id",
        ),
        Index(
            "ix_guide_entry_by_kind",
            "language",
            "status",
            "kind_rank",
            "phase_rank",
            "title_key",
            "id",
        ),
        # Search keeps the published matches of a language (guide/search.py::results): from
        # the index, not by reading each match's row.
        Index("ix_guide_entry_found", "id", "status", "language"),
        # The report counts a municipality's (or the network's, NULL) entries published in a
        # period, by pair and kind (reports/figures.py::_guide), from this index alone.
        Index(
            "ix_guide_entry_report_published",
            "municipality_id",
            "status",
            "published_at",
            "kind",
            "pair_key",
        ),
    )

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(", ") if tag]

    @property
    def is_published(self) -> bool:
        return self.status == GuideStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<GuideEntry {self.id} {self.language}:{self.slug!r}>"


class GuideTag(db.Model):
    """One tag of one entry, for the tag filter and "related entries"."""

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("guide_entry.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(TAG_LENGTH), primary_key=True, index=True)


class GuideTagUse(db.Model):
    """How many published entries of a language have a tag: the guide's tag filter, read
    without counting every entry's tags on each page. Made again from guide_tag and
    guide_entry in the transaction of every change to the guide (allin/guide/tag_use.py)."""

    __tablename__ = "guide_tag_use"

    language: Mapped[Language] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_LENGTH), primary_key=True)
    entries: Mapped[int]


class GuideOldSlug(db.Model):
    """An address an entry had before its slug was changed: it redirects to the entry."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("guide_entry.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[Language]
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))

    entry: Mapped[GuideEntry] = relationship()

    __table_args__ = (UniqueConstraint("slug", "language"),)


class GuideRevision(db.Model):
    """The content of an entry as one save left it. Number 1 is the first save."""

    @classmethod
    def of(cls, entry, *, number: int, **extra) -> GuideRevision:
        """A copy of the entry's current fields as version `number` (note, editor … in extra)."""
        return cls(
            entry_id=entry.id,
            number=number,
            kind=entry.kind,
            phase=entry.phase,
            status=entry.status,
            title=entry.title,
            slug=entry.slug,
            summary=entry.summary,
            body=entry.body,
            tags=entry.tags,
            **extra,
        )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("guide_entry.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    kind: Mapped[GuideKind]
    phase: Mapped[Phase]
    status: Mapped[GuideStatus]
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    summary: Mapped[str] = mapped_column(String(SUMMARY_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(TAGS_LENGTH))
    # "created", "edited", "restored", "starter"
    note: Mapped[str] = mapped_column(String(20))
    restored_from: Mapped[int | None]
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    editor: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("entry_id", "number"),)


class GuideImage(db.Model):
    """A picture for guide entries, re-encoded on upload (allin/images.py) and stored under
    `name` in the instance folder (allin/files.py). Its owner is the same as an entry's:
    network-wide or one municipality's. Entries show it as /guide/images/<name>."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # What the uploader's file was called, kept as they wrote it (æøå and all), for the list.
    original_name: Mapped[str] = mapped_column(String(ORIGINAL_NAME_LENGTH))
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def markdown(self) -> str:
        return f"![]({self.path})"

    @property
    def path(self) -> str:
        return f"/guide/images/{self.name}"


class GuideSynonym(db.Model):
    """Words a search treats as one (guide/search.py): "foreldre, foresatte". Network-wide,
    per language, kept by the guide's editors."""

    __tablename__ = "guide_synonym"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[Language]
    words: Mapped[str] = mapped_column(String(SYNONYM_LENGTH))


class GuideEdition(db.Model):
    """One row: a number raised in the same transaction as every change to what the guide's
    public pages show (allin/guide/kept.py). It validates those pages' ETags and the pages
    each worker keeps for visitors."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
