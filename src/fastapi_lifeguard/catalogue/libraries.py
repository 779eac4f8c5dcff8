"""The library model: one record per library type or function, read by every rule.

Records come from two files shipped in `catalogue/libraries/` and from the user:
- `derived.json`, written only by `tools/derive_libraries.py` from pinned wheels (read with
  `ast`, never imported);
- `curated.toml`, hand-written records (the stdlib, corrections where source signals are weak);
  a curated record replaces a derived one of the same name;
- `[[tool.fastapi-lifeguard.libraries]]` tables in pyproject.toml, same shape, which replace both.

The record format is in docs/libraries.md. Everything the rules used to read from hand tables
(blocking calls, sync clients, call results, factories, resource types) is a query on the
merged `LibraryModel`. The shipped model is loaded once per process, on first use.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 by tox
    import tomli as tomllib

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libraries")
SCHEMA = 1

# Why a call blocks -> (the word in LG101/LG103 messages, the noun LG102 uses, the fix when
# the record names no async alternative). `console` is curated only (`input()`).
BLOCKS: dict[str, tuple[str, str, str]] = {
    "network": ("network", "network I/O",
                "use the library's async client and `await` it, or `await asyncio.to_thread(...)`"),
    "disk": ("disk", "file I/O", "use `aiofiles`/`anyio.Path`, or `await asyncio.to_thread(...)`"),
    "subprocess": ("subprocess", "a subprocess",
                   "use `await asyncio.create_subprocess_exec(...)` or `await asyncio.to_thread(...)`"),
    "lock": ("lock", "a lock wait", "`await asyncio.to_thread(...)`, or use an asyncio primitive"),
    "sleep": ("sleep", "a blocking sleep", "use `await asyncio.sleep(...)`"),
    "cpu": ("CPU-bound", "CPU-bound work",
            "run it in a worker: `await asyncio.to_thread(...)` (or `loop.run_in_executor` with a process pool)"),
    "model": ("model load", "a model load from disk",
              "load it once in the lifespan (`await asyncio.to_thread(...)`) and keep it on `app.state`"),
    "console": ("console input", "console input", "remove it from server code"),
}
# Attribute namespaces that hold a client's async twin (`client.aio.models.generate_content`,
# google-genai, grpc, azure): a chain through one is not the sync client's I/O.
ASYNC_NAMESPACES = frozenset({"aio"})
POOLS = frozenset({"http", "pool", "engine", "connection", "cache", "mongo", "search", "sdk", "queue", "model"})
KINDS = frozenset({"class", "function"})

_DOTTED = re.compile(r"^(\*\.)?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_METHOD = re.compile(r"^(\*|\[\]|[A-Za-z_][A-Za-z0-9_]*)$")
_KEYS = ("name", "dist", "kind", "aliases", "blocks", "connects", "io_methods", "non_io_methods", "optional_file", "nested",
         "returns", "pool", "shared_pool_kwargs", "release", "async_release", "async_alt", "why")


class RecordError(ValueError):
    """A record is malformed; the message is one line naming the record and the key."""


@dataclass(frozen=True, eq=False)
class Record:
    name: str
    dist: str = ""
    kind: str = "function"
    aliases: tuple[str, ...] = ()
    blocks: str = ""
    connects: bool = False
    io_methods: dict[str, str] = field(default_factory=dict)
    non_io_methods: frozenset[str] = frozenset()
    # io_methods whose file may be left out, then they return the data and touch no file
    # (`df.to_csv()`): method -> the keyword naming the file (it is also the first positional).
    optional_file: dict[str, str] = field(default_factory=dict)
    nested: bool = False
    returns: str | dict[str, str] = ""
    pool: str = ""
    shared_pool_kwargs: tuple[str, ...] = ()
    release: tuple[str, ...] = ()
    async_release: frozenset[str] = frozenset()
    async_alt: str = ""
    why: str = ""

    def io(self, method: str) -> str | None:
        """Why calling `method` on an object of this class blocks, or None."""
        hit = self.io_methods.get(method)
        if (hit is None and not method.startswith(("_", "async_")) and not method.endswith("_async")
                and method not in self.non_io_methods and method != self.async_alt):
            # "*": every public method but the listed ones and the coroutine twins (`x_async`,
            # `async_x`, the record's own `async_alt` method), which return at once unawaited.
            hit = self.io_methods.get("*")
        return hit

    def label(self) -> str:
        """How messages name the library: `huggingface_hub InferenceClient`, `requests`, `time`."""
        owner = self.name if self.kind == "class" else self.name.rsplit(".", 1)[0]
        if owner.startswith("*"):
            return self.dist
        parts = owner.split(".")
        last = len(parts) - 1 if self.kind == "class" else len(parts)  # `socket.socket` is a class too
        cut = next((i for i, p in enumerate(parts) if p[:1].isupper()), last)
        module = ".".join(parts[:cut])
        classes = ".".join(parts[cut:])
        if module == "builtins":
            module = ""
        return " ".join(p for p in (module, classes) if p)


def _strings(rname: str, key: str, value, pattern=_METHOD) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and pattern.match(v) for v in value):
        raise RecordError(f"library {rname!r}: {key} must be a list of names, got {value!r}")
    return tuple(value)


def _choice(rname: str, key: str, value, allowed) -> str:
    if value not in allowed:
        raise RecordError(f"library {rname!r}: {key} must be one of {', '.join(sorted(allowed))}, got {value!r}")
    return value


def parse_record(data) -> Record:
    """One record from a JSON/TOML table; RecordError (one line) when it is malformed."""
    if not isinstance(data, dict):
        raise RecordError(f"library record must be a table, got {data!r}")
    name = data.get("name")
    if not isinstance(name, str) or not _DOTTED.match(name):
        raise RecordError(f"library record needs a dotted `name` like 'package.Client', got {name!r}")
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise RecordError(f"library {name!r}: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    kind = _choice(name, "kind", data.get("kind", "function"), KINDS)
    out: dict = {"name": name, "kind": kind}
    for key in ("dist", "async_alt", "why"):
        if key in data:
            if not isinstance(data[key], str):
                raise RecordError(f"library {name!r}: {key} must be a string, got {data[key]!r}")
            out[key] = data[key]
    if "aliases" in data:
        out["aliases"] = _strings(name, "aliases", data["aliases"], _DOTTED)
    if "blocks" in data:
        out["blocks"] = _choice(name, "blocks", data["blocks"], BLOCKS)
    if "pool" in data:
        out["pool"] = _choice(name, "pool", data["pool"], POOLS)
    for key in ("connects", "nested"):
        if key in data:
            if not isinstance(data[key], bool):
                raise RecordError(f"library {name!r}: {key} must be true or false, got {data[key]!r}")
            out[key] = data[key]
    if "io_methods" in data:
        methods = data["io_methods"]
        if isinstance(methods, list):  # a list of names: they block on the network
            methods = {m: "network" for m in _strings(name, "io_methods", methods)}
        if not isinstance(methods, dict):
            raise RecordError(f"library {name!r}: io_methods must be a table of method = \"network\"|..., got {methods!r}")
        for method, why in methods.items():
            _strings(name, "io_methods", [method])
            _choice(name, f"io_methods.{method}", why, BLOCKS)
        out["io_methods"] = dict(methods)
    if "optional_file" in data:
        optional = data["optional_file"]
        if not isinstance(optional, dict) or not all(isinstance(v, str) for v in optional.values()):
            raise RecordError(f"library {name!r}: optional_file must be a table of method = \"keyword\", got {optional!r}")
        _strings(name, "optional_file", [*optional, *optional.values()])
        missing = sorted(set(optional) - set(out.get("io_methods", ())))
        if missing:
            raise RecordError(f"library {name!r}: optional_file names {missing[0]!r}, which is not in io_methods")
        out["optional_file"] = dict(optional)
    for key in ("non_io_methods", "async_release"):
        if key in data:
            out[key] = frozenset(_strings(name, key, data[key]))
    for key in ("shared_pool_kwargs", "release"):
        if key in data:
            out[key] = _strings(name, key, data[key])
    if "returns" in data:
        returns = data["returns"]
        if isinstance(returns, str) and _DOTTED.match(returns) and not returns.startswith("*"):
            out["returns"] = returns
        elif isinstance(returns, dict) and all(
                isinstance(k, str) and _METHOD.match(k) and isinstance(v, str) and _DOTTED.match(v) for k, v in returns.items()):
            out["returns"] = dict(returns)
        else:
            raise RecordError(f"library {name!r}: returns must be a dotted type name or a table of method = \"type\", got {returns!r}")
    if out.get("async_release") and not out["async_release"] <= set(out.get("release", ())):
        raise RecordError(f"library {name!r}: async_release must be a subset of release")
    return Record(**out)


@dataclass(frozen=True)
class ResourceType:
    """How a long-lived object is released (LG2xx): the first method is the one to advise."""

    name: str
    release: tuple[str, ...]
    async_release: frozenset[str] = frozenset()
    advice: str = ""  # fix text given by the user (`resource-factories`)

    def advised(self) -> str:
        return self.release[0]

    def is_async(self, method: str) -> bool:
        return method in self.async_release


class LibraryModel:
    """The merged records and the lookups the rules need, computed once per model."""

    def __init__(self, records: dict[str, Record], derived_from: dict[str, str] | None = None) -> None:
        self.records = records
        self.derived_from = dict(derived_from or {})
        # Different import paths of one object -> the record's name. Those of classes rename the
        # type wherever it flows (`sqlmodel.Session` is `sqlalchemy.orm.Session`); those of
        # functions only add table entries, so a message shows the name the user wrote.
        self.aliases: dict[str, str] = {}
        for r in records.values():
            for alias in r.aliases:
                if alias not in records:
                    self.aliases.setdefault(alias, r.name)
        self.type_aliases: dict[str, str] = {a: n for a, n in self.aliases.items() if records[n].kind == "class"}
        # Calls that block on the loop (LG101): functions with `blocks`, constructors that connect.
        self.blocking: dict[str, Record] = {
            n: r for n, r in records.items() if (r.kind == "function" and r.blocks) or (r.kind == "class" and r.connects)}
        # Types with I/O methods (LG103), and types whose attribute chains end in them.
        self.clients: dict[str, Record] = {n: r for n, r in records.items() if r.kind == "class" and r.io_methods}
        self.nested: frozenset[str] = frozenset(n for n, r in records.items() if r.kind == "class" and r.nested)
        # What calls and attribute reads give (type flow).
        self.call_results: dict[str, str] = {}
        self.attribute_results: dict[tuple[str, str], str] = {}
        for n, r in records.items():
            if not r.returns:
                continue
            if isinstance(r.returns, str):
                self.call_results[n] = r.returns
                continue
            for key, t in r.returns.items():
                if key == "__call__" or key not in ("*", "[]"):
                    self.call_results[f"{n}.{key}"] = t
                if key != "__call__":
                    self.attribute_results[(n, key)] = t
        self.classes: frozenset[str] = frozenset(n for n, r in records.items() if r.kind == "class")
        # LG301: calls that build a long-lived resource -> its kind.
        self.factories: dict[str, str] = {n: r.pool for n, r in records.items() if r.pool}
        self.shared_pool_kwargs: dict[str, frozenset[str]] = {
            n: frozenset(r.shared_pool_kwargs) for n, r in records.items() if r.shared_pool_kwargs}
        # LG2xx: types with a release method, and the calls that make one.
        self.resource_types: dict[str, ResourceType] = {
            n: ResourceType(n, r.release, r.async_release) for n, r in records.items() if r.kind == "class" and r.release}
        self.resource_factories: dict[str, str] = {n: n for n in self.resource_types}
        for n, r in records.items():
            made = r.returns if isinstance(r.returns, str) else ""
            if r.kind == "function" and made in self.resource_types:
                self.resource_factories[n] = made
        self.all_release: frozenset[str] = frozenset(m for t in self.resource_types.values() for m in t.release)
        for table in (self.blocking, self.call_results, self.factories, self.shared_pool_kwargs, self.resource_factories):
            for alias, name in self.aliases.items():
                if name in table and alias not in table:
                    table[alias] = table[name]

    def canonical_type(self, dotted: str) -> str | None:
        """The record name for another import path of it, or None."""
        return self.aliases.get(dotted)

    def extended(self, extra: tuple[Record, ...]) -> "LibraryModel":
        """This model with the user's records on top (they replace same-named ones)."""
        if not extra:
            return self
        return _extended(self, extra)


