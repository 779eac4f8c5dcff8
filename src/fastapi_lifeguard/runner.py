"""Check a set of paths as one project: discover, read, parse, model, analyse, filter."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import pickle
import zlib
from dataclasses import dataclass, field, replace
from typing import Callable

from . import cache as cache_mod
from .catalogue.markers import is_hot
from .engine import analyse, build, decode, gc_paused, module_name, parse
from .findings import Finding
from .model.lazy import LazyModule, import_edges
from .model.records import ModuleModel
from .model.store import ModelStore, ModuleHandle
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
    cached: bool = False  # the whole result came from the cache
    parsed: int = 0  # files parsed and modelled in this run (the rest came from the cache)
    models: list[ModuleModel | ModuleHandle] | None = None  # with keep_models (fixes re-check a file against them); never cached


def _excluded(path: str, patterns: tuple[str, ...], inside: str | None = None) -> bool:
    """Does a pattern match `path`?

    Bare names (`migrations`, `*_pb2.py`) match the file or directory name; with `inside`
    (a file named explicitly) also any directory above it in the project, so that pre-commit's
    `generated/client.py` honours `exclude = ["generated"]`. Patterns with a `/` match the
    whole path; absolute ones were anchored at the config's directory by config.py.
    """
    norm = path.replace("\\", "/").rstrip("/")
    names = [norm.rsplit("/", 1)[-1]]
    if inside is not None:
        try:
            rel = os.path.relpath(os.path.abspath(path), inside).replace("\\", "/")
        except ValueError:  # another drive
            rel = "../"
        if not rel.startswith("../"):
            names = rel.split("/")
    absolute = None
    for p in patterns:
        if "/" not in p.strip("/"):
            bare = p.strip("/")
            if any(fnmatch.fnmatch(name, bare) for name in names):
                return True
            continue
        if fnmatch.fnmatch(norm, p) or fnmatch.fnmatch(norm, "*/" + p.strip("/")):
            return True
        if p.startswith("/") or (len(p) > 2 and p[1] == ":"):
            absolute = absolute or os.path.abspath(path).replace("\\", "/")
            if fnmatch.fnmatch(absolute, p) or fnmatch.fnmatch(absolute, p.rstrip("/") + "/*"):
                return True
    return False


def discover(paths: list[str], exclude: tuple[str, ...] = (), root: str | None = None) -> list[str]:
    """Python files under `paths`, sorted, skipping excluded names.

    Default excludes (`.venv`, `.git`, ...) apply only while walking directories; a file
    named explicitly (pre-commit passes each changed file) is still subject to `exclude`.
    """
    patterns = DEFAULT_EXCLUDE + tuple(exclude)
    found: list[str] = []
    for path in paths:
        if os.path.isfile(path):
            if not _excluded(path, tuple(exclude), inside=root or os.getcwd()):
                found.append(path)
            continue
        for directory, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _excluded(os.path.join(directory, d), patterns))
            for name in sorted(files):
                full = os.path.join(directory, name)
                if name.endswith(".py") and not _excluded(full, patterns):
                    found.append(full)
    return sorted(dict.fromkeys(os.path.normpath(p) for p in found))


def read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


@dataclass
class _Source:
    path: str
    data: bytes | None
    module: str = ""
    is_package: bool = False
    key: str = ""  # model cache key
    error: Finding | None = None
    cold: bool | None = None  # no marker a rule starts from (`_is_cold`), decided once
    # Dropped once built (`_drop`): its bytes are read again if needed, checked against `crc`;
    # `stale` once they are gone or changed since the run read them.
    dropped: bool = False
    crc: int = 0
    stale: bool = False

    def bytes(self) -> bytes | None:
        """Its bytes: kept, or read again from disk (as they are now: a file changed since the
        run read it is `stale`, and nothing made from it is cached; None when it is gone)."""
        if not self.dropped:
            return self.data
        try:
            data = read(self.path)
        except OSError:
            self.stale = True
            return None
        if zlib.crc32(data) != self.crc:
            self.stale = True
        return data


def _drop(source: _Source) -> None:
    """Let a file's bytes go once its model (or a cold file's import edges) is built: a run
    keeps every file's source otherwise (litellm 44 MB, sglang 68 MB, the pinned corpus ~300
    MB). What needs them later reads them again: the `noqa` check of a file with findings, a
    cold module built on demand."""
    if source.data is not None and not source.dropped:
        source.crc = zlib.crc32(source.data)
        source.data = None
        source.dropped = True


class _Bytes(dict):
    """`filter_findings`'s sources: a dropped file's bytes read when asked."""

    def __init__(self, sources: list[_Source]) -> None:
        super().__init__()
        self._by_path = {s.path: s for s in sources if s.data is not None or s.dropped}

    def __contains__(self, path) -> bool:
        return path in self._by_path

    def __getitem__(self, path) -> bytes:
        data = self._by_path[path].bytes()
        return b"" if data is None else data


def _is_cold(source: _Source, lazy: bool) -> bool:
    """Is `source` a cold file of a lazy project run (catalogue/markers.py)? Decided once per
    file, from its bytes alone: the same cold, from the cache and in every worker."""
    if source.cold is None:
        source.cold = lazy and source.data is not None and not is_hot(source.data)
    return source.cold


def _build_one(task: tuple[str, bytes, str, bool, bool]) -> bytes:
    """Parse and model one file (in a worker process); the result comes back pickled.
    A cold file (`task[4]`) is parsed only: its import edges come back, or its LG001."""
    path, data, module, is_package, cold = task
    tree = parse(data, path)
    if cold and not isinstance(tree, Finding):
        return cache_mod.dumps(("cold", import_edges(tree, module, is_package)))
    model = tree if isinstance(tree, Finding) else build(tree, path, module, is_package)
    return cache_mod.dumps(model)


def _builder(path: str, data: "bytes | Callable[[], bytes | None]", module: str, is_package: bool):
    """How a cold module's model is built on demand: its source parsed again (it parsed once
    already; `data` may be a function reading it again, as the file is now). Its LG001 when
    the build is too deep to analyse (as a hot file gets); an empty model when the source is
    gone since."""
    def build_now() -> ModuleModel | Finding:
        source = data() if callable(data) else data
        if source is None:
            return _empty(path, module, is_package)
        tree = parse(source, path)
        return tree if isinstance(tree, Finding) else build(tree, path, module, is_package)
    return build_now


def _empty(path: str, module: str, is_package: bool) -> ModuleModel:
    return build(parse("", path), path, module, is_package)  # type: ignore[arg-type,return-value]


def _cold(source: _Source, imports: tuple[str, ...], store: ModelStore, blob: bytes | None = None,
          cache=None) -> LazyModule:
    """A cold module's stand-in: built from `blob` (the model cache had it) or from its source,
    then kept in `cache` like any model built."""
    def text() -> bytes | None:  # its bytes when asked: dropped by then (`_drop`), or never read
        data = source.bytes()      # (a file the project index had in its cache)
        if data is None and not source.dropped:
            try:
                data = read(source.path)
            except OSError:
                return None
        return data
    if blob is not None:
        return LazyModule(source.path, source.module, source.is_package, imports, None, store, blob, text)
    make = _builder(source.path, text, source.module, source.is_package)
    key = source.key

    def build_now() -> ModuleModel:
        model = make()
        if isinstance(model, Finding):  # reported as a hot file's would be; an empty stand-in
            stand_in.error = model      # for the analysis, cached as nothing: built again next time
            return _empty(source.path, source.module, source.is_package)
        _store_blob(cache, source, key, lambda: cache_mod.compress(cache_mod.dumps(model)))
        return model
    stand_in = LazyModule(source.path, source.module, source.is_package, imports, build_now, store, text=text)
    return stand_in


def late_errors(values) -> list[Finding]:
    """The LG001s of cold modules whose build on demand failed (`_cold`), once analysed."""
    return [v.error for v in values if isinstance(v, LazyModule) and v.error is not None]


def _store_blob(cache, source: _Source, key: str, blob: Callable[[], bytes]) -> None:
    """Keep what was made from `source` in the model cache under `key`, unless its bytes
    changed since they were hashed for `key` (`stale`): never a model of other bytes."""
    if cache is not None and key and not source.stale:
        cache.store_model_blob(key, blob())


def _cold_key(key: str) -> str:
    """The cache entry of a cold file's summary (its import edges), beside its model's."""
    return key + "-cold"


def _cached_cold(source: _Source, store: ModelStore, cache) -> LazyModule | None:
    """A cold file's stand-in from the summary a previous run cached, without parsing it."""
    found = cache.load_model_blob(_cold_key(source.key))
    if found is None or not (isinstance(found[0], tuple) and found[0][:1] == ("cold",)):
        return None
    cache.touch_model(_cold_key(source.key))
    return _cold(source, found[0][1], store, cache=cache)


