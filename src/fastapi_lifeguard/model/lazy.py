"""Cold modules: parsed, not built, until something asks (issue 12, "do less on the cold path").

In a project run, a module whose source has no marker a rule can start from
(`catalogue/markers.py`) is kept as a `LazyModule`: the summary whole-project code reads
without a body (path, dotted name, is_package, the import edges of the served closure) and a
way to build its full model. Name resolution reaching it (`Project.find_module`, a callee, a
base class, a startup helper) asks for `.scopes`/`.calls`, which builds the model then, once
(from the cache's bytes when the cache had it, else by parsing its source again); the project
is told, and from then on its whole-project passes iterate it like any hot module.
"""

from __future__ import annotations

import ast
import re
from typing import Callable

from .records import ModuleModel
from .store import ModelStore, ModuleHandle

_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_ATTRIBUTE = re.compile(rb"\.\s*([A-Za-z_][A-Za-z0-9_]*)")

# How many cold modules were built on demand in this process (tests and measurements read it).
BUILT_ON_DEMAND = 0


class LazyModule(ModuleHandle):
    """A cold module: its summary now, its full model built on first demand."""

    # `scopes` and `calls` are slots here: set once the model is built (unbounded store), they
    # are read as plainly as a model's, not through `full()` (the analysis reads them millions
    # of times); unset, `__getattr__` builds the model.
    __slots__ = ("_build", "_on_build", "_text", "cold", "error", "scopes", "calls")

    def __init__(self, path: str, module: str, is_package: bool, imports: tuple[str, ...],
                 build: Callable[[], ModuleModel] | None, store: ModelStore | None = None,
                 blob: bytes | None = None, text: Callable[[], bytes | None] | None = None) -> None:
        # `build` makes the model; or `blob` (the cache's compressed pickle) holds it. `text`
        # reads its source (for `mentions`).
        self.path = path
        self.module = module
        self.is_package = is_package
        self.imports = imports
        self._store = store
        self._blob = blob
        self._used = False
        self._full = None
        self._build = build
        self._on_build: Callable[[LazyModule], None] | None = None
        self._text = text
        self.error = None  # its LG001, when its build on demand failed (runner._cold)
        self.cold = True  # not built yet: whole-project passes do not iterate it

    def full(self) -> ModuleModel:
        full = self._full
        if full is not None:
            self._used = True
            return full
        if not self.cold:
            return self._store.load(self)  # type: ignore[union-attr]  # built once, dropped by a bounded store
        global BUILT_ON_DEMAND
        if self._build is not None:
            full = self._build()
            self._build = None
            self._full = full
            if self._store is not None:
                self._store._admit(self)
        else:
            full = self._store.load(self)  # type: ignore[union-attr]
        BUILT_ON_DEMAND += 1
        self.cold = False
        if self._store is None or self._store.capacity is None:  # never dropped: keep it at hand
            self.scopes, self.calls = full.scopes, full.calls
        told, self._on_build = self._on_build, None
        if told is not None:
            # Once: the project's list then holds this module, and a module holding the list's
            # `append` would make a cycle that keeps every model alive until a full collection
            # (measured: +3 s CPU at the end of a litellm run).
            told(self)
        return full

    def mentions(self, named: frozenset[str], dotted: frozenset[str]) -> bool:
        """Does its source text hold one of `named` as a word, or one of `dotted` after a dot
        (`app.main.export_data`)? One pass over its identifiers, whatever the number of
        names. True when it cannot be read, or for a name that is not ASCII: building a
        module costs time, missing one costs a finding."""
        data = self._text() if self._text is not None else None
        if data is None or not all(name.isascii() for name in (*named, *dotted)):
            return True
        if named and not named.isdisjoint(w.decode() for w in _WORD.findall(data)):
            return True
        return bool(dotted) and not dotted.isdisjoint(w.decode() for w in _ATTRIBUTE.findall(data))

    def __getattr__(self, name: str):
        if name in ("scopes", "calls"):  # not built yet, or kept by a bounded store
            return getattr(self.full(), name)
        raise AttributeError(name)


def import_edges(tree: ast.Module, module: str, is_package: bool) -> tuple[str, ...]:
    """The `imports` the builder records (`ModuleModel.imports`: every module an import
    statement names, anywhere, absolute), from a walk of statements only: an import is a
    statement, so expressions (most of a tree) are never visited."""
    found: list[str] = []
    stack = [iter(tree.body)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        kind = type(node)
        if kind is ast.Import:
            found.extend(alias.name for alias in node.names)
        elif kind is ast.ImportFrom:
            _from_import(node, module, is_package, found)
        elif kind in _BODIES:
            stack.append(iter(_bodies(node, _BODIES[kind])))
    return tuple(dict.fromkeys(found))


def _bodies(node: ast.AST, fields: tuple[str, ...]):
    """The statements under a compound statement, in document order."""
    for field in fields:
        if field == "handlers":
            for handler in node.handlers:  # type: ignore[attr-defined]
                yield from handler.body
        elif field == "cases":
            for case in node.cases:  # type: ignore[attr-defined]
                yield from case.body
        else:
            yield from getattr(node, field)


def _from_import(node: ast.ImportFrom, module: str, is_package: bool, found: list[str]) -> None:
    # As builder.visit_ImportFrom records them.
    base = node.module or ""
    if node.level:
        parts = module.split(".") if module else []
        drop = node.level - (1 if is_package else 0)
        if module and drop <= len(parts):
            package = parts[: len(parts) - drop] if drop else parts
            base = ".".join([*package, base] if base else package)
        else:
            base = "." * node.level + base
    if base.startswith("."):
        return
    found.append(base)
    for alias in node.names:
        if alias.name == "*":
            continue
        found.append(f"{base}.{alias.name}" if base else alias.name)


_BODIES: dict[type, tuple[str, ...]] = {
    ast.FunctionDef: ("body",), ast.AsyncFunctionDef: ("body",), ast.ClassDef: ("body",),
    ast.If: ("body", "orelse"), ast.For: ("body", "orelse"), ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"), ast.With: ("body",), ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.Match: ("cases",),
}
if hasattr(ast, "TryStar"):
    _BODIES[ast.TryStar] = ("body", "handlers", "orelse", "finalbody")
