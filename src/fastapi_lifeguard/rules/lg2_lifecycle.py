"""LG201–LG211: the application lifecycle.

What an app makes at startup it must release at shutdown (LG201, LG202, LG204, LG205), and
its startup/shutdown code must be wired so that it runs at all (LG203, LG206, LG208, LG209,
LG211), and only once (LG210).
The resource ledger (`model/ledger/`) pairs creations with releases; LG207 is the one
rule about caching that lives here because an `lru_cache`d coroutine usually holds a client.
"""

from __future__ import annotations

import os
from typing import Iterator

from ..catalogue import framework as fw
from ..catalogue import lifecycle as lc
from ..findings import Finding
from ..fixes import attach
from ..model.fastapi import LIFESPAN_MERGED_SINCE, HandlerRuns, Registration
from ..model.ledger import Entry, Ledger, text
from ..model.records import Call, ModuleModel, Ref

CODES = ("LG201", "LG202", "LG203", "LG204", "LG205", "LG206", "LG207", "LG208", "LG209", "LG210", "LG211")

_DEPRECATED_SINCE = (0, 104)  # on_event emits DeprecationWarning from FastAPI 0.104 on
# Starlette 1.0 removed `Starlette.add_event_handler`; FastAPI 0.133.0 is the first release that
# allows Starlette 1.x (0.164.0 requires >= 1.6). Measured: fastapi 0.133.0 + starlette 1.0.0 and
# fastapi 0.165.0 + starlette 1.10.0 raise AttributeError; `app.router.add_event_handler` and
# `app.on_event` (FastAPI's own) still work.
_STARLETTE_1_SINCE = (0, 133)


def check(analysis) -> Iterator[Finding]:
    ledger = analysis.ledger
    yield from _unreleased(ledger, analysis.settings.fastapi_version)
    yield from _not_awaited(ledger)
    yield from _handlers(analysis)
    yield from _bare_yield(ledger)
    yield from _cached_coroutines(analysis)
    yield from _sync_lifespans(analysis)
    yield from _mounts(analysis)


def _short(path: str) -> str:
    return os.path.basename(path)


def _at(path: str, line: int) -> str:
    return f"{_short(path)}:{line}"


def _finding(m: ModuleModel, line: int, col: int, code: str, text_: str, fix: str,
             end_line: int = 0, end_col: int = 0) -> Finding:
    return Finding(m.path, line, col, code, f"{text_}: {fix}", end_line, end_col, fix)


# ---- LG201 / LG204 -------------------------------------------------------------------------
def _unreleased(ledger: Ledger, version) -> Iterator[Finding]:
    ignored = _ignored_handlers(ledger.fastapi, version)
    for entry in ledger.entries:
        if entry.verdict != "leaked" or (id(entry.module), entry.owner) in ignored:
            continue  # a handler that never runs (LG203) makes nothing
        if entry.resource.is_task:
            yield _task_finding(ledger, entry)
        else:
            yield _resource_finding(ledger, entry)


def _ignored_handlers(fastapi, version) -> set[tuple[int, int]]:
    """Handlers registered only where they never run (LG203)."""
    runs: dict[tuple[int, int], bool] = {}
    for r in fastapi.registrations:
        h = r.handler
        if not h or h[0] != "scope":
            continue
        key = (id(h[1]), h[2])
        runs[key] = runs.get(key, False) or _never_runs(fastapi, r, version) is None
    return {key for key, ran in runs.items() if not ran}


def _never_runs(fastapi, r: Registration, version) -> str | None:
    """Why a registered handler never runs (the LG203 text), or None."""
    app = fastapi.app_of(r.module, r.scope, r.receiver_ref)
    if app is not None and fastapi.has_lifespan(app):
        kind = "router" if app.kind == "router" else "app"
        return (f"this {kind} was created with `lifespan=` ({_at(app.module.path, app.call.line)}), "
                f"which replaces startup and shutdown handlers")
    if version is not None and version < LIFESPAN_MERGED_SINCE:
        found = fastapi.handler_runs(r, version)
        if found is not None and found.exact and found.runs == 0:
            tops = {id(p[-1].parent): p[-1].parent for p in found.paths}.values()
            if all(fastapi.has_lifespan(top) for top in tops):
                top = next(iter(tops))
                return (f"FastAPI before 0.113 runs an included router's handlers only from the app's own list, "
                        f"and the app was created with `lifespan=` ({_at(top.module.path, top.call.line)})")
    return None


def _made(entry: Entry) -> str:
    res = entry.resource
    factory = f"`{res.factory}` via {' → '.join(f'`{v}`' for v in res.via)}" if res.via else f"`{res.factory}`"
    return f"{factory}, made at {_at(*res.made)}"


