"""The FastAPI model: apps, routers, and the execution context of every function (SPEC §2).

Rules ask this model "is this function a route / dependency / lifespan ...?" and "does it
run on the event loop?"; they never re-derive FastAPI facts themselves.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field

from ..catalogue import framework as fw
from ..catalogue import Lookups
from ..catalogue.entrypoints import CLI_COMMANDS, CLI_GROUP_METHODS, DYNAMIC_IMPORTS, LOOP_RUNNERS, PYTEST_MODULES
from ..catalogue.lifecycle import LOOP_TASK_METHODS, TASK_CONSUMERS, TASK_FACTORIES, TASK_GROUPS
from ..catalogue.offload import CALLABLE_BUILDERS, CALLABLE_FORWARDERS, OFFLOAD_WRAPPERS
from .project import Project
from .records import Call, ModuleModel, Ref

ROUTE = "route"
WEBSOCKET = "websocket"
DEPENDENCY = "dependency"
MIDDLEWARE = "middleware"
EXCEPTION_HANDLER = "exception handler"
LIFESPAN = "lifespan"
STARTUP = "startup handler"
SHUTDOWN = "shutdown handler"
BACKGROUND = "background task"

# Callers followed up from a coroutine to a startup handler: deeper than any real call chain,
# shallow enough that a generated 1,000-coroutine chain does not exhaust the recursion limit.
_MAX_CALLER_DEPTH = 50

# FastAPI 0.113.0 merges an included router's lifespan into the parent's (measured: 0.112.0
# runs an included router's handlers once, 0.113.0 twice).
LIFESPAN_MERGED_SINCE = (0, 113)
_MAX_INCLUSION_DEPTH = 8
_MAX_PATHS = 64

REQUEST_CONTEXTS = frozenset({ROUTE, WEBSOCKET, DEPENDENCY, MIDDLEWARE, EXCEPTION_HANDLER})
STARTUP_CONTEXTS = frozenset({LIFESPAN, STARTUP, SHUTDOWN})


@dataclass(eq=False)
class AppObject:
    """A `FastAPI(...)`/`APIRouter(...)`/`Starlette(...)` construction."""

    module: ModuleModel
    call: Call
    kind: str  # "app" | "router"
    lifespan: Ref | None
    names: list[Ref] = field(default_factory=list)  # where it is stored


@dataclass(eq=False)
class Registration:
    """`on_event`/`add_event_handler`/`on_startup=`: a startup or shutdown handler."""

    module: ModuleModel
    line: int
    col: int
    event: str  # "startup" | "shutdown"
    via: str  # "on_event" | "add_event_handler" | "on_startup" | "on_shutdown"
    receiver: object  # the value of the app/router it was registered on
    handler: object  # value of the handler
    receiver_ref: Ref | None = None  # the app/router expression (`app`, `app.router`), when written
    scope: int = 0  # where the registration is written (to resolve `receiver_ref`)
    end_line: int = 0
    end_col: int = 0


@dataclass(eq=False)
class Inclusion:
    """`parent.include_router(child)`: FastAPI copies the child's startup/shutdown handlers
    into the parent's lists, and since 0.113 also merges the child's lifespan into the parent's."""

    module: ModuleModel
    call: Call
    parent: AppObject | None  # None: a parameter typed as an app or router, which object unknown
    child: AppObject


@dataclass(eq=False)
class HandlerRuns:
    """How often a router's startup/shutdown handler runs, along the `include_router` chains above it."""

    router: AppObject
    paths: list[tuple[Inclusion, ...]]  # each starts with the inclusion of `router` itself
    runs: int  # at startup (or shutdown), summed over the paths
    exact: bool  # every path ends at an app we see; otherwise `runs` is a lower bound


@dataclass(eq=False)
class BackgroundUse:
    """`background_tasks.add_task(fn, ...)` or `BackgroundTask(fn, ...)`."""

    module: ModuleModel
    call: Call
    target: object  # value of fn
    args: tuple[Ref, ...]
    kwargs: dict[str, Ref]


