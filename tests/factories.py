"""Plain factory functions: add and flush, never commit (the test decides)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import func, select

from allin.auth.services import new_token
from allin.clock import now
from allin.enums import ConsentGiver, ConsentMethod, ConsentPurpose, Role
from allin.extensions import db
from allin.models import (
    Ambassador,
    Cohort,
    Consent,
    Enrolment,
    Invitation,
    LoginSession,
    Municipality,
    PasswordReset,
    User,
)

PASSWORD = "correct horse battery"
# Dangerous actions change nothing without this (allin/confirm.py).
CONFIRMED = {"confirmed": "yes"}
_counter = itertools.count(1)


def count(model, *where) -> int:
    """Rows of `model` (matching `where`): what a test checks was written, or not."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def make_municipality(name: str | None = None, **fields) -> Municipality:
    n = next(_counter)
    name = name or f"Testby {n}"
    municipality = Municipality(name=name, slug=fields.pop("slug", f"testby-{n}"), **fields)
    db.session.add(municipality)
    db.session.flush()
    return municipality


def make_user(
    role: Role = Role.COORDINATOR,
    municipality: Municipality | None = None,
    password: str = PASSWORD,
    **fields,
) -> User:
    n = next(_counter)
    if not role.works_for_network and municipality is None:
        municipality = make_municipality()
    fields.setdefault("name", f"Test Person {n}")
    if "username" not in fields:
        fields.setdefault("email", f"person{n}@example.com")
    user = User(role=role, municipality=municipality, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_reset(user: User, minutes: int = 30) -> str:
    """A valid password-reset link token for `user`."""
    token, token_hash = new_token()
    db.session.add(
        PasswordReset(
            user=user, token_hash=token_hash, expires_at=now() + timedelta(minutes=minutes)
        )
    )
    db.session.flush()
    return token


def make_invitation(
    inviter: User,
    role: Role = Role.YOUTH_WORKER,
    municipality_id: int | None = None,
    hours: int = 72,
    **fields,
) -> tuple[Invitation, str]:
    """A pending invitation made by `inviter` (into their municipality unless given); returns
    it and its link token."""
    token, token_hash = new_token()
    fields.setdefault("name", f"Invitee {next(_counter)}")
    if role != Role.AMBASSADOR:
        fields.setdefault("email", f"invitee{next(_counter)}@example.com")
    invitation = Invitation(
        token_hash=token_hash,
        role=role,
        municipality_id=(
            None if role.works_for_network else municipality_id or inviter.municipality_id
        ),
        invited_by_id=inviter.id,
        expires_at=now() + timedelta(hours=hours),
        **fields,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def make_login_session(user: User) -> LoginSession:
    """A server-side login session of `user` (its token is not kept: no one signs in with it)."""
    login_session = LoginSession(user=user, token_hash=new_token()[1])
    db.session.add(login_session)
    db.session.flush()
    return login_session


def make_guide_entry(
    *,
    municipality_id: int | None = None,
    title: str | None = None,
    language: str = "nb",
    status: str = "draft",
    author: User | None = None,
    **fields,
) -> GuideEntry:  # noqa: F821
    """A guide entry with its first revision, as the service would make it (no commit)."""
    from allin.enums import GuideKind, GuideStatus, Language, Phase
    from allin.guide import services
    from allin.markdown import render_markdown
    from allin.models import GuideEntry, GuideRevision, GuideTag

    n = next(_counter)
    title = title or f"Guide entry {n}"
    tags = fields.pop("tags", [])
    body = fields.pop("body", "Some text.")
    entry = GuideEntry(
        kind=GuideKind(fields.pop("kind", "tool")),
        phase=Phase(fields.pop("phase", "prepare")),
        language=Language(language),
        status=GuideStatus(status),
        title=title,
        slug=fields.pop("slug", None) or services.free_slug(title, Language(language)),
        summary=fields.pop("summary", f"Summary {n}"),
        body=body,
        body_html=str(render_markdown(body)),
        tags=", ".join(tags),
        pair_key=fields.pop("pair_key", f"test-{n}"),
        municipality_id=municipality_id,
        author_id=author.id if author else None,
        published_at=now() if status == "published" else None,
        **fields,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add_all(GuideTag(entry_id=entry.id, name=tag) for tag in tags)
    db.session.add(GuideRevision.of(entry, number=1, note="created", editor_id=entry.author_id))
    db.session.flush()
    return entry


def make_cohort(municipality: Municipality | None = None, **fields):
    """A cohort this year (planned unless told), in `municipality` or a new one."""
    n = next(_counter)
    today = now().date()
    fields.setdefault("name", f"Kull {n}")
    fields.setdefault("starts_on", date(today.year, 1, 1))
    fields.setdefault("ends_on", date(today.year, 12, 31))
    cohort = Cohort(municipality=municipality or make_municipality(), **fields)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def make_ambassador(municipality: Municipality | None = None, age: int = 16, **fields):
    """A young person whose conservative age (this year - birth year - 1) is `age`; minors
    get a guardian."""
    n = next(_counter)
    fields.setdefault("name", f"Ung Person {n}")
    fields.setdefault("birth_year", now().year - age - 1)
    if age < 18:
        fields.setdefault("guardian_name", f"Foresatt {n}")
        fields.setdefault("guardian_phone", "+47 900 00 000")
    ambassador = Ambassador(municipality=municipality or make_municipality(), **fields)
    db.session.add(ambassador)
    db.session.flush()
    return ambassador


def make_enrolment(cohort, ambassador, **fields):
    enrolment = Enrolment(
        cohort=cohort, ambassador=ambassador, municipality_id=cohort.municipality_id, **fields
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def make_consent(ambassador, purpose="participation", given_by="guardian", **fields):
    given_by = ConsentGiver(given_by)
    if given_by == ConsentGiver.GUARDIAN:
        fields.setdefault("guardian_name", ambassador.guardian_name or "Foresatt")
    consent = Consent(
        ambassador=ambassador,
        municipality_id=ambassador.municipality_id,
        purpose=ConsentPurpose(purpose),
        given_by=given_by,
        method=fields.pop("method", ConsentMethod.PAPER),
        given_on=fields.pop("given_on", now().date()),
        **fields,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def make_concept(cohort, *, members=(), stage="idea", submitted=True, **fields):
    """A concept in `cohort` with `members` (enrolments) on its team (no commit)."""
    from allin.enums import ConceptFormat, ConceptStage
    from allin.models import Concept, ConceptMember

    n = next(_counter)
    stage = ConceptStage(stage)
    if stage == ConceptStage.STOPPED:
        fields.setdefault("stopped_from", ConceptStage.DEVELOPING)
        fields.setdefault("stop_reason", "Ran out of time")
    concept = Concept(
        municipality_id=cohort.municipality_id,
        cohort_id=cohort.id,
        title=fields.pop("title", f"Konsept {n}"),
        challenge=fields.pop("challenge", "Few places to meet after school."),
        target_group=fields.pop("target_group", "13-16"),
        idea=fields.pop("idea", "An open gym on Fridays."),
        format=ConceptFormat(fields.pop("format", "offline")),
        stage=stage,
        submitted_at=now() if submitted else None,
        **fields,
    )
    db.session.add(concept)
    db.session.flush()
    for enrolment in members:
        db.session.add(ConceptMember(concept_id=concept.id, enrolment_id=enrolment.id))
    db.session.flush()
    return concept


def make_timeline_entry(concept, author=None, kind="progress", text="Going well.", **fields):
    from allin.enums import TimelineKind
    from allin.models import TimelineEntry

    entry = TimelineEntry(
        concept_id=concept.id,
        kind=TimelineKind(kind),
        author_id=author.id if author else None,
        text=text,
        **fields,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