def _from_cache(source: _Source, store: ModelStore, cache, cold: Callable[[_Source], bool]):
    """What the model cache holds for `source`: its model (a stand-in when `cold(source)`), or
    a cold file's cached summary; None when the file must be parsed."""
    if cache is None:
        return None
    found = cache.load_model_blob(source.key)
    if found is not None:
        cache.touch_model(source.key)
        if isinstance(found[0], ModuleModel) and cold(source):
            return _cold(source, found[0].imports, store, blob=found[1])
        return keep(store, found[0], blob=found[1])
    return _cached_cold(source, store, cache) if cold(source) else None


def _parsed_cold(source: _Source, value, store: ModelStore, cache):
    """What a cold file's parse gives the analysis (a stand-in, or its LG001), cached."""
    if isinstance(value, Finding):
        _store_blob(cache, source, source.key, lambda: cache_mod.compress(cache_mod.dumps(value)))
        return value
    _store_blob(cache, source, _cold_key(source.key), lambda: cache_mod.compress(cache_mod.dumps(("cold", value))))
    return _cold(source, value, store, cache=cache)


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def check_paths(paths: list[str], settings: Settings, *, jobs: int = 1, cache_dir: str | None = None,
                progress: Progress | None = None, root: str | None = None, keep_models: bool = False) -> Result:
    """Check `paths` as one project (the cycle collector pauses: the models are acyclic data)."""
    with gc_paused():
        return _check_paths(paths, settings, jobs=jobs, cache_dir=cache_dir, progress=progress, root=root,
                            keep_models=keep_models)


