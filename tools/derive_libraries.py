"""Derive the library model from pinned library sources (issue 10, SPEC §4).

    python tools/derive_libraries.py                 # download (cached), derive, write derived.json
    python tools/derive_libraries.py --check         # exit 1 when derived.json differs from a fresh run
    python tools/derive_libraries.py --record-hashes # fill in the sha256 of pins that have none
    python tools/derive_libraries.py --source DIR    # derive from an unpacked tree (private SDKs)

The pins are `tools/derive_pins.toml`. Each wheel is downloaded once with
`pip download --no-deps --only-binary=:all:` (an sdist only where a distribution has no wheel)
into the cache (`$LIFEGUARD_DERIVE_CACHE`, default `~/.cache/fastapi-lifeguard-derive`), its
sha256 checked against the pin, and its `.py` files read with `ast` from the archive: nothing
is installed or imported.

What the source says, and what becomes of it (one record per public class or function of the
pinned `surface` modules; format: docs/libraries.md):
- reach: an iterative fixpoint over the call graph of every pinned distribution together
  (module functions, `self.method` in the class's own MRO, `super()`, imported names,
  attributes whose type is known from `self.x = T(...)`/annotations, and functions handed
  over as arguments, as retry wrappers do) finds which functions reach a primitive in
  `SINKS` (socket, ssl, http.client, urllib3, requests, sync httpx, time.sleep, files,
  subprocess, thread waits). Coroutines stop it: calling an `async def` runs nothing.
- twins: a class `X` beside `AsyncX` (or `X` in an `.aio` namespace) is its async
  alternative; a method `m` beside an `async def` `am`/`m_async`/`async_m`/`amethod` is
  I/O even where its body's reach is hidden (gRPC stubs, C extensions) and names its twin.
- returns: return annotations and `return T(...)`, so type flow follows factories and
  accessors (`Client.bucket()` -> `Bucket`).
- lifecycle: `close`/`aclose`/... methods and whether they are `async def`; a class that
  holds an HTTP session or connection pool in an attribute owns a pool (LG301/LG201).
Facts the source cannot give (boto3's generated clients, C extensions, CPU cost) are curated
records in `catalogue/libraries/curated.toml`, which replace derived ones of the same name.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import hashlib
import json
import os
import posixpath
import re
import subprocess
import sys
import tarfile
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass, field

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PINS = os.path.join(HERE, "derive_pins.toml")
OUTPUT = os.path.join(ROOT, "src", "fastapi_lifeguard", "catalogue", "libraries", "derived.json")
CACHE = os.environ.get("LIFEGUARD_DERIVE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "fastapi-lifeguard-derive")
# One platform for every binary wheel, so the files (and their hashes) do not depend on the
# machine that runs the command. Pure-Python wheels are the same everywhere.
PLATFORM = ["--python-version", "3.12", "--implementation", "cp", "--platform", "manylinux_2_28_x86_64",
            "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64"]

# ---- primitives that block, by canonical dotted name ---------------------------------------
# The call graph ends in these. Names of pinned distributions (requests, httpx, urllib3) are
# canonicalised through the index like any call, so `requests.Session.request` matches the
# definition `requests.sessions.Session.request`.
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
SINKS: dict[str, str] = {
    **{f"socket.{n}": "network" for n in (
        "socket", "create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
        "socket.connect", "socket.recv", "socket.sendall", "socket.send", "socket.recv_into", "socket.accept")},
    "ssl.SSLContext.wrap_socket": "network",
    # event loops of sync clients (kafka-python, pika): waiting on sockets
    "select.select": "network",
    "select.poll": "network",
    "selectors.DefaultSelector.select": "network",
    "selectors.BaseSelector.select": "network",
    "ssl.wrap_socket": "network",
    "ssl.SSLSocket.do_handshake": "network",
    **{f"http.client.{n}": "network" for n in (
        "HTTPConnection", "HTTPSConnection", "HTTPConnection.request", "HTTPConnection.getresponse",
        "HTTPConnection.connect", "HTTPResponse.read")},
    "urllib.request.urlopen": "network",
    "urllib.request.urlretrieve": "network",
    "urllib.request.OpenerDirector.open": "network",
    **{f"requests.{v}": "network" for v in _VERBS},
    **{f"requests.Session.{v}": "network" for v in (*_VERBS, "send")},
    **{f"httpx.{v}": "network" for v in (*_VERBS, "stream")},
    **{f"{h}.Client.{v}": "network" for v in (*_VERBS, "send", "stream") for h in ("httpx", "httpx2")},
    **{f"httpx2.{v}": "network" for v in (*_VERBS, "stream")},
    "urllib3.request": "network",
    **{f"urllib3.PoolManager.{v}": "network" for v in ("request", "urlopen", "request_encode_url", "request_encode_body")},
    "urllib3.HTTPConnectionPool.urlopen": "network",
    "urllib3.HTTPConnectionPool.request": "network",
    "smtplib.SMTP": "network",
    "smtplib.SMTP.sendmail": "network",
    "smtplib.SMTP.send_message": "network",
    "ftplib.FTP": "network",
    "grpc.UnaryUnaryMultiCallable.__call__": "network",
    "time.sleep": "sleep",
    **{f"subprocess.{n}": "subprocess" for n in ("run", "call", "check_call", "check_output", "Popen", "getoutput")},
    "os.system": "subprocess",
    "os.popen": "subprocess",
    "builtins.open": "disk",
    "io.open": "disk",
    **{f"pathlib.Path.{m}": "disk" for m in ("open", "read_text", "read_bytes", "write_text", "write_bytes")},
    **{f"shutil.{m}": "disk" for m in ("copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree")},
    "threading.Event.wait": "lock",
    "threading.Condition.wait": "lock",
    "threading.Thread.join": "lock",
    "concurrent.futures.Future.result": "lock",
    "queue.Queue.get": "lock",
}
# When a function reaches several, the record names the first of these.
PRIORITY = ("network", "subprocess", "disk", "sleep", "lock")
_BIT = {c: 1 << i for i, c in enumerate(PRIORITY)}
# Attribute types that make a class own a pool of connections (LG301/LG201).
POOL_TYPES = ("requests.Session", "httpx.Client", "httpx.AsyncClient", "httpx2.Client", "httpx2.AsyncClient", "urllib3.PoolManager",
              "urllib3.HTTPConnectionPool", "aiohttp.ClientSession")
RELEASE = ("close", "aclose", "shutdown", "disconnect", "dispose", "stop", "terminate")
# Methods that hand out a copy or a view of the client, or describe it: no I/O of their own
# even when the class's twin has an async spelling (the signal is about calls, not builders).
_TWIN_PATTERNS = (("a", ""), ("", "_async"), ("async_", ""))
_MAX_NESTED_DEPTH = 3


# ---- pins and downloads ----------------------------------------------------------------------
@dataclass
class Pin:
    name: str
    version: str
    sha256: str = ""
    role: str = "records"
    category: str = ""
    surface: list[str] | None = None
    include: list[str] = field(default_factory=list)


def read_pins(path: str = PINS) -> list[Pin]:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return [Pin(**d) for d in data.get("dist", [])]


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(pin: Pin, cache: str = CACHE) -> str:
    """The path of the pinned file in the cache, downloaded once; its sha256 checked."""
    folder = os.path.join(cache, f"{pin.name}-{pin.version}")
    os.makedirs(folder, exist_ok=True)
    found = [f for f in sorted(os.listdir(folder)) if f.endswith((".whl", ".tar.gz", ".zip"))]
    if not found:
        base = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", folder, f"{pin.name}=={pin.version}"]
        done = subprocess.run([*base, "--only-binary=:all:", *PLATFORM], capture_output=True, text=True)
        if done.returncode != 0:  # no wheel for this platform or at all: the sdist
            done = subprocess.run([*base, "--no-binary=:all:"], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"derive: cannot download {pin.name}=={pin.version}: {done.stderr.strip()[-400:]}")
        found = [f for f in sorted(os.listdir(folder)) if f.endswith((".whl", ".tar.gz", ".zip"))]
    path = os.path.join(folder, found[0])
    if pin.sha256 and _sha256(path) != pin.sha256:
        raise SystemExit(f"derive: {found[0]}: sha256 {_sha256(path)} differs from the pin {pin.sha256}")
    return path


def archive_sources(path: str, include: list[str]) -> dict[str, str]:
    """`{posix path inside the package tree: source}` for every .py file of a wheel or sdist."""
    out: dict[str, str] = {}
    if path.endswith(".whl") or path.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            items = [(n, lambda n=n: archive.read(n)) for n in archive.namelist()]
            _collect(items, include, out, strip=0)
    else:
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            items = [(m.name, lambda m=m: archive.extractfile(m).read()) for m in members]
            _collect(items, include, out, strip=1)
    return out


def _collect(items, include: list[str], out: dict[str, str], strip: int) -> None:
    for name, read in items:
        parts = name.split("/")[strip:]
        if parts and parts[0] == "src":
            parts = parts[1:]
        rel = "/".join(parts)
        if not rel.endswith(".py") or ".dist-info/" in rel or ".data/" in rel:
            continue
        if parts[0] in ("tests", "test", "docs", "examples", "setup.py", "benchmarks") or "/tests/" in rel:
            continue
        if include and not any(fnmatch.fnmatch(rel, g) for g in include):
            continue
        out[rel] = read().decode("utf-8", "replace")


# ---- the index: modules, classes, functions ----------------------------------------------------
@dataclass(eq=False)
class Func:
    qual: str  # module.Class.name or module.name
    node: ast.FunctionDef | ast.AsyncFunctionDef
    module: "Module"
    owner: "Klass | None"
    is_async: bool
    kind: str  # "function" | "method" | "property" | "classmethod" | "staticmethod"
    order: int


@dataclass(eq=False)
class Klass:
    qual: str
    node: ast.ClassDef
    module: "Module"
    bases: list[str] | None = None  # canonical names, resolved on first use
    methods: dict[str, Func] = field(default_factory=dict)
    # attribute -> [(expression, method that assigns it or None at class level, is an annotation)]
    attr_exprs: dict[str, list[tuple[ast.expr, Func | None, bool]]] = field(default_factory=lambda: defaultdict(list))


@dataclass(eq=False)
class Module:
    name: str
    dist: str
    is_package: bool
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> absolute dotted target
    defs: dict[str, object] = field(default_factory=dict)  # name -> Func | Klass
    assigns: dict[str, ast.expr] = field(default_factory=dict)  # module-level name = expr
    exports: list[str] | None = None  # __all__
    lazy: dict[str, str] = field(default_factory=dict)  # lazily exported name -> module
    star: list[str] = field(default_factory=list)  # `from .main import *` at module level


def _module_name(rel: str) -> tuple[str, bool]:
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _resolve_relative(module: Module, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([target] if target else [])])


def _decorators(node) -> set[str]:
    out = set()
    for d in node.decorator_list:
        d = d.func if isinstance(d, ast.Call) else d
        if isinstance(d, ast.Name):
            out.add(d.id)
        elif isinstance(d, ast.Attribute):
            out.add(d.attr)
    return out


class _Modules(dict):
    """Modules parsed on first use: a wheel has thousands (openai's generated types) and a
    derivation needs the few its public names and call graph reach."""

    def __init__(self, index: "Index") -> None:
        super().__init__()
        self.index = index
        self.pending: dict[str, tuple[str, bool, str, str]] = {}  # name -> (dist, is_package, path, source)

    def __missing__(self, name: str) -> Module:
        raise KeyError(name)

    def get(self, name, default=None):
        if name in self:
            return dict.__getitem__(self, name)
        item = self.pending.pop(name, None)
        if item is None:
            return default
        dist, is_package, rel, source = item
        try:
            tree = ast.parse(source, filename=rel)
        except (SyntaxError, ValueError):
            tree = ast.Module(body=[], type_ignores=[])
        module = Module(name, dist, is_package, tree)
        self[name] = module
        self.index._read_module(module)
        return module

    def __getitem__(self, name):
        module = self.get(name)
        if module is None:
            raise KeyError(name)
        return module

    def known(self, name: str) -> bool:
        return name in self or name in self.pending


class Index:
    def __init__(self) -> None:
        self.modules = _Modules(self)
        self.funcs: dict[str, Func] = {}
        self.classes: dict[str, Klass] = {}
        self.dist_of_top: dict[str, str] = {}
        self.dist_modules: dict[str, list[str]] = defaultdict(list)
        self._mro: dict[str, list] = {}

    # building
    def add_sources(self, dist: str, sources: dict[str, str]) -> None:
        for rel in sorted(sources):
            name, is_package = _module_name(rel)
            if not name or self.modules.known(name):
                continue
            self.modules.pending[name] = (dist, is_package, rel, sources[rel])
            self.dist_modules[dist].append(name)
            self.dist_of_top.setdefault(name.split(".")[0], dist)

    def _read_module(self, module: Module) -> None:
        order = 0
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        module.imports[alias.asname] = alias.name
                    else:
                        module.imports.setdefault(alias.name.split(".")[0], alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                base = _resolve_relative(module, node.level, node.module)
                for alias in node.names:
                    if alias.name != "*":
                        module.imports.setdefault(alias.asname or alias.name, f"{base}.{alias.name}")
                    elif node.col_offset == 0:
                        module.star.append(base)
        for node in module.tree.body:
            self._read_top(module, node)
        for node in module.tree.body:
            # lazy re-exports: `{"inference._client": ["InferenceClient", ...]}` maps in __init__
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict) and module.is_package:
                for key, value in zip(node.value.keys, node.value.values):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(value, (ast.List, ast.Tuple, ast.Set)):
                        sub = key.value.lstrip(".")
                        for item in value.elts:
                            if isinstance(item, ast.Constant) and isinstance(item.value, str) and item.value.isidentifier():
                                module.lazy.setdefault(item.value, f"{module.name}.{sub}")
        del order

    def _read_top(self, module: Module, node, prefix: str = "") -> None:
        if isinstance(node, (ast.If, ast.Try)):
            for child in [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", []),
                          *[s for h in getattr(node, "handlers", []) for s in h.body]]:
                self._read_top(module, child)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = f"{module.name}.{node.name}"
            func = Func(qual, node, module, None, isinstance(node, ast.AsyncFunctionDef), "function", node.lineno)
            module.defs.setdefault(node.name, func)
            self.funcs.setdefault(qual, func)
        elif isinstance(node, ast.ClassDef):
            qual = f"{module.name}.{node.name}"
            klass = Klass(qual, node, module)
            module.defs.setdefault(node.name, klass)
            self.classes.setdefault(qual, klass)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    decos = _decorators(item)
                    kind = ("property" if decos & {"property", "cached_property", "cached"} else
                            "classmethod" if "classmethod" in decos else
                            "staticmethod" if "staticmethod" in decos else "method")
                    if "overload" in decos or (decos & {"setter", "deleter"}):
                        continue
                    func = Func(f"{qual}.{item.name}", item, module, klass, isinstance(item, ast.AsyncFunctionDef), kind, item.lineno)
                    klass.methods.setdefault(item.name, func)
                    self.funcs.setdefault(func.qual, func)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    klass.attr_exprs[item.target.id].append((item.annotation, None, True))
                elif isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
                    klass.attr_exprs[item.targets[0].id].append((item.value, None, False))
            for func in klass.methods.values():
                for sub in ast.walk(func.node):
                    if isinstance(sub, (ast.Assign, ast.AnnAssign)):
                        targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                        for t in targets:
                            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                                if isinstance(sub, ast.AnnAssign):
                                    klass.attr_exprs[t.attr].append((sub.annotation, func, True))
                                if sub.value is not None:
                                    klass.attr_exprs[t.attr].append((sub.value, func, False))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and node.value is not None:
                    if t.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
                        module.exports = [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                    else:
                        module.assigns.setdefault(t.id, node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == "__all__":
            if isinstance(node.value, (ast.List, ast.Tuple)) and module.exports is not None:
                module.exports += [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


    # names
    def split(self, dotted: str) -> tuple[Module | None, list[str]]:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.modules.get(".".join(parts[:cut]))
            if module is not None:
                return module, parts[cut:]
        return None, parts

    def canonical(self, dotted: str, depth: int = 0) -> str:
        """The definition a dotted name refers to (following re-exports), or the name itself."""
        if depth > 12:
            return dotted
        module, rest = self.split(dotted)
        if module is None or not rest:
            return dotted
        head = rest[0]
        if head in module.defs:
            return ".".join([module.name, *rest])
        if head in module.imports:
            target = module.imports[head]
            if target == dotted or target.startswith(dotted + "."):
                return dotted
            return self.canonical(".".join([target, *rest[1:]]), depth + 1)
        if head in module.lazy:
            return self.canonical(".".join([module.lazy[head], *rest]), depth + 1)
        if head in module.assigns:
            value = module.assigns[head]
            if isinstance(value, (ast.Name, ast.Attribute)):  # `Client = SyncClient`
                target = self.expr_name(module, value, depth + 1)
                if target and target != dotted:
                    return self.canonical(".".join([target, *rest[1:]]), depth + 1)
            return dotted
        for star in module.star:  # litellm: `from .main import *`
            source = self.modules.get(star)
            if source is not None and (head in source.defs or head in source.imports or head in source.assigns):
                return self.canonical(".".join([star, *rest]), depth + 1)
        return dotted

    def expr_name(self, module: Module, expr, depth: int = 0) -> str:
        """The canonical dotted name of a Name/Attribute chain in module scope, or ''."""
        parts = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return ""
        head = expr.id
        if head in module.defs:
            base = f"{module.name}.{head}"
        elif head in module.imports:
            base = module.imports[head]
        elif head in module.assigns and isinstance(module.assigns[head], (ast.Name, ast.Attribute)) and not parts:
            base = f"{module.name}.{head}"
        elif hasattr(__builtins__, head) if not isinstance(__builtins__, dict) else head in __builtins__:
            base = f"builtins.{head}"
        else:
            return ""
        return self.canonical(".".join([base, *reversed(parts)]), depth)

    def mro(self, klass: Klass) -> list[Klass | str]:
        """The class, its package bases depth first, and external bases as names."""
        cached = self._mro.get(klass.qual)
        if cached is None:
            cached = self._mro[klass.qual] = self._mro_walk(klass, set())
        return cached

    def _mro_walk(self, klass: Klass, seen: set) -> list[Klass | str]:
        if klass.qual in seen:
            return []
        seen.add(klass.qual)
        out: list[Klass | str] = [klass]
        if klass.bases is None:
            klass.bases = [b for b in (self.expr_name(klass.module, base) for base in klass.node.bases) if b]
        for base in klass.bases:
            if base in self.classes:
                out += self._mro_walk(self.classes[base], seen)
            elif base not in seen:
                seen.add(base)
                out.append(base)
        return out

    def lookup(self, klass: Klass, name: str) -> Func | str | None:
        for k in self.mro(klass):
            if isinstance(k, str):
                if k.startswith("builtins.") or k.split(".")[0] in ("typing", "abc", "enum", "pydantic", "typing_extensions"):
                    continue
                return f"{k}.{name}"
            if name in k.methods:
                return k.methods[name]
        return None

    def subclasses_of(self, qual: str) -> bool:
        return qual in self.classes

    def is_subclass(self, klass: Klass, base: str) -> bool:
        return any(k is not None and (k.qual if isinstance(k, Klass) else k) == base for k in self.mro(klass))


# ---- types of expressions ---------------------------------------------------------------------
class Typer:
    """Best-effort static types: class names (canonical), from constructors and annotations."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._returns: dict[str, str] = {}
        self._attr: dict[tuple[str, str], str] = {}

    def annotation(self, module: Module, node) -> str:
        if node is None:
            return ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return ""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.annotation(module, node.left) or self.annotation(module, node.right)
        if isinstance(node, ast.Subscript):
            outer = self.index.expr_name(module, node.value)
            if outer.rsplit(".", 1)[-1] in ("Optional", "Union", "Annotated"):
                inner = node.slice
                elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
                for e in elts:
                    t = self.annotation(module, e)
                    if t and t != "builtins.None":
                        return t
                return ""
            return ""
        name = self.index.expr_name(module, node) if isinstance(node, (ast.Name, ast.Attribute)) else ""
        if name in self.index.classes or (name and not name.startswith(("builtins.", "typing.")) and name[:1] != "_"):
            return name if self._classlike(name) else ""
        return ""

    def _classlike(self, name: str) -> bool:
        if name in self.index.classes:
            return True
        last = name.rsplit(".", 1)[-1]
        return last[:1].isupper() and name.split(".")[0] not in ("typing", "typing_extensions", "collections")

    def returns(self, func: Func, depth: int = 0) -> str:
        if func.qual in self._returns:
            return self._returns[func.qual]
        self._returns[func.qual] = ""
        found = self.annotation(func.module, func.node.returns)
        if found.rsplit(".", 1)[-1] in ("Self",) and func.owner:
            found = func.owner.qual
        if not found and depth < 3:
            seen = set()
            for node in _own_nodes(func.node):
                if isinstance(node, ast.Return) and node.value is not None:
                    t = self.expr(func, node.value, {}, depth + 1)
                    seen.add(t)
            seen.discard("")
            if len(seen) == 1:
                found = seen.pop()
        self._returns[func.qual] = found
        return found

    def attribute(self, klass: Klass, attr: str, depth: int = 0) -> str:
        key = (klass.qual, attr)
        if key in self._attr:
            return self._attr[key]
        self._attr[key] = ""
        found = ""
        for k in self.index.mro(klass):
            if not isinstance(k, Klass):
                continue
            method = k.methods.get(attr)
            if method is not None and method.kind == "property":
                found = self.returns(method, depth + 1)
            for expr, where, is_annotation in k.attr_exprs.get(attr, ()):
                if found:
                    break
                if is_annotation:
                    found = self.annotation(k.module, expr)
                elif where is not None:
                    found = self.expr(_rebind(where, klass) if where.owner is not klass else where, expr, {}, depth + 1)
            if found:
                break
        self._attr[key] = found
        return found

    def owned(self, klass: Klass, attr: str) -> str:
        """The type of an attribute the object builds itself (`self.models = Models(self)`, a
        property that returns `Chat(self)`), not one handed in: a back-reference
        (`bucket.client`) is not part of the object."""
        for k in self.index.mro(klass):
            if not isinstance(k, Klass):
                continue
            method = k.methods.get(attr)
            if method is not None and method.kind == "property":
                for n in _own_nodes(method.node):
                    if not isinstance(n, ast.Return) or n.value is None:
                        continue
                    value = n.value
                    if _builds(value):
                        return self.attribute(klass, attr)
                    # `return self._models`, built in __init__ (google-genai)
                    if (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self"
                            and value.attr != attr and self.owned(klass, value.attr)):
                        return self.owned(klass, value.attr)
                return ""
            if any(where is not None and _builds(expr) for expr, where, _ in k.attr_exprs.get(attr, ())):
                return self.attribute(klass, attr)
        return ""

    def expr(self, func: Func | None, node, local: dict[str, str], depth: int = 0) -> str:
        if func is None or depth > 6:
            return ""
        module = func.module
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                t = self.expr(func, v, local, depth + 1)
                if t:
                    return t
            return ""
        if isinstance(node, ast.IfExp):
            return self.expr(func, node.body, local, depth + 1) or self.expr(func, node.orelse, local, depth + 1)
        if isinstance(node, ast.Name):
            if node.id in local:
                return local[node.id]
            if node.id in ("self", "cls") and func.owner:
                return func.owner.qual
            param = _param_annotation(func.node, node.id)
            if param is not None:
                return self.annotation(module, param)
            return ""
        if isinstance(node, ast.Attribute):
            base = self.expr(func, node.value, local, depth + 1)
            if base in self.index.classes:
                return self.attribute(self.index.classes[base], node.attr, depth + 1)
            return ""
        if isinstance(node, ast.Await):
            return ""
        if isinstance(node, ast.Call):
            callee = self.callee(func, node.func, local, depth + 1)
            if isinstance(callee, Func):
                if callee.node.name == "__init__" and callee.owner:
                    return callee.owner.qual
                return "" if callee.is_async else self.returns(callee, depth + 1)
            if isinstance(callee, Klass):
                return callee.qual
            if isinstance(callee, str) and self._classlike(callee) and "." in callee:
                return callee
            return ""
        return ""

    def callee(self, func: Func, node, local: dict[str, str], depth: int = 0) -> Func | Klass | str | None:
        """What a call's function expression refers to: a Func, a Klass, an external name, or None."""
        index = self.index
        if isinstance(node, ast.Name):
            if node.id in local:
                return None
            if _param_annotation(func.node, node.id) is not None:
                # `client: type = httpx.Client` then `client(...)` (ollama): the default class
                default = _param_default(func.node, node.id)
                name = index.expr_name(func.module, default) if isinstance(default, (ast.Name, ast.Attribute)) else ""
                return (index.classes.get(name) or name or None) if name and self._classlike(name) else None
            name = index.expr_name(func.module, node)
            return index.classes.get(name) or index.funcs.get(name) or (name or None)
        if not isinstance(node, ast.Attribute):
            return None
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super" and func.owner:
            for k in index.mro(func.owner)[1:]:
                if isinstance(k, str):
                    return f"{k}.{node.attr}"
                if node.attr in k.methods:
                    return k.methods[node.attr]
            return None
        if isinstance(value, ast.Name) and value.id in ("self", "cls") and func.owner:
            found = index.lookup(func.owner, node.attr)
            if found is None and depth < 4:
                # a bound method kept in an attribute: `self._post = client.post`
                for k in index.mro(func.owner):
                    for expr, where, is_annotation in (k.attr_exprs.get(node.attr, ()) if isinstance(k, Klass) else ()):
                        if where is not None and not is_annotation and isinstance(expr, ast.Attribute):
                            found = self.callee(_rebind(where, func.owner), expr, {}, depth + 1)
                            if found is not None:
                                return found
            return found
        local_name = isinstance(value, ast.Name) and (value.id in local or _param_annotation(func.node, value.id) is not None)
        if isinstance(value, (ast.Name, ast.Attribute)) and not local_name:
            name = index.expr_name(func.module, value)
            if name:
                if name in index.classes:
                    return index.lookup(index.classes[name], node.attr)
                if index.modules.known(name) or name.split(".")[0] not in index.dist_of_top:
                    target = index.canonical(f"{name}.{node.attr}")
                    return index.classes.get(target) or index.funcs.get(target) or target
        t = self.expr(func, value, local, depth + 1)
        if t in index.classes:
            return index.lookup(index.classes[t], node.attr)
        if t:
            return index.canonical(f"{t}.{node.attr}")
        return None


def _builds(expr) -> bool:
    if isinstance(expr, ast.Call):
        return True
    if isinstance(expr, ast.BoolOp):
        return any(_builds(v) for v in expr.values)
    if isinstance(expr, ast.IfExp):
        return _builds(expr.body) or _builds(expr.orelse)
    return False


def _is_annotation_of(func: Func, expr) -> bool:
    for node in ast.walk(func.node):
        if isinstance(node, ast.AnnAssign) and node.annotation is expr:
            return True
    return False


def _param_annotation(node, name: str):
    args = node.args
    for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, *([args.vararg] if args.vararg else []), *([args.kwarg] if args.kwarg else [])):
        if a.arg == name:
            return a.annotation if a.annotation is not None else ast.Constant(value=None)
    return None


