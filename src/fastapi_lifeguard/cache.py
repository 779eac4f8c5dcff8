"""The CLI's on-disk cache: per-file models and whole-run results.

Two levels, both keyed by content, never by timestamps:

- a model per file (`models/`), keyed by the file's bytes, its path and module name, the
  Python version and the tool itself: parsing and model building are most of a cold run,
  and they do not depend on settings;
- the result of a whole run (`runs/`), keyed by every file's model key plus the settings
  fingerprint: the analysis is project-wide, so any change anywhere re-runs it, but an
  unchanged tree only reads and hashes its files;
- for the project view of the per-file frontends (`index.py`): the content hash of every
  file of a project root (`index/`) and the whole project's findings by file (`views/`).

Any unreadable, corrupt or unwritable entry is a miss, never an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import sys
import tempfile
import time
import zlib
from functools import lru_cache
from operator import attrgetter
from pathlib import Path

from . import __version__
from .engine import gc_paused
from .findings import Finding

DEFAULT_DIR = ".lifeguard_cache"
LAYOUT = "v3"  # v2: frozen scopes (tuples, shared empty containers, packed loads), records pickled by constructor;
# v3: `Call.flags` has NONBLOCKING
# Models pickle to ~35 KB per file; level 1 shrinks them ~4x for ~1/50 of the cost of a parse.
COMPRESSION = 1
KEEP_RUNS = 16  # whole-run results kept (several settings or branches in one tree)
MODEL_MAX_AGE = 30 * 86400  # unused models older than this are pruned (at most once a day)

_FINDING_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(Finding)))


def _reduce_finding(finding: Finding):
    return Finding, _FINDING_FIELDS(finding)


# Frozen slotted dataclasses unpickle through a Python-level __setstate__; calling the
# constructor is about twice as fast. (Refs, most of a model's objects, are tuples already.)
_DISPATCH = {Finding: _reduce_finding}


def dumps(obj) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    with gc_paused():
        pickler.dump(obj)
    return buffer.getvalue()


def compress(data: bytes) -> bytes:
    return zlib.compress(data, COMPRESSION)


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """The version, the Python version and the package's own files (size and mtime).

    The files make a development checkout (same version, edited rules) invalidate by itself.
    """
    digest = hashlib.sha256(f"{__version__}\0{sys.version_info[:2]}\0{LAYOUT}".encode())
    package = Path(__file__).resolve().parent
    # The library data (catalogue/libraries/*.json, *.toml) changes findings like code does.
    for path in sorted((*package.rglob("*.py"), *package.glob("catalogue/libraries/*.*"))):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def model_key(path: str, module: str, is_package: bool, content_hash: str) -> str:
    text = f"{tool_fingerprint()}\0{path}\0{module}\0{is_package}\0{content_hash}"
    # File names that are not valid UTF-8 arrive as surrogate escapes: hash their bytes.
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def run_key(model_keys: list[str], settings_fingerprint: str) -> str:
    digest = hashlib.sha256(f"{tool_fingerprint()}\0{settings_fingerprint}\0".encode())
    for key in model_keys:
        digest.update(key.encode())
    return digest.hexdigest()


class Cache:
    def __init__(self, directory: str) -> None:
        self.root = Path(directory)
        self.base = self.root / LAYOUT
        self.writable = True
        self.hits = 0
        self.misses = 0

    # -- files ----------------------------------------------------------------------------
    def _model_path(self, key: str) -> Path:
        return self.base / "models" / key[:2] / f"{key}.pickle"

    def _run_path(self, key: str) -> Path:
        return self.base / "runs" / f"{key}.pickle"

    def _read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _write(self, path: Path, data: bytes) -> None:
        if not self.writable:
            return
        try:
            self.ensure_root()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)  # atomic: a concurrent reader sees the old or the new file
        except OSError:
            self.writable = False  # read-only checkout, full disk: run without caching

    def ensure_root(self) -> None:
        if not self.root.exists():
            self._create_root()

    def _create_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Like ruff's cache: invisible to git and to backup tools.
        (self.root / ".gitignore").write_text("# Automatically created by fastapi-lifeguard.\n*\n")
        (self.root / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by fastapi-lifeguard.\n")

    # -- models ---------------------------------------------------------------------------
    def load_model(self, key: str):
        found = self.load_model_blob(key)
        return None if found is None else found[0]

    def load_model_blob(self, key: str):
        """(model, its compressed pickle as stored) or None: the bytes are what a model
        store keeps (store.py), so a cached model is not pickled again."""
        data = self._read(self._model_path(key))
        if data is None:
            self.misses += 1
            return None
        try:
            with gc_paused():
                value = pickle.loads(zlib.decompress(data))
        except Exception:  # corrupt or from an incompatible layout: rebuild it
            self.misses += 1
            return None
        self.hits += 1
        return value, data

    def touch_model(self, key: str) -> None:
        try:
            os.utime(self._model_path(key))
        except OSError:
            pass

    def store_model(self, key: str, data: bytes) -> None:
        """`data` is the model as `dumps` made it (maybe in a worker process)."""
        self.store_model_blob(key, compress(data))

    def store_model_blob(self, key: str, blob: bytes) -> None:
        """`blob` is `compress(dumps(model))`."""
        self._write(self._model_path(key), blob)

    # -- runs and project views ----------------------------------------------------------
    def load_run(self, key: str):
        return self._load(self._run_path(key))

    def store_run(self, key: str, value) -> None:
        self._write(self._run_path(key), zlib.compress(dumps(value), COMPRESSION))
        self._prune()

    def load_view(self, key: str):
        value = self._load(self.base / "views" / f"{key}.pickle")
        return value if isinstance(value, dict) else None

    def store_view(self, key: str, value) -> None:
        self._write(self.base / "views" / f"{key}.pickle", zlib.compress(dumps(value), COMPRESSION))
        self._prune()

    def _load(self, path: Path):
        data = self._read(path)
        if data is None:
            return None
        try:
            with gc_paused():
                return pickle.loads(zlib.decompress(data))
        except Exception:  # corrupt, half-written by a crashed process, or another layout: a miss
            return None

    # -- any other entry (the project index) ------------------------------------------------
    def read_blob(self, path: str) -> bytes | None:
        return self._read(Path(path))

    def write_blob(self, path: str, data: bytes) -> None:
        self._write(Path(path), data)

    def _prune(self) -> None:
        try:
            for folder in (self.base / "runs", self.base / "views"):
                entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
                for old in entries[KEEP_RUNS:]:
                    old.unlink()
            stamp = self.base / "pruned"
            now = time.time()
            if stamp.exists() and now - stamp.stat().st_mtime < 86400:
                return
            stamp.touch()
            for path in (self.base / "models").glob("*/*.pickle"):
                if now - path.stat().st_mtime > MODEL_MAX_AGE:
                    path.unlink()
        except OSError:
            pass