class FastAPIModel:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.contexts: dict[tuple[int, int], set[str]] = {}
        self.apps: list[AppObject] = []
        self.registrations: list[Registration] = []
        self.background: list[BackgroundUse] = []
        self._include_calls: list[tuple[ModuleModel, Call]] = []
        self._callers: dict[tuple[int, int], list[tuple[ModuleModel, int]]] | None = None
        self._call_sites: dict[tuple[int, int], list[tuple[ModuleModel, Call]]] = {}
        self._loop_started: set[tuple[int, int]] = set()  # `anyio.run(main)`: run in a loop of its own
        self._off_server: dict[tuple[int, int], bool] = {}
        self._startup_only: dict[tuple[int, int], bool] = {}
        self._spawned_functions: dict[tuple[int, int], bool] = {}
        self._first_awaits: dict[tuple[int, int], tuple[int, int] | None] = {}
        self._served: set[tuple[int, int]] | None = None
        self._server_modules: set[int] | None = None
        self._sync_wrapped: dict[tuple[int, int], bool] = {}
        self._app_kinds: dict[str, str | None] = {}
        self._loop_runner_pos = Lookups(LOOP_RUNNERS)
        self._offload_pos = Lookups(OFFLOAD_WRAPPERS)
        for m in project.modules:
            self._scan(m)
        self._app_calls = {(id(a.module), a.call.id): a for a in self.apps}
        self._handlers: dict[int, list[Registration]] | None = None
        self._inclusions: dict[int, list[Inclusion]] | None = None

    # ---- queries -----------------------------------------------------------------
    def contexts_of(self, m: ModuleModel, sid: int) -> set[str]:
        return self.contexts.get((id(m), sid), set())

    def on_loop(self, m: ModuleModel, sid: int) -> bool:
        """Does the body of this function run on the event loop (SPEC §2)?"""
        scope = m.scopes[sid]
        if scope.kind != "def":
            return False
        if scope.is_async:
            return True
        ctx = self.contexts_of(m, sid)
        if ctx & {STARTUP, SHUTDOWN}:
            return True  # sync on_event handlers are called on the loop
        if LIFESPAN in ctx and scope.is_generator and not self.decorated_with(m, sid, fw.SYNC_CONTEXT_MANAGERS):
            return True  # plain generator lifespans are driven on the loop
        return False

    def decorated_with(self, m: ModuleModel, sid: int, names: frozenset[str]) -> bool:
        scope = m.scopes[sid]
        for dec in scope.decorators:
            ref = dec
            if dec.kind == "call":
                ref = m.calls[dec.base].func
            if self.project.dotted_of(m, scope.parent, ref) in names:
                return True
        return False

    def is_startup_only(self, m: ModuleModel, sid: int, depth: int = 0) -> bool:
        """True for lifespans and startup/shutdown handlers, and coroutines only they call."""
        key = (id(m), sid)
        if key in self._startup_only:
            return self._startup_only[key]
        if depth > _MAX_CALLER_DEPTH:
            return False
        self._startup_only[key] = False  # cycles: not startup-only
        ctx = self.contexts_of(m, sid)
        if ctx & STARTUP_CONTEXTS:
            result = not (ctx & REQUEST_CONTEXTS)
        elif ctx:
            result = False
        else:
            # A CLI command that also calls it (`await check_settings()` in `lnbits db ...`) runs in
            # another process: the server still only calls it while starting.
            callers = [c for c in self.callers().get(key, []) if not self.off_server(*c)]
            result = (bool(callers) and all(self.is_startup_only(cm, csid, depth + 1) for cm, csid in callers)
                      and all(self._site_at_startup(cm, call) for cm, call in self._sites(key)))
        self._startup_only[key] = result
        return result

    def at_startup(self, m: ModuleModel, sid: int, call: Call) -> bool:
        """Does this call of a startup-only function run while the app starts, not later? In a
        coroutine started as a task (`asyncio.create_task(scheduler())` in the lifespan), only
        what runs before its first `await`: the task then runs on while the app serves (a
        periodic job, a watcher), so what follows, or sits in a branch or a loop, is under
        traffic."""
        if not self._is_spawned(m, sid):
            return True
        if call.in_if or call.in_loop:
            return False
        first = self._first_await(m, sid)
        return first is None or (call.line, call.col) < first

    def _site_at_startup(self, m: ModuleModel, call: Call) -> bool:
        # Starting the task is startup work; a call the task makes is when `at_startup` says.
        return self._spawned(m, call) or self.at_startup(m, _function_of(m, call.scope), call)

    def _is_spawned(self, m: ModuleModel, sid: int) -> bool:
        key = (id(m), sid)
        found = self._spawned_functions.get(key)
        if found is None:
            found = self._spawned_functions[key] = any(self._spawned(sm, c) for sm, c in self._sites(key))
        return found

    def _first_await(self, m: ModuleModel, sid: int) -> tuple[int, int] | None:
        """Where a coroutine first suspends: the end of its first awaited call (its arguments,
        and the awaited coroutine's first steps, run before), an awaited expression or an
        `async with` (None: it never does)."""
        key = (id(m), sid)
        if key in self._first_awaits:  # asked for each call of the function: one walk of it
            return self._first_awaits[key]
        scope = m.scopes[sid]
        calls = m.calls
        points = [(c.end_line, c.end_col) for c in (calls[cid] for cid in scope.calls) if c.awaited]
        points += [(r.line, r.col) for r in scope.awaits]
        points += [(r.line, r.col) for r, is_async in scope.withs if is_async]
        found = self._first_awaits[key] = min(points) if points else None
        return found

    def _spawned(self, m: ModuleModel, call: Call) -> bool:
        """`asyncio.create_task(scheduler())`, `loop.create_task(watch())`: the coroutine is
        handed to the loop as a task, which runs on while the app serves (a lifespan's periodic
        job), not only while the caller starts it; unless the caller waits for it (`_joined`)."""
        if call.parent < 0 or call.parent_pos != 0:
            return False
        spawner = m.calls[call.parent]
        return spawner.id >= 0 and self.starts_task(m, spawner) and not self._joined(m, spawner)

    def starts_task(self, m: ModuleModel, call: Call) -> bool:
        """`asyncio.create_task(...)`, `asyncio.ensure_future(...)`, `<any>.create_task(...)`."""
        if self.project.callee(m, call).target in TASK_FACTORIES:
            return True
        func = call.func
        return bool(func.attrs) and func.attrs[-1] in LOOP_TASK_METHODS

    def _joined(self, m: ModuleModel, spawner: Call) -> bool:
        """Does the function that starts the task wait for it: `await asyncio.create_task(...)`,
        an argument of `gather`/`wait`/`wait_for`/`shield`, a name it awaits (`t = create_task(...)`
        ... `await t`), or a task group's (`async with asyncio.TaskGroup() as tg:
        tg.create_task(...)`, which waits for its tasks when the block ends)?"""
        if spawner.awaited:
            return True
        project = self.project
        if spawner.parent >= 0:
            outer = m.calls[spawner.parent]
            if outer.id >= 0 and project.callee(m, outer).target in TASK_CONSUMERS:
                return True
        scope = m.scopes[spawner.scope]
        names = {t.base for t in spawner.targets if t.kind == "name" and not t.attrs}
        # awaited before a lifespan's `yield`: `await watch_task` at shutdown, after it has run
        # alongside every request, does not make it startup work (chainlit's file watcher)
        until = min(((y.line, y.col) for y in scope.yields), default=(1 << 30, 0))
        if names and any(a.kind == "name" and not a.attrs and a.base in names and (a.line, a.col) < until
                         for a in scope.awaits):
            return True
        func = spawner.func
        if func.kind == "name" and len(func.attrs) == 1:  # `tg.create_task(...)`
            sid = m.binding_scope(spawner.scope, func.base)  # type: ignore[arg-type]
            bindings = m.scopes[sid].bindings.get(func.base, ()) if sid is not None else ()  # type: ignore[arg-type]
            return any(b.kind == "with" and isinstance(b.value, Ref) and b.value.kind == "call"
                       and project.callee(m, m.calls[b.value.base]).target in TASK_GROUPS for b in bindings)
        return False

    def is_served(self, m: ModuleModel, sid: int) -> bool:
        """Does FastAPI run this function: it has a context, or a served function calls it?"""
        if self._served is None:
            # One breadth-first pass from every function with a context along call edges:
            # no recursion, so any depth of coroutine chain is fine.
            callees: dict[tuple[int, int], list[tuple[int, int]]] = {}
            for callee_key, callers in self.callers().items():
                for cm, csid in callers:
                    callees.setdefault((id(cm), csid), []).append(callee_key)
            served = set(self.contexts)
            queue = list(served)
            by_id = {id(mod): mod for mod in self.project.all_modules}
            while queue:
                key = queue.pop()
                nxt_keys = list(callees.get(key, ()))
                mod = by_id.get(key[0])
                if mod is not None and mod.scopes[key[1]].name != "__init__":
                    # A call through the base type (`storage: LeaseStorage` → `read_lease()`)
                    # resolves to the base method; the subclasses' overrides are what runs.
                    nxt_keys.extend((id(om), osid) for om, osid in self.project.overrides(mod, key[1]))
                for nxt in nxt_keys:
                    if nxt not in served:
                        served.add(nxt)
                        queue.append(nxt)
            self._served = served
        return (id(m), sid) in self._served

    def not_run_by_server(self, m: ModuleModel, sid: int) -> bool:
        """Is this coroutine one the server does not run, although it is not seen served?

        Function-level reachability misses much of what servers really run (an async dependency
        a factory builds, socket.io handlers, callbacks handed to a library, parsers loaded from
        a registry of names, actor methods), so only two shapes count: a coroutine in a module
        outside the import closure of the modules that define the apps, routers and routes (an
        async client package shipped beside a model server), and one reached only from sync
        wrappers (a library's `aexport_data` under its own `export_data`)."""
        return id(m) not in self.server_modules() or self._only_sync_wrapped(m, sid)

    def server_modules(self) -> set[int]:
        """The modules that define an entry point and every analysed module they name in an
        import, transitively (`import x`, `from x import *`, `from . import y`): one pass over
        the import graph. A parent package whose `__init__` runs only because a submodule is
        imported is not followed: its re-exports (xinference's `client/__init__.py` importing
        the async REST client) are not what the server uses."""
        if self._server_modules is None:
            by_name = self.project.by_name
            # A module under a folder without `__init__.py` (litellm's `llms/bedrock/files/`)
            # gets no full dotted name; match an import against the tail of its path instead
            # (every module sharing that tail counts: the closure only ever grows).
            by_tail: dict[str, list[ModuleModel]] = {}
            for mod in self.project.all_modules:  # cold ones too: their imports are edges
                parts = os.path.splitext(os.path.normpath(mod.path))[0].split(os.sep)
                if parts[-1] == "__init__":
                    parts.pop()
                for cut in range(max(0, len(parts) - 8), len(parts)):
                    by_tail.setdefault(".".join(parts[cut:]), []).append(mod)
            seen = {id(a.module) for a in self.apps}
            seen |= {key[0] for key in self.contexts}
            queue = [m for m in self.project.modules if id(m) in seen]
            while queue:
                m = queue.pop()
                for dotted in (*m.imports, *self._dynamic_imports(m)):
                    exact = by_name.get(dotted)
                    for dep in [exact] if exact is not None else by_tail.get(dotted, ()):
                        if id(dep) not in seen:
                            seen.add(id(dep))
                            queue.append(dep)
            self._server_modules = seen
        return self._server_modules

    def _dynamic_imports(self, m: ModuleModel) -> list[str]:
        """Modules this one imports by a constant name at run time (DYNAMIC_IMPORTS):
        `importlib.import_module("pkg.mod")`, `importlib.import_module(_MODULE)` with a
        module-level string constant, `import_module(".mod", package="pkg")`, `__import__("x")`."""
        found: list[str] = []
        if getattr(m, "cold", False):
            return found  # not built: its text names no import_module/__import__ (catalogue/markers.py)
        for call in m.calls:
            func = call.func
            last = func.attrs[-1] if func.attrs else func.base
            if call.id < 0 or func.kind != "name" or last not in ("import_module", "__import__"):
                continue
            spec = DYNAMIC_IMPORTS.get(self.project.callee(m, call).target or "")
            if spec is None:
                continue
            pos, package = spec
            name = _constant_text(m, call.scope, call.args[pos] if len(call.args) > pos else call.kwargs.get("name"))
            if name is None:
                continue
            if name.startswith("."):
                ref = None
                if package is not None:
                    ref = call.args[package[0]] if len(call.args) > package[0] else call.kwargs.get(package[1])
                anchor = _constant_text(m, call.scope, ref)
                dots = len(name) - len(name.lstrip("."))
                parts = anchor.split(".") if anchor else []
                if not parts or dots > len(parts):
                    continue
                name = ".".join([*parts[:len(parts) - dots + 1], name[dots:]]).rstrip(".")
            found.append(name)
        return found

    def _only_sync_wrapped(self, m: ModuleModel, sid: int, depth: int = 0) -> bool:
        """Is every call seen to reach this coroutine made by a sync wrapper that runs it in a
        loop of its own: handed to a loop runner (`loop.run_until_complete(aexport_data())`),
        made in a plain `def` off the loop that returns no value (so it cannot hand the
        coroutine back to a caller that awaits it on the server's loop: litellm's
        `return self.afile_content(...)` when `_is_async`), or made in a coroutine that only
        such wrappers reach? Nobody seen calling it is not enough (it may be anybody's)."""
        key = (id(m), sid)
        found = self._sync_wrapped.get(key)
        if found is not None:
            return found
        if depth > _MAX_CALLER_DEPTH:
            return False
        self._sync_wrapped[key] = False  # cycles: not wrapped through themselves
        sites = self._sites(key)
        result = bool(sites) and all(self._wrapper_site(cm, call, depth) for cm, call in sites)
        self._sync_wrapped[key] = result
        return result

    def _wrapper_site(self, m: ModuleModel, call: Call, depth: int) -> bool:
        if self._starts_loop(m, call):
            return True
        fid = _function_of(m, call.scope)
        scope = m.scopes[fid]
        if scope.kind != "def" or self.contexts_of(m, fid):
            return False
        if self.on_loop(m, fid):
            return self._only_sync_wrapped(m, fid, depth + 1)
        return all(r.kind == "const" and r.base is None for r in scope.returns)

    def has_entry_point(self) -> bool:
        """Is there an entry point among the modules analysed (an app, a router, a route, a
        lifespan, a middleware...)? Without one the user asked for a library check: every
        coroutine may be anybody's, so none is judged by whether a served function reaches it."""
        # Dependencies and background tasks alone (a `deps.py` checked by itself) are pieces a
        # route elsewhere may use, not an entry point.
        return bool(self.apps) or any(ctx - {DEPENDENCY, BACKGROUND} for ctx in self.contexts.values())

    def maybe_registered(self, m: ModuleModel, sid: int) -> bool:
        """Is the function decorated by something that may register it for someone to call
        (not a plain wrapper from WRAPPING_DECORATOR_PREFIXES)?"""
        scope = m.scopes[sid]
        for dec in scope.decorators:
            ref = m.calls[dec.base].func if dec.kind == "call" else dec
            dotted = self.project.dotted_of(m, scope.parent, ref)
            if dotted is None or not dotted.startswith(fw.WRAPPING_DECORATOR_PREFIXES):
                return True
        return False

    def callers(self) -> dict[tuple[int, int], list[tuple[ModuleModel, int]]]:
        if self._callers is None:
            graph: dict[tuple[int, int], list[tuple[ModuleModel, int]]] = {}
            sites = self._call_sites
            project = self.project
            callee_of = project.callee
            offload_pos, runner_pos = self._offload_pos, self._loop_runner_pos
            self._build_cold_callers()
            for m in project.modules:
                for call in m.calls:
                    if call.id < 0:
                        continue
                    callee = callee_of(m, call)
                    if callee.module is not None:
                        key = (id(callee.module), callee.scope)
                        graph.setdefault(key, []).append((m, _function_of(m, call.scope)))
                        sites.setdefault(key, []).append((m, call))
                    name = callee.target  # `project.call_name`, inline: this loop sees every call
                    if name is None and call.func.attrs:
                        name = "?." + call.func.attrs[-1]
                    pos = offload_pos[name]
                    handed = self._offloaded_function(m, call, pos) if pos is not None else None
                    if handed is not None:
                        # `loop.run_in_executor(None, partial(file_content, ...))`: the function runs
                        # for this caller, and what it returns (a coroutine) may be awaited here.
                        graph.setdefault(handed, []).append((m, _function_of(m, call.scope)))
                    pos = runner_pos[name]
                    if pos is not None and len(call.args) > pos and call.args[pos].kind == "name":
                        value = project.value_of(m, call.scope, call.args[pos])
                        if value and value[0] == "scope":
                            self._loop_started.add((id(value[1]), value[2]))
            self._callers = graph
            project.every_call_resolved()
        return self._callers

    def _build_cold_callers(self) -> None:
        """Build, before the call graph, the cold modules that may call a project coroutine (or
        a class with one) from a plain `def`, a sync wrapper `_only_sync_wrapped` must see:
        those importing it by name (`from app.main import export_data`), and those importing
        its module or a package above it (`from app import main`, `import app.main as m`,
        `import app`) whose source names it; the same through a module that re-exports it.
        Cold modules define no coroutine, so the names come from the modules built now."""
        project = self.project
        cold = [m for m in getattr(project, "all_modules", ()) if getattr(m, "cold", False)]
        if not cold:
            return
        names: set[str] = set()
        # A module -> the top-level names holding a coroutine in it; a package -> those of the
        # modules below it.
        own: dict[str, set[str]] = {}
        under: dict[str, set[str]] = {}
        for m in list(project.modules):
            if not m.module:
                continue
            scopes = m.scopes
            for scope in scopes:
                if scope.is_async and scope.kind == "def":
                    top = scope
                    while top.parent > 0:
                        top = scopes[top.parent]
                    if top.parent == 0:
                        _holds_coroutine(m.module, top.name, names, own, under)
        # Until nothing changes: build the cold modules that may call one of those names (they
        # import it by name; or import its module, or a package above it, and their source
        # names it), and let every built module that re-exports one hold it too
        # (`app/__init__.py`: `from .main import export_data [as run_export]`, or
        # `export_data = main.export_data`), also through a chain of them.
        modules = [m for m in getattr(project, "all_modules", project.modules) if m.module]
        asked: dict[int, tuple[frozenset[str], frozenset[str]]] = {}  # cold module -> names its text was searched for
        grew = True
        while grew:
            grew = False
            for m in modules:
                if getattr(m, "cold", False):
                    if any(edge in names for edge in m.imports):
                        m.full()  # the project is told, and iterates it from now on
                    else:
                        # Its module imported (`from app import main`, `from app.main import *`):
                        # the name anywhere; a package above it: the name as an attribute.
                        named = frozenset().union(*(own[edge] for edge in m.imports if edge in own))
                        dotted = frozenset().union(*(under[edge] for edge in m.imports if edge in under)) - named
                        if (named or dotted) and asked.get(id(m)) != (named, dotted):
                            asked[id(m)] = (named, dotted)
                            if m.mentions(named, dotted):
                                m.full()
                    if getattr(m, "cold", False):
                        continue
                for name in _reexported(m, names):
                    if f"{m.module}.{name}" not in names:
                        _holds_coroutine(m.module, name, names, own, under)
                        grew = True

    def _offloaded_function(self, m: ModuleModel, call: Call, pos: int) -> tuple[int, int] | None:
        """The project function a `to_thread`/`run_in_executor` call runs (through `partial`,
        `ctx.run` and one local name each); `pos`: where the offloader takes the function."""
        if len(call.args) <= pos:
            return None
        ref, sid = call.args[pos], call.scope
        for _ in range(6):
            if ref.kind == "name" and not ref.attrs:
                value = self.project.value_of(m, sid, ref)
                if value and value[0] == "scope":
                    return (id(value[1]), value[2]) if value[1].scopes[value[2]].kind == "def" else None
                bsid = m.binding_scope(sid, ref.base)
                bindings = m.scopes[bsid].bindings.get(ref.base, []) if bsid is not None else []
                if len(bindings) != 1 or bindings[0].kind != "assign" or not isinstance(bindings[0].value, Ref):
                    return None
                ref, sid = bindings[0].value, bsid
            elif ref.kind == "call" and not ref.attrs and m.calls[ref.base].id >= 0:
                inner = m.calls[ref.base]
                if self.project.callee(m, inner).target not in CALLABLE_BUILDERS or not inner.args:
                    return None
                ref = inner.args[0]
                if ref.kind == "name" and ref.attrs:
                    owner = self.project.value_of(m, sid, Ref("name", ref.base, ref.attrs[:-1]))
                    forward = CALLABLE_FORWARDERS.get(f"{owner[1]}.{ref.attrs[-1]}") if owner and owner[0] == "inst" else None
                    if forward is None or len(inner.args) <= forward + 1:
                        return None
                    ref = inner.args[forward + 1]
            else:
                return None
        return None

    # ---- code that runs outside the server ---------------------------------------
    def off_server(self, m: ModuleModel, sid: int, depth: int = 0) -> bool:
        """Does this coroutine only ever run in an event loop of its own, never the server's?

        A CLI command (typer/click/cyclopts, or wrapped by a decorator that calls `asyncio.run`),
        a coroutine started with `asyncio.run(main())`/`anyio.run(main)`, a function of a pytest
        module (pytest runs it; wheels ship their tests), and what only those call: a blocking
        call there makes no request wait. Functions FastAPI runs never are; functions nobody is
        seen calling are not either (they may be anybody's).
        """
        key = (id(m), sid)
        found = self._off_server.get(key)
        if found is not None:
            return found
        if depth > _MAX_CALLER_DEPTH:
            return False
        self._off_server[key] = False  # cycles: not off the server through themselves
        scope = m.scopes[sid]
        result = False
        if scope.kind == "def" and not self.contexts_of(m, sid):
            if self._cli_entry(m, sid) or _pytest_module(m):
                result = True
            else:
                sites = self._sites(key)
                if sites or key in self._loop_started:
                    result = all(self._starts_loop(cm, call) or self.off_server(cm, _function_of(cm, call.scope), depth + 1)
                                 for cm, call in sites)
        self._off_server[key] = result
        return result

    def call_sites(self, m: ModuleModel, sid: int) -> list[tuple[ModuleModel, Call]]:
        """Every call seen to reach this function (for a class: its `__init__`)."""
        return self._sites((id(m), sid))

    def _sites(self, key: tuple[int, int]) -> list[tuple[ModuleModel, Call]]:
        self.callers()
        return self._call_sites.get(key, [])

    def _starts_loop(self, m: ModuleModel, call: Call) -> bool:
        """Is this call the coroutine handed to a loop runner (`asyncio.run(main())`)?"""
        if call.parent < 0:
            return False
        parent = m.calls[call.parent]
        pos = self._loop_runner_pos[self.project.call_name(m, parent)]
        return pos is not None and pos == call.parent_pos

    def _cli_entry(self, m: ModuleModel, sid: int, depth: int = 0) -> bool:
        """A command-line command: a CLI framework's command decorator, a command of a project CLI
        group (`@db.command()` with `@cli.group() def db()`), or a decorator that runs it with
        `asyncio.run`."""
        scope = m.scopes[sid]
        project = self.project
        for dec in scope.decorators:
            if self._decorator_target(m, scope.parent, dec) in CLI_COMMANDS:
                return True
            func = m.calls[dec.base].func if dec.kind == "call" else dec
            if depth < 4 and func.kind == "name" and func.attrs and func.attrs[-1] in CLI_GROUP_METHODS:
                group = project.value_of(m, scope.parent, Ref("name", func.base, func.attrs[:-1]))
                if group and group[0] == "scope" and group[1].scopes[group[2]].kind == "def" \
                        and self._cli_entry(group[1], group[2], depth + 1):
                    return True
            if dec.kind == "name":
                wrapper = project.value_of(m, scope.parent, dec)
                if wrapper and wrapper[0] == "scope" and self._runs_in_own_loop(wrapper[1], wrapper[2]):
                    return True
        return False

    def _decorator_target(self, m: ModuleModel, sid: int, dec: Ref) -> str | None:
        project = self.project
        if dec.kind == "call":
            call = m.calls[dec.base]
            return project.callee(m, call).target if call.id >= 0 else None
        if dec.kind == "name" and dec.attrs:  # `@app.command` without parentheses
            base = project.value_of(m, sid, Ref("name", dec.base, dec.attrs[:-1]))
            if base and base[0] == "inst":
                return project.canonical(f"{base[1]}.{dec.attrs[-1]}")
        return project.dotted_of(m, sid, dec)

    def _runs_in_own_loop(self, m: ModuleModel, sid: int) -> bool:
        """A decorator `def coro(f)` whose wrapper returns `asyncio.run(f(*args, **kwargs))`."""
        scope = m.scopes[sid]
        if scope.kind != "def" or not scope.params:
            return False
        func = scope.params[0].name
        for inner in (scope, *(s for s in m.scopes if s.parent == sid and s.kind == "def")):
            for cid in inner.calls:
                call = m.calls[cid]
                pos = self._loop_runner_pos[self.project.call_name(m, call)]
                if pos is None or len(call.args) <= pos:
                    continue
                arg = call.args[pos]
                if arg.kind == "call":
                    arg = m.calls[arg.base].func
                if arg.kind == "name" and arg.base == func and not arg.attrs:
                    return True
        return False

    def describe(self, m: ModuleModel, sid: int) -> str:
        """`async route `get_user`` style label for messages."""
        scope = m.scopes[sid]
        ctx = self.contexts_of(m, sid)
        order = (ROUTE, WEBSOCKET, DEPENDENCY, MIDDLEWARE, EXCEPTION_HANDLER, LIFESPAN, STARTUP, SHUTDOWN, BACKGROUND)
        label = next((c for c in order if c in ctx), "coroutine" if scope.is_async else "function")
        prefix = "async " if scope.is_async and label != "coroutine" else ""
        return f"{prefix}{label} `{scope.name}`"

    def app_of(self, m: ModuleModel, sid: int, ref: Ref | None, depth: int = 0) -> AppObject | None:
        """Which `FastAPI(...)`/`APIRouter(...)` call an expression is, when one name binding says so.

        `app`, `app.router` (the app's own router), `main.app`, a factory call (`create_app()`)
        whose returns all give the same object. Reassigned names give None.
        """
        if ref is None or depth > 6:
            return None
        project = self.project
        if ref.kind == "call":
            if ref.attrs:
                return None
            call = m.calls[ref.base]
            if call.id < 0:
                return None
            found = self._app_calls.get((id(m), call.id))
            callee = project.callee(m, call)
            if callee.module is None or callee.scope < 0 or callee.module.scopes[callee.scope].kind != "def":
                return found
            scope = callee.module.scopes[callee.scope]
            if scope.name == "__init__":
                return found
            # An app factory (`create_app()`): the object its returns give.
            apps = {self.app_of(callee.module, scope.id, r, depth + 1)
                    for r in scope.returns if not (r.kind == "const" and r.base is None)}
            return apps.pop() if len(apps) == 1 else None
        if ref.kind != "name":
            return None
        name = ref.base
        bsid = m.binding_scope(sid, name)
        if bsid is None:
            return None
        bindings = [b for b in m.scopes[bsid].bindings[name]
                    if not (b.kind == "assign" and isinstance(b.value, Ref) and b.value.kind == "const" and b.value.base is None)]
        if len(bindings) != 1:
            return None
        b = bindings[0]
        if b.kind == "import" and len(ref.attrs) == 1:
            # `items.router` with `from . import items`: the module's `router`, not an app's router.
            found = project.find_module(f"{b.value}.{ref.attrs[0]}")
            if found is not None and len(found[1]) == 1:
                obj = self.app_of(found[0], 0, Ref("name", found[1][0]), depth + 1)
                if obj is not None:
                    return obj
        attrs = ref.attrs[:-1] if ref.attrs and ref.attrs[-1] == "router" else ref.attrs
        if len(attrs) > 1:
            return None
        if attrs:  # `main.app`: an attribute of an imported project module
            if b.kind != "import":
                return None
            found = project.find_module(f"{b.value}.{attrs[0]}")
            if found is None or len(found[1]) != 1:
                return None
            return self.app_of(found[0], 0, Ref("name", found[1][0]), depth + 1)
        if b.kind == "assign" and isinstance(b.value, Ref):
            return self.app_of(m, bsid, b.value, depth + 1)
        if b.kind == "import":
            found = project.find_module(b.value)
            if found is None or len(found[1]) != 1:
                return None
            return self.app_of(found[0], 0, Ref("name", found[1][0]), depth + 1)
        return None

    def handlers_of(self, app: AppObject) -> list[Registration]:
        """Startup/shutdown registrations made on this very object."""
        if self._handlers is None:
            self._handlers = {}
            for r in self.registrations:
                target = self.app_of(r.module, r.scope, r.receiver_ref)
                if target is not None:
                    self._handlers.setdefault(id(target), []).append(r)
        return self._handlers.get(id(app), [])

    # ---- routers and inclusion ------------------------------------------------------
    def inclusions_of(self, child: AppObject) -> list[Inclusion]:
        """Where this router is included (`parent.include_router(child)`), parents resolved."""
        if self._inclusions is None:
            found: dict[int, list[Inclusion]] = {}
            for m, call in self._include_calls:
                ref = call.args[0] if call.args else call.kwargs.get("router")
                func = call.func
                parent = self.app_of(m, call.scope, _receiver_ref(func))
                sub = self.app_of(m, call.scope, ref)
                if sub is None or sub.kind != "router" or sub is parent:
                    continue
                # `def include_routers(app: FastAPI): app.include_router(items)`: an app (or
                # router) known only by its type: a chain ends there, its lifespan unknown.
                if parent is not None or self.app_kind(self._receiver(m, call.scope, func)):
                    found.setdefault(id(sub), []).append(Inclusion(m, call, parent, sub))
            self._inclusions = found
        return self._inclusions.get(id(child), [])

    def inclusion_paths(self, router: AppObject) -> list[tuple[Inclusion, ...]]:
        """Every chain of `include_router` from this router up to an object included nowhere
        (the app, or a router whose own inclusion we do not see). Cycles are cut; at most
        _MAX_PATHS chains of _MAX_INCLUSION_DEPTH links, far beyond real router trees."""
        paths: list[tuple[Inclusion, ...]] = []
        todo: list[tuple[Inclusion, ...]] = [(inc,) for inc in self.inclusions_of(router)]
        while todo and len(paths) < _MAX_PATHS:
            path = todo.pop()
            top = path[-1].parent
            above = [inc for inc in self.inclusions_of(top) if inc.parent is not router
                     and all(inc.parent is not p.parent for p in path)] if top is not None else []
            if not above or len(path) >= _MAX_INCLUSION_DEPTH:
                paths.append(path)
            else:
                todo.extend(path + (inc,) for inc in above)
        return paths

    def handler_runs(self, r: Registration, version: tuple[int, int] | None) -> HandlerRuns | None:
        """For a handler registered on an included router without `lifespan=`: how many times
        FastAPI `version` (None: current) runs it (SPEC §2, measured on 0.112.0, 0.113.0, 0.165.0).

        `include_router` copies the handlers registered so far into the parent's list, at every
        level; an object without `lifespan=` runs its list. From 0.113 on the router's own
        lifespan (its default one runs its handlers) is merged into the parent's too: so the
        handler runs once for the router itself and once more per object up the chain that has
        no `lifespan=` and got the copy. Before 0.113 only the app's list runs: once, or never
        when the app has `lifespan=`.
        """
        router = self.app_of(r.module, r.scope, r.receiver_ref)
        if router is None or router.kind != "router" or self.has_lifespan(router):
            return None
        paths = self.inclusion_paths(router)
        if not paths:
            return None
        merged = version is None or version >= LIFESPAN_MERGED_SINCE
        total, exact = 0, True
        for path in paths:
            top = path[-1].parent
            exact = exact and top is not None and top.kind == "app"
            copied = _before(r.module, r.scope, r.line, path[0].module, path[0].call)
            levels = []  # per object above the router: does it run the handler from its own list?
            for i, inc in enumerate(path):
                if i:
                    copied = copied and _before(path[i - 1].module, path[i - 1].call.scope, path[i - 1].call.line,
                                                inc.module, inc.call)
                levels.append(copied and inc.parent is not None and not self.has_lifespan(inc.parent))
            if merged:
                total += 1 + sum(levels)
            elif top is not None and top.kind == "app" and levels[-1]:
                total += 1
        return HandlerRuns(router, paths, total, exact)

    @staticmethod
    def has_lifespan(app: AppObject) -> bool:
        ref = app.lifespan
        return ref is not None and not (ref.kind == "const" and ref.base is None)

    # ---- building ----------------------------------------------------------------
    def _mark(self, value, context: str) -> None:
        if value is None:
            return
        if value[0] == "scope":
            m, sid = value[1], value[2]
            if m.scopes[sid].kind == "def":
                self.contexts.setdefault((id(m), sid), set()).add(context)
            elif m.scopes[sid].kind == "class" and context == DEPENDENCY:
                # `Depends(Checker)`: FastAPI builds a new instance per request, so `__init__`
                # runs per request like a dependency function.
                found = self.project.class_member(m, sid, "__init__")
                if found:
                    self.contexts.setdefault((id(found[0]), found[1]), set()).add(context)
        elif value[0] == "inst" and context == DEPENDENCY:
            # `Depends(checker)` with `checker = Checker()`: FastAPI calls `checker.__call__`.
            cls = self.project.resolve_dotted(value[1])
            if cls and cls[0] == "scope" and cls[1].scopes[cls[2]].kind == "class":
                found = self.project.class_member(cls[1], cls[2], "__call__")
                if found:
                    self.contexts.setdefault((id(found[0]), found[1]), set()).add(context)

    def _mark_class(self, value, methods: tuple[str, ...], context: str) -> None:
        if value and value[0] == "scope" and value[1].scopes[value[2]].kind == "class":
            for name in methods:
                found = self.project.class_member(value[1], value[2], name)
                if found:
                    self.contexts.setdefault((id(found[0]), found[1]), set()).add(context)

    def app_kind(self, value) -> str | None:
        """"app"/"router" for an object of those types (or a project subclass), else None."""
        if not value or value[0] != "inst":
            return None
        return self._app_kind_of_type(value[1])

    def _app_kind_of_type(self, t: str) -> str | None:
        """`app_kind` of an object of type `t`, memoised by the type: asked outside any name
        resolution, it reads only memoised resolutions, so a second computation would agree."""
        memo = self._app_kinds
        if t in memo:
            return memo[t]
        found = memo[t] = self._app_kind(t)
        return found

    def _app_kind(self, t: str) -> str | None:
        names = {t}
        cls = self.project.resolve_dotted(t) if self.project.by_name else None
        if cls and cls[0] == "scope" and cls[1].scopes[cls[2]].kind == "class":
            names |= self.project.class_bases(cls[1], cls[2])
        if names & fw.APP_TYPES:
            return "app"
        if names & fw.ROUTER_TYPES:
            return "router"
        return None

    def _app_like(self, receiver, call: Call | None) -> bool:
        """Could `receiver` be a FastAPI app or router? Unknown objects count when a path is given."""
        if self.app_kind(receiver):
            return True
        if receiver is None or receiver[0] in ("ext", "module"):
            if call is None:
                return True
            first = call.args[0] if call.args else call.kwargs.get("path")
            return first is not None and first.kind == "const" and isinstance(first.base, str)
        return False

    def _receiver(self, m: ModuleModel, sid: int, func: Ref):
        base = Ref(func.kind, func.base, func.attrs[:-1], func.items, func.op)
        return self.project.value_of(m, sid, base)

    def _scan(self, m: ModuleModel) -> None:
        project = self.project
        for scope in m.scopes:
            if scope.kind == "def":
                for dec in scope.decorators:
                    if dec.kind == "call":
                        self._decorator(m, scope.id, m.calls[dec.base])
                for param in scope.params:
                    if param.annotation is not None:
                        self._bare_depends(m, scope.parent, param)
            elif scope.kind == "class" and scope.bases:
                bases = project.class_bases(m, scope.id)
                if bases & fw.MIDDLEWARE_BASES:
                    self._mark_class(("scope", m, scope.id), ("dispatch",), MIDDLEWARE)
        for call in m.calls:
            if call.id < 0:
                continue
            func = call.func
            method = func.attrs[-1] if func.attrs else None
            if method in _CALL_METHODS:
                self._method_call(m, call, method)
                continue
            if func.kind == "call" and not func.attrs and call.args:
                self._on_event_call(m, call, m.calls[func.base])
                continue
            if func.kind != "name":
                continue
            target = project.callee(m, call).target
            if target is None:
                continue
            if target in fw.DEPENDS:
                self._mark(project.depends_target(m, call), DEPENDENCY)
            elif target in fw.BACKGROUND_TASK:
                self._background(m, call)
            else:
                t = project.result_type(m, call)
                kind = self._app_kind_of_type(t) if t else None
                if kind:
                    self._app(m, call, kind)

    def _bare_depends(self, m: ModuleModel, sid: int, param) -> None:
        """`x: Checker = Depends()` / `Annotated[Checker, Depends()]`: the annotation is the dependency."""
        project = self.project
        found = None
        if param.default is not None and param.default.kind == "call":
            found = (m, m.calls[param.default.base])
        if found is None or found[1].id < 0:
            found = project.annotated_dependency(m, sid, param.annotation)
        if found is None:
            return
        dm, call = found
        if call.args or "dependency" in call.kwargs or project.callee(dm, call).target not in fw.DEPENDS:
            return
        t = project.annotation_type(m, sid, param.annotation)
        if t is not None and project.by_name:
            self._mark(project.resolve_dotted(t), DEPENDENCY)

    def _decorator(self, m: ModuleModel, sid: int, call: Call) -> None:
        func = call.func
        if not func.attrs or call.id < 0:
            return
        method = func.attrs[-1]
        parent = m.scopes[sid].parent
        if method in fw.ROUTE_METHODS or method in fw.WEBSOCKET_METHODS:
            receiver = self._receiver(m, parent, func)
            if self._app_like(receiver, call):
                context = WEBSOCKET if method in fw.WEBSOCKET_METHODS else ROUTE
                self.contexts.setdefault((id(m), sid), set()).add(context)
        elif method in ("middleware", "exception_handler", "on_event"):
            receiver = self._receiver(m, parent, func)
            if not self._app_like(receiver, None):
                return
            if method == "middleware":
                self.contexts.setdefault((id(m), sid), set()).add(MIDDLEWARE)
            elif method == "exception_handler":
                self.contexts.setdefault((id(m), sid), set()).add(EXCEPTION_HANDLER)
            else:
                event = _const_str(call.args[0] if call.args else call.kwargs.get("event_type"))
                if event in ("startup", "shutdown"):
                    self.contexts.setdefault((id(m), sid), set()).add(STARTUP if event == "startup" else SHUTDOWN)
                    self.registrations.append(Registration(m, call.line, call.col, event, "on_event",
                                                           receiver, ("scope", m, sid), _receiver_ref(func),
                                                           parent, call.end_line, call.end_col))

    def _on_event_call(self, m: ModuleModel, call: Call, inner: Call) -> None:
        """`router.on_event("startup")(handler)`: the decorator applied by hand. Only on objects
        known to be an app or a router (`events_bus.on_event("message")(fn)` is another library)."""
        func = inner.func
        if inner.id < 0 or func.kind != "name" or func.attrs[-1:] != ("on_event",):
            return
        receiver = self._receiver(m, inner.scope, func)
        if not self.app_kind(receiver):
            return
        event = _const_str(inner.args[0] if inner.args else inner.kwargs.get("event_type"))
        if event in ("startup", "shutdown"):
            value = self.project.value_of(m, call.scope, call.args[0])
            self._mark(value, STARTUP if event == "startup" else SHUTDOWN)
            self.registrations.append(Registration(m, inner.line, inner.col, event, "on_event", receiver, value,
                                                   _receiver_ref(func), call.scope, inner.end_line, inner.end_col))

    def _method_call(self, m: ModuleModel, call: Call, method: str) -> None:
        project = self.project
        receiver = self._receiver(m, call.scope, call.func)
        if method == "include_router":
            self._include_calls.append((m, call))
            return
        if method == "add_task":
            # Unknown receivers count only when named like one (`bg_tasks`, `background`).
            root = call.func.base if call.func.kind == "name" else ""
            named = isinstance(root, str) and ("task" in root.lower() or "background" in root.lower())
            if _is_background_tasks(receiver) or (receiver is None and named):
                if call.args:
                    self._background(m, call)
            return
        if not self._app_like(receiver, None):
            return
        if method in fw.ADD_ROUTE_METHODS:
            endpoint = call.args[1] if len(call.args) > 1 else call.kwargs.get("endpoint")
            if endpoint is not None:
                self._mark(project.value_of(m, call.scope, endpoint),
                           ROUTE if fw.ADD_ROUTE_METHODS[method] == "route" else WEBSOCKET)
        elif method == "add_event_handler":
            event = _const_str(call.args[0] if call.args else call.kwargs.get("event_type"))
            handler = call.args[1] if len(call.args) > 1 else call.kwargs.get("func")
            if event in ("startup", "shutdown") and handler is not None:
                value = project.value_of(m, call.scope, handler)
                self._mark(value, STARTUP if event == "startup" else SHUTDOWN)
                self.registrations.append(Registration(m, call.line, call.col, event, "add_event_handler",
                                                       receiver, value, _receiver_ref(call.func),
                                                       call.scope, call.end_line, call.end_col))
        elif method == "add_exception_handler":
            handler = call.args[1] if len(call.args) > 1 else call.kwargs.get("handler")
            if handler is not None:
                self._mark(project.value_of(m, call.scope, handler), EXCEPTION_HANDLER)
        elif method == "add_middleware":
            cls = call.args[0] if call.args else call.kwargs.get("middleware_class")
            if cls is not None:
                self._mark_class(project.value_of(m, call.scope, cls), ("dispatch", "__call__"), MIDDLEWARE)

    def lifespan_values(self, m: ModuleModel, sid: int, ref: Ref) -> list:
        """What `lifespan=` names: a function, or the nested functions a factory returns
        (`lifespan=get_lifespan(version=...)`, also through one local name)."""
        project = self.project
        value = project.value_of(m, sid, ref)
        if value and value[0] == "scope":
            return [value]
        if ref.kind == "name" and not ref.attrs:
            bsid = m.binding_scope(sid, ref.base)
            bindings = m.scopes[bsid].bindings.get(ref.base, []) if bsid is not None else []
            if len(bindings) == 1 and bindings[0].kind == "assign" and isinstance(bindings[0].value, Ref):
                ref, sid = bindings[0].value, bsid
        if ref.kind != "call" or ref.attrs or m.calls[ref.base].id < 0:
            return []
        callee = project.callee(m, m.calls[ref.base])
        if callee.module is None or callee.scope < 0 or callee.module.scopes[callee.scope].kind != "def":
            return []
        found = []
        for r in callee.module.scopes[callee.scope].returns:
            inner = project.value_of(callee.module, callee.scope, r)
            if inner and inner[0] == "scope":
                found.append(inner)
        return found

    def _app(self, m: ModuleModel, call: Call, kind: str) -> None:
        project = self.project
        lifespan = call.kwargs.get("lifespan")
        if lifespan is not None and not (lifespan.kind == "const" and lifespan.base is None):
            for value in self.lifespan_values(m, call.scope, lifespan):
                self._mark(value, LIFESPAN)
        for key, event in (("on_startup", "startup"), ("on_shutdown", "shutdown")):
            handlers = call.kwargs.get(key)
            if handlers is not None and handlers.kind == "seq":
                for item in handlers.items:
                    value = project.value_of(m, call.scope, item)
                    self._mark(value, STARTUP if event == "startup" else SHUTDOWN)
                    self.registrations.append(Registration(m, item.line or call.line, item.col, event, key,
                                                           ("app-call", m, call.id), value,
                                                           Ref("call", call.id, line=call.line, col=call.col),
                                                           call.scope))
        self.apps.append(AppObject(m, call, kind, lifespan, list(call.targets)))

    def _background(self, m: ModuleModel, call: Call) -> None:
        fn = call.args[0] if call.args else call.kwargs.get("func")
        if fn is None:
            return
        value = self.project.value_of(m, call.scope, fn)
        self._mark(value, BACKGROUND)
        self.background.append(BackgroundUse(m, call, value, call.args[1:], call.kwargs))


