"""The standard ALL'IN programme, read from programme.toml (data, not code)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ..enums import Phase

PROGRAMME_FILE = Path(__file__).with_name("programme.toml")


@dataclass(frozen=True)
class Step:
    key: str
    phase: Phase
    day: int
    start: time
    minutes: int
    title: dict[str, str]
    agenda: dict[str, str]
    tools: tuple[str, ...] = ()  # pair keys of the guide's tools (starter content)

    def wall_times(self, cohort_start: date) -> tuple[datetime, datetime]:
        """Naive Oslo wall-clock start and end for a cohort starting on `cohort_start`."""
        starts = datetime.combine(cohort_start + timedelta(days=self.day), self.start)
        return starts, starts + timedelta(minutes=self.minutes)

    def text(self, field: str, language: str) -> str:
        values = getattr(self, field)
        return (values.get(language) or values["en"]).strip()


@functools.cache
def steps() -> tuple[Step, ...]:
    with PROGRAMME_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return tuple(
        Step(
            key=item["key"],
            phase=Phase(item["phase"]),
            day=int(item["day"]),
            start=time.fromisoformat(item["start"]),
            minutes=int(item["minutes"]),
            title=dict(item["title"]),
            agenda=dict(item["agenda"]),
            tools=tuple(item.get("tools", ())),
        )
        for item in data["step"]
    )