def _where(entry: Entry) -> str:
    if entry.role == "lifespan":
        return "after `yield` (in a `finally`)"
    if entry.role == "startup":
        return "in a shutdown handler"
    return "at shutdown"


_VERBS = {"dispose": "disposed", "shutdown": "shut down", "stop": "stopped", "disconnect": "disconnected"}


def _closed(entry: Entry) -> str:
    return _VERBS.get(entry.resource.rtype.advised(), "closed")


def _release_text(entry: Entry, shown: str) -> str:
    rtype = entry.resource.rtype
    if rtype.advice:
        return rtype.advice
    method = rtype.advised()
    return f"{'await ' if rtype.is_async(method) else ''}{shown}.{method}()"


def _resource_finding(ledger: Ledger, entry: Entry) -> Finding:
    m, call = entry.module, entry.call
    made = _made(entry)
    where = _where(entry)
    local = any(k[0] == "local" for k in entry.keys)
    advice = entry.resource.rtype.advice  # `resource-factories = {"pkg.make" = "advice"}`
    if advice:
        shown = f"`{entry.shown}`" if entry.shown else "it"
        what = f"{shown} ({made}) is never released"
        return _finding(m, call.line, call.col, "LG201", what, f"{advice} ({where})", call.end_line, call.end_col)
    if entry.place == "dropped":
        what = f"{made.split(',')[0]} is made at startup and dropped ({made.split(', ', 1)[1]}): nothing can close it"
        fix = f"keep it and `{_release_text(entry, 'it')}` {where}, or use `async with`"
    elif entry.place == "yielded" and not entry.keys:
        what = f"{entry.shown} in the lifespan state ({made}) is never {_closed(entry)}: the state only shares it with requests"
        fix = f"bind it to a name, `{_release_text(entry, 'client')}` after `yield`, or use `async with`"
    elif entry.place == "yielded":
        what = f"`{entry.shown}` ({made}) is yielded in the lifespan state but never {_closed(entry)}"
        fix = f"`{_release_text(entry, entry.shown)}` {where}, or use `async with`"
    elif entry.place == "registry":
        what = f"`{entry.shown}` holds a resource ({made}) that is never {_closed(entry)}"
        fix = f"at shutdown, release each one: `for x in {entry.shown}...: {_release_text(entry, 'x')}`"
    else:
        what = f"`{entry.shown}` ({made}) is never {_closed(entry)}"
        if local and entry.role == "helper":
            fix = f"`{_release_text(entry, entry.shown)}` when done, or use `async with`"
        elif local or entry.role == "lifespan":
            fix = f"`{_release_text(entry, entry.shown)}` {where}, or use `async with`"
        else:
            fix = f"`{_release_text(entry, entry.shown)}` {where}"
    return _finding(m, call.line, call.col, "LG201", what, fix, call.end_line, call.end_col)


def _task_finding(ledger: Ledger, entry: Entry) -> Finding:
    m, call = entry.module, entry.call
    factory = entry.resource.factory
    where = _where(entry)
    if entry.place == "dropped":
        started = f"{factory}({_coroutine_text(m, call)})"
        what = (f"the task from `{started}` is not kept: the event loop holds only a weak reference, "
                f"it can vanish mid-run and nothing cancels it at shutdown")
        fix = f"keep it (`app.state.task = {started}`) and `task.cancel()` {where}"
    else:
        owner = m.scopes[entry.owner].name
        what = (f"task `{entry.shown}` ({_made(entry)}) is not kept: the name is gone when `{owner}` returns, "
                f"so the loop may collect it mid-run and nothing can cancel it at shutdown")
        fix = f"keep it (`app.state.{entry.shown} = ...`) and `.cancel()` it {where}"
    return _finding(m, call.line, call.col, "LG204", what, fix, call.end_line, call.end_col)


def _coroutine_text(m: ModuleModel, call: Call) -> str:
    """`poll()` for `create_task(poll())`, else `...`."""
    arg = call.args[0] if call.args else None
    if arg is not None and arg.kind == "call" and not arg.attrs:
        inner = m.calls[arg.base]
        if inner.id >= 0 and inner.func.kind == "name":
            return f"{text(inner.func)}({'...' if inner.args or inner.kwargs else ''})"
    return "..."


