"""Where full module models live while a project is analysed.

Under a bounded `ModelStore` a project analysis sees every module through a `ModuleHandle`:
the module's name, path and imports (the summary whole-project passes read), and its full
model (scopes, calls) loaded on demand from its pickled, compressed bytes. The store keeps at
most its capacity of full models loaded; the least recently used is dropped when another is
loaded, so the models' share of memory follows the largest modules, not the whole tree
(litellm, 3,135 files: every model kept takes ~600 MB; their compressed bytes ~34 MB).

Facts, memo tables and findings then hold handles (stable for the whole analysis, so
`id(handle)` and `is` work as keys), never full models. Records taken from a model (a `Call`,
a `Scope`) stay valid after it is dropped: a reload gives equal records.

Unbounded (the default, `CAPACITY`), the store hands out the models themselves: handles and
models answer the same questions, so the analysis runs on either.
"""

from __future__ import annotations

import pickle
import zlib
from collections import deque

from .records import Call, ModuleModel, Scope

# Full models loaded at once; None: every model stays loaded (nothing is pickled or dropped).
# Measured on litellm (3,135 files, `bench/memory.py`): 128 keeps RSS after building at 137 MB
# (every model: 677 MB), but today's analysis makes ~15 whole-project passes, each loading every
# model again, and its facts keep records (calls and refs in call sites and memos) of every
# generation loaded. With the cold path (stop 20, `check_paths` with 256): 49,630 loads, 64 s CPU
# against 12 s, peak RSS 729 MB against 684 MB unbounded. Bounded is the default once the
# passes run on per-module summaries and the facts hold keys; until then a bound is for tests
# and measurement.
CAPACITY: int | None = None
COMPRESSION = 1  # as the cache's (cache.py): its model files are kept as they are read


class ModelStore:
    """The loaded full models, a bounded least-recently-used set (second-chance clock: a hit
    only sets a flag, so a hit costs an attribute store, not a reordering).

    A model is pickled when it is first dropped, unless its bytes came with it (the cache
    read them): a project that fits is never pickled."""

    def __init__(self, capacity: int | None = None) -> None:
        capacity = capacity or CAPACITY
        self.capacity = max(1, capacity) if capacity else None
        self._loaded: deque[ModuleHandle] = deque()
        self.loads = 0  # full models unpickled again (the cost of a small capacity)
        self.dropped = 0

    def keep(self, model: ModuleModel, blob: bytes | None = None) -> "ModuleModel | ModuleHandle":
        """What the analysis gets for `model` (`blob`: its compressed pickle, when at hand):
        unbounded, the model itself (no indirection on the hot path); bounded, a handle."""
        if self.capacity is None:
            return model
        handle = ModuleHandle(model, self, blob)
        handle._full = model
        self._admit(handle)
        return handle

    def load(self, handle: "ModuleHandle") -> ModuleModel:
        model = pickle.loads(zlib.decompress(handle._blob))  # type: ignore[arg-type]  # noqa: S301 - ours
        handle._full = model
        self.loads += 1
        self._admit(handle)
        return model

    def _admit(self, handle: "ModuleHandle") -> None:
        if self.capacity is None:
            return
        handle._used = False
        loaded = self._loaded
        loaded.append(handle)
        while len(loaded) > self.capacity:
            old = loaded.popleft()
            if old._used:
                old._used = False
                loaded.append(old)
                continue
            if old._blob is None:
                old._blob = zlib.compress(pickle.dumps(old._full, pickle.HIGHEST_PROTOCOL), COMPRESSION)
            old._full = None
            self.dropped += 1


class ModuleHandle:
    """One module of the project: its summary always, its full model on demand."""

    __slots__ = ("path", "module", "is_package", "imports", "_full", "_store", "_blob", "_used")

    def __init__(self, model: ModuleModel, store: ModelStore | None = None, blob: bytes | None = None) -> None:
        # Pinned (no store): the model given stays. Stored: the store loads and drops it.
        self.path = model.path
        self.module = model.module  # dotted module name, "" when unknown
        self.is_package = model.is_package
        self.imports = model.imports
        self._store = store
        self._blob = blob
        self._used = False
        self._full: ModuleModel | None = model

    def full(self) -> ModuleModel:
        full = self._full
        if full is None:
            return self._store.load(self)  # type: ignore[union-attr]
        self._used = True
        return full

    @property
    def scopes(self) -> list[Scope]:
        return self.full().scopes

    @property
    def calls(self) -> list[Call]:
        return self.full().calls

    def scope_of(self, call: Call) -> Scope:
        return self.scopes[call.scope]

    def behind_cache(self, call: Call, kept_on_objects: bool = False, by_key: bool = True,
                     tested: bool = False) -> bool:
        return self.full().behind_cache(call, kept_on_objects, by_key, tested)

    def binding_scope(self, sid: int, name: str) -> int | None:
        return self.full().binding_scope(sid, name)

    def __repr__(self) -> str:
        return f"<module {self.module or self.path}>"