@lru_cache(maxsize=8)
def _extended(base: LibraryModel, extra: tuple[Record, ...]) -> LibraryModel:
    records = dict(base.records)
    for r in extra:
        records[r.name] = r
    return LibraryModel(records, base.derived_from)


def _read_records(raw, where: str) -> list[Record]:
    out = []
    for item in raw:
        try:
            out.append(parse_record(item))
        except RecordError as exc:
            raise RecordError(f"{where}: {exc}") from None
    return out


def load(directory: str = DATA) -> LibraryModel:
    """Read and merge the shipped data: curated records replace derived ones of the same name."""
    with open(os.path.join(directory, "derived.json"), encoding="utf-8") as handle:
        derived = json.load(handle)
    if derived.get("schema") != SCHEMA:
        raise RecordError(f"derived.json: schema {derived.get('schema')!r}, expected {SCHEMA}")
    with open(os.path.join(directory, "curated.toml"), "rb") as handle:
        curated = tomllib.load(handle)
    records: dict[str, Record] = {r.name: r for r in _read_records(derived.get("records", []), "derived.json")}
    for r in _read_records(curated.get("records", []), "curated.toml"):
        records[r.name] = r
    return LibraryModel(records, derived.get("derived_from", {}))


@lru_cache(maxsize=1)
def shipped() -> LibraryModel:
    """The model shipped in the package, loaded once per process on first use."""
    return load()


