"""A finding: what every frontend prints, in whatever format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    path: str
    line: int  # 1-based
    col: int  # 0-based offset, as `ast` gives it (flake8 and pylint use it as is)
    code: str
    message: str
    end_line: int = 0
    end_col: int = 0
    fix: str = ""  # how to fix it, also part of `message`
    chain: tuple[str, ...] = ()  # LG102: the calls from the coroutine down to the blocking call
    fixer: str = ""  # the key of a mechanical fix in `fixes.FIXES` ("" = none); edits are made only on --fix
