"""The engine: parse once, build one model per module, run every rule on the models.

Frontends call `check_tree` (flake8, one file, tree already parsed), `check_source`
(pylint, tests) or `check_files` (CLI, whole-project analysis).
"""

from __future__ import annotations

import ast
import gc
import os
import re
import sys
import tokenize
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from typing import Callable

from .backport import parse_backported
from .catalogue import Lookups
from .catalogue.libraries import LibraryModel, shipped, wording
from .catalogue.offload import OFFLOAD_WRAPPERS
from .findings import Finding
from .model.builder import build_module
from .model.fastapi import FastAPIModel
from .model.ledger import Ledger
from .model.project import Project
from .model.records import ModuleModel
from .settings import Settings


@dataclass
class Analysis:
    """What rules get: the project, its FastAPI model, settings and merged catalogues."""

    project: Project
    fastapi: FastAPIModel
    settings: Settings
    blocking: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # name -> (parenthesis, noun, fix)
    offload: dict[str, int] = field(default_factory=dict)
    _ledger: Ledger | None = field(default=None, repr=False)
    _blocking_of: Lookups | None = field(default=None, repr=False)
    _offload_of: Lookups | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._blocking_of = Lookups(self.blocking)
        self._offload_of = Lookups(self.offload)

    @classmethod
    def of(cls, modules: list[ModuleModel], settings: Settings, context=None) -> "Analysis":
        library = shipped().extended(settings.libraries)
        project = Project(modules, context, library)
        return cls(project, FastAPIModel(project), settings, _blocking_table(library, settings),
                   {**OFFLOAD_WRAPPERS, **settings.offload_wrappers})

    def blocking_entry(self, target: str | None) -> tuple[str, str, str] | None:
        return self._blocking_of[target]  # type: ignore[index]

    @property
    def ledger(self) -> Ledger:
        """The resource ledger, built once for every rule that asks (LG2xx, LG302)."""
        if self._ledger is None:
            self._ledger = Ledger(self.project, self.fastapi, self.settings.resource_factories)
        return self._ledger

    def offload_position(self, target: str | None) -> int | None:
        return self._offload_of[target]  # type: ignore[index]


@lru_cache(maxsize=8)
def _blocking_calls(library: LibraryModel) -> dict[str, tuple[str, str, str]]:
    return {name: wording(r, r.blocks or "network") for name, r in library.blocking.items()}


def _blocking_table(library: LibraryModel, settings: Settings) -> dict[str, tuple[str, str, str]]:
    table = _blocking_calls(library)
    if settings.blocking_calls:
        table = dict(table)
        for name, advice in settings.blocking_calls.items():
            table[name] = ("listed in blocking-calls", f"`{name}` (listed in blocking-calls)",
                           advice or "run it with `await asyncio.to_thread(...)`")
    return table


@lru_cache(maxsize=4096)
def _package_dir(directory: str) -> tuple[str, ...]:
    """Package parts for a directory: walk up while `__init__.py` exists.

    A folder without one directly inside a regular package (open-webui's `routers/`) is a
    namespace subpackage that Python imports as `package.routers`: it keeps the walk going.
    """
    parent = os.path.dirname(directory)
    if not os.path.isfile(os.path.join(directory, "__init__.py")):
        name = os.path.basename(directory)
        if parent != directory and name.isidentifier() and os.path.isfile(os.path.join(parent, "__init__.py")):
            return (*_package_dir(parent), name)
        return ()
    if parent == directory:
        return (os.path.basename(directory),)
    return (*_package_dir(parent), os.path.basename(directory))


def module_name(path: str) -> tuple[str, bool]:
    """Dotted module name of a file from the packages around it, and whether it is a package."""
    if not path or path in ("-", "stdin") or not path.endswith(".py"):
        return "", False
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = filename[:-3]
    package = _package_dir(directory)
    if stem == "__init__":
        return ".".join(package), True
    return ".".join((*package, stem)), False


def decode(data: bytes) -> str:
    """Decode source bytes as Python does (PEP 263 coding cookie, BOM)."""
    encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    return data.decode(encoding)