_OWN: dict[int, tuple] = {}


def _param_default(node, name: str):
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        if a.arg == name:
            return d
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if a.arg == name:
            return d
    return None


def _own_nodes(node) -> tuple:
    """The nodes of a function body, without those of nested async defs and classes."""
    found = _OWN.get(id(node))
    if found is None:
        found = _OWN[id(node)] = (node, tuple(_walk_own(node)))
    return found[1]


def _walk_own(node):
    stack = list(ast.iter_child_nodes(node))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and n is not node:
            continue
        yield n
        stack.extend(ast.iter_child_nodes(n))


# ---- the call graph and its fixpoint -----------------------------------------------------------
class Reach:
    """Which functions reach a blocking primitive through the pinned libraries' call graphs.

    Nodes are (class context, function): `self.m()` is looked up in the MRO of the class the
    method is called on, so a base class's template method reaches what each subclass's
    override does (openai's `SyncAPIClient` vs `AsyncAPIClient`).
    """

    MAX_NODES = 400_000

    def __init__(self, index: Index, typer: Typer) -> None:
        self.index = index
        self.typer = typer
        self.sinks = {index.canonical(name): cat for name, cat in SINKS.items()}
        self.sinks.update(SINKS)
        self.edges: dict[tuple, list[tuple]] = {}
        self.direct: dict[tuple, tuple[int, str]] = {}
        self.mask: dict[tuple, int] = {}
        self.witness: dict[tuple, str] = {}
        self.sink_names: dict[tuple, str] = {}  # (node, category) -> the primitive it calls

    def node(self, context: Klass | None, func: Func) -> tuple:
        return (context.qual if context else "", func.qual)

    def _context_class(self, key: tuple) -> Klass | None:
        return self.index.classes.get(key[0]) if key[0] else None

    def explore(self, roots: list[tuple]) -> None:
        todo = deque(roots)
        while todo and len(self.edges) < self.MAX_NODES:
            key = todo.popleft()
            if key in self.edges:
                continue
            func = self.index.funcs[key[1]]
            context = self._context_class(key) or func.owner
            out, mask, why, names = self._scan(context, func)
            for cat, name in names.items():
                self.sink_names[(key, cat)] = name
            self.edges[key] = out
            self.direct[key] = (mask, why)
            todo.extend(k for k in out if k not in self.edges)

    def _scan(self, context: Klass | None, func: Func) -> tuple[list[tuple], int, str, dict[str, str]]:
        """Edges and direct sinks of one function body, `self` bound to `context`."""
        bound = func if context is func.owner or context is None else _rebind(func, context)
        local: dict[str, str] = {}
        for node in _own_nodes(func.node):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
                t = self.typer.expr(bound, node.value, local)
                if t:
                    local[node.targets[0].id] = t
            elif isinstance(node, (ast.With,)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        t = self.typer.expr(bound, item.context_expr, local)
                        if t:
                            local[item.optional_vars.id] = t
        out: list[tuple] = []
        mask, why = 0, ""
        names: dict[str, str] = {}
        for node in _own_nodes(func.node):
            targets = []
            if isinstance(node, ast.Call):
                targets.append(self.typer.callee(bound, node.func, local))
                # functions handed to a wrapper run inside it: retry(self._send), partial(fn, ...)
                for arg in node.args:
                    if isinstance(arg, (ast.Name, ast.Attribute)):
                        ref = self.typer.callee(bound, arg, local)
                        if isinstance(ref, Func):
                            targets.append(ref)
            for target in targets:
                if target is None:
                    continue
                if isinstance(target, Klass):
                    init = self.index.lookup(target, "__init__")
                    if isinstance(init, Func):
                        out.append(self.node(target, init))
                    elif isinstance(init, str) and init.rsplit(".", 1)[0] in self.sinks:
                        pass
                    name = target.qual
                    if name in self.sinks:
                        mask |= _BIT[self.sinks[name]]
                        why = why or name
                        names.setdefault(self.sinks[name], name)
                    continue
                if isinstance(target, Func):
                    if target.is_async:
                        continue
                    # a primitive that is itself pinned (requests, httpx): its definition is the sink
                    cat = self.sinks.get(target.qual)
                    if cat:
                        mask |= _BIT[cat]
                        why = why or target.qual
                        names.setdefault(cat, _short(target.qual))
                        continue
                    ctx = context if (target.owner and context and self.index.is_subclass(context, target.owner.qual)) else target.owner
                    out.append(self.node(ctx, target))
                    continue
                cat = self.sinks.get(target) or self.sinks.get(self.index.canonical(target))
                if cat is None and "." in target:
                    # a method of an external base class that is a sink type: requests.Session.get
                    owner, method = target.rsplit(".", 1)
                    for sink_owner in (owner, self.index.canonical(owner)):
                        cat = cat or self.sinks.get(f"{sink_owner}.{method}")
                if cat:
                    mask |= _BIT[cat]
                    why = why or target
                    names.setdefault(cat, target)
        return out, mask, why, names

    def solve(self) -> None:
        """Propagate sink bits backwards until nothing changes (bounded by the graph)."""
        callers: dict[tuple, list[tuple]] = defaultdict(list)
        for key, outs in self.edges.items():
            for o in outs:
                callers[o].append(key)
        self.mask = {k: m for k, (m, _) in self.direct.items()}
        self.witness = {k: w for k, (m, w) in self.direct.items() if m}
        todo = deque(k for k, m in self.mask.items() if m)
        rounds = 0
        while todo and rounds < 10_000_000:
            rounds += 1
            key = todo.popleft()
            bits = self.mask[key]
            for caller in callers.get(key, ()):
                old = self.mask.get(caller, 0)
                if bits & ~old:
                    self.mask[caller] = old | bits
                    self.witness.setdefault(caller, _short(key[1]))
                    todo.append(caller)

    def category(self, key: tuple) -> str:
        bits = self.mask.get(key, 0)
        for cat in PRIORITY:
            if bits & _BIT[cat]:
                return cat
        return ""

    def path(self, key: tuple, category: str = "", limit: int = 4) -> str:
        """A readable call chain from `key` down to the primitive of `category`, for `why`."""
        want = _BIT[category] if category else -1
        steps = []
        seen = set()
        while key in self.edges and key not in seen and len(steps) < limit:
            seen.add(key)
            direct, why = self.direct[key]
            if direct & want:
                steps.append(self.sink_names.get((key, category), why))
                return " -> ".join(steps)
            nxt = next((o for o in self.edges[key] if self.mask.get(o, 0) & want), None)
            if nxt is None:
                break
            steps.append(_short(nxt[1]))
            key = nxt
        return " -> ".join(steps)


def _rank(public: str, definition: str) -> tuple:
    """Which public name a record takes: the definition's own name (`OpenAI`, not the alias
    `Client = OpenAI`), then the shortest import path."""
    return (public.rsplit(".", 1)[-1] != definition.rsplit(".", 1)[-1], len(public.split(".")), public)


def _short(qual: str) -> str:
    parts = qual.split(".")
    cut = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts) - 1)
    return ".".join(parts[cut:])


