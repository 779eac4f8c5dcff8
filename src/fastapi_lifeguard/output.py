"""Output formats of the CLI, named as ruff names them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from .codes import BY_CODE, rule_url
from .findings import Finding


@dataclass(frozen=True)
class Located:
    """A finding with 1-based character columns and the source line, ready to print."""

    finding: Finding
    path: str  # as shown to the user (relative when possible)
    column: int  # 1-based, in characters
    end_column: int
    source_line: str


def char_column(line_text: str, byte_col: int) -> int:
    """`ast` columns count UTF-8 bytes; users count characters."""
    if line_text.isascii():
        return byte_col
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def concise(items: list[Located]) -> str:
    return "".join(f"{i.path}:{i.finding.line}:{i.column}: {i.finding.code} {i.finding.message}\n" for i in items)


def full(items: list[Located]) -> str:
    out = []
    for i in items:
        f = i.finding
        rule = BY_CODE.get(f.code)
        out.append(f"{i.path}:{f.line}:{i.column}: {f.code} [{rule.name if rule else f.code}] {f.message}\n")
        if i.source_line:
            gutter = f"{f.line} | "
            out.append(f"  {gutter}{i.source_line.rstrip()}\n")
            width = max(1, (i.end_column - i.column) if f.end_line == f.line else len(i.source_line.rstrip()) - i.column + 1)
            out.append("  " + " " * len(gutter) + " " * (i.column - 1) + "^" * width + "\n")
        if f.chain:
            out.append("  chain: " + " → ".join(f.chain) + "\n")
        if f.fix:
            out.append(f"  fix: {f.fix}\n")
        out.append(f"  docs: {rule_url(f.code)}\n\n")
    return "".join(out)


def _json_item(i: Located) -> dict:
    f = i.finding
    return {
        "code": f.code,
        "message": f.message,
        "filename": i.path,
        "location": {"row": f.line, "column": i.column},
        "end_location": {"row": f.end_line or f.line, "column": i.end_column},
        "url": rule_url(f.code),
        "fix": None,
        "noqa_row": f.line,
    }


def as_json(items: list[Located]) -> str:
    return json.dumps([_json_item(i) for i in items], indent=2, ensure_ascii=False) + "\n"


def json_lines(items: list[Located]) -> str:
    return "".join(json.dumps(_json_item(i), ensure_ascii=False) + "\n" for i in items)


FORMATS: dict[str, Callable[[list[Located]], str]] = {
    "concise": concise,
    "full": full,
    "json": as_json,
    "json-lines": json_lines,
}
