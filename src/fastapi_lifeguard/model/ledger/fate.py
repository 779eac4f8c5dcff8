"""Fate and settlement: what becomes of a value, and the verdict on each resource made at startup.

Owns:
- `fate` (memoised): follow a key through its uses to released (a release method, `async with`,
  a closing wrapper, a project helper that releases what it is given), escaped (handed to code
  we cannot see, returned, yielded, read where no record explains) or only used;
- `Entry` and the ledger's entries (`_collect`): every resource startup code makes, where it is
  kept (`_place`) and its verdict (`_settle`, and `_settle_task` for LG204's tasks);
- wild releases: a receiver chosen at run time, or the app handed at shutdown to code we
  cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...catalogue import lifecycle as lc
from ..records import Call, ModuleModel, Ref, Scope
from .discovery import Discovery, Resource
from .keys import Key, Use, parts, strip, text

RELEASED, ESCAPED = "released", "escaped"


@dataclass(eq=False)
class Entry:
    """One resource made at startup."""

    module: ModuleModel = field(repr=False)
    call: Call
    owner: int  # the function whose code made it
    role: str  # "lifespan" | "startup" | "helper"
    resource: Resource
    keys: list[Key] = field(default_factory=list)
    shown: str = ""  # where it is kept, as written (`app.state.redis`, `client`)
    place: str = "kept"  # kept | dropped | yielded | registry
    verdict: str = ""  # released | escaped | leaked


class Fate(Discovery):
    """The fate-and-settlement part of the `Ledger` (see the module docstring)."""

    def _init_fate(self) -> None:
        self._fates: dict[tuple, str] = {}
        self._positions: dict[tuple[int, int], frozenset[tuple[int, int]]] = {}
        self._wild: set[int] | None = None
        self.entries: list[Entry] = []

    # ---- following a value ------------------------------------------------------------------
    def fate(self, key: Key, is_task: bool, follow: bool = True, returning: bool = False,
             entry: Entry | None = None) -> str:
        """released | escaped | used (nothing releases it)."""
        memo = (key, is_task, follow, returning) if entry is None else None
        if memo is not None and memo in self._fates:
            return self._fates[memo]
        if memo is not None:
            self._fates[memo] = ESCAPED  # cycles: assume the worst for precision (no report)
        result = self._fate(key, is_task, follow, returning, entry)
        if memo is not None:
            self._fates[memo] = result
        return result

    def _fate(self, key: Key, is_task: bool, follow: bool, returning: bool, entry: Entry | None) -> str:
        todo, seen = [key], set()
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            for use, match in self.uses_of(k):
                verdict = self._classify(k, use, match, is_task, follow, returning, entry)
                if verdict in (RELEASED, ESCAPED):
                    return verdict
                if isinstance(verdict, tuple):
                    todo.append(verdict)
            if k[0] == "local" and self._unexplained(k):
                return ESCAPED
            if k[0] in ("state", "attr") and self._wild_release(entry):
                return RELEASED
        return "used"

    def _classify(self, key: Key, use: Use, match: str, is_task: bool, follow: bool, returning: bool,
                  entry: Entry | None):
        kind = use.kind
        local = key[0] == "local"
        if kind in ("release", "loop-release"):
            if kind == "loop-release" and match != "exact":
                return None
            if not local and self.in_startup_part(use.m, use.sid, use.call.line, use.call.col):
                return None
            return RELEASED
        if kind == "release-ref" or kind == "with":
            return RELEASED
        if kind == "await":
            return RELEASED if is_task else None
        if kind == "arg":
            verdict = self.classify_arg(use.m, use.sid, use.call, use.extra, is_task, follow)
            if verdict == ESCAPED and not local and (id(use.m), use.sid) not in self.escape_scope:
                return None  # a route handing `app.state.client` to a library does not own it
            return verdict
        if kind == "store":
            target, _contained = use.extra
            if not follow:
                return ESCAPED
            found = self.key_of_target(use.m, use.sid, target)
            return found[0] if found else ESCAPED
        if kind == "bind":
            name, contained = use.extra
            bsid = self.binding_scope(use.m, use.sid, name)
            if bsid is None:
                return None
            if bsid == 0:
                return ("global", name) if follow else ESCAPED
            return ("local", id(use.m), bsid, name)
        if kind == "yield":
            if local and entry is not None and (id(use.m), use.sid) in self.lifespans:
                return None  # lifespan state: shared with requests, still ours to release
            return ESCAPED if local else None
        if kind == "return":
            if local:
                return None if returning else ESCAPED
            return None
        return None

    def classify_arg(self, m: ModuleModel, sid: int, call: Call, pos, is_task: bool, follow: bool):
        """A value passed to `call` at `pos`: released, handed over (escaped), stored, or just used."""
        callee = self.project.callee(m, call)
        target = callee.target
        func = call.func
        method = func.attrs[-1] if func.attrs else None
        if target in lc.CLOSING_WRAPPERS or method in lc.ENTER_METHODS:
            return RELEASED
        if target in lc.TASK_CONSUMERS:
            return RELEASED if is_task else ESCAPED
        if method in lc.CONTAINER_METHODS and func.kind in ("name", "sub"):
            if not follow:
                return ESCAPED
            found = self.key_of_target(m, sid, strip(func))
            return found[0] if found else ESCAPED
        if target == "builtins.setattr" and pos == 2 and len(call.args) >= 2:
            name = call.args[1]
            if call.args[0].kind == "name" and name.kind == "const" and isinstance(name.base, str):
                if not follow:
                    return ESCAPED
                obj = call.args[0]
                found = self.key_of_target(m, sid, Ref("name", obj.base, obj.attrs + (name.base,)))
                return found[0] if found else ESCAPED
            return ESCAPED
        if target in lc.HARMLESS_CALLS:
            return None
        if method in lc.LOG_METHODS and func.kind == "name" and "log" in ".".join((func.base, *func.attrs[:-1])).lower():
            return None
        if callee.module is not None and callee.scope >= 0:
            scope = callee.module.scopes[callee.scope]
            name = _param_name(callee.module, scope, call, pos)
            if name is None:
                return ESCAPED
            fate = self.fate(("local", id(callee.module), scope.id, name), is_task, follow=False)
            return None if fate == "used" else fate
        return ESCAPED

    def _unexplained(self, key: Key) -> bool:
        """A read of the local that no record explains (`x or y`, f-strings...): it may flow anywhere."""
        m = self.by_id[key[1]]
        name = key[3]
        for sid in self.subtree(m, key[2]):
            scope = m.scopes[sid]
            loads = scope.loads.get(name)
            if not loads or self.binding_scope(m, sid, name) != key[2]:
                continue
            known = self.positions(m, scope)
            if any(pos not in known for pos in loads):
                return True
        return False

    def positions(self, m: ModuleModel, scope: Scope) -> frozenset[tuple[int, int]]:
        """Where the records of a scope mention a name (the start of every recorded expression)."""
        key = (id(m), scope.id)
        found = self._positions.get(key)
        if found is not None:
            return found
        out: set[tuple[int, int]] = set()

        def add(ref: Ref | None) -> None:
            if ref is None:
                return
            if ref.kind in ("name", "sub", "call"):
                out.add((ref.line, ref.col))
            if ref.kind in ("sub", "binop") and isinstance(ref.base, Ref):
                add(ref.base)
            for item in ref.items:
                add(item)

        for cid in scope.calls:
            call = m.calls[cid]
            if call.id < 0:
                continue
            add(call.func)
            for arg in call.args:
                add(arg)
            for arg in call.kwargs.values():
                add(arg)
        for target, value, _line in scope.attr_stores:
            add(target)
            add(value)
        for bindings in scope.bindings.values():
            for b in bindings:
                if isinstance(b.value, Ref):
                    add(b.value)
        for ref, _a in scope.withs:
            add(ref)
        for ref in scope.awaits:
            add(ref)
        for y in scope.yields:
            add(y.value)
        for ref in scope.returns:
            add(ref)
        found = self._positions[key] = frozenset(out)
        return found

    def _wild_release(self, entry: Entry | None) -> bool:
        """A release on a receiver chosen at run time (`getattr(app.state, name).close()` with a
        computed name), or the app handed at shutdown to code we cannot see: any state attribute
        of the apps in that module may be released there."""
        if self._wild is None:
            wild: set[int] = set()
            for u in self.wild_releases:
                if not self.in_startup_part(u.m, u.sid, u.call.line, u.call.col):
                    wild.add(id(u.m))
            for key in self.lifespans.keys() | self.shutdown_handlers | self.shutdown_helpers:
                m = self.by_id[key[0]]
                if key[0] not in wild and any(self._hands_over_app(m, key[1], c) for c in self.part_calls(m, key[1], "shutdown")):
                    wild.add(key[0])
            self._wild = wild
        if entry is None or not self._wild:
            return False
        modules = {id(entry.module), *self.roots.get((id(entry.module), entry.owner), ())}
        return bool(modules & self._wild)

    def _hands_over_app(self, m: ModuleModel, sid: int, call: Call) -> bool:
        callee = self.project.callee(m, call)
        if callee.module is not None or callee.target in lc.HARMLESS_CALLS:
            return False
        for arg in (*call.args, *call.kwargs.values()):
            p = parts(arg)
            if p and (p[-1] in ("state", "app") or self._is_app_param(m, sid, p)):
                return True
        return False

    def _is_app_param(self, m: ModuleModel, sid: int, p: tuple[str, ...]) -> bool:
        if len(p) != 1:
            return False
        scope = m.scopes[sid]
        return bool(scope.params) and scope.params[0].name == p[0] and (id(m), sid) in self.lifespans

    # ---- the ledger ---------------------------------------------------------------------
    def _collect(self) -> None:
        seen: set[tuple[int, int]] = set()
        owners = [*(k for k in self.lifespans if self.startup_owner(k)), *self.startup_handlers,
                  *(k for k in self.startup_helpers if self.fastapi.is_startup_only(self.by_id[k[0]], k[1]))]
        for key in owners:
            m = self.by_id[key[0]]
            for call in self.part_calls(m, key[1], "startup") if key in self.lifespans else self._own_calls(m, key[1]):
                if (id(m), call.id) in seen:
                    continue
                seen.add((id(m), call.id))
                resource = self.resource_of_call(m, call)
                if resource is None or (resource.is_task and call.in_handler):
                    continue  # a task started in an `except` block reports an error once; not a service
                entry = Entry(m, call, key[1], self.role_of(m, key[1]), resource)
                self._place(entry)
                if entry.verdict == "":
                    entry.verdict = self._settle(entry)
                self.entries.append(entry)

    @staticmethod
    def _own_calls(m: ModuleModel, sid: int):
        for cid in m.scopes[sid].calls:
            call = m.calls[cid]
            if call.id >= 0:
                yield call

    def _place(self, entry: Entry) -> None:
        """Where the value of the creating call goes."""
        m, call, sid = entry.module, entry.call, entry.call.scope
        is_task = entry.resource.is_task
        while not is_task and call.parent >= 0 and call.parent_pos == 0:
            parent = m.calls[call.parent]
            if self.project.callee(m, parent).target not in lc.PASS_THROUGH:
                break
            call = parent  # `await asyncio.wait_for(asyncpg.create_pool(...), 10)` gives the pool
        if call.stmt in ("with", "asyncwith") or (call.awaited and is_task):
            entry.verdict = RELEASED
            return
        if call.parent >= 0:
            parent = m.calls[call.parent]
            verdict = self.classify_arg(m, sid, parent, call.parent_pos, is_task, True)
            if isinstance(verdict, tuple):
                entry.keys.append(verdict)
                entry.place = "registry"
                entry.shown = text(strip(parent.func))
            else:
                entry.verdict = verdict or ESCAPED
            return
        if call.stmt == "assign":
            # `engine = read_engine = create_async_engine(...)`: one object under every name.
            for target in call.targets:
                found = self.key_of_target(m, sid, target)
                if found is None:
                    entry.verdict = ESCAPED
                    return
                entry.keys.append(found[0])
                if not entry.shown:
                    entry.shown = text(target.base if found[1] and target.kind == "sub" else target)
                    entry.place = "registry" if found[1] else "kept"
            return
        if call.stmt == "expr":
            entry.place = "dropped"
            entry.verdict = "" if is_task else "leaked"  # a task may still be cancelled with all others
            return
        if call.stmt in ("return", "yield"):
            entry.verdict = ESCAPED
            return
        # Inside a literal: `yield {"client": Client()}`, `clients = [Client(), ...]`.
        scope = m.scopes[sid]
        for y in scope.yields:
            if y.value is not None and _contains_call(y.value, call.id):
                entry.place = "yielded"
                entry.verdict = "leaked"
                entry.shown = _dict_key_of(y.value, call.id) or "the lifespan state"
                return
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if isinstance(b.value, Ref) and b.value.kind in ("seq", "dict") and _contains_call(b.value, call.id):
                    bsid = self.binding_scope(m, sid, name)
                    entry.keys.append(("global", name) if bsid == 0 else ("local", id(m), sid, name))
                    entry.place, entry.shown = "registry", name
                    return
        for target, value, _line in scope.attr_stores:
            if value.kind in ("seq", "dict") and _contains_call(value, call.id):
                found = self.key_of_target(m, sid, target)
                if found:
                    entry.keys.append(found[0])
                    entry.place, entry.shown = "registry", text(target)
                    return
        entry.verdict = ESCAPED

    def _settle(self, entry: Entry) -> str:
        if entry.resource.is_task:
            return self._settle_task(entry)
        verdicts = [self.fate(k, entry.resource.is_task, entry=entry) for k in (*entry.keys, *entry.resource.kept)]
        if RELEASED in verdicts:
            return RELEASED
        if ESCAPED in verdicts:
            return ESCAPED
        if any(k[0] == "local" and self._yielded(k) for k in entry.keys):
            entry.place = "yielded"
        return "leaked"

    def _settle_task(self, entry: Entry) -> str:
        """SPEC LG204: report a task that is neither kept nor cancelled/awaited. Kept: stored on
        the app, an object, a global or a registry, or held by a lifespan's frame until shutdown."""
        shutdown = set(self.lifespans) | self.shutdown_handlers | self.shutdown_helpers
        if any((id(u.m), u.sid) in shutdown and not self.in_startup_part(u.m, u.sid, u.call.line, u.call.col)
               for u in self.cancel_all):
            return RELEASED  # the app's shutdown cancels every task (not some thread's own loop)
        if entry.place == "dropped":
            return "leaked"
        todo, seen = list(entry.keys), set()
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            if key[0] != "local" or key[:3] in self._lifespan_keys():
                return "kept"
            for use, match in self.uses_of(key):
                verdict = self._classify(key, use, match, True, True, False, entry)
                if verdict in (RELEASED, ESCAPED):
                    return verdict
                if isinstance(verdict, tuple):
                    todo.append(verdict)
            if self._unexplained(key):
                return ESCAPED
        return "leaked"

    def _lifespan_keys(self) -> set[tuple]:
        return {("local", k[0], k[1]) for k in self.lifespans}

    def _yielded(self, key: Key) -> bool:
        for use, _match in self.uses_of(key):
            if use.kind == "yield":
                return True
        return False


