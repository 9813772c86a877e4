"""The demo network: municipalities with staff, then cohorts, concepts and the starter guide
(SECURITY 30: synthetic people only, never a real child's or employee's data)."""

from __future__ import annotations

import random
import secrets

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from ..enums import Role
from ..errors import DomainError
from ..extensions import db
from ..guide.seed import load_starter_guide
from ..models import Municipality, TrainingSession, User
from ..text import slugify
from ..training.services import link_programme_tools
from .cohorts import Programme
from .concepts import seed_concepts
from .effect import seed_effect
from .people import CITIES, DEMO_DOMAIN, FIRST_NAMES, LAST_NAMES, Account


def demo_password() -> str:
    """A random password that passes the password policy, for when the operator gives none."""
    return "demo-" + secrets.token_urlsafe(12)


def create_demo_network(*, password: str, scale: int = 1, seed: int = 2017) -> list[Account]:
    """Fill an empty database with municipalities and one staff account per role each.

    Refuses when any account or municipality exists: demo data never mixes with real data.
    """
    if scale < 1:
        raise DomainError("Scale must be 1 or more.")
    _refuse_unless_empty()
    rng = random.Random(seed)
    used: set[str] = set()

    def person(place: str) -> tuple[str, str]:
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{slugify(first)}.{slugify(last)}"
            email = f"{local}@{place}.{DEMO_DOMAIN}"
            if email not in used:
                used.add(email)
                return f"{first} {last}", email

    accounts = []
    # One hash for every demo account: hashing is deliberately slow, and all share a password.
    password_hash = generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    name, email = person("network")
    db.session.add(_user(Role.NETWORK_ADMIN, None, name, email, password_hash))
    accounts.append(Account(Role.NETWORK_ADMIN, "-", email))
    name, email = person("funder")  # reads the network's report, nothing else
    db.session.add(_user(Role.NETWORK_VIEWER, None, name, email, password_hash))
    accounts.append(Account(Role.NETWORK_VIEWER, "-", email))
    staff = []
    for index in range(scale * 2):
        city, country = CITIES[index % len(CITIES)]
        round_ = index // len(CITIES)
        city_name = city if round_ == 0 else f"{city} {round_ + 1}"
        municipality = Municipality(name=city_name, slug=slugify(city_name), country=country)
        db.session.add(municipality)
        people = []
        for role in (Role.COORDINATOR, Role.YOUTH_WORKER):
            name, email = person(municipality.slug)
            people.append(_user(role, municipality, name, email, password_hash))
            db.session.add(people[-1])
            accounts.append(Account(role, city_name, email))
        staff.append((municipality, people))
    db.session.flush()
    programme = Programme(rng, scale, password_hash)
    for municipality, people in staff:
        accounts.extend(programme.fill(municipality, people))
    seed_concepts(rng, scale)
    seed_effect(rng)
    load_starter_guide()
    programme_sessions = select(TrainingSession.id, TrainingSession.template_key).where(
        TrainingSession.template_key.is_not(None)
    )
    link_programme_tools(db.session.execute(programme_sessions).all())
    return accounts


def _refuse_unless_empty() -> None:
    existing = db.session.scalar(select(func.count()).select_from(User))
    existing += db.session.scalar(select(func.count()).select_from(Municipality))
    if existing:
        raise DomainError("The database already has data; demo data only goes into an empty one.")


def _user(role, municipality, name, email, password_hash) -> User:
    return User(
        role=role, municipality=municipality, name=name, email=email, password_hash=password_hash
    )