_CALL_METHODS = frozenset({
    "add_task", "include_router", "add_event_handler", "add_exception_handler", "add_middleware", *fw.ADD_ROUTE_METHODS,
})


def _reexported(m: ModuleModel, names: set[str]) -> list[str]:
    """The names under which a built module holds one of `names` (dotted), as far as its import
    edges and module-level bindings say: `from .main import export_data [as run_export]`,
    `export_data = main.export_data`, `run = export_data`."""
    found = [edge.rsplit(".", 1)[1] for edge in m.imports if edge in names]
    bindings_of = m.scopes[0].bindings
    for name, bindings in bindings_of.items():
        for b in bindings:
            if b.kind == "import" and b.value in names:
                found.append(name)
            elif b.kind == "assign" and isinstance(b.value, Ref) and b.value.kind == "name":
                root = [r for r in bindings_of.get(b.value.base, ()) if r.kind == "import"]
                if len(root) == 1 and ".".join((root[0].value, *b.value.attrs)) in names:
                    found.append(name)
    return found


def _holds_coroutine(module: str, name: str, names: set[str], own: dict[str, set[str]],
                     under: dict[str, set[str]]) -> None:
    """Record that `module` holds `name`, a coroutine or a class with one (`_build_cold_callers`):
    by dotted name, by module, and for each package above the module."""
    names.add(f"{module}.{name}")
    own.setdefault(module, set()).add(name)
    parts = module.split(".")
    for n in range(1, len(parts)):
        under.setdefault(".".join(parts[:n]), set()).add(name)


