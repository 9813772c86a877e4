"""Text helpers shared by the features: `slugify`, the ASCII slug of a name for URLs."""

from __future__ import annotations

import unicodedata


def slugify(name: str) -> str:
    """ASCII slug: "Tromsø" -> "tromso", "Ålesund" -> "alesund"."""
    folded = name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    ascii_name = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    slug = "-".join("".join(c if c.isalnum() else " " for c in ascii_name).split())
    return slug[:80].rstrip("-")  # the column's length
