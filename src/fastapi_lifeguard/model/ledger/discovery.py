"""Resource discovery: which functions run at startup and shutdown, and what a call makes.

Owns:
- the roles of functions (`_roles`): lifespans and where their first `yield` ends, startup and
  shutdown handlers, the helpers only they reach (`roots`), and `part_calls` /
  `in_startup_part`, which split a lifespan at its `yield`;
- `Resource` and `resource_of_call`: a catalogued factory, a task, a class built on a
  catalogued base, or a project helper that returns a fresh resource (`returned_resource`),
  memoised per call and per helper.

Whether a helper returns a resource it does not keep itself is a question about the value's
fate: `_returned_local` asks `fate` (fate.py), the one call from here into a later part.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...catalogue import framework as fw
from ...catalogue import lifecycle as lc
from ..fastapi import LIFESPAN, SHUTDOWN, STARTUP
from ..records import Call, ModuleModel, Ref, Scope
from .keys import Keys, is_none, not_none, parts, strip


@dataclass(slots=True)
class Resource:
    """What a call makes: a catalogued resource or a task, possibly through project helpers."""

    rtype: lc.ResourceType
    factory: str  # `httpx.AsyncClient`, `asyncio.create_task`
    made: tuple[str, int]  # path and line of the factory call
    via: tuple[str, ...] = ()  # helper functions between the startup code and the factory
    is_task: bool = False
    kept: tuple = ()  # keys a memoising helper also keeps it under (`_clients` of `return _clients[k]`)


class Discovery(Keys):
    """The resource-discovery part of the `Ledger` (see the module docstring)."""

    # Set by `Ledger.__init__`.
    factories: dict[str, lc.ResourceType]

    def _init_discovery(self) -> None:
        self._resources: dict[tuple[int, int], Resource | None] = {}
        self._returns: dict[tuple[int, int], Resource | None] = {}
        self.roots: dict[tuple[int, int], set[int]] = {}  # helper -> modules of the lifespans/handlers reaching it

    # ---- functions and their parts -------------------------------------------------
    def _roles(self) -> None:
        """Lifespan-like functions (with a `yield`), startup and shutdown code, reached by calls."""
        project, fastapi = self.project, self.fastapi
        self.lifespans: dict[tuple[int, int], tuple[int, int]] = {}  # -> end of the first yield
        self.app_lifespans: set[tuple[int, int]] = set()  # given to `lifespan=` (the rest are entered from one)
        self.startup_handlers: set[tuple[int, int]] = set()
        self.shutdown_handlers: set[tuple[int, int]] = set()
        self.startup_helpers: set[tuple[int, int]] = set()
        self.shutdown_helpers: set[tuple[int, int]] = set()
        startup: list[tuple[int, int]] = []
        shutdown: list[tuple[int, int]] = []
        for key, contexts in fastapi.contexts.items():
            m = self.by_id.get(key[0])
            if m is None:
                continue
            scope = m.scopes[key[1]]
            if LIFESPAN in contexts and scope.is_generator:
                self._add_lifespan(m, scope)
                self.app_lifespans.add(key)
                startup.append(key)
                shutdown.append(key)
            if STARTUP in contexts:
                self.startup_handlers.add(key)
                startup.append(key)
            if SHUTDOWN in contexts:
                self.shutdown_handlers.add(key)
                shutdown.append(key)
        for queue, helpers, part in ((startup, self.startup_helpers, "startup"),
                                     (shutdown, self.shutdown_helpers, "shutdown")):
            seen = set(queue)
            while queue:
                key = queue.pop()
                m = self.by_id[key[0]]
                for call in self.part_calls(m, key[1], part):
                    if call.parent >= 0 and self.fastapi.starts_task(m, m.calls[call.parent]):
                        continue  # `create_task(worker())`: the body runs as a task, not as startup code
                    callee = project.callee(m, call)
                    if callee.module is None or callee.scope < 0:
                        continue
                    target = (id(callee.module), callee.scope)
                    self.roots.setdefault(target, set()).update({key[0], *self.roots.get(key, ())})
                    if target in seen:
                        continue
                    seen.add(target)
                    scope = callee.module.scopes[callee.scope]
                    if scope.kind != "def":
                        continue
                    if (part == "startup" and scope.is_generator and call.stmt in ("with", "asyncwith", "other")
                            and fastapi.decorated_with(callee.module, scope.id, fw.ASYNC_CONTEXT_MANAGERS)):
                        # `async with db_lifespan(app):` inside a lifespan: a lifespan of its own.
                        self._add_lifespan(callee.module, scope)
                        shutdown.append(target)
                    elif target not in self.lifespans:
                        helpers.add(target)
                    queue.append(target)
        self.escape_scope = (set(self.lifespans) | self.startup_handlers | self.shutdown_handlers
                             | self.startup_helpers | self.shutdown_helpers)

    def _add_lifespan(self, m: ModuleModel, scope: Scope) -> None:
        first = min((y.end_line, y.end_col) for y in scope.yields)
        self.lifespans[(id(m), scope.id)] = first

    def part_calls(self, m: ModuleModel, sid: int, part: str):
        """The calls of a function that run at startup (or at shutdown)."""
        scope = m.scopes[sid]
        first = self.lifespans.get((id(m), sid))
        key = (id(m), sid)
        for cid in scope.calls:
            call = m.calls[cid]
            if call.id < 0:
                continue
            if first is not None:
                before = (call.line, call.col) < first
                if before != (part == "startup"):
                    continue
            elif part == "startup" and not (key in self.startup_handlers or key in self.startup_helpers):
                continue
            elif part == "shutdown" and not (key in self.shutdown_handlers or key in self.shutdown_helpers):
                continue
            yield call

    def in_startup_part(self, m: ModuleModel, sid: int, line: int, col: int) -> bool:
        """Code that runs only while the app starts: a release there is not a shutdown release."""
        key = (id(m), sid)
        first = self.lifespans.get(key)
        if first is not None:
            return (line, col) < first
        if key in self.startup_handlers and key not in self.shutdown_handlers:
            return True
        return (key in self.startup_helpers and key not in self.shutdown_helpers
                and self.fastapi.is_startup_only(m, sid))

    def startup_owner(self, key: tuple[int, int]) -> bool:
        """A lifespan, or a context manager entered only while the app starts (`async with
        db_lifespan(app):`); not a `session_scope()` that requests use too."""
        return key in self.app_lifespans or self.fastapi.is_startup_only(self.by_id[key[0]], key[1])

    def role_of(self, m: ModuleModel, sid: int) -> str:
        key = (id(m), sid)
        if key in self.lifespans:
            return "lifespan"
        if key in self.startup_handlers:
            return "startup"
        return "helper"

    # ---- what a call makes ------------------------------------------------------------------
    def resource_of_call(self, m: ModuleModel, call: Call, depth: int = 0) -> Resource | None:
        key = (id(m), call.id)
        if key in self._resources:
            return self._resources[key]
        self._resources[key] = None
        result = self._resource_of_call(m, call, depth) if depth < 6 else None
        self._resources[key] = result
        return result

    def _resource_of_call(self, m: ModuleModel, call: Call, depth: int) -> Resource | None:
        callee = self.project.callee(m, call)
        target = callee.target
        made = (m.path, call.line)
        if target is not None and callee.module is None:
            rtype = self.factories.get(target)
            if rtype is not None:
                return Resource(rtype, target, made)
            if target in lc.TASK_FACTORIES:
                return Resource(lc.TASK, target, made, is_task=True)
        func = call.func
        if func.attrs and func.attrs[-1] in lc.LOOP_TASK_METHODS and self._is_loop(m, call.scope, strip(func)):
            return Resource(lc.TASK, "loop.create_task", made, is_task=True)
        if callee.module is not None and callee.scope >= 0:
            cm, csid = callee.module, callee.scope
            scope = cm.scopes[csid]
            if scope.name == "__init__" and scope.parent >= 0 and cm.scopes[scope.parent].kind == "class":
                for base in sorted(self.project.class_bases(cm, scope.parent)):
                    rtype = self.factories.get(base)
                    if rtype is not None:
                        return Resource(rtype, base, made, (cm.scopes[scope.parent].name,))
                return None
            if scope.kind == "def":
                inner = self.returned_resource(cm, csid, depth + 1)
                if inner is not None:
                    return Resource(inner.rtype, inner.factory, inner.made, (f"{scope.name}()", *inner.via),
                                    inner.is_task, inner.kept)
        return None

    def _is_loop(self, m: ModuleModel, sid: int, ref: Ref) -> bool:
        if ref.kind == "call":
            call = m.calls[ref.base]
            return call.id >= 0 and not ref.attrs and self.project.callee(m, call).target in lc.LOOP_GETTERS
        p = parts(ref)
        if p is None:
            return False
        if len(p) == 1:
            found = self.alias(m, sid, p[0])
            bsid = self.binding_scope(m, sid, p[0])
            if bsid is not None:
                for b in m.scopes[bsid].bindings.get(p[0], ()):
                    if b.kind == "assign" and isinstance(b.value, Ref) and b.value.kind == "call":
                        if self._is_loop(m, bsid, b.value):
                            return True
            if found is not None:
                return self._is_loop(m, found[1], found[0])
        last = p[-1].lower()
        return last == "loop" or last.endswith("_loop")

    def returned_resource(self, m: ModuleModel, sid: int, depth: int = 0) -> Resource | None:
        """A helper that returns a fresh resource it does not release or keep itself."""
        key = (id(m), sid)
        if key in self._returns:
            return self._returns[key]
        self._returns[key] = None
        result = self._returned_resource(m, sid, depth)
        self._returns[key] = result
        return result

    def _returned_resource(self, m: ModuleModel, sid: int, depth: int) -> Resource | None:
        scope = m.scopes[sid]
        if scope.is_generator or not scope.returns:
            return None
        if self.fastapi.decorated_with(m, sid, fw.ASYNC_CONTEXT_MANAGERS | fw.SYNC_CONTEXT_MANAGERS):
            return None
        found: Resource | None = None
        for ref in scope.returns:
            if is_none(ref):
                continue
            res = None
            if ref.kind == "call" and not ref.attrs:
                call = m.calls[ref.base]
                if call.id >= 0 and call.stmt == "return":
                    res = self.resource_of_call(m, call, depth)
            elif ref.kind == "name" and not ref.attrs:
                res = self._returned_local(m, sid, ref.base, depth)
            elif ref.kind == "sub" and isinstance(ref.base, Ref):
                res = self._returned_memo(m, sid, ref.base, depth)
            if res is None or (found is not None and found.rtype is not res.rtype):
                return None
            found = res
        return found

    def _returned_memo(self, m: ModuleModel, sid: int, registry: Ref, depth: int) -> Resource | None:
        """`if k not in _clients: _clients[k] = _build(k)` / `return _clients[k]`: a memoising
        factory. Whoever calls it at startup owns the client (LG201): it is released through
        the name the caller keeps it under or through the module-level dict. A helper that only
        startup code calls reports where it stores the client instead (its own entry)."""
        if registry.kind != "name" or registry.attrs or self.fastapi.is_startup_only(m, sid):
            return None
        found = self.key_of_target(m, sid, registry)
        if found is None or found[0][0] != "global":
            return None
        made = None
        for target, value, _line in m.scopes[sid].attr_stores:
            if (target.kind == "sub" and parts(target.base) == parts(registry)  # type: ignore[arg-type]
                    and value.kind == "call" and not value.attrs):
                call = m.calls[value.base]
                res = self.resource_of_call(m, call, depth) if call.id >= 0 else None
                if res is None or (made is not None and made.rtype is not res.rtype):
                    return None
                made = res
        if made is None:
            return None
        return Resource(made.rtype, made.factory, made.made, made.via, made.is_task, (*made.kept, found[0]))

    def _returned_local(self, m: ModuleModel, sid: int, name: str, depth: int) -> Resource | None:
        if self.binding_scope(m, sid, name) != sid:
            return None
        bindings = not_none(m.scopes[sid].bindings[name])
        if len(bindings) != 1 or bindings[0].kind != "assign" or not isinstance(bindings[0].value, Ref):
            return None
        value = bindings[0].value
        if value.kind != "call" or value.attrs:
            return None
        call = m.calls[value.base]
        if call.id < 0 or call.stmt != "assign" or call.parent >= 0:
            return None
        res = self.resource_of_call(m, call, depth)
        if res is None:
            return None
        # Returned, and neither released nor kept elsewhere by the helper itself.
        fate = self.fate(("local", id(m), sid, name), res.is_task, follow=False, returning=True)
        return res if fate == "used" else None
