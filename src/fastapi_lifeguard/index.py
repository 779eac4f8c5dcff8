"""The project view (SPEC §5): per-file frontends report what `check <project root>` reports.

flake8, pylint, `check FILE...` and so pre-commit and editors are handed one file (or a few).
They find the project root (the nearest folder with a ROOT_MARKERS entry), and ask this
module for the findings of those files in the whole project:

- a persistent *index* per root (`<cache>/v1/index/`) maps every file of the project to its
  content hash. A file whose size and mtime have not changed since it was hashed is not read
  again (unless it was modified within a second of being hashed: "racy" stat data, as in git);
- each file's model comes from the shared per-file model cache (`cache.py`, keyed by content
  hash), built on first use: a cold index costs what a cold `check <root>` costs;
- the findings of the whole project (`views/`) are keyed by every file's model key and the
  settings, like the CLI's whole-run cache: a changed helper module changes the key, so its
  callers' findings are recomputed, never stale. The checked file's own text (an editor's
  unsaved buffer, flake8's stdin) replaces its disk content in the key and the analysis.

The analysis is `engine.analyse` over every module of the project, the same call the CLI's
whole-project run makes: there is no second, weaker path, and parity holds by construction.
What is stored are per-module models and whole-project findings, not per-module summaries;
issue 12 (flat memory) is where the cross-module facts become summaries.

Concurrency: every entry is written to a temporary file and moved into place with
`os.replace`, so a reader (flake8 -j workers, several editor servers, a CLI run beside an
editor) sees an old or a new entry, never half of one; an entry that does not unpickle is a
miss and is rebuilt. Entries are content-addressed, so two writers of one key write the same
thing; the index itself is a cache of hashes, verified against stat data on every use.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
import zlib
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from typing import Callable

from . import cache as cache_mod
from .engine import build, gc_paused, module_name
from .findings import Finding
from .settings import Settings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
# A file modified this close to the moment it was hashed may change again within the same
# mtime tick: its stat data does not prove the hash (git's "racy clean" problem).
_RACY_NS = 2_000_000_000

Progress = Callable[[str, int, int], None]
Tree = object  # an `ast.Module` a frontend parsed (only engine.build looks inside it)


@lru_cache(maxsize=1024)
def _root_of_directory(directory: str) -> str | None:
    current = directory
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in ROOT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def find_root(path: str) -> str | None:
    """The nearest folder above `path` (a file or folder) holding a project root marker."""
    path = os.path.abspath(path)
    return _root_of_directory(path if os.path.isdir(path) else os.path.dirname(path))


def default_cache_dir(root: str) -> str:
    return os.environ.get("FASTAPI_LIFEGUARD_CACHE_DIR") or os.path.join(root, cache_mod.DEFAULT_DIR)


class _State:
    """One project's files as this process saw them: paths, content hashes, model keys."""

    def __init__(self, root: str, files: list[str], hashes: list[str], modules: list[tuple[str, bool]]) -> None:
        self.root = root
        self.files = files
        self.hashes = hashes
        self.modules = modules
        self.position = {path: n for n, path in enumerate(files)}


# Per process: the project state (flake8 and pylint check many files in one run, and the tree
# does not change under them) and the findings of the last few project versions.
_STATES: dict[tuple[str, tuple[str, ...], str | None], _State] = {}
_VIEWS: dict[str, dict[str, list[Finding]]] = {}
_KEEP_VIEWS = 4


def reset() -> None:
    """Forget what this process knows (a new flake8/pylint run, tests editing files)."""
    _STATES.clear()
    _VIEWS.clear()


def _index_path(cache: cache_mod.Cache, root: str) -> str:
    name = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return str(cache.base / "index" / f"{name}.pickle")


def _load_index(cache: cache_mod.Cache | None, root: str) -> dict:
    if cache is None:
        return {}
    data = cache.read_blob(_index_path(cache, root))
    if data is None:
        return {}
    try:
        index = pickle.loads(zlib.decompress(data))
    except Exception:  # corrupt or half-written by a crashed process: rebuild it
        return {}
    return index if isinstance(index, dict) else {}


