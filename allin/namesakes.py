"""Telling apart people who share a first name (issue 19, point 11).

A youth worker calls the roll and taps buttons by name; two Emmas in one cohort must not look
the same. Lists show more where a first name (case and accents aside) is shared: the roll call
adds class (school) and birth year, and actions on a member card name the whole name, with
the birth year where the whole name is shared too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from flask_babel import gettext as _

from .models.ambassadors import name_key


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


class Namesakes:
    """Which first and whole names occur more than once among `names`."""

    def __init__(self, names: Iterable[str]) -> None:
        # Each name's keys once: a page asks about every name it shows, some more than once.
        # Counted over the list: two people may have the very same name.
        names = list(names)
        keys = [(name_key(first_name(n)), name_key(n)) for n in names]
        self._keys = dict(zip(names, keys, strict=True))
        self._first = Counter(first for first, _whole in keys)
        self._whole = Counter(whole for _first, whole in keys)

    def _keys_of(self, name: str) -> tuple[str, str]:
        keys = self._keys.get(name)
        return keys if keys is not None else (name_key(first_name(name)), name_key(name))

    def shares_first_name(self, name: str) -> bool:
        return self._first[self._keys_of(name)[0]] > 1

    def shares_whole_name(self, name: str) -> bool:
        return self._whole[self._keys_of(name)[1]] > 1

    def call(self, name: str, birth_year: int | None) -> str:
        """How an action names someone: the first name when no one else here has it, else the
        whole name, with the birth year when that is shared too."""
        if not self.shares_first_name(name):
            return first_name(name)
        if not self.shares_whole_name(name) or birth_year is None:  # None: erased
            return name
        return _("%(name)s (born %(year)s)", name=name, year=birth_year)


def short_name(name: str, school: str | None) -> str:
    """The first name, the last name's initial and the class: "Liv N., 8B" (sign-in cards and
    the "Is this you?" question of a link's page; no whole name on paper)."""
    words = name.split()
    label = first_name(name)
    if len(words) > 1:
        label += f" {words[-1][0]}."
    return f"{label}, {school}" if school else label


def card_names(people) -> list[str]:
    """`short_name` for each of `people` (rows with name, school, birth_year), and where two
    would read the same, the whole name and class, then the birth year too: no two cards of
    one batch (or two people behind one question) may look alike."""
    people = list(people)
    short = Counter(name_key(short_name(p.name, p.school)) for p in people)
    whole = Counter((name_key(p.name), p.school) for p in people)
    labels = []
    for p in people:
        label = short_name(p.name, p.school)
        if short[name_key(label)] > 1:
            label = f"{p.name}, {p.school}" if p.school else p.name
            if whole[(name_key(p.name), p.school)] > 1:
                label = _("%(name)s (born %(year)s)", name=label, year=p.birth_year)
        labels.append(label)
    return labels