# ---- helpers --------------------------------------------------------------------------------
def _contains_call(ref: Ref, cid: int) -> bool:
    if ref.kind == "call":
        return ref.base == cid
    if ref.kind in ("seq", "dict", "binop"):
        inner = [*ref.items, *([ref.base] if isinstance(ref.base, Ref) else [])]
        return any(_contains_call(i, cid) for i in inner)
    return False


def _dict_key_of(ref: Ref, cid: int) -> str | None:
    if ref.kind != "dict":
        return None
    half = len(ref.items) // 2
    for k, v in zip(ref.items[:half], ref.items[half:]):
        if _contains_call(v, cid) and k.kind == "const" and isinstance(k.base, str):
            return f'"{k.base}"'
    return None


def _param_name(m: ModuleModel, scope: Scope, call: Call, pos) -> str | None:
    """The parameter of a project function that receives argument `pos` of `call`."""
    params = list(scope.params)
    bound = (scope.parent >= 0 and m.scopes[scope.parent].kind == "class"
             and params and params[0].name in ("self", "cls"))
    if bound:
        params = params[1:]
    if isinstance(pos, str):
        for p in params:
            if p.name == pos and p.kind in ("arg", "kwonly"):
                return p.name
        return None
    positional = [p for p in params if p.kind == "arg"]
    if isinstance(pos, int) and pos < len(positional):
        return positional[pos].name
    return None