def _state(root: str, settings: Settings, cache: cache_mod.Cache | None, extra: list[str]) -> _State:
    from .runner import discover

    memo_key = (root, tuple(settings.exclude), cache.root.as_posix() if cache is not None else None)
    state = _STATES.get(memo_key)
    if state is not None and all(p in state.position for p in extra):
        return state
    files = discover([root], settings.exclude, root)
    missing = [p for p in extra if p not in set(files)]
    if missing:  # a file outside the walk (excluded, no .py suffix): it joins the project
        files = sorted({*files, *missing})
    old = _load_index(cache, root)
    new: dict[str, tuple[int, int, int, str]] = {}
    hashes = []
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            hashes.append("")
            continue
        entry = old.get(path)
        if entry is not None and entry[0] == st.st_size and entry[1] == st.st_mtime_ns \
                and entry[2] - entry[1] > _RACY_NS:
            new[path] = entry
            hashes.append(entry[3])
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            hashes.append("")
            continue
        digest = hashlib.sha256(data).hexdigest()
        new[path] = (st.st_size, st.st_mtime_ns, time.time_ns(), digest)
        hashes.append(digest)
    if cache is not None and new != old:
        cache.write_blob(_index_path(cache, root), zlib.compress(pickle.dumps(new, pickle.HIGHEST_PROTOCOL), 1))
    state = _State(root, files, hashes, [module_name(p) for p in files])
    _STATES[memo_key] = state
    return state


@contextmanager
def _builder_lock(cache: cache_mod.Cache | None, root: str):
    """One process at a time analyses a project: flake8 -j workers started on a cold index
    would each build every model; the second one waits and then reads the first one's work.
    (A lock the holder's death releases: `flock`. Where there is none, no waiting.)"""
    if cache is None or fcntl is None:
        yield
        return
    path = _index_path(cache, root)[: -len(".pickle")] + ".lock"
    try:
        cache.ensure_root()  # its .gitignore and CACHEDIR.TAG first
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = open(path, "a+b")
    except OSError:  # read-only cache: run without it
        yield
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def project_findings(root: str, targets: dict[str, bytes | None], settings: Settings, *,
                     cache_dir: str | None = None, jobs: int = 1, progress: Progress | None = None,
                     stats: dict | None = None, trees: dict[str, Tree] | None = None) -> dict[str, list[Finding]]:
    """For each target (absolute path -> its text, or None to read it from disk), the findings
    of `check <root>` in that file: every code, before selection and `noqa` (the frontends
    apply theirs). `stats` receives `cached` (no analysis ran) and `parsed` (models built).
    `trees` holds targets' trees the frontend already parsed (flake8): one parse per file."""
    root = os.path.abspath(root)
    targets = {os.path.abspath(p): data for p, data in targets.items()}
    cache = cache_mod.Cache(cache_dir) if cache_dir else None
    with gc_paused():
        state = _state(root, settings, cache, list(targets))
        hashes = list(state.hashes)
        overrides: dict[int, bytes] = {}
        for path, data in targets.items():
            if data is not None:
                n = state.position[path]
                overrides[n] = data
                hashes[n] = hashlib.sha256(data).hexdigest()
        keys = [cache_mod.model_key(path, module, is_package, digest) if digest else f"unreadable:{path}"
                for path, (module, is_package), digest in zip(state.files, state.modules, hashes)]
        view_key = cache_mod.run_key(["view", *keys], settings.fingerprint())
        view = _VIEWS.get(view_key)
        if view is None and cache is not None:
            view = cache.load_view(view_key)
        parsed, analysed, stale = 0, view is None, False
        if view is None:
            with _builder_lock(cache, root):
                # Another process (a flake8 -j sibling, an editor) may have built it meanwhile.
                view = cache.load_view(view_key) if cache is not None else None
                analysed = view is None
                if view is None:
                    trees = {os.path.abspath(p): t for p, t in (trees or {}).items()}
                    view, parsed, stale = _analyse(state, keys, hashes, overrides, settings, cache, jobs,
                                                   progress, trees)
                    if cache is not None and not stale:
                        cache.store_view(view_key, view)
        if not stale:  # a file changed since it was hashed: this view is not the key's
            _VIEWS[view_key] = view
        while len(_VIEWS) > _KEEP_VIEWS:
            del _VIEWS[next(iter(_VIEWS))]
    if stats is not None:
        stats["cached"] = stats.get("cached", True) and not analysed
        stats["parsed"] = stats.get("parsed", 0) + parsed
    return {path: view.get(path, []) for path in targets}


