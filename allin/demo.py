"""A demo network with synthetic people: never a real child's or employee's data (SECURITY 30)."""

from __future__ import annotations

import random
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select

from .enums import Role
from .errors import DomainError
from .extensions import db
from .models import Municipality, User

# Members of the Nordic Safe Cities network in Norway first, then Nordic neighbours.
CITIES = [
    ("Larvik", "NO"),
    ("Kristiansand", "NO"),
    ("Bergen", "NO"),
    ("Drammen", "NO"),
    ("Stavanger", "NO"),
    ("Trondheim", "NO"),
    ("Tromsø", "NO"),
    ("Bodø", "NO"),
    ("Fredrikstad", "NO"),
    ("Sandnes", "NO"),
    ("Skien", "NO"),
    ("Ålesund", "NO"),
    ("Aarhus", "DK"),
    ("Odense", "DK"),
    ("Malmö", "SE"),
    ("Göteborg", "SE"),
    ("Helsinki", "FI"),
    ("Tampere", "FI"),
    ("Reykjavík", "IS"),
    ("Tórshavn", "FO"),
]
FIRST_NAMES = [
    "Ingrid",
    "Sindre",
    "Marte",
    "Eirik",
    "Solveig",
    "Håkon",
    "Tuva",
    "Magnus",
    "Sigrid",
    "Jonas",
    "Ragnhild",
    "Vegard",
    "Åse",
    "Torstein",
    "Hedda",
    "Øystein",
    "Liv",
    "Aksel",
]
LAST_NAMES = [
    "Fjeldstad",
    "Bakkevik",
    "Solberg",
    "Haugland",
    "Nymoen",
    "Strand",
    "Lien",
    "Brekke",
    "Aasheim",
    "Dahle",
    "Skogheim",
    "Vik",
    "Moen",
    "Kvalvåg",
    "Lunde",
    "Røed",
    "Sæther",
]
DEMO_DOMAIN = "demo.example.com"


@dataclass(frozen=True)
class Account:
    role: Role
    municipality: str
    login: str


def slugify(name: str) -> str:
    """ASCII slug: "Tromsø" -> "tromso", "Ålesund" -> "alesund"."""
    folded = name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    ascii_name = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    slug = "-".join("".join(c if c.isalnum() else " " for c in ascii_name).split())
    return slug[:80].rstrip("-")  # the column's length


def demo_password() -> str:
    """A random password that passes the password policy, for when the operator gives none."""
    return "demo-" + secrets.token_urlsafe(12)


def create_demo_network(*, password: str, scale: int = 1, seed: int = 2017) -> list[Account]:
    """Fill an empty database with municipalities and one staff account per role each.

    Refuses when any account or municipality exists: demo data never mixes with real data.
    """
    if scale < 1:
        raise DomainError("Scale must be 1 or more.")
    existing = db.session.scalar(select(func.count()).select_from(User))
    existing += db.session.scalar(select(func.count()).select_from(Municipality))
    if existing:
        raise DomainError("The database already has data; demo data only goes into an empty one.")
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
    name, email = person("network")
    db.session.add(_user(Role.NETWORK_ADMIN, None, name, email, password))
    accounts.append(Account(Role.NETWORK_ADMIN, "-", email))
    for index in range(scale * 2):
        city, country = CITIES[index % len(CITIES)]
        round_ = index // len(CITIES)
        city_name = city if round_ == 0 else f"{city} {round_ + 1}"
        municipality = Municipality(name=city_name, slug=slugify(city_name), country=country)
        db.session.add(municipality)
        for role in (Role.COORDINATOR, Role.YOUTH_WORKER):
            name, email = person(municipality.slug)
            db.session.add(_user(role, municipality, name, email, password))
            accounts.append(Account(role, city_name, email))
    db.session.flush()
    from .guide.seed import load_starter_guide

    load_starter_guide()
    return accounts


def _user(role, municipality, name, email, password) -> User:
    user = User(role=role, municipality=municipality, name=name, email=email)
    user.set_password(password)
    return user
