"""Bar charts of the report, drawn by the template as inline SVG (no script, no library):
one bar per term or per municipality, each labelled with its figure, and the same figures as
a table beside it. A hidden figure gets no bar, only its mark."""

from __future__ import annotations

from dataclasses import dataclass

from .report import Shown

ROW, LABEL, BAR = 24, 104, 150  # px: a row's height, the labels' column, the longest bar


@dataclass(frozen=True)
class Bar:
    label: str
    shown: Shown
    length: float  # px
    y: int


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
        Bar(label, shown, 0.0 if shown.hidden else BAR * shown.value / top, 2 + ROW * index)
        for index, (label, shown) in enumerate(items)
    ]
    return Chart(key, title, share, bars)
