"""Geometry of the attendance chart: one horizontal stacked bar per held session. The
template draws it as inline SVG; patterns and labels, not colour alone, tell values apart."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import AttendanceValue
from .progress import SessionBar

# Drawn at about phone width, so that it scales little on a phone: the date above each bar.
WIDTH = 360
LABEL = 18  # the date line above each bar
BAR = 22
ROW = LABEL + BAR + 8


@dataclass(frozen=True)
class Segment:
    value: AttendanceValue
    count: int
    x: float
    width: float

    @property
    def label_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Row:
    bar: SessionBar
    y: int
    segments: list[Segment]


def layout(bars: list[SessionBar]) -> tuple[list[Row], int]:
    """Rows scaled to the largest roll call (y is the top of each bar), and the height."""
    most = max((bar.total for bar in bars), default=0) or 1
    scale = WIDTH / most
    rows = []
    for index, bar in enumerate(bars):
        x, segments = 0.0, []
        for value in AttendanceValue:
            count = bar.counts[value]
            if count:
                segments.append(Segment(value, count, x, count * scale))
                x += count * scale
        rows.append(Row(bar, index * ROW + LABEL, segments))
    return rows, max(len(bars), 1) * ROW
