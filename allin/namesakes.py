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
        names = list(names)
        self._first = Counter(name_key(first_name(n)) for n in names)
        self._whole = Counter(name_key(n) for n in names)

    def shares_first_name(self, name: str) -> bool:
        return self._first[name_key(first_name(name))] > 1

    def shares_whole_name(self, name: str) -> bool:
        return self._whole[name_key(name)] > 1

    def call(self, name: str, birth_year: int) -> str:
        """How an action names someone: the first name when no one else here has it, else the
        whole name, with the birth year when that is shared too."""
        if not self.shares_first_name(name):
            return first_name(name)
        if not self.shares_whole_name(name):
            return name
        return _("%(name)s (born %(year)s)", name=name, year=birth_year)
