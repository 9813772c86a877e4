"""Small numbers of young people hidden, so that no child can be singled out.

Primary: a count of young people from 1 to MIN_CELL - 1 is shown as "<5" (0 stays 0).
Secondary: wherever figures add up to a total that is also shown (the municipalities to the
network, the terms to the period, the age bands to those enrolled, the reasons to those who
left), a sum with exactly one hidden member would give that member away by subtraction; the
smallest other member is hidden too (shown as ":", as Statistics Norway marks a figure kept
back for confidentiality), until no sum has exactly one. A sum with more than one hidden
member can still give one away through what "<5" says (two hidden counts of 1 to 4 that add up
to 2 are both 1): such a sum gets another member hidden too. When every member of such a sum is
hidden already, what "<5" says is itself the leak (four reasons of "<5", each at least 1, that
add up to a "<5" of those who left: 1 each, and 4 in all): one of its small counts, the total
first, is then shown as ":" instead, which says nothing of its size. A Hypothesis test
(tests/test_report_suppression.py) plays the attacker on random tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
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
    values: Mapping[Key, int],
    people: Iterable[Key],
    sums: list[Sum] | Callable[[Key], list[Sum]],
    min_cell: int,
) -> tuple[set[Key], set[Key]]:
    """(primary, secondary): the cells shown as "<5" and those kept back (":") so that none of
    the small ones can be worked out; a small count is among the secondary when "<5" would
    give a sum away. `people` are the cells that count young people (those
    that are not small may be left out). `sums` is every sum of the table, or a function
    giving the sums a cell is a member of, in that list's order: then only the sums around
    small counts are ever made (report._sums_of)."""
    # In the order of `people`, never of a set: which member a sum gives up depends on the
    # order the sums are looked at, and a set of keys holding strings iterates in an order
    # that changes with each process's hash seed - two workers would hide different cells of
    # one report, and the two downloads together would give a small number away.
    small_ones = [key for key in people if small(values[key], min_cell)]
    primary = set(small_ones)
    hidden = set(primary)
    if callable(sums):
        sums_of = sums
    else:
        index: dict[Key, list[Sum]] = defaultdict(list)
        for one in sums:
            for member in one.members:
                index[member].append(one)
        sums_of = index.__getitem__
    waiting = [one for key in small_ones for one in sums_of(key)]
    while waiting:
        one = waiting.pop()
        if gives_away(one, values, hidden, primary, min_cell):
            pick = _keep_back(one, values, hidden, primary)
            if pick is not None:
                waiting.extend(sums_of(pick))
    return primary, hidden - primary


def _keep_back(one: Sum, values, hidden: set, primary: set) -> Key | None:
    """Keep back one more figure of a sum that gives a member away (hidden or primary are
    changed): the smallest shown member that is not 0 (hiding a 0 protects little), else a 0;
    when everything in it is hidden, its "<5" is what gives it away: the total's, or the first
    part's, becomes ":". None when nothing is known of any member."""
    shown = [part for part in one.parts if part not in hidden]
    if one.total not in hidden:
        shown = shown or [one.total]
    if shown:
        pick = min(shown, key=lambda key: (values[key] == 0, values[key]))
        hidden.add(pick)
        return pick
    marked = [key for key in (one.total, *one.parts) if key in primary]
    if not marked:
        return None
    primary.discard(marked[0])
    return marked[0]


def bounds(key, primary: set, min_cell: int) -> tuple[float, float]:
    """What a reader knows of a hidden figure: "<5" is 1 to 4, ":" is any count."""
    return (1, min_cell - 1) if key in primary else (0, float("inf"))


def gives_away(one: Sum, values, hidden: set, primary: set, min_cell: int) -> bool:
    """Can a reader pin down a hidden member of `one` from its shown members and the bounds
    of the hidden ones? (parts - total = 0, so each hidden member lies in a range.)"""
    members = [(part, 1) for part in one.parts] + [(one.total, -1)]
    unknown = [(key, sign) for key, sign in members if key in hidden]
    if not unknown:
        return False
    if len(unknown) == 1:
        return True
    rest = -sum(sign * values[key] for key, sign in members if key not in hidden)
    ranges = []
    for key, sign in unknown:
        low, high = bounds(key, primary, min_cell)
        ranges.append((low, high) if sign > 0 else (-high, -low))
    for index, (low, high) in enumerate(ranges):
        others = ranges[:index] + ranges[index + 1 :]
        # sign * value = rest - (the others), so it lies in [rest - their high, rest - their low]
        at_least = max(low, rest - sum(high for _low, high in others))
        at_most = min(high, rest - sum(low for low, _high in others))
        if at_least >= at_most:
            return True
    return False
