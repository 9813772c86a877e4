"""Password policy (SECURITY 1): 12 to 128 characters, anything goes, nothing common.

No composition rules. Checked exactly as typed (no trimming or normalising), so what works at
sign-in is exactly what was chosen here.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
TRAILING_DECORATION = re.compile(r"[\d\W_]+$")
COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(
            line.strip().lower() for line in fh if line.strip() and not line.startswith("#")
        )


def _is_common(folded: str) -> bool:
    """A listed password, or one dressed up: spaces removed, digits or symbols added at the
    end ("password2024!"), or repeated ("passordpassord")."""
    common = common_passwords()
    squeezed = "".join(folded.split())
    base = TRAILING_DECORATION.sub("", squeezed)
    candidates = {folded, squeezed, base}
    for times in (2, 3, 4):
        if len(squeezed) % times == 0:
            part = squeezed[: len(squeezed) // times]
            if part * times == squeezed:
                candidates.add(part)
    return any(c in common for c in candidates if len(c) >= 4)


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """Why `password` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)s characters.", n=MAX_LENGTH)
    if _is_common(password.lower()):
        return _l("This password is too common. Choose something less easy to guess.")
    folded = password.lower()
    if len(set(password)) < 4:
        return _l("This password repeats too few characters. Choose something less predictable.")
    for value in personal:
        if value and len(value) >= 4 and value.lower() in folded:
            return _l("Do not use your name, e-mail address or username in the password.")
    return None
