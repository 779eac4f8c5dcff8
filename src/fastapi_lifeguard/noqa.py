"""`# noqa` handling for the CLI (flake8 and pylint apply their own)."""

from __future__ import annotations

import re

# The comment shapes flake8 accepts: a bare noqa, "noqa: LG101", "noqa:LG101,LG102".
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
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


def add_noqa(text: str, codes_by_line: dict[int, set[str]]) -> tuple[str, int]:
    """Write `# noqa: LGnnn` on each line, merging with a `# noqa: X` already there (ruff's
    `--add-noqa`). A bare `# noqa` already silences everything. Lines whose end is inside a
    string or after a backslash continuation cannot take a comment and are left alone.
    Returns the new text and the number of lines changed.
    """
    lines = text.splitlines(keepends=True)
    blocked = _lines_without_comment_room(text)
    changed = 0
    for number, codes in sorted(codes_by_line.items()):
        if not 0 < number <= len(lines) or number in blocked:
            continue
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        match = next(_NOQA.finditer(body), None)
        if match is not None and match.group("codes") is None:
            continue
        if match is not None:
            have = [c for c in _SEP.split(match.group("codes").strip()) if c]
            merged = sorted(set(have) | codes)
            if merged == sorted(have):
                continue
            body = body[:match.start()] + "# noqa: " + ", ".join(merged) + body[match.end():]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        lines[number - 1] = body + ending
        changed += 1
    return "".join(lines), changed


def _lines_without_comment_room(text: str) -> set[int]:
    import io
    import tokenize

    blocked: set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.rstrip().endswith("\\"):
            blocked.add(number)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.start[0] != tok.end[0] and tok.type not in (tokenize.NEWLINE, tokenize.NL):
                blocked.update(range(tok.start[0], tok.end[0]))  # the last line of a string can take one
    except (tokenize.TokenError, SyntaxError):
        pass
    return blocked