# ---- LG202 ---------------------------------------------------------------------------------------
def _not_awaited(ledger: Ledger) -> Iterator[Finding]:
    for m in ledger.project.modules:
        for call in m.calls:
            if call.id < 0 or call.awaited or call.stmt != "expr" or call.parent >= 0:
                continue
            func = call.func
            if not func.attrs or func.attrs[-1] not in ledger.release_names or func.kind not in ("name", "sub", "call"):
                continue
            method = func.attrs[-1]
            receiver = Ref(func.kind, func.base, func.attrs[:-1], func.items, func.op, func.line, func.col)
            rtype = ledger.type_of(m, call.scope, receiver)
            if rtype is None or not rtype.is_async(method):
                continue
            shown = text(receiver) if receiver.kind in ("name", "sub") else "…"
            scope = m.scopes[call.scope]
            what = (f"`{shown}.{method}()` is not awaited: {rtype.name}'s `{method}()` is a coroutine, "
                    f"so it never runs and nothing is released")
            if scope.kind == "def" and scope.is_async:
                fix = f"`await {shown}.{method}()`"
                yield attach(_finding(m, call.line, call.col, "LG202", what, fix, call.end_line, call.end_col), "add-await")
            else:
                fix = f"make the function `async def` and `await {shown}.{method}()`"
                yield _finding(m, call.line, call.col, "LG202", what, fix, call.end_line, call.end_col)


# ---- LG203 / LG206 -------------------------------------------------------------------------------
def _registration_text(r: Registration) -> str:
    receiver = text(r.receiver_ref) if r.receiver_ref is not None and r.receiver_ref.kind == "name" else "app"
    if r.via == "on_event":
        return f'`@{receiver}.on_event("{r.event}")`'
    if r.via == "add_event_handler":
        return f'`{receiver}.add_event_handler("{r.event}", ...)`'
    return f"`{r.via}=[...]`"


def _handler_name(r: Registration) -> str:
    h = r.handler
    if h and h[0] == "scope":
        return f"`{h[1].scopes[h[2]].name}`"
    return "the handler"


def _handlers(analysis) -> Iterator[Finding]:
    fastapi = analysis.fastapi
    version = analysis.settings.fastapi_version
    for r in fastapi.registrations:
        part = "before `yield`" if r.event == "startup" else "after `yield`"
        app = fastapi.app_of(r.module, r.scope, r.receiver_ref)
        # The handlers move into a lifespan next to the app's constructor: it must be in this module.
        fixer = "lifespan" if app is not None and app.module is r.module else ""
        why = _never_runs(fastapi, r, version)
        if why is not None:
            what = f"{_registration_text(r)}: {_handler_name(r)} never runs, because {why}"
            fix = f"call it from the lifespan, {part}"
            yield attach(_finding(r.module, r.line, r.col, "LG203", what, fix, r.end_line, r.end_col), fixer)
        elif version is None or version >= LIFESPAN_MERGED_SINCE:
            found = fastapi.handler_runs(r, version)
            if found is not None and found.runs >= 2:
                yield _runs_twice(fastapi, r, found)
        if r.via not in ("on_event", "add_event_handler") or (version is not None and version < _DEPRECATED_SINCE):
            continue
        fix = f"move {_handler_name(r)} into a lifespan (`FastAPI(lifespan=...)`), {part}"
        code, what = "LG206", f"{_registration_text(r)} is deprecated since FastAPI 0.104"
        if r.via == "add_event_handler" and _on_app_itself(fastapi, r):
            # Its own error code: LG206 is a warning teams ignore while migrating; this one
            # stops the app from starting.
            if version is None or version >= _STARLETTE_1_SINCE:
                code, what = "LG211", (f"{_registration_text(r)} raises AttributeError when the module is imported: "
                                       f"Starlette 1.0 removed `add_event_handler` from the app "
                                       f"(FastAPI 0.133+ installs Starlette 1.x)")
            else:
                what += ", and fails with AttributeError on Starlette 1.0 and later (FastAPI 0.133+)"
        yield attach(_finding(r.module, r.line, r.col, code, what, fix, r.end_line, r.end_col), fixer)


def _on_app_itself(fastapi, r: Registration) -> bool:
    """`app.add_event_handler(...)` on the app object; not `app.router.add_event_handler`, which
    FastAPI's APIRouter still defines."""
    ref = r.receiver_ref
    if ref is None or ref.kind != "name" or ref.attrs[-1:] == ("router",):
        return False
    app = fastapi.app_of(r.module, r.scope, ref)
    if app is not None:
        return app.kind == "app"
    return fastapi.app_kind(r.receiver) == "app"


