"""LG301: a client, pool, engine or model built once per request.

Routes, dependencies (yield dependencies and `Depends(Class)` instances included), middleware
and websocket handlers run for every request; whatever they build from the factory catalogue
(`catalogue/factories.py`) is rebuilt every time: 20–27 ms and a leaked connection pool for an
`httpx.AsyncClient()` (SPEC §2). Unlike LG1xx this does not depend on `async`: a `def` route
that loads a model loads it on every request too.

Both LG101 and LG301 report `psycopg2.connect()` or `joblib.load()` in an `async def` route:
one says the call blocks the loop, the other that it is repeated per request. They are two
facts with two fixes (offloading fixes the first only); loading once at startup fixes both.
"""

from __future__ import annotations

import os
from typing import Iterator

from .lg1_event_loop import _MAX_CHAIN
from ..catalogue import lookup
from ..catalogue.factories import KINDS, MEMOISING_DECORATORS
from ..catalogue.offload import CALLABLE_BUILDERS
from ..findings import Finding
from ..model.fastapi import DEPENDENCY, MIDDLEWARE, ROUTE, WEBSOCKET
from ..model.project import Callee
from ..model.records import Call, ModuleModel, Ref

CODES = ("LG301",)

PER_REQUEST = frozenset({ROUTE, WEBSOCKET, DEPENDENCY, MIDDLEWARE})
_REQUEST_TYPES = frozenset({"starlette.requests.Request", "fastapi.Request", "fastapi.requests.Request",
                            "starlette.websockets.WebSocket", "fastapi.WebSocket", "fastapi.websockets.WebSocket"})
_REQUEST_NAMES = frozenset({"request", "req", "websocket", "ws"})
_PROCESS, _OBJECT = 2, 1


def check(analysis) -> Iterator[Finding]:
    finder = _PerRequest(analysis)
    fastapi = analysis.fastapi
    for m in analysis.project.modules:
        lambdas = _lambdas_by_parent(m)
        for scope in m.scopes:
            if scope.kind != "def" or not (fastapi.contexts_of(m, scope.id) & PER_REQUEST):
                continue
            where = _describe(analysis, m, scope.id)
            # A lambda made in the handler (`to_thread(lambda: joblib.load(p))`) runs in the same request.
            for sid in (scope.id, *lambdas.get(scope.id, ())):
                for cid in m.scopes[sid].calls:
                    finding = finder.request_call(m, m.calls[cid], where)
                    if finding is not None:
                        yield finding


def _lambdas_by_parent(m: ModuleModel) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for scope in m.scopes:
        if scope.kind == "lambda":
            parent = scope.parent
            while parent > 0 and m.scopes[parent].kind == "lambda":
                parent = m.scopes[parent].parent
            out.setdefault(parent, []).append(scope.id)
    return out


def _describe(analysis, m: ModuleModel, sid: int) -> str:
    scope = m.scopes[sid]
    if scope.name == "__init__" and scope.parent >= 0 and m.scopes[scope.parent].kind == "class":
        return f"dependency class `{m.scopes[scope.parent].name}` (FastAPI builds one per request)"
    return analysis.fastapi.describe(m, sid)


# Helpers followed down to a factory. Deeper than LG102's 3: lnbits builds its per-request
# clients and engines 4-5 calls down (`install_extension() → ... → Database() →
# create_async_engine`); litellm's 20+ deep chains through rare branches stay out.
MAX_FACTORY_DEPTH = 5

