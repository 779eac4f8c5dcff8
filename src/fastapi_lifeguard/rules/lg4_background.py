"""LG401–LG403: background tasks that fail silently, use closed resources, or never run.

A background task runs after the response is sent: when it raises, the client never knows,
the server logs "Exception in ASGI application" and the later tasks of the same request are
skipped. A yield dependency's exit code runs before the task with `Depends(..., scope="function")`
and in FastAPI 0.106–0.117. A `BackgroundTasks()` made by hand and not attached to a response
never runs (SPEC §2).
"""

from __future__ import annotations

import os
from typing import Iterator

from ..catalogue import framework as fw
from ..catalogue.background import (ABSTRACT_DECORATORS, ABSTRACT_RAISES, LOG_METHODS, LOG_MODULES, NON_RAISING_CALLS,
                                   NON_RAISING_METHODS, NOT_RELEASE_ONLY, PROPAGATED_EXCEPTIONS, RAISING_METHODS,
                                  RELEASE_ONLY_METHODS)
from ..catalogue.lifecycle import PASS_THROUGH, TASK_FACTORIES
from ..catalogue.offload import CALLABLE_BUILDERS
from ..findings import Finding
from ..fixes import attach
from ..model.fastapi import BackgroundUse
from ..model.records import Call, ModuleModel, Param, Ref, Scope

CODES = ("LG401", "LG402", "LG403")

# FastAPI ran yield-dependency exit code before background tasks in these versions (SPEC §2).
EARLY_EXIT_VERSIONS = ((0, 106), (0, 117))

_GUARD_FIX_MAX_LINES = 40
_GUARD_FIX = ("catch and log inside the task (`try: ... except Exception: logger.exception(...)`), "
              "or decorate it with a guard listed in background-task-guards")


def check(analysis) -> Iterator[Finding]:
    rule = _Background(analysis)
    for use in analysis.fastapi.background:
        finding = rule.unguarded(use)
        if finding is not None:
            yield finding
        yield from rule.closed_resources(use)
    for m in analysis.project.modules:
        yield from rule.never_run(m)


