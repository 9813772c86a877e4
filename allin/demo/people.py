"""Who lives in the demo network: cities, made-up names, and the logins it prints."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import Role

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
    """One login of the demo network, as seed-demo prints it and the setup page shows it."""

    role: Role
    municipality: str
    login: str
