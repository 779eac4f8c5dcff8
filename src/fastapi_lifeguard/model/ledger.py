"""The resource ledger behind LG201, LG202 and LG204.

For every application: which resources and tasks its startup code makes (lifespans before
`yield`, startup handlers, and the helpers only they call), where each is kept (a local, the
yielded state, `app.state.x`, another attribute, a global, a registry), and whether anything
releases it: a release method on any name it is kept under (paired across functions and
modules through the attribute or global name), `async with`, `AsyncExitStack`, `closing`,
a loop over its registry, a callback registered with its bound release method, or a project
helper that releases what it is given.

Precision first: a resource handed to code we cannot see (a library call, a container we do
not track, a return to an unknown caller, a read no record explains) counts as released.
Nothing here walks an AST: uses are read from the records of `model/records.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalogue import framework as fw
from ..catalogue import lifecycle as lc
from .fastapi import LIFESPAN, SHUTDOWN, STARTUP, FastAPIModel
from .project import Project
from .records import Call, ModuleModel, Ref, Scope

RELEASED, ESCAPED = "released", "escaped"

# ("local", id(module), scope id, name) | ("state", name) | ("state", id(app), name) | ("attr", name)
# | ("global", name). `app.state` is keyed by its app when the code says which app it is.
Key = tuple


def parts(ref: Ref | None) -> tuple[str, ...] | None:
    if ref is None or ref.kind != "name":
        return None
    return (ref.base, *ref.attrs)  # type: ignore[return-value]


def text(ref: Ref | None) -> str:
    p = parts(ref)
    if p is not None:
        return ".".join(p)
    if ref is not None and ref.kind == "sub":
        return text(ref.base) + "[...]"
    return "…"


def _strip(ref: Ref, n: int = 1) -> Ref:
    return Ref(ref.kind, ref.base, ref.attrs[:-n], ref.items, ref.op, ref.line, ref.col)


@dataclass(slots=True)
class Use:
    kind: str  # release | release-ref | loop-release | arg | store | bind | with | await | yield | return
    m: ModuleModel = field(repr=False)
    sid: int
    ref: Ref  # the value used (for releases: the receiver; for loop releases: the registry)
    call: Call | None = field(default=None, repr=False)
    extra: object = None  # method, argument position, store target or bound name


@dataclass(slots=True)
class Resource:
    """What a call makes: a catalogued resource or a task, possibly through project helpers."""

    rtype: lc.ResourceType
    factory: str  # `httpx.AsyncClient`, `asyncio.create_task`
    made: tuple[str, int]  # path and line of the factory call
    via: tuple[str, ...] = ()  # helper functions between the startup code and the factory
    is_task: bool = False
    kept: tuple = ()  # keys a memoising helper also keeps it under (`_clients` of `return _clients[k]`)


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


class Ledger:
    def __init__(self, project: Project, fastapi: FastAPIModel, user_factories: dict[str, str] | None = None) -> None:
        self.project = project
        self.fastapi = fastapi
        library = project.library
        self.resource_types = library.resource_types
        self.factories: dict[str, lc.ResourceType] = {
            name: library.resource_types[t] for name, t in library.resource_factories.items()
        }
        self.release_names: frozenset[str] = lc.GENERIC_RELEASE | library.all_release
        for name, advice in (user_factories or {}).items():
            self.factories[name] = lc.user_type(name, advice)
        self.by_id = {id(m): m for m in project.modules}
        self._children: dict[int, dict[int, list[int]]] = {}
        self._resources: dict[tuple[int, int], Resource | None] = {}
        self._returns: dict[tuple[int, int], Resource | None] = {}
        self._fates: dict[tuple, str] = {}
        self._positions: dict[tuple[int, int], frozenset[tuple[int, int]]] = {}
        self._aliases: dict[tuple[int, int, str], tuple[Ref, int] | None] = {}
        self._types: dict[Key, set[str]] | None = None
        self._stores: dict[Key, list[tuple[ModuleModel, Call | None]]] | None = None
        self._stores_any: dict[Key, list[tuple[ModuleModel, Call | None]]] | None = None
        self._wild: set[int] | None = None
        self._lifespan_owner: dict[tuple[int, int], set[int]] | None = None
        self.roots: dict[tuple[int, int], set[int]] = {}  # helper -> modules of the lifespans/handlers reaching it
        self._roles()
        self._index()
        self.entries: list[Entry] = []
        self._collect()

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
                    if call.parent >= 0 and self._starts_task(m, m.calls[call.parent]):
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

    def _starts_task(self, m: ModuleModel, call: Call) -> bool:
        if self.project.callee(m, call).target in lc.TASK_FACTORIES:
            return True
        func = call.func
        return bool(func.attrs) and func.attrs[-1] in lc.LOOP_TASK_METHODS

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

    # ---- scopes ---------------------------------------------------------------------
    def children(self, m: ModuleModel) -> dict[int, list[int]]:
        found = self._children.get(id(m))
        if found is None:
            found = {}
            for scope in m.scopes[1:]:
                found.setdefault(scope.parent, []).append(scope.id)
            self._children[id(m)] = found
        return found

    def subtree(self, m: ModuleModel, sid: int) -> list[int]:
        out, todo = [], [sid]
        kids = self.children(m)
        while todo:
            s = todo.pop()
            out.append(s)
            todo.extend(kids.get(s, ()))
        return out

    @staticmethod
    def binding_scope(m: ModuleModel, sid: int, name: str) -> int | None:
        return m.binding_scope(sid, name)

    def alias(self, m: ModuleModel, sid: int, name: str) -> tuple[Ref, int] | None:
        """`c = app.state.client` / `c = getattr(app.state, "client")`: the expression `c` stands for."""
        key = (id(m), sid, name)
        if key in self._aliases:
            return self._aliases[key]
        self._aliases[key] = None
        result = None
        bsid = self.binding_scope(m, sid, name)
        if bsid is not None and bsid > 0:
            bindings = _not_none(m.scopes[bsid].bindings[name])
            if len(bindings) == 1 and bindings[0].kind == "assign" and isinstance(bindings[0].value, Ref):
                value = self.getattr_ref(m, bindings[0].value)
                if value.kind == "name":
                    result = (value, bsid)
        self._aliases[key] = result
        return result

    def getattr_ref(self, m: ModuleModel, ref: Ref) -> Ref:
        """`getattr(x.state, "name", None)` read as `x.state.name`; other refs unchanged."""
        if ref.kind != "call":
            return ref
        call = m.calls[ref.base]
        if call.id < 0 or call.func.kind != "name" or call.func.base != "getattr" or call.func.attrs:
            return ref
        if len(call.args) < 2:
            return ref
        obj, name = call.args[0], call.args[1]
        if obj.kind == "name" and name.kind == "const" and isinstance(name.base, str):
            return Ref("name", obj.base, obj.attrs + (name.base,) + ref.attrs, line=ref.line, col=ref.col)
        return Ref("dynamic", line=ref.line, col=ref.col)

    def getattr_names(self, m: ModuleModel, sid: int, ref: Ref) -> list[Ref]:
        """`for name in ("redis", "db"): getattr(app.state, name)`: one ref per constant name."""
        call = m.calls[ref.base]
        if (call.id < 0 or call.func.kind != "name" or call.func.base != "getattr" or call.func.attrs
                or len(call.args) < 2 or call.args[0].kind != "name" or call.args[1].kind != "name"):
            return []
        name = call.args[1]
        bsid = self.binding_scope(m, sid, name.base)
        if bsid is None:
            return []
        bindings = m.scopes[bsid].bindings.get(name.base, ())
        if len(bindings) != 1 or bindings[0].kind != "loop" or not isinstance(bindings[0].value, Ref):
            return []
        seq = bindings[0].value
        if seq.kind != "seq" or not all(i.kind == "const" and isinstance(i.base, str) for i in seq.items):
            return []
        obj = call.args[0]
        return [Ref("name", obj.base, obj.attrs + (i.base,), line=ref.line, col=ref.col) for i in seq.items]

    def getter_result(self, m: ModuleModel, ref: Ref) -> Ref:
        """`get_client().aclose()`: a project function returning one named value stands for it."""
        call = m.calls[ref.base]
        if call.id < 0:
            return ref
        callee = self.project.callee(m, call)
        if callee.module is None or callee.scope < 0:
            return ref
        returns = [r for r in callee.module.scopes[callee.scope].returns if not _is_none(r)]
        if len(returns) == 1 and returns[0].kind == "name":
            value = returns[0]
            return Ref("name", value.base, value.attrs + ref.attrs, line=ref.line, col=ref.col)
        return ref

    def resolved(self, m: ModuleModel, sid: int, ref: Ref, depth: int = 0) -> tuple[Ref, int]:
        """Follow local aliases of the root name (a few steps)."""
        ref = self.getattr_ref(m, ref) if ref.kind == "call" else ref
        while depth < 4 and ref.kind == "name":
            found = self.alias(m, sid, ref.base)
            if found is None:
                break
            value, sid = found
            ref = Ref("name", value.base, value.attrs + ref.attrs, line=ref.line, col=ref.col)
            depth += 1
        return ref, sid

    # ---- the use index ----------------------------------------------------------------
    def _index(self) -> None:
        self.by_tail: dict[str, list[Use]] = {}
        self.by_scope: dict[tuple[int, int], list[Use]] = {}
        self.wild_releases: list[Use] = []  # releases on a receiver we cannot name
        self.cancel_all: list[Use] = []  # `for t in asyncio.all_tasks(): t.cancel()`
        for m in self.project.modules:
            for scope in m.scopes:
                self._index_scope(m, scope)

    def _add(self, use: Use) -> None:
        self.by_scope.setdefault((id(use.m), use.sid), []).append(use)
        tails = set()
        for ref in (use.ref, self.resolved(use.m, use.sid, use.ref)[0]):
            t = _tail(ref)
            if t is not None:
                tails.add(t)
        for t in tails:
            self.by_tail.setdefault(t, []).append(use)

    def _index_scope(self, m: ModuleModel, scope: Scope) -> None:
        sid = scope.id
        for cid in scope.calls:
            call = m.calls[cid]
            if call.id < 0:
                continue
            func = call.func
            if func.attrs and func.attrs[-1] in self.release_names and func.kind in ("name", "sub", "call"):
                receiver = _strip(func)
                if receiver.kind == "call":
                    named = self.getattr_names(m, sid, receiver)
                    if named:
                        for ref in named:
                            self._add(Use("release", m, sid, ref, call, func.attrs[-1]))
                        continue
                    receiver = self.getattr_ref(m, receiver)
                    if receiver.kind == "call":
                        receiver = self.getter_result(m, receiver)
                if receiver.kind == "dynamic":
                    self.wild_releases.append(Use("release", m, sid, receiver, call, func.attrs[-1]))
                elif receiver.kind in ("name", "sub"):
                    self._add(Use("release", m, sid, receiver, call, func.attrs[-1]))
                    self._loop_release(m, sid, receiver, call, func.attrs[-1])
            for pos, arg in [*enumerate(call.args), *call.kwargs.items()]:
                for ref, _contained in _flatten(arg):
                    if ref.kind == "name" and ref.attrs and ref.attrs[-1] in self.release_names:
                        self._add(Use("release-ref", m, sid, _strip(ref), call, ref.attrs[-1]))
                    elif ref.kind in ("name", "sub"):
                        self._add(Use("arg", m, sid, ref, call, pos))
        for target, value, _line in scope.attr_stores:
            for ref, contained in _flatten(value):
                if ref.kind in ("name", "sub"):
                    self._add(Use("store", m, sid, ref, None, (target, contained)))
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if b.kind in ("assign", "with") and isinstance(b.value, Ref):
                    for ref, contained in _flatten(b.value):
                        if ref.kind in ("name", "sub"):
                            self._add(Use("bind", m, sid, ref, None, (name, contained)))
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if b.kind == "loop" and isinstance(b.value, Ref):
                    for ref, _contained in _flatten(b.value):
                        if ref.kind in ("name", "sub"):
                            # `for task in (self._a, self._b)` / `for pool in pools`: the loop
                            # variable holds each one in turn.
                            self._add(Use("bind", m, sid, ref, None, (name, False)))
        for ref, _is_async in scope.withs:
            if ref.kind in ("name", "sub"):
                self._add(Use("with", m, sid, ref))
        for ref in scope.awaits:
            if ref.kind in ("name", "sub"):
                self._add(Use("await", m, sid, ref))
        for y in scope.yields:
            if y.value is not None:
                for ref, contained in _flatten(y.value):
                    if ref.kind in ("name", "sub"):
                        self._add(Use("yield", m, sid, ref, None, contained))
        for ref in scope.returns:
            for ref2, _contained in _flatten(ref):
                if ref2.kind in ("name", "sub"):
                    self._add(Use("return", m, sid, ref2))

    def _loop_release(self, m: ModuleModel, sid: int, receiver: Ref, call: Call, method: str) -> None:
        """`for pool in pools.values(): await pool.close()` releases what `pools` holds."""
        if receiver.kind != "name" or receiver.attrs:
            return
        bsid = self.binding_scope(m, sid, receiver.base)
        if bsid is None:
            return
        for b in m.scopes[bsid].bindings.get(receiver.base, ()):
            if b.kind == "loop" and isinstance(b.value, Ref):
                if method == "cancel" and b.value.kind == "call" and m.calls[b.value.base].id >= 0 \
                        and self.project.callee(m, m.calls[b.value.base]).target == "asyncio.all_tasks":
                    self.cancel_all.append(Use("release", m, sid, receiver, call, method))
                    return
                registry = self.registry_of(m, b.value)
                if registry is not None:
                    self._add(Use("loop-release", m, sid, registry, call, method))
                return

    def registry_of(self, m: ModuleModel, ref: Ref, depth: int = 0) -> Ref | None:
        """The collection a loop walks: `pools`, `pools.values()`, `list(pools.items())`."""
        if depth > 4:
            return None
        if ref.kind in ("name", "sub"):
            return ref
        if ref.kind != "call":
            return None
        call = m.calls[ref.base]
        if call.id < 0:
            return None
        func = call.func
        if func.kind == "name" and func.attrs and func.attrs[-1] in ("values", "items", "copy", "keys"):
            return _strip(func)
        if func.kind == "name" and not func.attrs and func.base in ("list", "tuple", "sorted", "reversed", "set") and call.args:
            return self.registry_of(m, call.args[0], depth + 1)
        return None

    # ---- matching uses to keys ---------------------------------------------------------
    def key_of_target(self, m: ModuleModel, sid: int, ref: Ref) -> tuple[Key, bool] | None:
        """The key a value stored into `ref` is kept under, and whether `ref` is a registry item."""
        if ref.kind == "sub":
            inner = self.key_of_target(m, sid, ref.base)
            return (inner[0], True) if inner else None
        p = parts(ref)
        if p is None:
            return None
        if len(p) >= 2:
            if p[-2] == "state":
                app = self.state_app(m, sid, p)
                return (("state", p[-1]) if app is None else ("state", app, p[-1])), False
            return ("attr", p[-1]), False
        bsid = self.binding_scope(m, sid, p[0])
        if bsid is None or bsid == 0:
            return ("global", p[0]), False
        return ("local", id(m), bsid, p[0]), False

    def denotes(self, key: Key, use: Use, ref: Ref | None = None) -> str | None:
        """Does the used expression stand for the key ("exact") or an item of it ("item")?"""
        ref = use.ref if ref is None else ref
        if ref.kind == "sub":
            inner = self.denotes(key, use, ref.base)
            return "item" if inner else None
        if ref.kind != "name":
            return None
        m, sid = use.m, use.sid
        found = self._denotes(key, m, sid, ref)
        if found:
            return found
        if key[0] != "local":
            alias, asid = self.resolved(m, sid, ref)
            if alias is not ref and alias.kind == "name":
                return self._denotes(key, m, asid, alias)
        return None

    def _denotes(self, key: Key, m: ModuleModel, sid: int, ref: Ref) -> str | None:
        p = (ref.base, *ref.attrs)
        kind = key[0]
        if kind == "state":
            if len(p) < 2 or p[-2] != "state" or p[-1] != key[-1]:
                return None
            if len(key) == 3:
                app = self.state_app(m, sid, p)
                if app is not None and app != key[1]:
                    return None  # another app's `state`: its release is not this one's
            return "exact"
        if kind == "attr":
            return "exact" if len(p) >= 2 and p[-1] == key[1] else None
        if kind == "global":
            if len(p) == 1 and p[0] == key[1]:
                bsid = self.binding_scope(m, sid, p[0])
                return "exact" if bsid is None or bsid == 0 else None
            if len(p) == 2 and p[-1] == key[1]:
                bsid = self.binding_scope(m, sid, p[0])
                if bsid is not None and any(b.kind == "import" for b in m.scopes[bsid].bindings.get(p[0], ())):
                    return "exact"
            return None
        if kind == "local":
            if len(p) == 1 and p[0] == key[3] and id(m) == key[1]:
                return "exact" if self.binding_scope(m, sid, p[0]) == key[2] else None
        return None

    def uses_of(self, key: Key):
        if key[0] == "local":
            m = self.by_id[key[1]]
            for sid in self.subtree(m, key[2]):
                for use in self.by_scope.get((key[1], sid), ()):
                    match = self.denotes(key, use)
                    if match:
                        yield use, match
            return
        for use in self.by_tail.get(key[-1], ()):
            match = self.denotes(key, use)
            if match:
                yield use, match

    def state_app(self, m: ModuleModel, sid: int, p: tuple[str, ...]) -> int | None:
        """Which app `<x>.state.<name>` belongs to, when the code says: `x` names one app
        (`public.state.pool`), or is the first parameter of a lifespan given to one app only."""
        owner = p[:-2]
        if not owner:
            return None
        app = self.fastapi.app_of(m, sid, Ref("name", owner[0], owner[1:]))
        if app is not None:
            return id(app) if app.kind == "app" else None
        if len(owner) != 1:
            return None
        fsid = sid
        while fsid > 0 and m.scopes[fsid].kind == "lambda":
            fsid = m.scopes[fsid].parent
        scope = m.scopes[fsid]
        if scope.kind != "def" or not scope.params or scope.params[0].name != owner[0]:
            return None
        if m.binding_scope(sid, owner[0]) != fsid:
            return None
        apps = self._lifespan_apps().get((id(m), fsid), ())
        return next(iter(apps)) if len(apps) == 1 else None

    def _lifespan_apps(self) -> dict[tuple[int, int], set[int]]:
        """Lifespan function -> the apps created with `lifespan=` it (a shared lifespan: several)."""
        if self._lifespan_owner is None:
            owners: dict[tuple[int, int], set[int]] = {}
            for app in self.fastapi.apps:
                if app.kind != "app" or not self.fastapi.has_lifespan(app):
                    continue
                for value in self.fastapi.lifespan_values(app.module, app.call.scope, app.lifespan):
                    owners.setdefault((id(value[1]), value[2]), set()).add(id(app))
            self._lifespan_owner = owners
        return self._lifespan_owner

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
        if func.attrs and func.attrs[-1] in lc.LOOP_TASK_METHODS and self._is_loop(m, call.scope, _strip(func)):
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
            if _is_none(ref):
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
        bindings = _not_none(m.scopes[sid].bindings[name])
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
            found = self.key_of_target(m, sid, _strip(func))
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
            if name not in scope.loads or self.binding_scope(m, sid, name) != key[2]:
                continue
            known = self.positions(m, scope)
            if any(pos not in known for pos in scope.reads(name)):
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
                entry.shown = text(_strip(parent.func))
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

    # ---- types of what names hold (LG202) ---------------------------------------------------
    def stores(self) -> dict[Key, list[tuple[ModuleModel, Call | None]]]:
        """Everything stored under a global, `app.state.x` or attribute name anywhere in the
        project: the call that made each value, or None for a value that is not a call."""
        if self._stores is None:
            stores: dict[Key, list[tuple[ModuleModel, Call | None]]] = {}
            for m in self.project.modules:
                for call in m.calls:
                    if call.id < 0 or call.stmt != "assign" or len(call.targets) != 1:
                        continue
                    found = self.key_of_target(m, call.scope, call.targets[0])
                    if found is not None and not found[1]:
                        stores.setdefault(found[0], []).append((m, call))
                # Anything else stored under the same name makes its type unknown; a local
                # made by one call (`async with Client() as client: app.state.http = client`)
                # stands for that call.
                for scope in m.scopes:
                    for target, value, _line in scope.attr_stores:
                        if value.kind != "call" and not _is_none(value):
                            found = self.key_of_target(m, scope.id, target)
                            if found is not None and not found[1]:
                                stores.setdefault(found[0], []).append((m, self._made_by(m, scope.id, value)))
                for name, bindings in m.scopes[0].bindings.items():
                    for b in bindings:
                        value = b.value if isinstance(b.value, Ref) else None
                        if b.kind != "assign" or value is None or value.kind not in ("call", "const"):
                            if b.kind not in ("def", "class"):
                                stores.setdefault(("global", name), []).append((m, None))
            self._stores = stores
        return self._stores

    def stores_any_app(self) -> dict[Key, list[tuple[ModuleModel, Call | None]]]:
        """`stores()` with `app.state.x` merged across apps: what `request.app.state.x` may hold
        when the request's app is not known."""
        if self._stores_any is None:
            merged: dict[Key, list[tuple[ModuleModel, Call | None]]] = {}
            for key, made in self.stores().items():
                merged.setdefault(_type_key(key), []).extend(made)
            self._stores_any = merged
        return self._stores_any

    def _made_by(self, m: ModuleModel, sid: int, ref: Ref) -> Call | None:
        """The one call a plain local was bound to (`x = F()`, `with F() as x`), else None."""
        if ref.kind != "name" or ref.attrs:
            return None
        bsid = self.binding_scope(m, sid, ref.base)
        if bsid is None or bsid == 0:
            return None
        bindings = _not_none(m.scopes[bsid].bindings.get(ref.base, ()))
        if len(bindings) != 1 or bindings[0].kind not in ("assign", "with") or not isinstance(bindings[0].value, Ref):
            return None
        value = bindings[0].value
        if value.kind != "call" or value.attrs or m.calls[value.base].id < 0:
            return None
        return m.calls[value.base]

    def key_types(self) -> dict[Key, set[str]]:
        """Every assignment of a resource anywhere, by key: what type each name may hold."""
        if self._types is None:
            types: dict[Key, set[str]] = {}
            for key, made in self.stores_any_app().items():
                for m, call in made:
                    resource = self.resource_of_call(m, call) if call is not None else None
                    types.setdefault(key, set()).add(resource.rtype.name if resource else "?")
            self._types = types
        return self._types

    def type_of(self, m: ModuleModel, sid: int, ref: Ref) -> lc.ResourceType | None:
        """The resource type an expression is known to hold, or None."""
        ref, rsid = self.resolved(m, sid, ref)
        if ref.kind == "call" and not ref.attrs:
            call = m.calls[ref.base]
            res = self.resource_of_call(m, call) if call.id >= 0 else None
            return res.rtype if res else None
        p = parts(ref)
        if p is None:
            return None
        value = self.project.value_of(m, rsid, ref)
        if value and value[0] == "inst":
            hit = self.resource_types.get(value[1])
            if hit is not None:
                return hit
        found = self.key_of_target(m, rsid, ref)
        if found is None or found[1]:
            return None
        key = found[0]
        if key[0] == "local":
            bindings = m.scopes[key[2]].bindings.get(key[3], ())
            names = set()
            for b in bindings:
                if b.kind in ("assign", "with") and isinstance(b.value, Ref) and b.value.kind == "call":
                    call = m.calls[b.value.base]
                    res = self.resource_of_call(m, call) if call.id >= 0 else None
                    names.add(res.rtype.name if res else "?")
                elif b.kind != "assign" or not _is_none(b.value):
                    names.add("?")
        else:
            names = self.key_types().get(_type_key(key), set())
        if len(names) == 1:
            name = next(iter(names))
            return self.resource_types.get(name) or self._user_type(name)
        return None

    def _user_type(self, name: str) -> lc.ResourceType | None:
        for rtype in self.factories.values():
            if rtype.name == name:
                return rtype
        return None