def _receiver_ref(func: Ref) -> Ref:
    return Ref(func.kind, func.base, func.attrs[:-1], func.items, func.op, func.line, func.col)


def _before(m: ModuleModel, sid: int, line: int, later_m: ModuleModel, later: Call) -> bool:
    """Did code at `line` run before the `later` call? Known only for module-level code of one
    module; across modules the importer runs after the module it imports (the router module
    is imported, handlers and all, before `include_router` is called)."""
    if m is not later_m or sid != 0 or later.scope != 0:
        return True
    return line < later.line


def _is_background_tasks(value) -> bool:
    return bool(value) and value[0] == "inst" and value[1] == fw.BACKGROUND_TASKS


def _const_str(ref: Ref | None) -> str | None:
    if ref is not None and ref.kind == "const" and isinstance(ref.base, str):
        return ref.base
    return None


def _constant_text(m: ModuleModel, sid: int, ref: Ref | None) -> str | None:
    """A string written in place, or the value of a module-level name bound once to one."""
    text = _const_str(ref)
    if text is not None or ref is None or ref.kind != "name" or ref.attrs:
        return text
    bindings = m.scopes[0].bindings.get(ref.base, ()) if m.binding_scope(sid, ref.base) == 0 else ()  # type: ignore[arg-type]
    if len(bindings) != 1 or bindings[0].kind != "assign" or not isinstance(bindings[0].value, Ref):
        return None
    return _const_str(bindings[0].value)


def _function_of(m: ModuleModel, sid: int) -> int:
    """The def a scope belongs to (a lambda's enclosing def counts as the caller)."""
    while sid > 0 and m.scopes[sid].kind == "lambda":
        sid = m.scopes[sid].parent
    return sid


def _pytest_module(m: ModuleModel) -> bool:
    name = os.path.basename(m.path)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in PYTEST_MODULES)
