"""`# noqa` handling for the CLI (flake8 and pylint apply their own)."""

from __future__ import annotations

import re

# The comment shapes flake8 accepts: a bare noqa, "noqa: LG101", "noqa:LG101,LG102".
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][0-9]+(?:[,\s]+[A-Z][0-9]+)*))?", re.IGNORECASE)
_SEP = re.compile(r"[,\s]+")


def suppressed(line: str, code: str) -> bool:
    """Is `code` silenced by a noqa comment on this physical line?"""
    if "noqa" not in line.lower():
        return False
    for match in _NOQA.finditer(line):
        codes = match.group("codes")
        if codes is None:
            return True
        if any(code.upper().startswith(c.upper()) for c in _SEP.split(codes.strip()) if c):
            return True
    return False