def _runs_twice(fastapi, r: Registration, found: HandlerRuns) -> Finding:
    """LG210: the count for the inclusion chains found, the versions, and the fix."""
    path = found.paths[0]
    chain = f"`{_object_name(found.router, r.module)}` is included in " + ", which is included in ".join(
        f"`{_parent_name(inc, r.module)}` ({_at(inc.module.path, inc.call.line)})" for inc in path)
    if len(found.paths) > 1:
        chain += f" (and {len(found.paths) - 1} more inclusion path{'s' if len(found.paths) > 2 else ''})"
    if found.exact:
        old = fastapi.handler_runs(r, (0, 112))
        before = {0: "never", 1: "once"}.get(old.runs, f"{old.runs} times") if old is not None else "never"
        count = f"{found.runs} times at {r.event} on FastAPI 0.113 and later ({before} on 0.112)"
    else:
        chain += ", a parameter whose object is not known here" if path[-1].parent is None else ", and that in an app"
        count = f"at least {found.runs} times at {r.event} on FastAPI 0.113 and later"
    what = (f"{_registration_text(r)}: {_handler_name(r)} runs {count}: {chain}; FastAPI runs them once for the "
            f"router and again at each level above it without `lifespan=`")
    fix = "move the work into the app's lifespan, or into a `lifespan=` of this router"
    return _finding(r.module, r.line, r.col, "LG210", what, fix, r.end_line, r.end_col)


def _parent_name(inc, here: ModuleModel) -> str:
    if inc.parent is None:
        return text(Ref("name", inc.call.func.base, inc.call.func.attrs[:-1]))
    return _object_name(inc.parent, here)


def _object_name(obj, here: ModuleModel) -> str:
    """`router`, or `items.router` for an object of another module (names repeat across modules)."""
    for ref in obj.names:
        if ref.kind == "name":
            name = text(ref)
            if obj.module is not here and obj.module.module:
                return f"{obj.module.module.rsplit('.', 1)[-1]}.{name}"
            return name
    return "the app" if obj.kind == "app" else "the router"


# ---- LG205 ---------------------------------------------------------------------------------------
def _bare_yield(ledger: Ledger) -> Iterator[Finding]:
    for (mid, sid), _first in ledger.lifespans.items():
        m = ledger.by_id[mid]
        scope = m.scopes[sid]
        if (mid, sid) not in ledger.app_lifespans and not (
                "lifespan" in scope.name.lower() and ledger.startup_owner((mid, sid))):
            continue  # other context managers entered at startup are not lifespans
        last = max(scope.yields, key=lambda y: (y.line, y.col))
        if last.in_finally_try or last.in_with:
            continue
        cleanup = [m.calls[c] for c in scope.calls
                   if m.calls[c].id >= 0 and (m.calls[c].line, m.calls[c].col) > (last.end_line, last.end_col)
                   and not m.calls[c].in_finally and _is_cleanup(m.calls[c])]
        if not cleanup:
            continue
        first = cleanup[0]
        what = (f"the cleanup after this bare `yield` ({_at(m.path, first.line)} on) is skipped when startup fails "
                f"after the resources are made or the lifespan is cancelled")
        fix = "wrap the `yield` in `try:` ... `finally:` and clean up in the `finally`, or use `async with`"
        yield _finding(m, last.line, last.col, "LG205", what, fix)


def _is_cleanup(call: Call) -> bool:
    func = call.func
    if func.kind == "name" and not func.attrs and func.base == "print":
        return False
    if func.attrs and func.attrs[-1] in lc.LOG_METHODS and func.kind == "name":
        root = ".".join((func.base, *func.attrs[:-1])).lower()
        if "log" in root:
            return False
    return call.parent < 0


# ---- LG207 ---------------------------------------------------------------------------------------
def _cached_coroutines(analysis) -> Iterator[Finding]:
    project = analysis.project
    for m in project.modules:
        for scope in m.scopes:
            if scope.kind != "def" or not scope.is_async or not scope.decorators:
                continue
            dec = scope.decorators[-1]  # the innermost decorator gets the coroutine function itself
            ref = m.calls[dec.base].func if dec.kind == "call" else dec
            name = project.dotted_of(m, scope.parent, ref)
            if name not in lc.COROUTINE_CACHES:
                continue
            short = name.rsplit(".", 1)[-1]
            what = (f"`@{short}` on `async def {scope.name}` caches the coroutine object, not its result: "
                    f"the second call gets an already-awaited coroutine and `await` raises RuntimeError")
            fix = "use `async_lru.alru_cache`, or cache the awaited value yourself"
            yield attach(_finding(m, dec.line, dec.col, "LG207", what, fix), "alru-cache")


