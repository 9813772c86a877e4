"""Telling people with the same first name apart without printing their whole name."""

from __future__ import annotations

from ..models import Ambassador


def told_apart(ambassador: Ambassador) -> str:
    """The first name, the last name's initial and the class: "Liv N., 8B" (for sign-in cards
    and the "Is this you?" question on the link's page; no full name on paper)."""
    parts = ambassador.name.split()
    label = parts[0] if parts else ambassador.name
    if len(parts) > 1:
        label += f" {parts[-1][0]}."
    if ambassador.school:
        label += f", {ambassador.school}"
    return label
