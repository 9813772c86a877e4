"""A small chart per reach figure, drawn by the template as inline SVG (no script, no
library): the route computes the points here, and a table beside the chart gives the same
figures as text, so nothing depends on seeing the chart or telling colours apart."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import ReachKind
from ..models import ReachFigure

WIDTH, HEIGHT, PAD = 320, 120, 12


@dataclass(frozen=True)
class Chart:
    kind: ReachKind
    figures: list[ReachFigure]
    points: list[tuple[float, float]]
    top: int

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)

    @property
    def latest(self) -> ReachFigure:
        return self.figures[-1]


def _points(figures: list[ReachFigure]) -> tuple[list[tuple[float, float]], int]:
    first, last = figures[0].measured_on, figures[-1].measured_on
    span = max((last - first).days, 1)
    top = max(max(f.value for f in figures), 1)
    points = []
    for index, figure in enumerate(figures):
        if len(figures) == 1:
            x = WIDTH / 2
        elif first == last:
            x = PAD + (WIDTH - 2 * PAD) * index / (len(figures) - 1)
        else:
            x = PAD + (WIDTH - 2 * PAD) * (figure.measured_on - first).days / span
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * figure.value / top
        points.append((x, y))
    return points, top


def small_multiples(figures: list[ReachFigure]) -> list[Chart]:
    """One chart per kind of figure that has any, in the order of ReachKind; figures come
    oldest first."""
    charts = []
    for kind in ReachKind:
        mine = [f for f in figures if f.kind == kind]
        if mine:
            points, top = _points(mine)
            charts.append(Chart(kind, mine, points, top))
    return charts
