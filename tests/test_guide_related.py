"""An entry's related entries: the same as their plain definition, in one query however large
the guide is. Runs on the engine under test."""

from __future__ import annotations

import random

from sqlalchemy import func, or_, select

from allin.enums import GuideKind, GuideStatus, Language, Phase
from allin.extensions import db
from allin.guide import selectors
from allin.models import GuideEntry, GuideTag
from tests.factories import make_guide_entry

TAGS = ["leir", "skole", "mentor", "idrett", "kultur"]
# Titles that differ in case only, start in lower case or with æøå: many ties, and orders that
# lower() would change.
WORDS = ["alfa", "Alfa", "ALFA", "beta", "Beta", "gamma", "Zeta", "ærlig", "Øst", "å", "Å"]


def _definition(entry: GuideEntry) -> list[int]:
    """Published entries of its language sharing a tag or its phase; most shared tags first,
    then by phase, title and id: the page's rule as one plain statement."""
    tagged = (
        select(GuideTag.entry_id, func.count().label("shared"))
        .where(GuideTag.name.in_(entry.tag_list))
        .group_by(GuideTag.entry_id)
        .subquery()
    )
    shared = func.coalesce(tagged.c.shared, 0)
    stmt = (
        select(GuideEntry.id)
        .outerjoin(tagged, tagged.c.entry_id == GuideEntry.id)
        .where(
            GuideEntry.status == GuideStatus.PUBLISHED,
            GuideEntry.language == entry.language,
            GuideEntry.id != entry.id,
            or_(GuideEntry.phase == entry.phase, shared > 0),
        )
        .order_by(shared.desc(), selectors.PHASE_ORDER, GuideEntry.title, GuideEntry.id)
        .limit(selectors.RELATED_COUNT)
    )
    return list(db.session.scalars(stmt))


def test_related_entries_are_their_definition(app, world):
    rng = random.Random(26)
    phases = list(Phase)[:3]  # few phases and tags: many ties to break
    with app.app_context():
        for n in range(120):
            make_guide_entry(
                title=f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
                slug=f"rel-{n}",
                language=rng.choice(["nb", "nb", "en"]),
                status=rng.choice(["published", "published", "published", "draft"]),
                phase=rng.choice(phases).value,
                kind=rng.choice(list(GuideKind)).value,
                tags=rng.sample(TAGS, rng.randint(0, 3)),
            )
        db.session.commit()
        entries = db.session.scalars(select(GuideEntry).order_by(GuideEntry.id)).all()
        shown = 0
        for entry in entries:
            expected = _definition(entry)
            assert [e.id for e in selectors.related(entry)] == expected, entry
            shown += len(expected)
        assert shown > 3 * len(entries)  # the comparison was not of empty lists


def test_related_entries_are_one_query_whatever_the_guide_holds(app, world, count_queries):
    with app.app_context():
        entry = make_guide_entry(title="Målet", status="published", tags=["leir", "skole"])
        bare = make_guide_entry(title="Uten merker", status="published", phase="launch")
        db.session.commit()

        def queries(of: GuideEntry) -> int:
            db.session.refresh(of)  # loaded, as the page has it
            with count_queries() as sent:
                selectors.related(of)
            return sent.count

        few = queries(entry), queries(bare)
        for n in range(60):
            make_guide_entry(
                title=f"Oppføring {n}",
                status="published",
                language=(Language.NB, Language.EN)[n % 2].value,
                phase=(Phase.PREPARE, Phase.LAUNCH)[n // 2 % 2].value,
                tags=["leir", "skole", "mentor"][: n % 4],
            )
        db.session.commit()
        assert (queries(entry), queries(bare)) == few == (1, 1)
        assert len(selectors.related(entry)) == len(selectors.related(bare)) == 4