class _PerRequest:
    """Which calls build a catalogued resource, directly or through helpers (memoised per function)."""

    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self.project = analysis.project
        self.table: dict[str, tuple[str, str]] = {name: KINDS[kind] for name, kind in analysis.project.library.factories.items()}
        for name, advice in analysis.settings.resource_factories.items():
            self.table[name] = (f"builds `{name}` (listed in resource-factories)",
                                advice or "create it once in the lifespan and reuse it")
        self._reach: dict[tuple[int, int], tuple[tuple[str, ...], str, str] | None] = {}
        self._escape_memo: dict[tuple, bool] = {}

    def entry(self, target: str | None) -> tuple[str, str] | None:
        return lookup(self.table, target)

    # ---- one call ----------------------------------------------------------------
    def made(self, m: ModuleModel, call: Call) -> tuple[str, str, str] | None:
        """(shown, what, fix) when this call builds a resource that is not shared or memoised."""
        if call.id < 0:
            return None
        callee = self.project.callee(m, call)
        target = callee.target
        hit = self.entry(target) if callee.module is None else None
        if hit is not None:
            if self._on_shared_pool(call, target) or self._inside_factory(m, call) or self._memoised(m, call):
                return None
            return f"`{_display(target)}()`", hit[0], hit[1]
        offloaded = self._offloaded_factory(m, call, target)
        if offloaded is not None and not self._memoised(m, call):
            return offloaded
        return None

    def _on_shared_pool(self, call: Call, target: str) -> bool:
        for key in self.project.library.shared_pool_kwargs.get(target, ()):
            ref = call.kwargs.get(key)
            if ref is not None and ref.kind == "name":
                return True
        return False

    def _inside_factory(self, m: ModuleModel, call: Call) -> bool:
        """`Redis(connection_pool=ConnectionPool(...))`: the outer call is the one reported."""
        if call.parent < 0:
            return False
        parent = m.calls[call.parent]
        callee = self.project.callee(m, parent)
        return callee.module is None and self.entry(callee.target) is not None

    def _offloaded_factory(self, m: ModuleModel, call: Call, target: str | None) -> tuple[str, str, str] | None:
        """`await asyncio.to_thread(joblib.load, path)`: the load still happens per request."""
        if target is None:
            target = self.project.call_name(m, call)
        pos = self.analysis.offload_position(target)
        if pos is None:
            return None
        ref = call.args[pos] if pos < len(call.args) else None
        if ref is not None and ref.kind == "call":
            inner = m.calls[ref.base]
            if inner.id >= 0 and self.project.callee(m, inner).target in CALLABLE_BUILDERS and inner.args:
                ref = inner.args[0]
        if ref is None or ref.kind != "name":
            return None
        value = self.project.value_of(m, call.scope, ref)
        if not value or value[0] != "ext":
            return None
        hit = self.entry(value[1])
        if hit is None:
            return None
        wrapper = _display(target) if target and not target.startswith("?.") else call.func.attrs[-1]
        return f"`{_display(value[1])}` (run through `{wrapper}`)", hit[0], hit[1]

    # ---- memoisation -------------------------------------------------------------
    def _memoised(self, m: ModuleModel, call: Call) -> bool:
        """Is what this call returns kept beyond the request?

        Stored process-wide (a `global`, a module-level dict or object, `app.state`): kept,
        with or without a missing-check — without one the route *replaces* the shared object
        (a reload/reconfigure endpoint), which is not a per-request resource. Stored on
        another object (`self._client`): kept only behind a missing-check (an `if` around the
        creation, or an early `return` before it) and never in `__init__`, whose object is new.
        """
        if call.stmt != "assign":
            return False
        scope = m.scopes[call.scope]
        checked = (call.in_if or len(scope.returns) >= 2) and scope.name != "__init__"
        stores = list(call.targets)
        for target in call.targets:
            if target.kind == "name" and not target.attrs:
                # `client = Factory(); _clients[key] = client`
                stores.extend(stored for stored, value, _line in scope.attr_stores
                              if value.kind == "name" and value.base == target.base and not value.attrs)
        for target in stores:
            lifetime = self._lifetime(m, call.scope, target)
            if lifetime == _PROCESS or (lifetime == _OBJECT and checked):
                return True
        return any(target.kind == "name" and not target.attrs and self._escapes(m, call.scope, target.base)
                   for target in call.targets)

    def _escapes(self, m: ModuleModel, sid: int, name: str, owner_lives: bool = False, depth: int = 0) -> bool:
        """Is the local/parameter `name` handed to something that outlives the request?

        `_attach(cache)` → `registry.attach(cache)` → `self.cache = cache` on a module-level
        registry: the object is published process-wide (a reconfigure endpoint), not dropped
        after the request. `owner_lives`: `self` in this method is a process-wide object.
        """
        key = (id(m), sid, name, owner_lives)
        found = self._escape_memo.get(key)
        if found is not None:
            return found
        self._escape_memo[key] = False  # cycles
        scope = m.scopes[sid]
        result = False
        self_name = scope.params[0].name if owner_lives and scope.params else None
        for target, value, _line in scope.attr_stores:
            if value.kind == "name" and value.base == name and not value.attrs:
                lifetime = self._lifetime(m, sid, target)
                root = target.base.base if target.kind == "sub" and isinstance(target.base, Ref) else target.base
                if lifetime == _PROCESS or (lifetime == _OBJECT and root == self_name):
                    result = True
                    break
        if not result and depth < 4:
            for cid in scope.calls:
                call = m.calls[cid]
                positions = [i for i, a in enumerate(call.args) if a.kind == "name" and a.base == name and not a.attrs]
                keywords = [k for k, a in call.kwargs.items() if a.kind == "name" and a.base == name and not a.attrs]
                if not (positions or keywords) or call.id < 0:
                    continue
                callee = self.project.callee(m, call)
                if callee.module is None or callee.scope < 0:
                    continue
                target_scope = callee.module.scopes[callee.scope]
                func = call.func
                bound = bool(func.attrs) and callee.module.scopes[target_scope.parent].kind == "class"
                receiver_lives = bound and func.kind == "name" and self._lifetime(
                    m, sid, Ref("name", func.base, func.attrs[:-1]), into=True) == _PROCESS
                offset = 1 if bound else 0
                names = [target_scope.params[i + offset].name for i in positions if i + offset < len(target_scope.params)]
                names += keywords
                if any(self._escapes(callee.module, callee.scope, p, receiver_lives, depth + 1) for p in names):
                    result = True
                    break
        self._escape_memo[key] = result
        return result

    def _caches_result(self, m: ModuleModel, sid: int) -> bool:
        """A hand-written cache: `return CACHE[key]` and `CACHE[key] = ...` on a process-wide
        container. Its body (and whatever client it builds) runs once per key, not per request."""
        scope = m.scopes[sid]
        cached = {(r.base.base, r.base.attrs) for r in scope.returns
                  if r.kind == "sub" and isinstance(r.base, Ref) and r.base.kind == "name"
                  and self._lifetime(m, sid, r) == _PROCESS}
        if not cached:
            return False
        return any(target.kind == "sub" and isinstance(target.base, Ref) and target.base.kind == "name"
                   and (target.base.base, target.base.attrs) in cached
                   for target, _value, _line in scope.attr_stores)

    def _lifetime(self, m: ModuleModel, sid: int, ref: Ref, into: bool = False) -> int:
        """How long a stored value lives: _PROCESS, _OBJECT (as long as its owner) or 0 (a local)."""
        if ref.kind == "sub":
            return self._lifetime(m, sid, ref.base, True)  # type: ignore[arg-type]
        if ref.kind != "name":
            return 0
        scope = m.scopes[sid]
        root = ref.base
        if root in scope.globals:
            return _PROCESS
        if not ref.attrs and not into:
            return 0  # a plain local
        bindings = scope.bindings.get(root)
        if not bindings:
            return _PROCESS  # a module-level (or enclosing) object
        params = [b for b in bindings if b.kind == "param"]
        if not params:
            return 0  # an object made in this function
        attrs = ref.attrs
        if attrs[:1] == ("state",):
            # `request.state` lives one request; `app.state` lives as long as the app.
            param = scope.params[params[0].value]
            t = self.project.annotation_type(m, scope.parent, param.annotation) if param.annotation else None
            if t in _REQUEST_TYPES or (t is None and root in _REQUEST_NAMES):
                return 0
            return _PROCESS
        if "state" in attrs:
            return _PROCESS  # `request.app.state.x`
        return _OBJECT

    # ---- helpers -----------------------------------------------------------------
    def helper(self, callee: Callee, depth: int = 0) -> tuple[tuple[str, ...], str, str] | None:
        """For a call into a project function: (chain, what, fix) of the resource it builds.

        At most MAX_FACTORY_DEPTH helpers: on litellm, chains of 20+ helpers ran
        through rarely taken branches (a team lookup that creates the team, which publishes a
        config change, which builds a Redis pool) and were not per-request creation.
        """
        m, sid = callee.module, callee.scope
        if m is None or sid < 0 or depth > _MAX_CHAIN:
            return None
        key = (id(m), sid)
        if key in self._reach:
            return self._reach[key]
        self._reach[key] = None  # cycles build nothing new
        scope = m.scopes[sid]
        result = None
        if (scope.kind == "def" and not self.analysis.fastapi.decorated_with(m, sid, MEMOISING_DECORATORS)
                and not self._caches_result(m, sid)):
            for cid in scope.calls:
                call = m.calls[cid]
                hit = self.made(m, call)
                if hit is not None:
                    shown = hit[0].strip("`")
                    result = ((f"{shown} ({os.path.basename(m.path)}:{call.line})",), hit[1], hit[2])
                    break
                if call.id < 0 or self._memoised(m, call):
                    continue  # `_cache[key] = Helper(...)` behind a missing-check
                inner = self.project.callee(m, call)
                deeper = self.helper(inner, depth + 1)
                if deeper is not None and len(deeper[0]) < MAX_FACTORY_DEPTH:
                    result = ((f"{_name(inner, m)}()", *deeper[0]), deeper[1], deeper[2])
                    break
        self._reach[key] = result
        return result

    def request_call(self, m: ModuleModel, call: Call, where: str) -> Finding | None:
        hit = self.made(m, call)
        if hit is not None:
            shown, what, fix = hit
            return _finding(m, call, f"{shown} {what} on every request, in {where}", fix)
        if call.id < 0 or self._memoised(m, call):
            return None
        callee = self.project.callee(m, call)
        reach = self.helper(callee)
        if reach is None:
            return None
        chain, what, fix = reach
        name = _name(callee, m)
        path = " → ".join((f"{name}()", *chain))
        return _finding(m, call, f"`{name}()` {what} on every request, in {where}: {path}",
                        f"{fix}; or memoise the helper", (f"{name}()", *chain))


def _name(callee: Callee, m: ModuleModel) -> str:
    if callee.module is None:
        return (callee.target or "?").rsplit(".", 1)[-1]
    scope = callee.module.scopes[callee.scope]
    if scope.name == "__init__" and callee.target:
        return callee.target.rsplit(".", 1)[-1]
    return scope.name


def _display(target: str | None) -> str:
    target = target or "?"
    return target[len("builtins."):] if target.startswith("builtins.") else target


def _finding(m: ModuleModel, call: Call, text: str, fix: str, chain: tuple[str, ...] = ()) -> Finding:
    return Finding(m.path, call.line, call.col, "LG301", f"{text}; {fix}", call.end_line, call.end_col, fix, chain)