class _Background:
    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self.project = analysis.project
        self.guards = tuple(analysis.settings.background_task_guards)
        self._raises: dict[tuple[int, int], tuple[str, bool] | None] = {}
        self._guard_decorators: dict[tuple[int, int], bool] = {}
        self._children: dict[int, dict[int, list[int]]] = {}

    # ---- LG401 -------------------------------------------------------------------
    def unguarded(self, use: BackgroundUse) -> Finding | None:
        m, call = use.module, use.call
        fn = call.args[0] if call.args else call.kwargs.get("func")
        if fn is None:
            return None
        target = self.target(m, call.scope, fn)
        if target is None or self._on_unrun_tasks(m, call):
            return None
        tm, tsid = target
        why = self.can_raise(tm, tsid)
        if why is None:
            return None
        name = _task_name(tm, tsid)
        text = (f"background task {name} can raise outside any `try` that handles `Exception` ({why}): "
                f"it runs after the response, so the error only reaches the server log and the later "
                f"tasks of this request are skipped")
        found = _finding(m, call, "LG401", text, _GUARD_FIX)
        # The fix wraps the body where the task is defined: a module-level function of this module,
        # short enough that re-indenting it makes a patch a reviewer reads (open-webui's 140-line
        # upload handler became a 290-line diff).
        task = tm.scopes[tsid]
        here = (tm is m and fn.kind == "name" and not fn.attrs and task.kind == "def" and task.parent == 0
                and task.end_line - task.line <= _GUARD_FIX_MAX_LINES)
        return attach(found, "guard-task") if here else found

    def target(self, m: ModuleModel, sid: int, ref: Ref, depth: int = 0) -> tuple[ModuleModel, int] | None:
        """The project function (or lambda) a task runs; None for library or unknown callables."""
        if ref.kind == "lambda":
            return m, ref.base  # type: ignore[return-value]
        if ref.kind == "call":
            inner = m.calls[ref.base]
            if depth < 3 and inner.id >= 0 and inner.args and self.project.callee(m, inner).target in CALLABLE_BUILDERS:
                return self.target(m, inner.scope, inner.args[0], depth + 1)
            return None
        value = self.project.value_of(m, sid, ref)
        if not value:
            return None
        if value[0] == "scope" and value[1].scopes[value[2]].kind == "def":
            return value[1], value[2]
        if value[0] == "inst":
            # An object of a project class with `__call__`.
            cls = self.project.resolve_dotted(value[1]) if self.project.by_name else None
            if cls and cls[0] == "scope" and cls[1].scopes[cls[2]].kind == "class":
                found = self.project.class_member(cls[1], cls[2], "__call__")
                if found:
                    return found
        return None

    def can_raise(self, m: ModuleModel, sid: int) -> str | None:
        """Where the function can raise outside a broad handler, or None when it cannot.

        A call into a project function that cannot raise (its body guarded, or itself only
        delegating to guarded functions) does not count: that is how a task that hands its
        whole body to a guarded function counts as handled.
        """
        found = self._evidence(m, sid)
        return found[0] if found else None

    def _evidence(self, m: ModuleModel, sid: int) -> tuple[str, bool] | None:
        """(where it can raise, whether that is real I/O), memoised per function."""
        key = (id(m), sid)
        if key in self._raises:
            return self._raises[key]
        self._raises[key] = None  # recursion: assume the cycle is handled
        result = self._can_raise(m, sid)
        self._raises[key] = result
        return result

    def _can_raise(self, m: ModuleModel, sid: int) -> tuple[str, bool] | None:
        """The evidence to cite: the first unguarded call doing real I/O (what fails in
        production), else the first `raise` (certain to raise when reached), else the first
        call. `async with Client() as c:` rarely fails on entry (no I/O yet), so it is cited
        only when nothing else can raise."""
        scope = m.scopes[sid]
        if self.guarded_by_decorator(m, sid):
            return None
        where = os.path.basename(m.path)
        candidates: list[tuple[tuple[int, int], str, bool, bool]] = []  # (position, why, I/O, a `raise`)
        for r in scope.raises:
            if not r.guarded and not (r.bare and PROPAGATED_EXCEPTIONS.intersection(r.handler)):
                candidates.append(((r.line, r.col), f"`raise` at {where}:{r.line}", False, True))
        entered = None
        for cid in scope.calls:
            call = m.calls[cid]
            if call.guarded or call.id < 0 or self._non_raising(m, call) or self._releases(m, call):
                continue
            callee = self.project.callee(m, call)
            if callee.module is not None and callee.scope >= 0 and callee.module.scopes[callee.scope].kind == "def":
                inner = self._project_call(callee.module, callee.scope)
                if inner is None:
                    continue
                shown, (reason, io) = inner
                if shown is None:
                    shown = callee.module.scopes[callee.scope].name
                    if shown == "__init__" and callee.target:
                        shown = callee.target.rsplit(".", 1)[-1]
                why = f"`{shown}()` at {where}:{call.line}, which reaches {reason}"
            else:
                why = f"`{_call_text(call, callee.target)}` at {where}:{call.line}"
                io = self._does_io(call, callee)
            if call.stmt in ("with", "asyncwith") and not io:
                entered = entered or (why, io)
                continue
            candidates.append(((call.line, call.col), why, io, False))
        if not candidates:
            return entered
        candidates.sort(key=lambda c: c[0])
        chosen = next((c for c in candidates if c[2]), None) or next((c for c in candidates if c[3]), candidates[0])
        return chosen[1], chosen[2]

    def _project_call(self, m: ModuleModel, sid: int) -> tuple[str | None, tuple[str, bool]] | None:
        """A project method as called: an abstract one (`@abstractmethod`, or `raise
        NotImplementedError` that a subclass overrides) never runs itself; the overrides do,
        so the first of them that can raise is the evidence, named `Class.method`."""
        scope = m.scopes[sid]
        abstract = self.analysis.fastapi.decorated_with(m, sid, ABSTRACT_DECORATORS)
        overrides = self.project.overrides(m, sid) if abstract or any(r.exc in ABSTRACT_RAISES for r in scope.raises) else []
        if not overrides:
            if abstract:
                return None
            inner = self._evidence(m, sid)
            return (None, inner) if inner else None
        found = None
        for om, osid in overrides:
            inner = self._evidence(om, osid)
            if inner is not None and (found is None or (inner[1] and not found[1][1])):
                found = (om.scopes[osid].qualname or om.scopes[osid].name, inner)
        return found

    def _does_io(self, call: Call, callee) -> bool:
        """Real I/O: a catalogued blocking call, I/O on a sync client, or an awaited library call."""
        if self.analysis.blocking_entry(callee.target) is not None:
            return True
        client = self.analysis.project.library.clients.get(callee.recv_type) if callee.method is not None else None
        if client is not None and client.io(callee.method) is not None:
            return True
        return call.awaited and callee.module is None

    def _non_raising(self, m: ModuleModel, call: Call) -> bool:
        callee = self.project.callee(m, call)
        target = callee.target
        if target in NON_RAISING_CALLS:
            return True
        func = call.func
        # The receiver's last name: `self._task.cancel()`, also past a subscript (`workers[0].semaphore`).
        named = func.attrs and (func.kind == "name" or len(func.attrs) > 1)
        words = NON_RAISING_METHODS.get(func.attrs[-1]) if named else None
        if (words and callee.module is None and (target is None or target.startswith("asyncio."))
                and target not in RAISING_METHODS):
            receiver = (func.attrs[-2] if len(func.attrs) > 1 else func.base).lower()  # type: ignore[union-attr]
            if any(w in receiver for w in words):
                return True
        if func.kind == "name" and func.attrs and func.attrs[-1] in LOG_METHODS:
            if target is not None and target.startswith(LOG_MODULES):
                return True
            receiver = ".".join((func.base, *func.attrs[:-1])).lower()  # type: ignore[arg-type]
            if "log" in receiver:
                return True
        return False

    def _releases(self, m: ModuleModel, call: Call, depth: int = 0) -> bool:
        """Does this library call only release a resource (`response.aclose()`, `handle.close()`),
        or shield/schedule one (`asyncio.shield(task)` where `task = asyncio.create_task(
        response.aclose())`)? A task made only of releases loses no result when one fails
        (xinference's streaming proxies close the upstream response in a background task).
        Project methods are judged by their own body instead."""
        if call.id < 0:
            return False
        callee = self.project.callee(m, call)
        if callee.module is not None:
            return False
        # Shielding a release, or making a task of one (`create_task(response.aclose())`), is
        # still only a release: awaiting these re-raises what their first argument raises.
        if callee.target in PASS_THROUGH or callee.target in TASK_FACTORIES:
            arg = call.args[0] if call.args else None
            return arg is not None and depth < 3 and self._release_value(m, call.scope, arg, depth + 1)
        func = call.func
        if func.kind != "name" or not func.attrs:
            return False
        resource = self.project.library.resource_types.get(callee.recv_type) if callee.recv_type else None
        if resource is not None:
            return func.attrs[-1] in resource.release and func.attrs[-1] not in NOT_RELEASE_ONLY
        if call.args and callee.target is None:
            # `manager.terminate(instance_id)`: the argument names what is stopped, a request
            # about another object (its failure leaves that running), not the receiver's release.
            return False
        return func.attrs[-1] in RELEASE_ONLY_METHODS

    def _release_value(self, m: ModuleModel, sid: int, ref: Ref, depth: int) -> bool:
        """A release call, or a name every binding of which (in this function and the ones
        around it: `nonlocal cleanup_task`) is `None` or a release call."""
        if ref.kind == "call":
            return self._releases(m, m.calls[ref.base], depth)  # type: ignore[index]
        if ref.kind != "name" or ref.attrs:
            return False
        found = False
        s = sid
        while s >= 0:
            scope = m.scopes[s]
            for b in scope.bindings.get(ref.base, ()):  # type: ignore[arg-type]
                value = b.value
                if b.kind != "assign" or not isinstance(value, Ref):
                    return False
                if value.kind == "const" and value.base is None:
                    continue
                if value.kind != "call" or not self._releases(m, m.calls[value.base], depth):  # type: ignore[index]
                    return False
                found = True
            if scope.kind == "module":
                break
            s = scope.parent
        return found

    # ---- guard decorators --------------------------------------------------------
    def guarded_by_decorator(self, m: ModuleModel, sid: int) -> bool:
        scope = m.scopes[sid]
        for dec in scope.decorators:
            ref = m.calls[dec.base].func if dec.kind == "call" else dec
            if self.guards and self._configured(m, scope.parent, ref):
                return True
            if dec.kind == "call":
                call = m.calls[dec.base]
                callee = self.project.callee(m, call) if call.id >= 0 else None
                found = (callee.module, callee.scope) if callee and callee.module is not None else None
            else:
                value = self.project.value_of(m, scope.parent, dec)
                found = (value[1], value[2]) if value and value[0] == "scope" else None
            if found and self.is_guard_decorator(*found):
                return True
        return False

    def _configured(self, m: ModuleModel, sid: int, ref: Ref) -> bool:
        names = {n for n in (self.project.dotted_of(m, sid, ref), ref.dotted()) if n}
        for guard in self.guards:
            for name in names:
                # A dotted guard must match exactly; a bare one (`log_errors`) matches by last name.
                if name == guard or ("." not in guard and name.rsplit(".", 1)[-1] == guard):
                    return True
        return False

    def is_guard_decorator(self, m: ModuleModel, sid: int) -> bool:
        """A project decorator whose inner wrapper calls the wrapped function inside a broad `try`."""
        key = (id(m), sid)
        if key in self._guard_decorators:
            return self._guard_decorators[key]
        self._guard_decorators[key] = False
        result = False
        if m.scopes[sid].kind == "def":
            inner = self._descendants(m, sid)
            names = {p.name for s in (sid, *inner) for p in m.scopes[s].params if p.kind in ("arg", "kwonly")}
            calls = []
            for s in inner:
                own = {p.name for p in m.scopes[s].params}
                for cid in m.scopes[s].calls:
                    func = m.calls[cid].func
                    if func.kind == "name" and not func.attrs and func.base in names and func.base not in own:
                        calls.append(m.calls[cid])
            result = bool(calls) and all(c.guarded for c in calls)
        self._guard_decorators[key] = result
        return result

    def _descendants(self, m: ModuleModel, sid: int) -> list[int]:
        children = self._children.get(id(m))
        if children is None:
            children = self._children[id(m)] = {}
            for scope in m.scopes:
                if scope.kind in ("def", "lambda") and scope.parent >= 0:
                    children.setdefault(scope.parent, []).append(scope.id)
        out, stack = [], list(children.get(sid, ()))
        while stack:
            s = stack.pop()
            out.append(s)
            stack.extend(children.get(s, ()))
        return out

    # ---- LG402 -------------------------------------------------------------------
    def closed_resources(self, use: BackgroundUse) -> Iterator[Finding]:
        m, call = use.module, use.call
        sid = _function_of(m, call.scope)
        scope = m.scopes[sid]
        if scope.kind != "def":
            return
        names: set[str] = set()
        for ref in (*call.args, *call.kwargs.values()):
            _root_names(ref, names)
        version = self.analysis.settings.fastapi_version
        early = version is not None and EARLY_EXIT_VERSIONS[0] <= version <= EARLY_EXIT_VERSIONS[1]
        for name in sorted(names):
            param = _only_param(scope, name)
            if param is None:
                continue
            dep = self._yield_dependency(m, scope, param)
            if dep is None:
                continue
            dep_name, function_scope = dep
            if function_scope:
                why = (f"`{name}` comes from yield dependency `{dep_name}` with `scope=\"function\"`, whose "
                       f"exit code runs before background tasks: the task gets it already closed")
                fix = (f"open a fresh one inside the task (e.g. `with SessionLocal() as {name}:`), "
                       f"or drop `scope=\"function\"`")
            elif early:
                why = (f"`{name}` comes from yield dependency `{dep_name}`; with fastapi-version "
                       f"{version[0]}.{version[1]} (0.106–0.117) its exit code runs before background tasks: "
                       f"the task gets it already closed")
                fix = (f"open a fresh one inside the task (e.g. `with SessionLocal() as {name}:`), "
                       f"or upgrade to FastAPI 0.118+")
            else:
                continue
            yield _finding(m, call, "LG402", why, fix)

    def _yield_dependency(self, m: ModuleModel, scope: Scope, param: Param) -> tuple[str, bool] | None:
        project = self.project
        found = None
        if param.default is not None and param.default.kind == "call":
            dcall = m.calls[param.default.base]
            if dcall.id >= 0 and project.callee(m, dcall).target in fw.DEPENDS:
                found = (m, dcall)
        if found is None and param.annotation is not None:
            found = project.annotated_dependency(m, scope.parent, param.annotation)
        if found is None:
            return None
        dm, dcall = found
        dep = project.depends_target(dm, dcall)
        if not dep or dep[0] != "scope":
            return None
        dep_scope = dep[1].scopes[dep[2]]
        if dep_scope.kind != "def" or not dep_scope.is_generator:
            return None
        scope_kw = dcall.kwargs.get("scope")
        function_scope = scope_kw is not None and scope_kw.kind == "const" and scope_kw.base == "function"
        return dep_scope.name, function_scope

    # ---- LG403 -------------------------------------------------------------------
    def never_run(self, m: ModuleModel) -> Iterator[Finding]:
        project = self.project
        for call in m.calls:
            if call.id < 0 or call.func.kind != "name":
                continue
            if call.stmt in ("return", "yield") or call.parent >= 0:
                continue
            sid = _function_of(m, call.scope)
            if m.scopes[sid].kind != "def":
                continue
            if project.callee(m, call).target != fw.BACKGROUND_TASKS:
                continue
            if call.stmt == "assign":
                names = [t.base for t in call.targets if t.kind == "name" and not t.attrs]
                if len(names) != len(call.targets):
                    continue  # stored on an object: passed on
                if any(self._handed_on(m, sid, name) for name in names):
                    continue
            elif call.stmt != "expr":
                continue
            where = self.analysis.fastapi.describe(m, sid)
            text = (f"`BackgroundTasks()` made in {where} is never returned, attached as `background=` "
                    f"or passed on: its tasks never run")
            fix = ("take a `background_tasks: BackgroundTasks` parameter instead (FastAPI runs it after "
                   "the response), or pass it as `background=` to the response you return")
            yield _finding(m, call, "LG403", text, fix)

    def _on_unrun_tasks(self, m: ModuleModel, call: Call) -> bool:
        """`tasks.add_task(f)` on a `BackgroundTasks()` that LG403 reports: f never runs, so it
        loses no error (phoenix `delete_dataset`); LG403 is the finding there."""
        func = call.func
        if func.kind != "name" or len(func.attrs) != 1:
            return False
        sid = _function_of(m, call.scope)
        bindings = m.scopes[sid].bindings.get(func.base)
        if not bindings or not all(b.kind == "assign" and isinstance(b.value, Ref) and b.value.kind == "call"
                                   and self.project.callee(m, m.calls[b.value.base]).target == fw.BACKGROUND_TASKS
                                   for b in bindings):
            return False
        return not self._handed_on(m, sid, func.base)

    def _handed_on(self, m: ModuleModel, sid: int, name: str) -> bool:
        scopes = (sid, *self._descendants(m, sid))
        for s in scopes:
            scope = m.scopes[s]
            if s != sid and name in scope.bindings:
                continue  # shadowed in a nested function
            for cid in scope.calls:
                call = m.calls[cid]
                if call.func.kind == "name" and call.func.base == name and not call.func.attrs:
                    return True  # `await tasks()` runs them by hand
                if any(_mentions(r, name) for r in (*call.args, *call.kwargs.values())):
                    return True
            if any(_mentions(r, name) for r in scope.returns):
                return True
            if any(y.value is not None and _mentions(y.value, name) for y in scope.yields):
                return True
            if any(_mentions(value, name) for _target, value, _line in scope.attr_stores):
                return True
            for other, bindings in scope.bindings.items():
                if other != name and any(b.kind == "assign" and isinstance(b.value, Ref) and _mentions(b.value, name)
                                         for b in bindings):
                    return True  # an alias or a container holding it
        return False


