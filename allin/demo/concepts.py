"""Demo concepts for seed-demo: every stage, timelines with feedback and answers, reach
figures over months, and a few pictures drawn by Pillow (shapes and words, no people)."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import insert, select

from ..clock import now
from ..concepts import files
from ..enums import (
    CohortStatus,
    ConceptFormat,
    ConceptStage,
    EnrolmentStatus,
    ReachKind,
    TimelineKind,
)
from ..extensions import db
from ..models import Ambassador, Cohort, Concept, ConceptMember, Enrolment, ReachFigure, User
from ..models import TimelineEntry as Entry

IDEAS = [
    (
        "Fredagsåpen hall",
        "Få steder å være på fredagskvelder.",
        "Åpen idrettshall med musikk.",
        "offline",
    ),
    (
        "Aktivitetskalender",
        "Unge vet ikke hva som skjer i byen.",
        "En app med alt for 13–20 år.",
        "online",
    ),
    (
        "Trygg vei hjem",
        "Mørke snarveier føles utrygge.",
        "Kart over trygge ruter og lys.",
        "hybrid",
    ),
    ("Kafé uten krav", "Det koster penger å være ute.", "Gratis kafé drevet av unge.", "offline"),
    (
        "Nabolagspodden",
        "Unge blir ikke hørt i lokalpolitikken.",
        "En podkast med politikere.",
        "online",
    ),
    ("Skatepark-dugnad", "Skateparken forfaller.", "Dugnad og kurs hver måned.", "offline"),
    (
        "Inkluderingsambassadører",
        "Nye elever blir gående alene.",
        "Faddere på hver skole.",
        "hybrid",
    ),
]
# The life-cycle of each demo concept, in order: idea ... and where it stops.
PATHS = [
    [ConceptStage.IDEA],
    [ConceptStage.IDEA, ConceptStage.DEVELOPING],
    [ConceptStage.IDEA, ConceptStage.DEVELOPING, ConceptStage.PITCHED],
    [ConceptStage.IDEA, ConceptStage.DEVELOPING, ConceptStage.PITCHED, ConceptStage.LAUNCHED],
    list(ConceptStage)[:5],
    [ConceptStage.IDEA, ConceptStage.DEVELOPING, ConceptStage.STOPPED],
    [ConceptStage.IDEA, ConceptStage.DEVELOPING, ConceptStage.PITCHED],
]
FEEDBACK = [
    "Godt tenkt! Hvem kan dere samarbeide med?",
    "Husk å spørre målgruppen før dere bygger mer.",
    "Sterk pitch. Lag en enkel plan for de tre første månedene.",
]
ANSWERS = ["Takk! Vi tar kontakt med fritidsklubben.", "Vi lager en spørreundersøkelse."]
COLOURS = [(32, 84, 160), (200, 70, 40), (30, 130, 90)]


def picture(title: str, colour) -> bytes:
    """A poster-like JPEG: coloured shapes and the concept's title, no people."""
    image = Image.new("RGB", (800, 600), (245, 242, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 760, 560), outline=colour, width=12)
    draw.ellipse((480, 80, 720, 320), fill=colour)
    draw.polygon([(80, 520), (300, 200), (520, 520)], fill=(colour[2], colour[0], colour[1]))
    draw.text((80, 80), title, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def seed_concepts(rng: random.Random, scale: int, pictures: int = 3) -> None:
    """Concepts for every active and completed cohort of the demo network."""
    staff = {
        u.municipality_id: u
        for u in db.session.scalars(select(User).where(User.role == "youth_worker"))
    }
    cohorts = db.session.scalars(
        select(Cohort)
        .where(Cohort.status != CohortStatus.PLANNED)
        .order_by(Cohort.status != CohortStatus.ACTIVE, Cohort.id)  # benchmarks: ids 1-7 active
    ).all()
    made: list[Concept] = []
    for cohort in cohorts:
        members = _members(cohort)
        if len(members) < 2:
            continue
        per_cohort = len(PATHS) if cohort.status == CohortStatus.ACTIVE else 2
        for n in range(per_cohort * (3 if scale >= 10 else 1)):
            made.append(_concept(rng, cohort, members, n, staff.get(cohort.municipality_id)))
    db.session.flush()
    for index, concept in enumerate(made[:pictures]):
        actor = staff[concept.municipality_id]
        files.add_attachment(
            concept,
            actor=actor,
            data=picture(concept.title, COLOURS[index % len(COLOURS)]),
            filename=f"{concept.title}.jpg",
            shows_people=False,
        )


def _members(cohort: Cohort) -> list[tuple[int, int | None]]:
    """(enrolment id, user id of the ambassador's login): those with a login first."""
    rows = db.session.execute(
        select(Enrolment.id, Ambassador.user_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .order_by(Ambassador.user_id.is_(None), Enrolment.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def _concept(rng, cohort, members, n, mentor) -> Concept:
    title, challenge, idea, fmt = IDEAS[n % len(IDEAS)]
    path = PATHS[n % len(PATHS)]
    started = now() - timedelta(days=150 - 10 * (n % 5))
    stage = path[-1]
    concept = Concept(
        municipality_id=cohort.municipality_id,
        cohort_id=cohort.id,
        title=title if n < len(IDEAS) else f"{title} {n // len(IDEAS) + 1}",
        challenge=challenge,
        target_group="Ungdom 13–19 år",
        idea=idea,
        format=ConceptFormat(fmt),
        stage=stage,
        stopped_from=path[-2] if stage == ConceptStage.STOPPED else None,
        stop_reason="Teamet fikk ikke tid ved siden av skolen."
        if stage == ConceptStage.STOPPED
        else None,
        mentor_id=mentor.id if mentor else None,
        submitted_at=started,
        created_at=started,
        updated_at=started + timedelta(days=20 * len(path)),
    )
    db.session.add(concept)
    db.session.flush()
    team = [members[(n * 2 + k) % len(members)] for k in range(rng.randint(2, 3))]
    team = list(dict.fromkeys(team))
    db.session.execute(
        insert(ConceptMember), [{"concept_id": concept.id, "enrolment_id": e} for e, _u in team]
    )
    _timeline(rng, concept, path, started, team, mentor)
    if stage in (ConceptStage.LAUNCHED, ConceptStage.SUSTAINED):
        _reach(rng, concept, started)
    return concept


def _timeline(rng, concept, path, started, team, mentor) -> None:
    author = next((u for _e, u in team if u), None)
    rows, at = [], started
    previous = None
    for stage in path:
        rows.append(_row(concept, TimelineKind.STAGE_CHANGE, author, "", at, previous, stage))
        if stage == ConceptStage.STOPPED:
            rows[-1]["text"] = concept.stop_reason
            rows[-1]["author_id"] = mentor.id if mentor else None
        at += timedelta(days=3)
        rows.append(_row(concept, TimelineKind.PROGRESS, author, "Vi har hatt et møte.", at))
        at += timedelta(days=4)
        if mentor is not None:
            rows.append(_row(concept, TimelineKind.FEEDBACK, mentor, rng.choice(FEEDBACK), at))
            at += timedelta(days=2)
            if rng.random() < 0.6:
                rows.append(_row(concept, TimelineKind.ANSWER, author, rng.choice(ANSWERS), at))
        at += timedelta(days=10)
        previous = stage
    db.session.execute(insert(Entry), rows)


def _row(concept, kind, author, text, at, from_stage=None, to_stage=None) -> dict:
    return {
        "concept_id": concept.id,
        "kind": kind,
        "author_id": getattr(author, "id", author),
        "text": text,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "created_at": at,
    }


def _reach(rng, concept, started) -> None:
    rows, people, users = [], 0, 0
    for month in range(6):
        day = (started + timedelta(days=30 * month)).date()
        if day > now().date():
            break
        people += rng.randint(20, 120)
        users += rng.randint(50, 300)
        rows.append({"kind": ReachKind.PEOPLE, "value": people, "day": day})
        rows.append({"kind": ReachKind.EVENTS, "value": month + 1, "day": day})
        if concept.format != ConceptFormat.OFFLINE:
            rows.append({"kind": ReachKind.USERS, "value": users, "day": day})
    db.session.execute(
        insert(ReachFigure),
        [
            {
                "concept_id": concept.id,
                "kind": r["kind"],
                "value": r["value"],
                "measured_on": r["day"],
                "created_at": now(),
            }
            for r in rows
        ],
    )
