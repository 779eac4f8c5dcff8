"""Check a set of paths as one project: discover, read, parse, model, analyse, filter."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field

from .engine import analyse, build, gc_paused, parse
from .findings import Finding
from .model.records import ModuleModel
from .noqa import suppressed
from .settings import Settings

# Never descended into, like ruff's default excludes.
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".hg", ".mypy_cache", ".nox", ".pants.d", ".pytype",
    ".ruff_cache", ".svn", ".tox", ".venv", "venv", "__pypackages__", "_build", "buck-out",
    "node_modules", "site-packages", ".lifeguard_cache", "__pycache__",
)


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)  # path -> source lines (files with findings)
    files: int = 0


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    name = os.path.basename(path.rstrip("/"))
    norm = path.replace("\\", "/")
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(norm, p) or fnmatch.fnmatch(norm, "*/" + p.strip("/"))
               for p in patterns)


def discover(paths: list[str], exclude: tuple[str, ...] = ()) -> list[str]:
    """Python files under `paths`, sorted, skipping excluded names (explicit files are kept)."""
    patterns = DEFAULT_EXCLUDE + tuple(exclude)
    found: list[str] = []
    for path in paths:
        if os.path.isfile(path):
            if not _excluded(path, tuple(exclude)):
                found.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _excluded(os.path.join(root, d), patterns))
            for name in sorted(files):
                full = os.path.join(root, name)
                if name.endswith((".py", ".pyi")) and not name.endswith(".pyi") and not _excluded(full, patterns):
                    found.append(full)
    return sorted(dict.fromkeys(os.path.normpath(p) for p in found))


def read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def check_paths(paths: list[str], settings: Settings) -> Result:
    with gc_paused():
        return _check_paths(paths, settings)


def _check_paths(paths: list[str], settings: Settings) -> Result:
    result = Result()
    files = discover(paths, settings.exclude)
    result.files = len(files)
    models: list[ModuleModel] = []
    sources: dict[str, bytes] = {}
    findings: list[Finding] = []
    for path in files:
        try:
            data = read(path)
        except OSError as exc:
            findings.append(Finding(path, 1, 0, "LG001", f"cannot read: {exc.strerror or exc}"))
            continue
        sources[path] = data
        tree = parse(data, path)
        model = build(tree, path) if not isinstance(tree, Finding) else tree
        if isinstance(model, Finding):
            findings.append(model)
        else:
            models.append(model)
    findings.extend(analyse(models, settings))
    result.findings = filter_findings(findings, settings, sources, result.lines)
    return result


def filter_findings(findings: list[Finding], settings: Settings, sources: dict[str, bytes],
                    lines_out: dict[str, list[str]]) -> list[Finding]:
    kept = []
    for f in sorted(set(findings)):
        if f.code != "LG001" and not settings.enabled(f.code, f.path):
            continue
        lines = lines_out.get(f.path)
        if lines is None and f.path in sources:
            data = sources[f.path]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            lines = lines_out[f.path] = text.splitlines()
        line = lines[f.line - 1] if lines and 0 < f.line <= len(lines) else ""
        if f.code != "LG001" and suppressed(line, f.code):
            continue
        kept.append(f)
    return kept
