"""Small numbers of young people hidden, so that no child can be singled out.

Primary: a count of young people from 1 to MIN_CELL - 1 is shown as "<5" (0 stays 0).
Secondary: wherever figures add up to a total that is also shown (the municipalities to the
network, the terms to the period, the age bands to those enrolled, the reasons to those who
left), a sum with exactly one hidden member would give that member away by subtraction; the
smallest other member is hidden too (shown as ":", as Statistics Norway marks a figure kept
back for confidentiality), until no sum has exactly one. A Hypothesis test
(tests/test_report_suppression.py) plays the attacker on random tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

Key = Hashable


@dataclass(frozen=True)
class Sum:
    """`parts` add up to `total`, and all of them may be shown."""

    parts: tuple[Key, ...]
    total: Key

    @property
    def members(self) -> tuple[Key, ...]:
        return (*self.parts, self.total)


def small(value: int, min_cell: int) -> bool:
    return 0 < value < min_cell


def suppress(
    values: dict[Key, int], people: Iterable[Key], sums: list[Sum], min_cell: int
) -> tuple[set[Key], set[Key]]:
    """(primary, secondary): the cells shown as "<5" and those kept back so that none of the
    primary ones can be worked out. `people` are the cells that count young people."""
    primary = {key for key in people if small(values[key], min_cell)}
    hidden = set(primary)
    sums_of: dict[Key, list[Sum]] = defaultdict(list)
    for one in sums:
        for member in one.members:
            sums_of[member].append(one)
    waiting = [one for key in primary for one in sums_of[key]]
    while waiting:
        one = waiting.pop()
        if sum(member in hidden for member in one.members) != 1:
            continue
        shown = [part for part in one.parts if part not in hidden] or [one.total]
        # The smallest figure that is not 0 (hiding a 0 protects nothing), else a 0.
        pick = min(shown, key=lambda key: (values[key] == 0, values[key]))
        hidden.add(pick)
        waiting.extend(sums_of[pick])
    return primary, hidden - primary