def _analyse(state: _State, keys: list[str], hashes: list[str], overrides: dict[int, bytes],
             settings: Settings, cache: cache_mod.Cache | None, jobs: int, progress: Progress | None,
             trees: dict[str, Tree]) -> tuple[dict[str, list[Finding]], int, bool]:
    """`check <root>`'s analysis: every module's model (cached, or built now), then the rules;
    and whether a file read now had changed since it was hashed (`hashes`): nothing made from
    it is cached then (`runner._store_blob`), nor the view."""
    from .model.lazy import import_edges
    from .model.store import ModelStore
    from .runner import _build_all, _from_cache, _is_cold, _parsed_cold, _Source, keep

    trees = trees or {}
    sources: list[_Source] = []
    built: dict[int, object] = {}
    todo: list[int] = []
    errors: list[Finding] = []
    store = ModelStore()
    # The cold path of `check_paths` (runner.py, issue 12), decided from each file's bytes.
    lazy = len(state.files) > 1

    def cold(source: _Source) -> bool:
        if lazy and source.data is None:  # a cached file is read only to decide
            try:
                with open(source.path, "rb") as handle:
                    source.data = handle.read()
            except OSError:
                return False
        return _is_cold(source, lazy)

    for n, (path, (module, is_package), key) in enumerate(zip(state.files, state.modules, keys)):
        data = overrides.get(n)
        source = _Source(path, data, module, is_package, key)
        sources.append(source)
        if key.startswith("unreadable:"):
            errors.append(Finding(path, 1, 0, "LG001", "cannot read: file vanished or unreadable"))
            continue
        cached = _from_cache(source, store, cache, cold)
        if cached is not None:
            built[n] = cached
            continue
        if path in trees and cold(source):  # parsed by the frontend already, and cold
            built[n] = _parsed_cold(source, import_edges(trees[path], module, is_package), store, cache)  # type: ignore[arg-type]
            continue
        if path in trees:  # parsed by the frontend already
            value = build(trees[path], path, module, is_package)
            blob = cache_mod.compress(cache_mod.dumps(value)) if cache is not None else None
            built[n] = keep(store, value, blob)
            if blob is not None:
                cache.store_model_blob(key, blob)
            continue
        if data is None:
            try:
                with open(path, "rb") as handle:
                    source.data = handle.read()
            except OSError as exc:
                errors.append(Finding(path, 1, 0, "LG001", f"cannot read: {exc.strerror or exc}"))
                continue
            source.stale = hashlib.sha256(source.data).hexdigest() != hashes[n]
        todo.append(n)
    _build_all(sources, todo, built, jobs, cache, progress, store, lazy=lazy)
    from .runner import analyse_built, late_errors

    values = [built.get(n) for n in range(len(sources))]
    _, findings = analyse_built(values, settings, progress, errors)
    findings.extend(late_errors(values))
    view: dict[str, list[Finding]] = {}
    for finding in findings:
        view.setdefault(finding.path, []).append(finding)
    return view, len(todo), any(s.stale for s in sources)


def findings_for(path: str, data: bytes | None, settings: Settings, *, root: str | None = None,
                 cache_dir: str | None = None, tree: Tree | None = None) -> list[Finding] | None:
    """One file in its project, with `path` as the findings' path; None when it has no root
    (or is neither on disk nor given: the frontend checks what it has alone)."""
    from .runner import _excluded

    root = root or find_root(path)
    if root is None or (data is None and not os.path.isfile(path)):
        return None
    if _excluded(path, tuple(settings.exclude), inside=root):
        return []  # not part of the project for `check <root>` either
    absolute = os.path.abspath(path)
    found = project_findings(root, {absolute: data}, settings,
                             cache_dir=cache_dir if cache_dir is not None else default_cache_dir(root),
                             trees={absolute: tree} if tree is not None else None)
    return [replace(f, path=path) for f in found[absolute]]