def user_records(value) -> tuple[Record, ...]:
    """`[[tool.fastapi-lifeguard.libraries]]`: a list of record tables (RecordError if malformed)."""
    if not isinstance(value, list):
        raise RecordError(f"expected an array of tables ([[tool.fastapi-lifeguard.libraries]]), got {type(value).__name__}")
    return tuple(parse_record(item) for item in value)


def wording(record: Record, blocks: str) -> tuple[str, str, str]:
    """(parenthesis, noun, fix) for a blocking call the record explains.

    `requests.get` (requests, network) blocks ...; LG102 "reaches network I/O (requests)";
    the fix names the async alternative when the record has one.
    """
    word, noun, fix = BLOCKS.get(blocks, BLOCKS["network"])
    label = record.label()
    if label == word:  # `subprocess.run` (subprocess), not (subprocess, subprocess)
        label = ""
    alt = record.async_alt
    if alt and blocks != "cpu":  # CPU-bound work stays CPU-bound in an async twin: a thread it is
        if "." not in alt:  # a method on the same object: `ainvoke`
            shown = f".{alt}()"
        elif (alt.rsplit(".", 1)[-1][:1].isupper() and alt.split(".", 1)[0] == record.name.split(".", 1)[0]
              and alt.rsplit(".", 1)[-1] != record.name.rsplit(".", 1)[-1]):  # not `Redis` for redis.asyncio.Redis
            shown = alt.rsplit(".", 1)[-1]  # a twin class of the same library: `AsyncInferenceClient`
        else:
            shown = alt
        fix = f"use `{shown}` and `await` it"
    return (f"{label}, {word}" if label else word), (f"{noun} ({label})" if label else noun), fix


def describe(record: Record) -> dict:
    """A record as the data files spell it (empty keys left out): `fastapi-lifeguard libraries`."""
    out: dict = {}
    for key in _KEYS:
        value = getattr(record, key)
        if key == "kind" or value not in ("", (), frozenset(), {}, False):
            out[key] = sorted(value) if isinstance(value, frozenset) else list(value) if isinstance(value, tuple) else value
    return out