# ---- LG208 ---------------------------------------------------------------------------------------
def _sync_lifespans(analysis) -> Iterator[Finding]:
    project, fastapi = analysis.project, analysis.fastapi
    for app in fastapi.apps:
        if not fastapi.has_lifespan(app):
            continue
        value = project.value_of(app.module, app.call.scope, app.lifespan)
        if not value or value[0] != "scope":
            continue
        m, sid = value[1], value[2]
        if m.scopes[sid].kind != "def" or not fastapi.decorated_with(m, sid, fw.SYNC_CONTEXT_MANAGERS):
            continue
        name = m.scopes[sid].name
        ref = app.lifespan
        what = (f"`lifespan={text(ref) if ref.kind == 'name' else name}` is a `@contextmanager` "
                f"({_at(m.path, m.scopes[sid].line)}): startup fails with TypeError")
        fix = f"decorate `{name}` with `@asynccontextmanager` and make it `async def`"
        found = _finding(app.module, ref.line or app.call.line, ref.col if ref.line else app.call.col, "LG208", what, fix)
        # The function is rewritten where it is defined: the same module, named directly.
        same = m is app.module and ref.kind == "name" and not ref.attrs and m.scopes[sid].parent == 0
        yield attach(found, "async-lifespan") if same else found


# ---- LG209 ---------------------------------------------------------------------------------------
def _mounts(analysis) -> Iterator[Finding]:
    project, fastapi = analysis.project, analysis.fastapi
    mounts = []
    run_apps: set[int] = set()  # apps whose lifespan the project enters by hand
    blind: set[int] = set()  # modules with such a runner whose app is unknown (a loop over routes)
    for m in project.modules:
        for call in m.calls:
            func = call.func
            if call.id < 0 or func.kind != "name":
                continue
            last = func.attrs[-1] if func.attrs else None
            if last != "lifespan_context" and last != "mount" and func.base != "getattr":
                continue  # neither a runner (`_lifespan_runner`) nor a mount: most calls
            runner = _lifespan_runner(call)
            if runner is not None:
                app = fastapi.app_of(m, call.scope, runner)
                if app is None:
                    blind.add(id(m))
                else:
                    run_apps.add(id(app))
            elif call.func.attrs and call.func.attrs[-1] == "mount":
                mounts.append((m, call))
    for m, call in mounts:
        if id(m) in blind:
            continue  # mcpo: the lifespan enters `route.app.router.lifespan_context(route.app)` per Mount
        receiver = Ref("name", call.func.base, call.func.attrs[:-1], line=call.func.line, col=call.func.col)
        parent_app = fastapi.app_of(m, call.scope, receiver)
        if parent_app is None and not fastapi.app_kind(project.value_of(m, call.scope, receiver)):
            continue
        sub_ref = call.args[1] if len(call.args) > 1 else call.kwargs.get("app")
        sub = fastapi.app_of(m, call.scope, sub_ref)
        if sub is None or sub is parent_app or id(sub) in run_apps:
            continue  # entering `lifespan_context` also runs the startup/shutdown handlers
        reasons = []
        if fastapi.has_lifespan(sub):
            reasons.append(f"its lifespan ({_at(sub.module.path, sub.call.line)})")
        handlers = fastapi.handlers_of(sub)
        if handlers:
            names = ", ".join(sorted({_handler_name(h) for h in handlers}))
            reasons.append(f"its startup/shutdown handlers ({names})")
        if not reasons:
            continue
        named = sub_ref is not None and sub_ref.kind == "name"
        shown = text(sub_ref) if named else "the sub-application"
        verb = "never run" if handlers else "never runs"
        what = f"`{text(receiver)}.mount(..., {shown})`: {' and '.join(reasons)} {verb} for a mounted app"
        sub_name = shown if named else "sub"
        fix = (f"run them from the parent's lifespan (`async with {sub_name}.router.lifespan_context({sub_name}):` "
               f"around its `yield`)")
        yield _finding(m, call.line, call.col, "LG209", what, fix, call.end_line, call.end_col)


def _lifespan_runner(call: Call) -> Ref | None:
    """The app whose lifespan this call enters by hand: `sub.router.lifespan_context(sub)`, or
    `getattr(sub.router, "lifespan_context")` (Starlette's `Router.lifespan_context`)."""
    func = call.func
    if func.attrs[-2:] == ("router", "lifespan_context"):
        return Ref("name", func.base, func.attrs[:-2], line=func.line, col=func.col)
    if func.base == "getattr" and not func.attrs and len(call.args) > 1:
        obj, attr = call.args[0], call.args[1]
        if attr.kind == "const" and attr.base == "lifespan_context" and obj.kind == "name" \
                and obj.attrs[-1:] == ("router",):
            return Ref("name", obj.base, obj.attrs[:-1], line=obj.line, col=obj.col)
    return None