def _rebind(func: Func, context: Klass) -> Func:
    return Func(func.qual, func.node, func.module, context, func.is_async, func.kind, func.order)


# ---- records -------------------------------------------------------------------------------------
def _twin_names(method: str) -> list[str]:
    return [f"{p}{method}{s}" for p, s in _TWIN_PATTERNS]


class Deriver:
    def __init__(self, pins: list[Pin], sources: dict[str, dict[str, str]]) -> None:
        self.pins = pins
        self.index = Index()
        for pin in pins:
            self.index.add_sources(pin.name, sources.get(pin.name, {}))

        self.typer = Typer(self.index)
        self.reach = Reach(self.index, self.typer)
        self.public: dict[str, str] = {}  # definition -> public name
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.dist_of: dict[str, str] = {}
        self.bound: dict[str, Klass] = {}  # method exported as a module function -> its instance's class
        self._last: dict[str, list[tuple[str, str]]] | None = None

    # the public surface
    def surface(self) -> None:
        for pin in self.pins:
            if pin.role == "support":
                continue
            tops = sorted({m.split(".")[0] for m in self.index.dist_modules[pin.name]})
            for mod_name in (pin.surface if pin.surface is not None else tops):
                module = self.index.modules.get(mod_name)
                if module is None:
                    continue
                for name in self._public_names(module):
                    target = self.index.canonical(f"{mod_name}.{name}")
                    if target not in self.index.classes and target not in self.index.funcs:
                        target = self._bound_alias(target)
                        if not target:
                            continue
                    if self.index.modules[self.index.split(target)[0].name].dist != pin.name:
                        continue  # re-exported from another distribution: that one names it
                    public = f"{mod_name}.{name}"
                    old = self.public.get(target)
                    if old is None or _rank(public, target) < _rank(old, target):
                        if old:
                            self.aliases[target].add(old)
                        self.public[target] = public
                    elif public != old:
                        self.aliases[target].add(public)
                    self.dist_of[target] = pin.name
        for target, public in self.public.items():
            if target != public:
                self.aliases[target].add(target)
            self.aliases[target].discard(public)

    def _bound_alias(self, dotted: str) -> str:
        """`chat = _client.chat` beside `_client = Client()` at module level (ollama): the
        module function is the method of a default instance."""
        module, rest = self.index.split(dotted)
        if module is None or len(rest) != 1:
            return ""
        value = module.assigns.get(rest[0])
        if not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)):
            return ""
        made = module.assigns.get(value.value.id)
        if not isinstance(made, ast.Call):
            return ""
        klass = self.index.classes.get(self.index.expr_name(module, made.func))
        method = self.index.lookup(klass, value.attr) if klass else None
        if not isinstance(method, Func):
            return ""
        self.bound[method.qual] = klass
        return method.qual

    def _public_names(self, module: Module) -> list[str]:
        # `__all__` is often incomplete (ollama's `chat = _client.chat` is not in it): what the
        # module defines or assigns at top level is public too; imports only through `__all__`
        names = [*module.defs, *module.assigns, *module.lazy]
        if module.exports is not None:
            names += module.exports
        else:
            names += [*module.imports]
            for star in module.star:
                target = self.index.modules.get(star)
                if target is not None:
                    names += target.exports if target.exports is not None else [*target.defs, *target.assigns]
        return sorted({n for n in names if not n.startswith("_")})

    def _classes_for_surface(self) -> list[Klass]:
        return [self.index.classes[q] for q in sorted(self.public) if q in self.index.classes]

    def _methods(self, klass: Klass) -> dict[str, Func]:
        out: dict[str, Func] = {}
        for k in reversed(self.index.mro(klass)):
            if isinstance(k, Klass):
                for name, f in k.methods.items():
                    out[name] = f
        return out

    def run(self) -> list[dict]:
        self.surface()
        roots = []
        for qual in sorted(self.public):
            if qual in self.index.funcs:
                roots.append(self.reach.node(self.bound.get(qual), self.index.funcs[qual]))
            else:
                klass = self.index.classes[qual]
                for f in self._methods(klass).values():
                    roots.append(self.reach.node(klass, f))
                for nested in self._nested_classes(klass):
                    for f in self._methods(nested).values():
                        roots.append(self.reach.node(nested, f))
        self.reach.explore(roots)
        self.reach.solve()
        records = []
        for qual in sorted(self.public):
            record = self._function(qual) if qual in self.index.funcs else self._class(self.index.classes[qual])
            if record:
                records.append(record)
            if qual in self.index.classes:
                records += self._class_functions(self.index.classes[qual])
        return sorted(records, key=lambda r: r["name"])

    def _class_functions(self, klass: Klass) -> list[dict]:
        """Classmethods and staticmethods that block, spelled `Class.method` as user code calls
        them (`stripe.PaymentIntent.create(...)`, `resend.Emails.send(...)`)."""
        out = []
        methods = self._methods(klass)
        public = self._name(klass.qual)
        for name, f in sorted(methods.items()):
            if name.startswith("_") or f.is_async or f.kind not in ("classmethod", "staticmethod"):
                continue
            key = self.reach.node(klass, f)
            blocks = self.reach.category(key)
            twin = next((t for t in _twin_names(name) if t in methods and methods[t].is_async), "")
            if not blocks and not twin:
                continue
            # the transport may be chosen at run time (stripe's HTTP client): an async twin is the evidence
            evidence = [f"{name} -> {self.reach.path(key, blocks)}" if blocks else f"async twin {twin}"]
            record = {"name": f"{public}.{name}", "dist": self.dist_of[klass.qual], "kind": "function", "blocks": blocks or "network"}
            if twin:
                record["async_alt"] = f"{public}.{twin}"
                evidence.insert(0, f"twin {twin}")
            record["why"] = "; ".join(evidence)[:300]
            out.append(record)
        return out

    def _name(self, qual: str) -> str:
        return self.public.get(qual, qual)

    def _function(self, qual: str) -> dict | None:
        func = self.index.funcs[qual]
        if func.is_async:
            return None
        key = self.reach.node(self.bound.get(qual), func)
        blocks = self.reach.category(key)
        record = self._base(qual, "function")
        returns = self.typer.returns(func)
        if returns in self.public:
            record["returns"] = self.public[returns]
        if not blocks and "returns" not in record and not self._function_twin(func):
            return None
        evidence = []
        if blocks:
            record["blocks"] = blocks
            evidence.append(f"{func.node.name} -> {self.reach.path(key, blocks)}")
        twin = self._function_twin(func)
        if twin:
            record["async_alt"] = twin
            evidence.insert(0, f"twin {twin.rsplit('.', 1)[-1]}")
            if blocks in ("", "sleep"):
                # An `async def` twin: the sync one does the same I/O on the thread. A sleep is
                # then the retry back-off around a transport the call graph does not reach.
                record["blocks"] = "network"
        if evidence:
            record["why"] = "; ".join(evidence)
        return record

    def _function_twin(self, func: Func) -> str:
        owner = self.bound.get(func.qual)
        if owner is not None:  # `ollama.chat` is `Client().chat`: the twin class's method
            twin = self._twin_class(owner)
            method = self._methods(twin).get(func.node.name) if twin else None
            return self._name(twin.qual) if method is not None and method.is_async else ""
        module = func.module
        for twin in _twin_names(func.node.name):
            target = module.defs.get(twin)
            if isinstance(target, Func) and target.is_async:
                return self._name(target.qual)
            public = self._find_public(twin, func)
            if public:
                return public
        return ""

    def _by_last(self, last: str) -> list[tuple[str, str]]:
        if self._last is None:
            self._last = defaultdict(list)
            for qual, public in sorted(self.public.items()):
                self._last[public.rsplit(".", 1)[-1]].append((qual, public))
        return self._last.get(last, [])

    def _find_public(self, twin: str, func: Func) -> str:
        for qual, public in self._by_last(twin):
            if self.dist_of.get(qual) == func.module.dist and qual in self.index.funcs and self.index.funcs[qual].is_async:
                return public
        return ""

    def _base(self, qual: str, kind: str) -> dict:
        record = {"name": self._name(qual), "dist": self.dist_of[qual], "kind": kind}
        aliases = sorted(self.aliases.get(qual, ()))
        if aliases:
            record["aliases"] = aliases
        return record

    def _twin_class(self, klass: Klass) -> Klass | None:
        name = klass.node.name
        module = klass.module
        candidates = [f"Async{name}", f"{name}Async", f"Aio{name}"]
        for c in candidates:
            target = module.defs.get(c)
            if isinstance(target, Klass):
                return target
        for qual, _public in (item for c in candidates for item in self._by_last(c)):
            if qual in self.index.classes and self.dist_of.get(qual) == self.dist_of.get(klass.qual):
                return self.index.classes[qual]
        # an `.aio` namespace: google.cloud.x.aio.Client, azure.storage.blob.aio.BlobServiceClient
        public = self._name(klass.qual)
        package = public.rsplit(".", 1)[0]
        for aio in (f"{package}.aio.{name}", f"{module.name.rsplit('.', 1)[0]}.aio.{name}"):
            target = self.index.canonical(aio)
            if target in self.index.classes and target != klass.qual:
                return self.index.classes[target]
        return None

    def _twin_name(self, klass: Klass, twin: Klass) -> str:
        """The twin's public name; for one the surface does not export, its spelling in the
        `.aio` namespace beside the sync class when that imports it there
        (`azure.storage.blob.aio.BlobClient`, not `...aio._blob_client_async.BlobClient`)."""
        name = self._name(twin.qual)
        if not any(part.startswith("_") for part in name.split(".")):
            return name
        package = self._name(klass.qual).rsplit(".", 1)[0]
        for spelled in (f"{package}.aio.{twin.node.name}", f"{package}.aio.{klass.node.name}"):
            if self.index.canonical(spelled) == twin.qual:
                return spelled
        return name

    def _is_async_class(self, klass: Klass) -> bool:
        methods = [f for n, f in self._methods(klass).items() if not n.startswith("_") and f.kind == "method"]
        return bool(methods) and sum(f.is_async for f in methods) * 2 > len(methods)

    def _nested_classes(self, klass: Klass, depth: int = 0, seen: set | None = None) -> list[Klass]:
        """Package classes reached by attribute chains: client.chat.completions."""
        seen = seen if seen is not None else {klass.qual}
        if depth >= _MAX_NESTED_DEPTH:
            return []
        out = []
        attrs = set()
        for k in self.index.mro(klass):
            if isinstance(k, Klass):
                attrs |= {n for n, f in k.methods.items() if f.kind == "property"}
                attrs |= set(k.attr_exprs)
        for attr in sorted(attrs):
            if attr.startswith("_"):
                continue
            t = self.typer.owned(klass, attr)
            if t in self.index.classes and t not in seen and self.index.classes[t].module.dist == klass.module.dist:
                seen.add(t)
                nested = self.index.classes[t]
                out.append(nested)
                out += self._nested_classes(nested, depth + 1, seen)
        return out

    def _io_methods(self, klass: Klass, twin: Klass | None,
                    twinned: bool = False) -> tuple[dict[str, str], dict[str, str], list[str]]:
        """{method: blocks}, {method: async twin method}, evidence. `twinned`: a namespace of a
        client with an async twin (`Elasticsearch().indices`), whose sync methods are its I/O."""
        io: dict[str, str] = {}
        twins: dict[str, str] = {}
        evidence: list[str] = []
        methods = self._methods(klass)
        twin_methods = self._methods(twin) if twin else {}
        for name, f in sorted(methods.items(), key=lambda kv: (kv[1].order, kv[0])):
            if name.startswith("_") or f.is_async or f.kind == "property" or name in RELEASE:
                continue
            cat = self.reach.category(self.reach.node(klass, f))
            same = [t for t in _twin_names(name) if t in methods and methods[t].is_async]
            if same:
                twins[name] = same[0]
            # An async twin says the method does I/O; when all the call graph reached is a sleep,
            # that is the retry back-off around a transport it does not reach (Elasticsearch's
            # 507 methods, stripe's services, google-genai's models): network, not a sleep.
            if cat in ("", "sleep") and (same or (name in twin_methods and twin_methods[name].is_async)):
                cat = "network"
                if not evidence or not evidence[-1].startswith("async twin"):
                    evidence.append(f"async twin {(same[0] if same else (twin.node.name + '.' + name))}")  # type: ignore[union-attr]
            elif cat == "sleep" and (twinned or name in twin_methods):
                # the twin class has this method too (cosmos' aio `query_items` is a plain def
                # returning an async pager), or it is a namespace of a twinned client
                cat = "network"
                if not evidence:
                    evidence.append(f"{name} -> a retry sleep; the client has an async twin")
            if cat:
                io[name] = cat
                if len(evidence) < 2 and not evidence or (len(evidence) < 2 and cat != "network" and all(cat not in e for e in evidence)):
                    evidence.append(f"{name} -> {self.reach.path(self.reach.node(klass, f), cat)} ({cat})")
        return io, twins, evidence

    def _class(self, klass: Klass) -> dict | None:
        if self._is_async_class(klass):
            return self._async_class(klass)
        twin = self._twin_class(klass)
        io, twins, evidence = self._io_methods(klass, twin)
        nested = {}
        for n in self._nested_classes(klass):
            sub_io, sub_twins, sub_evidence = self._io_methods(n, None, twinned=twin is not None)
            for m, c in sub_io.items():
                nested.setdefault(m, c)
            for m, t in sub_twins.items():
                twins.setdefault(m, t)
            if sub_io and len(evidence) < 2:
                evidence.append(f"{n.node.name}: " + (sub_evidence[0] if sub_evidence else ""))
        record = self._base(klass.qual, "class")
        init = self.index.lookup(klass, "__init__")
        if isinstance(init, Func) and self.reach.category(self.reach.node(klass, init)) == "network":
            record["connects"] = True
            evidence.append(f"__init__ -> {self.reach.path(self.reach.node(klass, init), 'network')}")
        merged = dict(io)
        for m, c in nested.items():
            merged.setdefault(m, c)
        if merged:
            record["io_methods"] = dict(sorted(merged.items()))
        if nested:
            record["nested"] = True
        returns = self._class_returns(klass)
        if returns:
            record["returns"] = returns
        pool = self._pool(klass)
        release = self._release(klass)
        if not pool and release and io and twin is not None:
            # a client with blocking methods, a close() and an async twin keeps connections
            # even when the transport is picked at run time (qdrant's remote/local, hf's session)
            pool = ("sdk", f"{release[0][0]}() beside I/O methods and twin {twin.node.name}")
        if pool and (merged or release):
            record["pool"] = pool[0]
            evidence.append(f"holds {pool[1]}")
        if release and (merged or pool):
            record["release"] = [r for r, _ in release]
            async_release = [r for r, a in release if a]
            if async_release:
                record["async_release"] = async_release
        if twin is not None and (merged or pool):
            record["async_alt"] = self._twin_name(klass, twin)
            evidence.insert(0, f"twin {twin.node.name}")
        elif twins and merged:
            first = next((m for m in io if m in twins), None) or next(iter(sorted(twins)))
            record["async_alt"] = twins[first]
            evidence.insert(0, f"twin methods {', '.join(f'{twins[m]}' for m in list(twins)[:3])}")
        if not (merged or record.get("connects") or "returns" in record or "pool" in record):
            return None
        if evidence:
            record["why"] = "; ".join(evidence)[:300]
        return record

    def _async_class(self, klass: Klass) -> dict | None:
        """An async client: only its lifecycle (LG301/LG201/LG202)."""
        pool = self._pool(klass)
        release = self._release(klass)
        if not pool and release and any(a for _, a in release) and self._sync_twin_has_io(klass):
            pool = ("sdk", f"async {release[0][0]}() and a sync twin with I/O methods")
        if not pool or not release:
            return None
        record = self._base(klass.qual, "class")
        record["pool"] = pool[0]
        record["release"] = [r for r, _ in release]
        async_release = [r for r, a in release if a]
        if async_release:
            record["async_release"] = async_release
        record["why"] = f"holds {pool[1]}; " + ", ".join(f"{'async ' if a else ''}{r}()" for r, a in release)
        return record

    def _sync_twin_has_io(self, klass: Klass) -> bool:
        """`AsyncQdrantClient` beside a `QdrantClient` whose methods block."""
        name = klass.node.name
        for prefix in ("Async", "Aio"):
            if name.startswith(prefix):
                for qual, _ in self._by_last(name[len(prefix):]):
                    sync = self.index.classes.get(qual)
                    if sync is not None and self.dist_of.get(qual) == self.dist_of.get(klass.qual):
                        return any(self.reach.category(self.reach.node(sync, f)) for n, f in self._methods(sync).items()
                                   if not n.startswith("_") and not f.is_async) or bool(self._io_methods(sync, klass)[0])
        return False

    def _class_returns(self, klass: Klass) -> dict[str, str]:
        out = {}
        for name, f in self._methods(klass).items():
            if name.startswith("_") and name != "__getitem__" or f.is_async:
                continue
            t = self.typer.returns(f)
            if t in self.public and self.public[t] != self._name(klass.qual) or (t in self.public and name == "__getitem__"):
                out["[]" if name == "__getitem__" else name] = self.public[t]
        return dict(sorted(out.items()))

    def _pool(self, klass: Klass, depth: int = 0) -> tuple[str, str] | None:
        """(pool kind, evidence) when the class keeps an HTTP session or a pool-owning client."""
        if depth > 3:
            return None
        pool_types = {self.index.canonical(t): t for t in POOL_TYPES} | {t: t for t in POOL_TYPES}
        for k in self.index.mro(klass):
            if isinstance(k, str):
                if k in pool_types:
                    return ("http", pool_types[k])
                continue
            if k.qual in pool_types:
                return ("http", pool_types[k.qual])
            for attr in sorted(k.attr_exprs):
                t = self.typer.owned(klass, attr)
                if t in pool_types:
                    return ("sdk", f"{attr}: {pool_types[t]}")
                if t in self.index.classes and t != klass.qual:
                    inner = self._pool(self.index.classes[t], depth + 1)
                    if inner:
                        return ("sdk", f"{attr}: {_short(t)}")
        return None

    def _release(self, klass: Klass) -> list[tuple[str, bool]]:
        methods = self._methods(klass)
        return [(name, methods[name].is_async) for name in RELEASE if name in methods]


