"""LG101–LG105: blocking work on the event loop.

FastAPI runs `async def` routes, dependencies, middleware, websocket and exception handlers,
lifespans and sync `on_event` handlers on the loop; plain `def` ones in the threadpool
(SPEC §2). A blocking call in the former stalls every request the worker is serving.
"""

from __future__ import annotations

import os
from typing import Iterator

from ..catalogue import framework as fw
from ..catalogue.clients import NESTED_IO_METHODS, NESTED_RESOURCE_CLIENTS, is_io_method
from ..catalogue.offload import CALLABLE_BUILDERS
from ..findings import Finding
from ..model.project import Callee
from ..model.records import Call, ModuleModel

CODES = ("LG101", "LG102", "LG103", "LG104", "LG105")

_CLIENT_FIX = ("use the async client (AsyncSession, httpx.AsyncClient, redis.asyncio, motor, ...) "
               "or make the function a plain `def` so FastAPI runs it in the threadpool")


def check(analysis) -> Iterator[Finding]:
    finder = _Blocking(analysis)
    fastapi = analysis.fastapi
    for m in analysis.project.modules:
        for scope in m.scopes:
            if scope.kind != "def" or not fastapi.on_loop(m, scope.id):
                continue
            startup = fastapi.is_startup_only(m, scope.id)
            where = fastapi.describe(m, scope.id)
            for cid in scope.calls:
                finding = finder.on_loop_call(m, m.calls[cid], where, startup)
                if finding is not None:
                    yield finding


def _short(path: str) -> str:
    return os.path.basename(path)


class _Blocking:
    """Decides whether one call blocks, and what sync helpers reach (memoised per function)."""

    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self.project = analysis.project
        self._reach: dict[tuple[int, int], tuple[tuple[str, ...], str, str] | None] = {}

    # A blocking call as (label, what, fix), or None.
    def direct(self, m: ModuleModel, call: Call, callee: Callee) -> tuple[str, str, str, str] | None:
        entry = self.analysis.blocking_entry(callee.target)
        if entry is not None and callee.module is None:
            return "LG101", f"`{_display(callee)}`", entry[0], entry[1]
        t, method = callee.recv_type, callee.method
        if t is not None and method is not None:
            io = (method in NESTED_IO_METHODS) if (callee.nested and t in NESTED_RESOURCE_CLIENTS) else is_io_method(t, method)
            if io:
                return "LG103", f"`{_receiver_text(call)}.{method}()`", f"an I/O call on a sync `{t.rsplit('.', 1)[-1]}`", _CLIENT_FIX
        return None

    def helper(self, callee: Callee) -> tuple[tuple[str, ...], str, str] | None:
        """For a call into a project sync function: (chain, what, fix) of the blocking call it reaches."""
        m, sid = callee.module, callee.scope
        if m is None or sid < 0:
            return None
        key = (id(m), sid)
        if key in self._reach:
            return self._reach[key]
        self._reach[key] = None  # cycles reach nothing new
        scope = m.scopes[sid]
        result = None
        if (scope.kind == "def" and not scope.is_async and not scope.is_generator
                and not self.analysis.fastapi.decorated_with(m, sid, fw.CACHE_DECORATORS)):
            for cid in scope.calls:
                call = m.calls[cid]
                if self._offloaded(m, call) is not None:
                    continue
                inner = self.project.callee(m, call)
                hit = self.direct(m, call, inner)
                if hit is not None:
                    result = ((f"{hit[1].strip('`')} ({_short(m.path)}:{call.line})",), hit[2], hit[3])
                    break
                deeper = self.helper(inner)
                if deeper is not None:
                    name = inner.module.scopes[inner.scope].name
                    result = ((f"{name}()", *deeper[0]), deeper[1], deeper[2])
                    break
        self._reach[key] = result
        return result

    def _offloaded(self, m: ModuleModel, call: Call) -> int | None:
        """If `call` sits where an offloader expects a callable, the offloader's position."""
        if call.parent < 0:
            return None
        parent = m.calls[call.parent]
        target = self.project.callee(m, parent).target
        if target is None and parent.func.attrs:
            target = "?." + parent.func.attrs[-1]  # `loop.run_in_executor` on an unknown loop object
        pos = self.analysis.offload_position(target)
        return pos if pos is not None and pos == call.parent_pos else None

    def on_loop_call(self, m: ModuleModel, call: Call, where: str, startup: bool) -> Finding | None:
        if call.awaited or call.id < 0:
            return None
        callee = self.project.callee(m, call)
        if self._offloaded(m, call) is not None:
            return self._called_not_passed(m, call, callee)
        hit = self.direct(m, call, callee)
        if hit is not None:
            code, shown, what, fix = hit
            if startup:
                return self._finding(m, call, "LG105", f"{shown} ({what}) blocks the event loop in {where} while the app starts or stops", fix)
            return self._finding(m, call, code, f"{shown} ({what}) blocks the event loop in {where}", fix)
        reach = self.helper(callee)
        if reach is not None:
            chain, what, fix = reach
            # `helper()` only returns a chain for a project function, so `callee.module` is set;
            # its scope ids index that module, which may not be `m` (project mode).
            name = callee.module.scopes[callee.scope].name
            if name == "__init__" and callee.target:
                name = callee.target.rsplit(".", 1)[-1]
            path = " → ".join((f"{name}()", *chain))
            fix = f"run it in a thread with `await asyncio.to_thread({name}, ...)`, or make it async: {fix}"
            code = "LG105" if startup else "LG102"
            tail = " while the app starts or stops" if startup else ""
            return self._finding(m, call, code, f"sync `{name}()` reaches {what} in {where}{tail}: {path}", fix, chain=(f"{name}()", *chain))
        return None

    def _called_not_passed(self, m: ModuleModel, call: Call, callee: Callee) -> Finding | None:
        if callee.target in CALLABLE_BUILDERS:
            return None
        blocking = self.direct(m, call, callee) is not None
        if not blocking:
            if callee.module is None:
                return None
            scope = callee.module.scopes[callee.scope]
            if scope.kind != "def" or scope.is_async or any(r.kind == "lambda" for r in scope.returns):
                return None
            if any(r.kind == "name" and r.base in scope.bindings and any(b.kind == "def" for b in scope.bindings[r.base])
                   for r in scope.returns):
                return None  # a factory that returns a function: the call is intended
        shown = _display(callee) if callee.target else "the function"
        if callee.module is not None:
            shown = shown.rsplit(".", 1)[-1]
        func = shown
        return self._finding(
            m, call, "LG104",
            f"`{shown}(...)` is called on the event loop and only its result goes to the thread",
            f"pass the function and its arguments: `to_thread({func}, ...)`, or `functools.partial({func}, ...)`")

    @staticmethod
    def _finding(m: ModuleModel, call: Call, code: str, text: str, fix: str, chain: tuple[str, ...] = ()) -> Finding:
        return Finding(m.path, call.line, call.col, code, f"{text}; {fix}", call.end_line, call.end_col, fix, chain)


def _display(callee: Callee) -> str:
    target = callee.target or "?"
    return target[len("builtins."):] if target.startswith("builtins.") else target


def _receiver_text(call: Call) -> str:
    func = call.func
    if func.kind == "name":
        return ".".join((func.base, *func.attrs[:-1]))
    return "…" + "".join("." + a for a in func.attrs[:-1])
