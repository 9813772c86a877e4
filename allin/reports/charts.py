"""Bar charts of the report, drawn by the template as inline SVG (no script, no library):
one bar per term or per municipality, each labelled with its figure, and the same figures as
a table beside it. A hidden figure gets no bar, only its mark."""

from __future__ import annotations

from dataclasses import dataclass

from .report import Shown, shown

ROW, LABEL, BAR = 24, 104, 150  # px: a row's height, the labels' column, the longest bar


@dataclass(frozen=True)
class Bar:
    """One bar as the template writes it: made here once, not worked out by Jinja."""

    label: str
    text: str  # the figure, or its mark
    length: float  # px; 0 draws no bar
    width: str  # the bar's length, as written
    value_x: str  # where the figure stands, after the bar
    text_y: int
    rect_y: int


def _bar(label: str, cell: Shown, length: float, y: int) -> Bar:
    return Bar(label, shown(cell), length, f"{length:.1f}", f"{110 + length:.1f}", y + 16, y + 4)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    share: bool
    bars: list[Bar]

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 4


def chart(key: str, title: str, items: list[tuple[str, Shown]], *, share: bool) -> Chart:
    top = 1.0 if share else max([s.value for _l, s in items if not s.hidden] + [1])
    bars = [
        _bar(label, cell, 0.0 if cell.hidden else BAR * cell.value / top, 2 + ROW * index)
        for index, (label, cell) in enumerate(items)
    ]
    return Chart(key, title, share, bars)
