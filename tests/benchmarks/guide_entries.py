"""Generated guide entries for the benchmark (issue 12: the starter content plus 200 at
--scale 1, 2,000 at --scale 10), published, network-wide, half nb and half en, every phase and
kind, a few tags each, and Norwegian word forms for the search to find.

    python -m tests.benchmarks.guide_entries 2000   # with the instance's environment
"""

from __future__ import annotations

import random
import sys

from allin import create_app
from allin.clock import now
from allin.enums import GuideKind, GuideStatus, Language, Phase
from allin.extensions import db
from allin.markdown import render_markdown
from allin.models import GuideEntry, GuideRevision, GuideTag

PER_SCALE = 200
WORDS = {
    Language.NB: (
        "ungdom ungdommer ungdommens møteplass trygghet skole fritid nabolag samarbeid "
        "kommune verksted leir idé prototype lansering oppfølging mentor gruppe rekruttering "
        "foreldre frivillige bydel kultur idrett nettvett mobbing inkludering"
    ).split(),
    Language.EN: (
        "youth young people meeting place safety school leisure neighbourhood cooperation "
        "municipality workshop camp idea prototype launch follow-up mentor group recruiting "
        "parents volunteers district culture sport online safety bullying inclusion"
    ).split(),
}
TAGS = "leir skole rekruttering verksted foreldre mentor lansering nettvett idrett kultur".split()


def _text(rng: random.Random, language: Language, words: int) -> str:
    return " ".join(rng.choice(WORDS[language]) for _ in range(words))


def add_entries(n: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    phases, kinds = list(Phase), list(GuideKind)
    for i in range(n):
        language = (Language.NB, Language.EN)[i % 2]
        title = f"{_text(rng, language, 3).capitalize()} {i}"
        body = "\n\n".join(
            [f"## {_text(rng, language, 2).capitalize()}"]
            + [_text(rng, language, 40).capitalize() + "." for _ in range(4)]
            + [f"- {_text(rng, language, 5)}" for _ in range(3)]
        )
        tags = rng.sample(TAGS, 3)
        entry = GuideEntry(
            kind=kinds[i % len(kinds)],
            phase=phases[(i // 2) % len(phases)],
            language=language,
            status=GuideStatus.PUBLISHED,
            title=title,
            slug=f"generert-{i}",
            summary=_text(rng, language, 18).capitalize() + ".",
            body=body,
            body_html=str(render_markdown(body)),
            tags=", ".join(tags),
            pair_key=f"benchmark:{i // 2}",
            published_at=now(),
        )
        db.session.add(entry)
        db.session.flush()
        db.session.add_all(GuideTag(entry_id=entry.id, name=tag) for tag in tags)
        db.session.add(GuideRevision.of(entry, number=1, note="created"))
    db.session.commit()


if __name__ == "__main__":
    with create_app().app_context():
        add_entries(int(sys.argv[1]))