def _check_paths(paths: list[str], settings: Settings, *, jobs: int = 1, cache_dir: str | None = None,
                 progress: Progress | None = None, root: str | None = None, keep_models: bool = False) -> Result:
    """Check `paths` as one project.

    `jobs` > 1 parses and models files in that many worker processes; the project-wide
    analysis then runs here on the models, in file order, so the output is the same for
    every `jobs`. `cache_dir` turns on the model and whole-run caches (see cache.py).
    `root` is the project directory that bare `exclude` names are relative to (default: cwd).
    """
    result = Result()
    files = discover(paths, settings.exclude, root)
    result.files = len(files)
    cache = cache_mod.Cache(cache_dir) if cache_dir else None

    sources: list[_Source] = []
    for path in files:
        try:
            data = read(path)
        except OSError as exc:
            unreadable = Finding(path, 1, 0, "LG001", f"cannot read: {exc.strerror or exc}")
            sources.append(_Source(path, None, error=unreadable))
            continue
        module, is_package = module_name(path)
        source = _Source(path, data, module, is_package)
        if cache is not None:
            source.key = cache_mod.model_key(path, module, is_package, hashlib.sha256(data).hexdigest())
        sources.append(source)

    key = None
    if cache is not None and not keep_models:
        key = cache_mod.run_key([s.key or f"unreadable:{s.path}:{s.error}" for s in sources], settings.fingerprint())
        hit = cache.load_run(key)
        if isinstance(hit, Result):
            hit.cached, hit.parsed = True, 0
            return hit

    built: dict[int, object] = {}
    todo: list[int] = []
    store = ModelStore()
    # Issue 12: in a project run, a module with no marker a rule starts from is not built
    # unless name resolution reaches it (model/lazy.py); decided from its bytes alone.
    lazy = len(sources) > 1 and not keep_models
    for n, source in enumerate(sources):
        if source.data is None:
            continue
        cached = _from_cache(source, store, cache, lambda s: _is_cold(s, lazy))
        if cached is not None:
            built[n] = cached
            _drop(source)
        else:
            todo.append(n)
    result.parsed = len(todo)
    _build_all(sources, todo, built, jobs, cache, progress, store, lazy=lazy, drop=True)

    values = [s.error if s.error is not None else built[n] for n, s in enumerate(sources)]
    models, findings = analyse_built(values, settings, progress)
    findings.extend(late_errors(values))
    result.findings = filter_findings(findings, settings, _Bytes(sources), result.lines)
    if cache is not None and key is not None and not any(s.stale for s in sources):
        cache.store_run(key, result)  # not when a file changed during the run: not what `key` hashed
    if keep_models:
        result.models = models
    return result


