"""Fixing the files of a checked project: each file in verified rounds, re-checked against the rest.

A re-check models the changed file again and analyses it with the project's other modules
as context (what pylint does), so a helper in another module still explains LG102. The
counts a fix must lower come from the same kind of re-check of the unchanged file, so both
sides of the comparison see the same things.
"""

from __future__ import annotations

import tokenize
from dataclasses import dataclass, field
from io import BytesIO

from ..engine import analyse, build, module_name, parse
from ..findings import Finding
from ..runner import filter_findings, read
from ..settings import Settings
from . import applies
from .engine import fix_source, unified_diff


@dataclass
class FileFix:
    path: str
    old: str
    new: str
    encoding: str
    fixed: list[Finding] = field(default_factory=list)
    dropped: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.new != self.old

    def diff(self, shown: str | None = None) -> str:
        return unified_diff((shown or self.path).replace("\\", "/").lstrip("/"), self.old, self.new)

    def write(self) -> None:
        with open(self.path, "wb") as handle:
            handle.write(self.new.encode(self.encoding))


def rechecker(path: str, models, settings: Settings, whole: bool = False):
    """Findings of `path` for a new text: the file analysed alone with the others as context,
    or (`whole`) the whole project analysed again with the new model in place of the old."""
    module, is_package = module_name(path)
    others = {m.module: m for m in models or () if m.path != path}
    rest = [m for m in models or () if m.path != path]

    def recheck(text: str) -> list[Finding] | None:
        tree = parse(text, path)
        if isinstance(tree, Finding):
            return None
        model = build(tree, path, module, is_package)
        if isinstance(model, Finding):
            return None
        if whole:
            found = [f for f in analyse([*rest, model], settings) if f.path == path]
        else:
            found = [f for f in analyse([model], settings, others.get) if f.path == path]
        return filter_findings(found, settings, {path: text.encode("utf-8")}, {})

    return recheck


def fix_files(findings: list[Finding], models, settings: Settings, unsafe: bool) -> list[FileFix]:
    """The fixes of every file with an applicable fix; nothing is written here."""
    paths = sorted({f.path for f in findings if applies(f, unsafe)})
    out = []
    for path in paths:
        data = read(path)
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        text = data.decode(encoding)
        given = [f for f in findings if f.path == path]
        recheck = rechecker(path, models, settings)
        base = recheck(text)
        if base is None:
            continue
        seen = {(f.line, f.col, f.code) for f in base}
        if any(applies(f, unsafe) and (f.line, f.col, f.code) not in seen for f in given):
            # A finding only the whole project explains (a coroutine served by a route in
            # another module): re-check with every module analysed, slower but the same view.
            recheck = rechecker(path, models, settings, whole=True)
            base = recheck(text) or []
        outcome = fix_source(text, base, recheck, unsafe)
        out.append(FileFix(path, text, outcome.source, encoding, outcome.fixed, outcome.dropped))
    return out