def parse(source: str | bytes, path: str) -> ast.Module | Finding:
    """Parse or explain in one line why not (LG001).

    Python 3.14 code that fails only for `except A, B:` or a template string is respelled
    and parsed again (`backport`); what it still needs is what LG001 then names.
    """
    try:
        if isinstance(source, bytes):
            source = decode(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=path)
    except SyntaxError as exc:
        error = exc
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        return _lg001(path, 1, 0, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except (RecursionError, MemoryError):
        return _lg001(path, 1, 0, "too deeply nested")
    if not isinstance(source, str):
        return _syntax_error(None, error, path)
    if sys.version_info < (3, 14):
        try:
            backported = parse_backported(source, path)
        except (RecursionError, MemoryError):
            return _lg001(path, 1, 0, "too deeply nested")
        if backported is not None:
            if backported.tree is not None:
                return backported.tree
            source, error = backported.text, backported.error or error
    return _syntax_error(source, error, path)


def _syntax_error(source: str | None, exc: SyntaxError, path: str) -> Finding:
    line = exc.lineno or 1
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    newer = _newer_syntax(source, exc) if source is not None else None
    why = f"needs Python {newer[0]}.{newer[1]}+ {newer[2]}; running {running}" if newer else f"Python {running}"
    return _lg001(path, line, max((exc.offset or 1) - 1, 0), f"{exc.msg} ({why})")


# Syntax a newer Python accepts, recognised on the lines of a SyntaxError (only after a parse
# failed, so it costs nothing on code that parses). The project supports Python 3.10+; code
# written for a newer Python than the linter runs on should say so, not just "invalid syntax".
_NEWER_SYNTAX: tuple[tuple[tuple[int, int], str, re.Pattern[str]], ...] = tuple(
    (version, what, re.compile(pattern)) for version, what, pattern in (
        ((3, 11), "for `except*` (PEP 654)", r"^\s*except\s*\*"),
        ((3, 11), "for star-unpacking in a subscript or annotation (PEP 646)", r"[\w\])]\s*\[\s*\*|\*\w+\s*:\s*\*"),
        ((3, 12), "for the `type` statement (PEP 695)", r"^\s*type\s+[A-Za-z_]\w*\s*[\[=]"),
        ((3, 12), "for type parameters (PEP 695)", r"^\s*(?:async\s+def|def|class)\s+[A-Za-z_]\w*\s*\["),
        ((3, 13), "for type parameter defaults (PEP 696)",
         r"^\s*(?:async\s+def|def|class|type)\s+[A-Za-z_]\w*\s*\[[^\]]*="),
    )
)
# Python 3.14's `except A, B:` and template strings are respelled before LG001 (backport.py):
# an error left on such a line is one that 3.14 reports too, not a matter of version.
# 3.12 (PEP 701) lets f-string expressions hold the quote, backslashes and comments that
# older versions reject with an "f-string: ..." message.
_F_STRING_ERROR = re.compile(r"^f-string\b.*(?:backslash|'#'|expecting '}'|unmatched|unterminated|single '}')")


def _newer_syntax(source: str, exc: SyntaxError) -> tuple[int, int, str] | None:
    """(major, minor, what) of the newest syntax on the failing lines that needs a newer Python."""
    first = exc.lineno or 1
    last = max(first, min(getattr(exc, "end_lineno", None) or first, first + 20))
    lines = source.splitlines()[first - 1:last]
    running = sys.version_info[:2]
    found: tuple[int, int, str] | None = None
    candidates = [(v, w, p) for v, w, p in _NEWER_SYNTAX if v > running]
    if (3, 12) > running and _F_STRING_ERROR.search(exc.msg or ""):
        # "expecting '}'" is also what a brace left open says: name the condition, not a verdict.
        found = (3, 12, "if it nests quotes, backslashes or comments in f-string braces (PEP 701)")
    for version, what, pattern in candidates:
        if (found is None or version > found[:2]) and any(pattern.search(text) for text in lines):
            found = (*version, what)
    return found


def _lg001(path: str, line: int, col: int, why: str) -> Finding:
    return Finding(path, line, col, "LG001", f"cannot parse: {why}")


def build(tree: ast.Module, path: str, module: str | None = None, is_package: bool = False) -> ModuleModel | Finding:
    if module is None:
        module, is_package = module_name(path)
    try:
        return build_module(tree, path, module, is_package)
    except RecursionError:
        return _lg001(path, 1, 0, "too deeply nested to analyse")


def analyse(modules: list[ModuleModel], settings: Settings,
            context: Callable[[str], ModuleModel | None] | None = None) -> list[Finding]:
    """Run every rule on the models; findings of all modules, unfiltered by selection.

    `context(dotted)` may supply modules outside `modules` for name resolution only
    (pylint: helpers and dependencies imported from other files); they are not checked.
    """
    from .rules import RULE_MODULES

    analysis = Analysis.of(modules, settings, context)
    findings: set[Finding] = set()
    for rule_module in RULE_MODULES:
        findings.update(rule_module.check(analysis))
    return sorted(findings)


@contextmanager
def gc_paused():
    """Hold off the cycle collector while a whole project is parsed and modelled.

    Models of every module stay alive until the analysis ends, and each parse allocates
    hundreds of thousands of nodes: the collector kept rescanning the growing heap and
    doubled a cold run (litellm, 3,135 files) for no memory saved (trees and records form
    no cycles; peak RSS was the same with it off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_tree(tree: ast.Module, path: str, settings: Settings | None = None) -> list[Finding]:
    """One file, already parsed (flake8). All codes; the frontend filters."""
    model = build(tree, path)
    if isinstance(model, Finding):
        return [model]
    return analyse([model], settings or Settings())


def check_source(source: str | bytes, path: str = "<string>", settings: Settings | None = None) -> list[Finding]:
    tree = parse(source, path)
    if isinstance(tree, Finding):
        return [tree]
    return check_tree(tree, path, settings)