def check_in_projects(paths: list[str], settings: Settings, *, jobs: int = 1, cache_dir: str | None = None,
                      project_cache_dir: str | None = None, use_cache: bool = True,
                      progress: Progress | None = None, root: str | None = None) -> Result:
    """`check FILE...` (pre-commit passes the changed files): each file reported as
    `check <its project root>` reports it (SPEC §5, `index.py`). Files with no root above
    them are checked together as today, with `cache_dir`. `project_cache_dir` overrides each
    root's default cache (`<root>/.lifeguard_cache`)."""
    from .index import default_cache_dir, find_root, project_findings

    result = Result()
    files = discover(paths, settings.exclude, root)
    result.files = len(files)
    groups: dict[str | None, list[str]] = {}
    for path in files:
        groups.setdefault(find_root(path), []).append(path)
    loose = groups.pop(None, [])
    if loose:
        alone = check_paths(loose, settings, jobs=jobs, cache_dir=cache_dir if use_cache else None,
                            progress=progress, root=root)
        result.findings.extend(alone.findings)
        result.lines.update(alone.lines)
        result.parsed += alone.parsed
    found: list[Finding] = []
    data_of: dict[str, bytes] = {}
    stats: dict = {}
    for project_root, members in groups.items():
        directory = (project_cache_dir or default_cache_dir(project_root)) if use_cache else None
        view = project_findings(project_root, {os.path.abspath(p): None for p in members}, settings,
                                cache_dir=directory, jobs=jobs, progress=progress, stats=stats)
        for path in members:
            raw = view[os.path.abspath(path)]
            found.extend(replace(f, path=path) for f in raw)
            if raw:
                try:
                    data_of[path] = read(path)
                except OSError:
                    pass
    result.findings.extend(filter_findings(found, settings, data_of, result.lines))
    result.findings.sort()
    result.parsed += stats.get("parsed", 0)
    result.cached = bool(groups) and not loose and stats.get("cached", False)
    return result


def keep(store: ModelStore, value, blob: bytes | None = None):
    """A built value as the analysis keeps it: a model as a stored handle (`blob`: its
    compressed pickle, when at hand), an LG001 as it is."""
    return store.keep(value, blob) if isinstance(value, ModuleModel) else value