# ---- helpers -------------------------------------------------------------------------
def _mentions(ref: Ref, name: str) -> bool:
    kind = ref.kind
    if kind == "name":
        return ref.base == name
    if kind in ("seq", "dict"):
        return any(_mentions(r, name) for r in ref.items)
    if kind in ("sub", "binop"):
        return (isinstance(ref.base, Ref) and _mentions(ref.base, name)) or any(_mentions(r, name) for r in ref.items)
    return False


def _root_names(ref: Ref, out: set[str]) -> None:
    kind = ref.kind
    if kind == "name":
        out.add(ref.base)  # type: ignore[arg-type]
    elif kind in ("seq", "dict"):
        for r in ref.items:
            _root_names(r, out)
    elif kind in ("sub", "binop"):
        if isinstance(ref.base, Ref):
            _root_names(ref.base, out)
        for r in ref.items:
            _root_names(r, out)


def _only_param(scope: Scope, name: str) -> Param | None:
    bindings = scope.bindings.get(name)
    if not bindings or any(b.kind != "param" for b in bindings):
        return None
    return scope.params[bindings[0].value]


def _function_of(m: ModuleModel, sid: int) -> int:
    while sid > 0 and m.scopes[sid].kind == "lambda":
        sid = m.scopes[sid].parent
    return sid


def _task_name(m: ModuleModel, sid: int) -> str:
    scope = m.scopes[sid]
    if scope.kind == "lambda":
        return f"`lambda` ({os.path.basename(m.path)}:{scope.line})"
    return f"`{scope.qualname or scope.name}`"


def _call_text(call: Call, target: str | None) -> str:
    func = call.func
    if func.kind == "name":
        return ".".join((func.base, *func.attrs)) + "()"  # type: ignore[arg-type]
    if target:
        return target.rsplit(".", 1)[-1] + "()"
    return "…" + "".join("." + a for a in func.attrs) + "()"


def _finding(m: ModuleModel, call: Call, code: str, text: str, fix: str) -> Finding:
    return Finding(m.path, call.line, call.col, code, f"{text}; {fix}", call.end_line, call.end_col, fix)
