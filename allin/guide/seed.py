"""The starter guide shipped with allin: written for this project, loaded by
`flask --app allin seed-guide` (and by seed-demo).

Each entry has a stable key; its nb and en versions are stored with the pair key
"starter:<key>". Loading adds only the versions that are missing, so running it twice
duplicates nothing, and an entry someone has edited (or deleted and re-created) is never
overwritten.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..clock import now
from ..enums import GuideKind, GuideStatus, Language, Phase
from ..extensions import db
from ..markdown import render_markdown
from ..models import GuideEntry, GuideRevision, GuideTag
from .services import free_slug, parse_tags

CONTENT = Path(__file__).resolve().parent / "starter_content"
PAIR_PREFIX = "starter:"


@dataclass(frozen=True)
class StarterText:
    key: str
    kind: GuideKind
    phase: Phase
    language: Language
    title: str
    summary: str
    body: str
    tags: list[str]


def starter_texts() -> list[StarterText]:
    """Every entry of the starter guide, in both languages, in file order."""
    texts = []
    for path in sorted(CONTENT.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for item in data["entry"]:
            for language in Language:
                version = item[language.value]
                texts.append(
                    StarterText(
                        key=item["key"],
                        kind=GuideKind(item["kind"]),
                        phase=Phase(item["phase"]),
                        language=language,
                        title=version["title"].strip(),
                        summary=" ".join(version["summary"].split()),
                        body=version["body"].strip(),
                        tags=parse_tags(version["tags"]),
                    )
                )
    return texts


def load_starter_guide() -> int:
    """Add the starter entries that are missing (network-wide, published); returns how many."""
    existing = set(
        db.session.execute(
            select(GuideEntry.pair_key, GuideEntry.language).where(
                GuideEntry.pair_key.startswith(PAIR_PREFIX)
            )
        ).all()
    )
    added = 0
    for text in starter_texts():
        pair_key = PAIR_PREFIX + text.key
        if (pair_key, text.language) in existing:
            continue
        entry = GuideEntry(
            kind=text.kind,
            phase=text.phase,
            language=text.language,
            status=GuideStatus.PUBLISHED,
            title=text.title,
            slug=free_slug(text.title, text.language),
            summary=text.summary,
            body=text.body,
            body_html=str(render_markdown(text.body)),
            tags=", ".join(text.tags),
            pair_key=pair_key,
            municipality_id=None,
            published_at=now(),
        )
        db.session.add(entry)
        db.session.flush()
        db.session.add_all(GuideTag(entry_id=entry.id, name=tag) for tag in text.tags)
        db.session.add(GuideRevision.of(entry, number=1, note="starter"))
        added += 1
    db.session.flush()
    return added