def _build_all(sources: list[_Source], todo: list[int], built: dict[int, object], jobs: int,
               cache, progress: Progress | None, store: ModelStore, lazy: bool = False,
               drop: bool = False) -> None:
    """Parse and model the files `todo`; `built` gets each one's handle (or LG001). A model
    lives only while its file is built: the store keeps its compressed bytes. `lazy`: a cold
    file (no marker, catalogue/markers.py) is parsed only and kept as a `LazyModule` (its
    import edges cached); its model is built (and cached) only if the analysis asks for it.
    `drop`: each file's bytes go once it is built (`_drop`; only for files read from disk)."""
    for n in todo:
        _is_cold(sources[n], lazy)
    tasks = ((sources[n].path, sources[n].data, sources[n].module, sources[n].is_package, sources[n].cold)
             for n in todo)
    total = len(todo)
    if jobs > 1 and total >= 2 * jobs:
        from concurrent.futures import ProcessPoolExecutor

        # Small chunks keep the progress moving and the workers balanced; big files are rare.
        chunk = max(1, min(32, total // (jobs * 8)))
        with ProcessPoolExecutor(max_workers=jobs) as pool, gc_paused():
            for done, (n, data) in enumerate(zip(todo, pool.map(_build_one, tasks, chunksize=chunk)), 1):
                if drop:
                    _drop(sources[n])
                if sources[n].cold:
                    value = pickle.loads(data)
                    built[n] = _parsed_cold(sources[n], value if isinstance(value, Finding) else value[1], store, cache)
                    if progress:
                        progress("parsing", done, total)
                    continue
                blob = cache_mod.compress(data) if cache is not None else None
                built[n] = keep(store, pickle.loads(data), blob)
                if blob is not None:
                    _store_blob(cache, sources[n], sources[n].key, lambda blob=blob: blob)
                if progress:
                    progress("parsing", done, total)
        return
    for done, (n, task) in enumerate(zip(todo, tasks), 1):
        path, data, module, is_package, cold = task
        tree = parse(data, path)
        del data, task
        if drop:
            _drop(sources[n])
        if cold:
            built[n] = _parsed_cold(sources[n], tree if isinstance(tree, Finding) else import_edges(tree, module, is_package),
                                    store, cache)
            del tree
            if progress:
                progress("parsing", done, total)
            continue
        value = tree if isinstance(tree, Finding) else build(tree, path, module, is_package)
        del tree
        blob = cache_mod.compress(cache_mod.dumps(value)) if cache is not None else None
        built[n] = keep(store, value, blob)
        del value
        if blob is not None:
            _store_blob(cache, sources[n], sources[n].key, lambda blob=blob: blob)
        if progress:
            progress("parsing", done, total)


def filter_findings(findings: list[Finding], settings: Settings, sources: dict[str, bytes],
                    lines_out: dict[str, list[str]]) -> list[Finding]:
    kept = []
    for f in sorted(set(findings)):
        if f.code != "LG001" and not settings.enabled(f.code, os.path.abspath(f.path)):
            continue
        lines = lines_out.get(f.path)
        if lines is None and f.path in sources:
            data = sources[f.path]
            try:
                text = decode(data)
            except (SyntaxError, UnicodeDecodeError, LookupError):
                text = data.decode("latin-1")
            lines = lines_out[f.path] = text.splitlines()
        line = lines[f.line - 1] if lines and 0 < f.line <= len(lines) else ""
        if f.code != "LG001" and suppressed(line, f.code):
            continue
        kept.append(f)
    return kept


def analyse_built(values, settings: Settings, progress=None, findings: list[Finding] | None = None):
    """The models and LG001 findings of built files, analysed as one project: (models, findings)."""
    findings = list(findings or ())
    models = [v for v in values if isinstance(v, (ModuleModel, ModuleHandle))]
    findings.extend(v for v in values if isinstance(v, Finding))
    if progress:
        progress("analysing", 0, 1)
    findings.extend(analyse(models, settings))
    return models, findings
