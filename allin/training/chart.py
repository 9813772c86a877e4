"""Geometry of the attendance chart: one horizontal stacked bar per held session. The
template draws it as inline SVG; patterns and labels, not colour alone, tell values apart."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import AttendanceValue
from .progress import SessionBar

WIDTH = 640
LABEL = 120  # the date column on the left
ROW = 30
BAR = 20
GAP = ROW - BAR


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
    """Rows scaled to the largest roll call, and the chart's height."""
    most = max((bar.total for bar in bars), default=0) or 1
    scale = (WIDTH - LABEL) / most
    rows = []
    for index, bar in enumerate(bars):
        x, segments = float(LABEL), []
        for value in AttendanceValue:
            count = bar.counts[value]
            if count:
                segments.append(Segment(value, count, x, count * scale))
                x += count * scale
        rows.append(Row(bar, GAP // 2 + index * ROW, segments))
    return rows, max(len(bars), 1) * ROW
