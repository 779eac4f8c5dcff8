"""LG301: a client, pool, engine or model built once per request; LG302 (off by default): a
route that uses a shared one directly instead of receiving it through `Depends`.

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

from ..catalogue import lookup
from ..catalogue.factories import IN_PROCESS_TRANSPORTS, KINDS, MEMOISING_DECORATORS
from ..catalogue.offload import CALLABLE_BUILDERS
from ..findings import Finding
from ..model.fastapi import DEPENDENCY, MIDDLEWARE, ROUTE, WEBSOCKET
from ..model.ledger import Key
from ..model.project import Callee
from ..model.records import OTHER, Call, ModuleModel, Ref, Scope

CODES = ("LG301", "LG302")

PER_REQUEST = frozenset({ROUTE, WEBSOCKET, DEPENDENCY, MIDDLEWARE})
_REQUEST_TYPES = frozenset({"starlette.requests.Request", "fastapi.Request", "fastapi.requests.Request",
                            "starlette.websockets.WebSocket", "fastapi.WebSocket", "fastapi.websockets.WebSocket"})
_REQUEST_NAMES = frozenset({"request", "req", "websocket", "ws"})
_PROCESS, _OBJECT = 2, 1
_PASSED_KEPT = 256  # scopes whose calls `_PerRequest._passed` keeps indexed


def check(analysis) -> Iterator[Finding]:
    yield from _per_request(analysis)
    yield from _not_injected(analysis)


def _per_request(analysis) -> Iterator[Finding]:
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
# A safety valve for the helper recursion itself (a generated 1,000-function chain exhausted the
# recursion limit in LG102): well above the depths followed, so memoised answers stay right.
_MAX_CHAIN = 50

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
        self._passed_memo: dict[tuple[int, int], dict[str, list[tuple[Call, list[int], list[str]]]]] = {}
        self._unset_memo: dict[tuple[int, int, str], bool] = {}
        self._attrs: dict[str, list[tuple[ModuleModel, int, Ref]]] | None = None

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
            if self._on_shared_pool(m, call, target) or self._inside_factory(m, call) or self._memoised(m, call):
                return None
            return f"`{_display(target)}()`", hit[0], hit[1]
        offloaded = self._offloaded_factory(m, call, target)
        if offloaded is not None and not self._memoised(m, call):
            return offloaded
        return None

    def _on_shared_pool(self, m: ModuleModel, call: Call, target: str) -> bool:
        """`AsyncClient(transport=shared)`: built on a pool made elsewhere; or on an in-process
        transport (`transport=httpx.ASGITransport(app=app)`), which has no pool at all."""
        for key in self.project.library.shared_pool_kwargs.get(target, ()):
            ref = call.kwargs.get(key)
            if ref is None:
                continue
            if ref.kind == "name":
                return True
            if ref.kind == "call" and not ref.attrs:
                inner = m.calls[ref.base]
                if inner.id >= 0 and self.project.callee(m, inner).target in IN_PROCESS_TRANSPORTS:
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
            for call, positions, keywords in self._passed(m, sid).get(name, ()):
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

    def _passed(self, m: ModuleModel, sid: int) -> dict[str, list[tuple[Call, list[int], list[str]]]]:
        """The calls of a scope that are handed a bare name, by name, in call order: (call,
        argument positions, keywords). Kept for the scopes asked about last only (the escape
        search asks about the names of one scope together; every scope kept took 13 MB on
        litellm)."""
        key = (id(m), sid)
        found = self._passed_memo.get(key)
        if found is None:
            if len(self._passed_memo) >= _PASSED_KEPT:
                self._passed_memo.clear()
            found = self._passed_memo[key] = {}
            for cid in m.scopes[sid].calls:
                call = m.calls[cid]
                if call.id < 0:
                    continue
                names: dict[str, tuple[list[int], list[str]]] = {}
                for i, a in enumerate(call.args):
                    if a.kind == "name" and not a.attrs:
                        names.setdefault(a.base, ([], []))[0].append(i)  # type: ignore[arg-type]
                for k, a in call.kwargs.items():
                    if a.kind == "name" and not a.attrs:
                        names.setdefault(a.base, ([], []))[1].append(k)  # type: ignore[arg-type]
                for name, (positions, keywords) in names.items():
                    found.setdefault(name, []).append((call, positions, keywords))
        return found

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
                if m.behind_cache(call, kept_on_objects=True):
                    continue  # built when the cache the helper returns is empty, not per call
                branch = self._branch(m, call)
                if branch is _NEVER:
                    continue
                when = f", when `{branch}`" if branch else ""
                hit = self.made(m, call)
                if hit is not None:
                    shown = hit[0].strip("`")
                    result = ((f"{shown} ({os.path.basename(m.path)}:{call.line}{when})",), hit[1], hit[2])
                    break
                if call.id < 0 or self._memoised(m, call):
                    continue  # `_cache[key] = Helper(...)` behind a missing-check
                inner = self.project.callee(m, call)
                deeper = self.helper(inner, depth + 1)
                if deeper is not None and len(deeper[0]) < MAX_FACTORY_DEPTH:
                    step = f"{_name(inner, m)}(){' (when `' + branch + '`)' if branch else ''}"
                    result = ((step, *deeper[0]), deeper[1], deeper[2])
                    break
        self._reach[key] = result
        return result

    # ---- branches -------------------------------------------------------------------
    def _branch(self, m: ModuleModel, call: Call):
        """_NEVER when the call sits on an `if` branch the code never takes (`if self.proxy:`
        where every value `proxy` gets is a literal None); the test as written when that cannot
        be decided (the message names the branch); None when the call is on no branch."""
        if call.branch is None:
            return None
        text, subject, when_set = call.branch
        if subject is not None and self._never_set(m, call.scope, subject):
            return _NEVER if when_set else None
        return text

    def _never_set(self, m: ModuleModel, sid: int, subject: Ref) -> bool:
        """`self.<attr>` of a project class that only ever holds a literal None/False: stored
        as one, or from an `__init__` parameter that every construction leaves at None."""
        scope = m.scopes[sid]
        if (len(subject.attrs) != 1 or not scope.params or subject.base != scope.params[0].name
                or scope.parent < 0 or m.scopes[scope.parent].kind != "class"):
            return False
        key = (id(m), scope.parent, subject.attrs[0])
        found = self._unset_memo.get(key)
        if found is None:
            found = self._unset_memo[key] = self._only_none(m, scope.parent, subject.attrs[0])
        return found

    def _only_none(self, m: ModuleModel, class_sid: int, attr: str) -> bool:
        values = self._attr_values().get(attr, ())
        if not values:
            return False  # set somewhere we cannot see (a base class, `setattr`): undecidable
        init = m.scopes[class_sid].members.get("__init__")
        for vm, vsid, value in values:
            if _falsy_const(value):
                continue
            if not (vm is m and vsid == init and value.kind == "name" and not value.attrs):
                return False
            scope = m.scopes[init]
            index = next((i for i, p in enumerate(scope.params) if p.name == value.base), None)
            if index is None or not self._left_at_none(m, scope, index):
                return False
        return True

    def _left_at_none(self, m: ModuleModel, init, index: int) -> bool:
        """Every construction of the class leaves `__init__` parameter `index` at a None default."""
        param = init.params[index]
        if param.kind not in ("arg", "kwonly") or param.default is None or not _falsy_const(param.default):
            return False
        sites = self.analysis.fastapi.call_sites(m, init.id)
        if not sites:
            return False
        position = index - 1  # after `self`
        for _sm, site in sites:
            if site.star_kwargs or any(a.kind == "other" for a in site.args):
                return False
            given = site.kwargs.get(param.name)
            if given is None and param.kind == "arg" and 0 <= position < len(site.args):
                given = site.args[position]
            if given is not None and not _falsy_const(given):
                return False
        return True

    def _attr_values(self) -> dict[str, list[tuple[ModuleModel, int, Ref]]]:
        """Every `x.<attr> = value` in the project, and class-level `attr = value`, by attribute."""
        if self._attrs is None:
            attrs: dict[str, list[tuple[ModuleModel, int, Ref]]] = {}
            for mod in self.project.modules:
                for scope in mod.scopes:
                    for target, value, _line in scope.attr_stores:
                        if target.kind == "name" and target.attrs:
                            attrs.setdefault(target.attrs[-1], []).append((mod, scope.id, value))
                    if scope.kind == "class":
                        for name, bindings in scope.bindings.items():
                            for b in bindings:
                                value = b.value if isinstance(b.value, Ref) else OTHER
                                attrs.setdefault(name, []).append((mod, scope.id, value))
            self._attrs = attrs
        return self._attrs

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


_NEVER = object()  # a branch the code never takes


def _falsy_const(ref: Ref) -> bool:
    return ref.kind == "const" and not ref.base


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


# ---- LG302 ---------------------------------------------------------------------------------
# Only the handlers themselves: a dependency that reads `app.state` is the bridge this rule
# asks for, and lifespans, middleware and background tasks cannot take `Depends` parameters.
_HANDLERS = frozenset({ROUTE, WEBSOCKET})


def _not_injected(analysis) -> Iterator[Finding]:
    fastapi = analysis.fastapi
    shared = _Shared(analysis)
    for m in analysis.project.modules:
        for scope in m.scopes:
            if scope.kind != "def":
                continue
            contexts = fastapi.contexts_of(m, scope.id)
            if not (contexts & _HANDLERS) or DEPENDENCY in contexts:
                continue
            seen: set[Key] = set()
            for ref in sorted(_shared_refs(m, scope), key=lambda r: (r.line, r.col)):
                found = shared.held(m, scope.id, ref)
                if found is None or found[0] in seen:
                    continue
                seen.add(found[0])
                yield _not_injected_finding(analysis, m, scope, ref, found)


def _shared_refs(m: ModuleModel, scope: Scope) -> Iterator[Ref]:
    """Names a handler reads: module globals (every read), and `x.app.state.y` / `app.state.y`
    chains wherever the records keep an expression (calls, arguments, `with`, `await`,
    assignments, returns)."""
    for name in scope.loads:
        line, col = min(scope.reads(name))
        yield Ref("name", name, line=line, col=col)
    exprs: list[Ref] = []
    for cid in scope.calls:
        call = m.calls[cid]
        if call.id < 0:
            continue
        exprs.append(call.func)
        exprs.extend(call.args)
        exprs.extend(call.kwargs.values())
    exprs.extend(ref for ref, _async in scope.withs)
    exprs.extend(scope.awaits)
    exprs.extend(scope.returns)
    for bindings in scope.bindings.values():
        exprs.extend(b.value for b in bindings if b.kind in ("assign", "with") and isinstance(b.value, Ref))
    for ref in exprs:
        if ref.kind == "name" and "state" in ref.attrs:
            yield ref


class _Shared:
    """What a global or an `app.state` attribute holds, from the ledger's record of every
    value stored under it and the factory catalogue (the same table as LG301)."""

    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self.ledger = analysis.ledger
        self.table: dict[str, tuple[str, str]] = {
            name: KINDS[kind] for name, kind in analysis.project.library.factories.items()}
        for name in analysis.settings.resource_factories:
            self.table[name] = (f"builds `{name}`", "")
        self._memo: dict[tuple[Key, int], tuple[str, str, str] | None] = {}

    def held(self, m: ModuleModel, sid: int, ref: Ref) -> tuple[Key, str, tuple[str, str, str]] | None:
        """(key, shown, (factory, type, made at)) when `ref` reads a shared resource."""
        p = (ref.base, *ref.attrs)
        if not ref.attrs:
            if m.binding_scope(sid, ref.base) != 0:
                return None  # a local, a parameter (`Depends`), or a builtin
            home = self._home(m, ref.base)
            if home is None:
                return None
            key: Key = ("global", home[1])
            what = self.holds(key, home[0])
            return (key, ref.base, what) if what is not None else None
        else:
            i = p.index("state")
            if i + 1 >= len(p) or not self._app_state(m, sid, p[:i]):
                return None
            key, shown = ("state", p[i + 1]), ".".join(p[:i + 2])
        what = self.holds(key)
        return (key, shown, what) if what is not None else None

    def _app_state(self, m: ModuleModel, sid: int, head: tuple[str, ...]) -> bool:
        """`request.app` / `websocket.app` / a module-level app: `request.state` lives one request."""
        if len(head) >= 2 and head[-1] == "app":
            return True
        if len(head) != 1 or m.binding_scope(sid, head[0]) != 0:
            return False
        fastapi = self.analysis.fastapi
        ref = Ref("name", head[0])
        app = fastapi.app_of(m, sid, ref)
        if app is not None:
            return app.kind == "app"
        return fastapi.app_kind(self.analysis.project.value_of(m, sid, ref)) == "app"

    def _home(self, m: ModuleModel, name: str, depth: int = 0) -> tuple[ModuleModel, str] | None:
        """The module that defines a global, through `from .clients import http` imports."""
        bindings = m.scopes[0].bindings.get(name, ())
        if len(bindings) == 1 and bindings[0].kind == "import":
            found = self.analysis.project.find_module(bindings[0].value)
            if found is None or len(found[1]) != 1 or depth > 4:
                return None
            return self._home(found[0], found[1][0], depth + 1)
        # `client = None` at module level, assigned under `global client` in the lifespan.
        return (m, name) if bindings and all(b.kind == "assign" for b in bindings) else None

    def holds(self, key: Key, home: ModuleModel | None = None) -> tuple[str, str, str] | None:
        """Every value stored under `key` (a global: in its own module) is made by a catalogued
        factory or a project helper that returns one: (factory, type name or "", where made)."""
        memo = (key, id(home))
        if memo in self._memo:
            return self._memo[memo]
        self._memo[memo] = None
        result = None
        made = [(m, call) for m, call in self.ledger.stores_any(key) if home is None or m is home]
        for m, call in made:
            if call is None:
                result = None
                break
            callee = self.analysis.project.callee(m, call)
            resource = self.ledger.resource_of_call(m, call)
            hit = lookup(self.table, callee.target) if callee.module is None else None
            if hit is None and resource is not None and lookup(self.table, resource.factory) is not None:
                hit = lookup(self.table, resource.factory)  # a project helper that returns one
            if hit is None:
                # Tasks, thread pools, schedulers and exit stacks are lifecycle resources (LG201)
                # but not the clients, pools, engines and models a test swaps for a fake.
                result = None
                break
            if result is None:
                factory = resource.factory if resource is not None else _display(callee.target)
                rtype = resource.rtype.name if resource is not None and resource.rtype.name in self.analysis.project.library.resource_types else ""
                result = (factory, rtype, f"{os.path.basename(m.path)}:{call.line}")
        self._memo[memo] = result
        return result


def _not_injected_finding(analysis, m: ModuleModel, scope: Scope, ref: Ref, found) -> Finding:
    key, shown, (factory, rtype, made) = found
    name = key[1].lstrip("_").lower() or "resource"
    websocket = WEBSOCKET in analysis.fastapi.contexts_of(m, scope.id)
    if key[0] == "state":
        conn = "websocket: WebSocket" if websocket else "request: Request"
        value = f"{'websocket' if websocket else 'request'}.app.state.{key[1]}"
        where = f"`{shown}` (`{factory}`, stored on `app.state` at {made})"
    else:
        conn, value = "", key[1]
        where = f"the module-level `{shown}` (`{factory}`, made at {made})"
    param = f"{name}: Annotated[{rtype}, Depends(get_{name})]" if rtype else f"{name}=Depends(get_{name})"
    what = (f"{analysis.fastapi.describe(m, scope.id)} uses {where} directly: tests cannot swap it "
            f"with `app.dependency_overrides`")
    fix = (f"receive it through a dependency: `def get_{name}({conn}): return {value}` and the parameter "
           f"`{param}`")
    return Finding(m.path, ref.line, ref.col, "LG302", f"{what}; {fix}", 0, 0, fix)
