"""What changed between two saved versions of an entry, as rows a template can show."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..models import GuideRevision

FIELDS = [
    ("title", _l("Title")),
    ("slug", _l("Address")),
    ("kind", _l("Kind")),
    ("phase", _l("Programme phase")),
    ("status", _l("Status")),
    ("tags", _l("Tags")),
    ("summary", _l("Summary")),
]


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    op: str  # "add", "remove", "same" or "gap"
    text: str


def _shown(revision: GuideRevision | None, name: str) -> str:
    if revision is None:
        return ""
    value = getattr(revision, name)
    return str(getattr(value, "label", value))


def field_changes(before: GuideRevision | None, after: GuideRevision) -> list[FieldChange]:
    return [
        FieldChange(str(label), _shown(before, name), _shown(after, name))
        for name, label in FIELDS
        if _shown(before, name) != _shown(after, name)
    ]


def body_diff(before: GuideRevision | None, after: GuideRevision, context: int = 2) -> list[Line]:
    """The body's changed lines with a little context; runs of unchanged lines become a gap."""
    old = (before.body if before else "").splitlines()
    new = after.body.splitlines()
    lines: list[Line] = []
    for row in difflib.unified_diff(old, new, lineterm="", n=context):
        if row.startswith(("---", "+++")):
            continue
        if row.startswith("@@"):
            lines.append(Line("gap", "…"))
        elif row.startswith("+"):
            lines.append(Line("add", row[1:]))
        elif row.startswith("-"):
            lines.append(Line("remove", row[1:]))
        else:
            lines.append(Line("same", row[1:]))
    return lines
