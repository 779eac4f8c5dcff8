"""Fixing the files of a checked project: every file in verified rounds, re-checked as one project."""

from __future__ import annotations

import tokenize
from dataclasses import dataclass, field
from io import BytesIO

from ..engine import analyse, build, module_name, parse
from ..findings import Finding
from ..runner import filter_findings, read
from ..settings import Settings
from . import applies
from .engine import FileFixer, unified_diff


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


def _model(path: str, text: str):
    module, is_package = module_name(path)
    tree = parse(text, path)
    if isinstance(tree, Finding):
        return None
    model = build(tree, path, module, is_package)
    return None if isinstance(model, Finding) else model


def fix_files(findings: list[Finding], models, settings: Settings, unsafe: bool) -> list[FileFix]:
    """The fixes of every file with an applicable fix, in rounds; nothing is written here.

    Each round proposes the next fixes of every file at once and verifies them all with one
    analysis of the whole project (the changed files' new models in place of the old), so a
    finding that only the whole project explains (a coroutine served by a route in another
    module) is re-checked in the same view that reported it.
    """
    paths = sorted({f.path for f in findings if applies(f, unsafe)})
    files: dict[str, FileFix] = {}
    fixers: dict[str, FileFixer] = {}
    for path in paths:
        data = read(path)
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        text = data.decode(encoding)
        files[path] = FileFix(path, text, text, encoding)
        fixers[path] = FileFixer(text, [f for f in findings if f.path == path], unsafe)
    current = {m.path: m for m in models or ()}
    active = list(paths)
    while active:
        proposed: dict[str, str] = {}
        for path in active:
            text = fixers[path].step()
            if text is not None:
                proposed[path] = text
        active = list(proposed)
        if not proposed:
            break
        trial = {path: model for path, text in proposed.items() if (model := _model(path, text)) is not None}
        found: dict[str, list[Finding]] = {}
        for f in analyse([trial.get(path, m) for path, m in current.items()], settings):
            found.setdefault(f.path, []).append(f)
        for path, text in proposed.items():
            after = None
            if path in trial:
                after = filter_findings(found.get(path, []), settings, {path: text.encode("utf-8")}, {})
            fixers[path].settle(after)
            if fixers[path].current == text:
                current[path] = trial[path]
    out = []
    for path in paths:
        outcome = fixers[path].result()
        file = files[path]
        file.new, file.fixed, file.dropped = outcome.source, outcome.fixed, outcome.dropped
        out.append(file)
    return out
