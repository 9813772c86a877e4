"""The guide's tag filter, counted when the guide changes rather than on every page.

The index and the tag pages show the most used tags of a language's published entries. Counted
on each page, that grouped every tag of every published entry (3,000 rows at 1,000 entries of
a language, ~2 ms on SQLite, growing with the guide); guide_tag_use holds the counts, made again
from guide_tag and guide_entry in the same transaction as every change to what the guide's
public pages show - the change that raises the guide's version (guide/kept.py), which already
serialises the guide's writers. A full count, not an adjustment: nothing to drift.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select

from ..enums import GuideStatus, Language
from ..extensions import db
from ..models import GuideEntry, GuideTag, GuideTagUse

# The tags shown in a language's filter, the most used first.
TAG_CLOUD = 40

_FORGET = delete(GuideTagUse)
_COUNT = insert(GuideTagUse).from_select(
    ["language", "name", "entries"],
    select(GuideEntry.language, GuideTag.name, func.count())
    .join(GuideEntry, GuideEntry.id == GuideTag.entry_id)
    .where(GuideEntry.status == GuideStatus.PUBLISHED)
    .group_by(GuideEntry.language, GuideTag.name),
)
_MOST_USED = (
    select(GuideTagUse.name, GuideTagUse.entries)
    .where(GuideTagUse.language == bindparam("language"))
    .order_by(GuideTagUse.entries.desc(), GuideTagUse.name)
    .limit(TAG_CLOUD)
)


def count_again(connection) -> None:
    """Count every language's tags anew, on the writing transaction's connection."""
    connection.execute(_FORGET)
    connection.execute(_COUNT)


def tag_cloud(language: Language) -> list[tuple[str, int]]:
    """The most used tags of the published entries in `language`, by name."""
    rows = db.session.execute(_MOST_USED, {"language": language}).all()
    return sorted((name, entries) for name, entries in rows)