# ---- output ----------------------------------------------------------------------------------------
def render(records: list[dict], derived_from: dict[str, str]) -> str:
    """derived.json: stable, one record a line (diff-friendly)."""
    lines = ['{"schema": 1,', f' "derived_from": {json.dumps(dict(sorted(derived_from.items())), sort_keys=True)},', ' "records": [']
    order = ("name", "dist", "kind", "aliases", "blocks", "connects", "io_methods", "non_io_methods", "nested", "returns",
             "pool", "shared_pool_kwargs", "release", "async_release", "async_alt", "why")
    body = [" " + json.dumps({k: r[k] for k in order if k in r}, ensure_ascii=False) for r in records]
    lines.append(",\n".join(body))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def derive(pins: list[Pin], sources: dict[str, dict[str, str]]) -> str:
    deriver = Deriver(pins, sources)
    records = deriver.run()
    derived_from = {p.name: p.version for p in pins}
    return render(records, derived_from)


def sources_of_tree(root: str) -> dict[str, str]:
    """`.py` files under a folder, keyed like a wheel's paths (for --source and the tests)."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("tests", "__pycache__"))
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    out[posixpath.join(*os.path.relpath(path, root).split(os.sep))] = handle.read()
    return out


def record_hashes(path: str, hashes: dict[str, str]) -> None:
    """Write sha256 lines into the pins file for the pins that have none."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for name, digest in hashes.items():
        text = re.sub(rf'(\nname = "{re.escape(name)}"[^\n]*\nversion = "[^"]+"[^\n]*\n)(?!sha256)', rf'\1sha256 = "{digest}"\n', text)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pins", default=PINS)
    parser.add_argument("--output", default=OUTPUT)
    parser.add_argument("--cache", default=CACHE)
    parser.add_argument("--check", action="store_true", help="compare with the output file instead of writing it")
    parser.add_argument("--record-hashes", action="store_true", help="write the sha256 of downloaded files into pins that have none")
    parser.add_argument("--source", action="append", default=[], metavar="DIST=DIR",
                        help="derive from an unpacked tree instead of the pins (your own SDKs); repeatable")
    args = parser.parse_args(argv)
    if args.source:
        pins, sources = [], {}
        for item in args.source:
            dist, _, folder = item.partition("=")
            pins.append(Pin(dist, "local"))
            sources[dist] = sources_of_tree(folder)
    else:
        pins = read_pins(args.pins)
        sources = {}
        hashes = {}
        for pin in pins:
            path = fetch(pin, args.cache)
            if not pin.sha256:
                hashes[pin.name] = _sha256(path)
            sources[pin.name] = archive_sources(path, pin.include)
        if hashes and args.record_hashes:
            record_hashes(args.pins, hashes)
        elif hashes:
            print(f"derive: {len(hashes)} pins have no sha256 (run with --record-hashes)", file=sys.stderr)
    text = derive(pins, sources)
    if args.check:
        with open(args.output, encoding="utf-8") as handle:
            same = handle.read() == text
        print("derived.json is up to date" if same else "derived.json differs from the pinned sources: run tools/derive_libraries.py")
        return 0 if same else 1
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"derive: {text.count(chr(10)) - 4} records from {len(pins)} distributions -> {os.path.relpath(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
