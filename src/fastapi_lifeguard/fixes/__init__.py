"""Mechanical fixes: which findings have one, and whether it is safe (SPEC §6).

This module is data and stays import-light: the check path reads it to mark findings and
count them. The edits themselves are made on a concrete syntax tree (libcst, the `fix`
extra) by the modules next to this one, loaded only when a fix is asked for:
`engine.py` applies them in rounds and verifies each; one module per rule family holds
the fixers (`lg1.py`, `lg2.py`, `lifespan.py`, `lg4.py`).

Safe: the program does the same thing minus the bug. Unsafe: behaviour or dependencies
change, so a person should read the diff (`--unsafe-fixes`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..findings import Finding


@dataclass(frozen=True)
class FixKind:
    applicability: str  # "safe" | "unsafe" (ruff's words)
    message: str  # what the fix does, as ruff's `fix.message`
    module: str  # the module under fixes/ that makes the edits
    function: str


FIXES: dict[str, FixKind] = {
    "add-await": FixKind("safe", "Add `await`", "lg2", "add_await"),
    "asyncio-sleep": FixKind("safe", "Use `await asyncio.sleep(...)`", "lg1", "asyncio_sleep"),
    "pass-callable": FixKind("safe", "Pass the function and its arguments to the offloader", "lg1", "pass_callable"),
    "async-lifespan": FixKind("safe", "Make the lifespan `async def` with `@asynccontextmanager`", "lg2", "async_lifespan"),
    "lifespan": FixKind("unsafe", "Move the startup and shutdown handlers into a lifespan", "lifespan", "migrate"),
    "to-thread": FixKind("unsafe", "Run it in a thread: `await asyncio.to_thread(...)`", "lg1", "to_thread"),
    "alru-cache": FixKind("unsafe", "Use `async_lru.alru_cache` (adds a dependency on `async-lru`)", "lg2", "alru_cache"),
    "guard-task": FixKind("unsafe", "Catch and log what the background task raises", "lg4", "guard_task"),
}


def attach(finding: Finding, fixer: str) -> Finding:
    """The rules' one hook: mark a finding as fixable by `fixer` (a key of FIXES)."""
    return replace(finding, fixer=fixer)


def kind(finding: Finding) -> FixKind | None:
    return FIXES.get(finding.fixer) if finding.fixer else None


def applies(finding: Finding, unsafe: bool) -> bool:
    """Would `--fix` (with `--unsafe-fixes` when `unsafe`) apply this finding's fix?"""
    k = kind(finding)
    return k is not None and (k.applicability == "safe" or unsafe)