# ---- helpers --------------------------------------------------------------------------------
def _is_none(ref) -> bool:
    return isinstance(ref, Ref) and ref.kind == "const" and ref.base is None


def _not_none(bindings) -> list:
    """Bindings other than `x = None` (the placeholder before a startup assignment)."""
    return [b for b in bindings if not (b.kind == "assign" and _is_none(b.value))]


def _type_key(key: Key) -> Key:
    """What a name may hold is judged across apps: `app.state.client` of any app (LG202)."""
    return ("state", key[-1]) if key[0] == "state" else key


def _tail(ref: Ref) -> str | None:
    if ref.kind == "sub" and isinstance(ref.base, Ref):
        return _tail(ref.base)
    if ref.kind == "name":
        return ref.attrs[-1] if ref.attrs else ref.base  # type: ignore[return-value]
    return None


def _flatten(ref: Ref | None, contained: bool = False):
    """The expressions a value is built from; `contained` once inside a literal or an operator."""
    if ref is None:
        return
    if ref.kind in ("seq", "dict"):
        items = ref.items[len(ref.items) // 2:] if ref.kind == "dict" else ref.items
        for item in items:
            yield from _flatten(item, True)
    elif ref.kind == "binop":
        yield from _flatten(ref.base, True)  # type: ignore[arg-type]
        for item in ref.items:
            yield from _flatten(item, True)
    else:
        yield ref, contained


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
