"""LG101–LG105: blocking work on the event loop.

FastAPI runs `async def` routes, dependencies, middleware, websocket and exception handlers,
lifespans and sync `on_event` handlers on the loop; plain `def` ones in the threadpool
(SPEC §2). A blocking call in the former stalls every request the worker is serving.
"""

from __future__ import annotations

import os
from typing import Iterator

from ..catalogue import framework as fw
from ..catalogue.blocking import (FILE_OPENERS, IN_MEMORY_FILES, NON_BLOCKING_WITH, PSEUDO_FILE_PREFIXES,
                                  SINGLE_FILE_IO)
from ..catalogue.libraries import BLOCKS, wording
from ..catalogue.offload import CALLABLE_BUILDERS
from ..findings import Finding
from ..fixes import attach
from ..model.project import Callee
from ..model.records import Call, ModuleModel, Ref

CODES = ("LG101", "LG102", "LG103", "LG104", "LG105")

# LG102 follows at most this many sync helpers: deeper chains mostly end in one-time
# initialisation behind conditions, and a reader cannot act on them.
MAX_HELPER_DEPTH = 3
# ... unless the chain is one the request always takes to another machine: it ends in a
# network call (a record with `blocks = "network"`, or I/O on a sync client), every step is unconditional (no
# `if`, `except` or early return before it) and every helper is in the coroutine's package.
MAX_NETWORK_DEPTH = 6

# A safety valve for the recursion itself: a generated 1,000-function chain exhausted the
# recursion limit. Well above MAX_HELPER_DEPTH so memoised answers stay right.
_MAX_CHAIN = 50

def check(analysis) -> Iterator[Finding]:
    finder = _Blocking(analysis)
    fastapi = analysis.fastapi
    library = not fastapi.has_entry_point()
    # `report-unserved`: the user asked for a library check of what the server does not run too.
    unserved = analysis.settings.report_unserved
    for m in analysis.project.modules:
        for scope in m.scopes:
            if scope.kind != "def" or not fastapi.on_loop(m, scope.id):
                continue
            if not unserved and fastapi.off_server(m, scope.id):
                continue  # a CLI command or script coroutine: its loop serves no request
            startup = fastapi.is_startup_only(m, scope.id)
            served = startup or fastapi.is_served(m, scope.id)
            if not (served or library or unserved or fastapi.maybe_registered(m, scope.id)) \
                    and fastapi.not_run_by_server(m, scope.id):
                # An async client package the server never imports, a library API reached only
                # from its own sync wrapper: its blocking calls make no request wait. Without
                # any entry point (a library check) every coroutine counts, for its own calls;
                # helpers are followed only where served.
                continue
            via_helpers = served
            where = fastapi.describe(m, scope.id)
            for cid in scope.calls:
                call = m.calls[cid]
                finding = finder.on_loop_call(m, call, where, startup and fastapi.at_startup(m, scope.id, call),
                                              via_helpers)
                if finding is not None:
                    yield finding


def _once(m: ModuleModel, call: Call) -> bool:
    """Behind a once-only guard on a cache the function returns: a `global`, or an attribute of
    an object kept beyond the call, behind `if self._key is None:` or after an early
    `return self._key` (not behind any other `if`): it runs once, not on every call. Not a
    per-key cache (`self._models[name]`): the first request for each key still waits."""
    return m.behind_cache(call, kept_on_objects=True, by_key=False, tested=True)


def _done_already(m: ModuleModel, call: Call) -> bool:
    """A wait on something the coroutine has already waited for returns at once:
    `fut.result()` inside `if fut.done():`, or after `await asyncio.wrap_future(fut)` /
    `await asyncio.wait([fut])` in the same function (the advice LG103 gives for it)."""
    func = call.func
    if func.kind != "name" or len(func.attrs) != 1:
        return False
    name = func.base
    if call.branch is not None and call.branch[0] == f"{name}.done()":
        return True
    scope = m.scopes[call.scope]
    for cid in scope.calls:
        earlier = m.calls[cid]
        if not earlier.awaited or (earlier.line, earlier.col) >= (call.line, call.col):
            continue
        for arg in earlier.args:
            items = arg.items if arg.kind == "seq" else (arg,)
            if any(isinstance(i, Ref) and i.kind == "name" and i.base == name and not i.attrs for i in items):
                return True
    return False


def _pseudo_file(call: Call) -> bool:
    """`open("/sys/fs/cgroup/memory.current")`: one file the kernel makes in memory, opened by
    a path literal under PSEUDO_FILE_PREFIXES (only for FILE_OPENERS: `shutil.copy("/proc/x",
    dest)` still writes `dest`)."""
    ref = call.args[0] if call.args else call.kwargs.get("file")
    return ref is not None and ref.kind == "const" and isinstance(ref.base, str) and ref.base.startswith(PSEUDO_FILE_PREFIXES)


def _no_file(client, method: str, call: Call) -> bool:
    """`df.to_parquet()`, `df.to_csv(index=False)`: a writer given no file (no first argument,
    not its keyword, or None) returns the data and touches no disk (the record's
    `optional_file`). `**options` may hold the file: not known, so it counts as given."""
    keyword = client.optional_file.get(method)
    if keyword is None or call.star_kwargs:
        return False
    ref = call.args[0] if call.args else call.kwargs.get(keyword)
    return ref is None or (ref.kind == "const" and ref.base is None)


def _short(path: str) -> str:
    return os.path.basename(path)


class _Blocking:
    """Decides whether one call blocks, and what sync helpers reach (memoised per function)."""

    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self.project = analysis.project
        self._reach: dict[tuple[int, int, bool], tuple[tuple[str, ...], str, str, bool] | None] = {}
        # LG102 follows network waits further (MAX_NETWORK_DEPTH): entries whose noun is the
        # library model's "network I/O" (records with `blocks = "network"`).
        self._network_noun = BLOCKS["network"][1]
        self._disk_noun = BLOCKS["disk"][1]

    # A blocking call as (code, shown, parenthesis, noun, fix), or None.
    def direct(self, m: ModuleModel, call: Call, callee: Callee) -> tuple[str, str, str, str, str] | None:
        entry = self.analysis.blocking_entry(callee.target)
        if entry is not None and callee.module is None and not self._returns_at_once(m, call, callee.target):
            if entry[1].startswith(self._disk_noun) and self._in_memory(m, call):
                return None
            if callee.target in FILE_OPENERS and _pseudo_file(call):
                return None
            return ("LG101", f"`{_display(callee)}`", *entry)
        t, method = callee.recv_type, callee.method
        if t is not None and method is not None:
            client = self.project.library.clients.get(t)
            blocks = client.io(method) if client is not None else None
            if blocks == "disk" and (self._in_memory(m, call) or _no_file(client, method, call)):
                return None
            if blocks is not None and call.nonblocking:
                return None  # `try: conn, _ = sock.accept() except BlockingIOError:` a non-blocking socket
            if blocks == "lock" and _done_already(m, call):
                return None
            if blocks is not None:
                return ("LG103", f"`{_receiver_text(m, call)}.{method}()`", *wording(client, blocks))
        return None

    def _in_memory(self, m: ModuleModel, call: Call) -> bool:
        """`img.save(buf)` with `buf = io.BytesIO()`, `Image.open(io.BytesIO(data))`: the file
        argument of a 'disk' call is an in-memory buffer (IN_MEMORY_FILES), so no file is touched."""
        for ref in call.args[:1] or tuple(call.kwargs.values()):
            value = self.project.value_of(m, call.scope, ref)
            if value is not None and value[0] == "inst" and value[1] in IN_MEMORY_FILES:
                return True
        return False

    def _returns_at_once(self, m: ModuleModel, call: Call, target: str | None) -> bool:
        """`os.waitpid(pid, os.WNOHANG)`, `open(os.devnull, "w")`: arguments that make the call
        return without waiting (NON_BLOCKING_WITH)."""
        spec = NON_BLOCKING_WITH.get(target or "")
        if spec is None:
            return False
        pos, keyword, names = spec
        ref = call.args[pos] if len(call.args) > pos else call.kwargs.get(keyword)
        pending = [ref] if ref is not None else []
        while pending:
            ref = pending.pop()
            if ref.kind == "binop" and ref.op == "BitOr":
                pending.extend((ref.base, *ref.items))
            elif ref.kind == "name" and self.project.dotted_of(m, call.scope, ref) in names:
                return True
        return False

    def helper(self, callee: Callee, startup: bool = False, depth: int = 0) -> tuple[tuple[str, ...], str, str, bool] | None:
        """For a call into a project sync function: (chain, what, fix, always) of the blocking
        call it reaches; `always`: a network call every step of the chain takes.

        `startup`: called while the app starts or stops, where one local file read is not worth
        reporting (SINGLE_FILE_IO); the search goes on to what else the helper does.
        """
        m, sid = callee.module, callee.scope
        if m is None or sid < 0 or depth > _MAX_CHAIN:
            return None
        key = (id(m), sid, startup)
        if key in self._reach:
            return self._reach[key]
        self._reach[key] = None  # cycles reach nothing new
        scope = m.scopes[sid]
        result = None
        if (scope.kind == "def" and not scope.is_async and not scope.is_generator
                and not self.analysis.fastapi.decorated_with(m, sid, fw.CACHE_DECORATORS)):
            for cid in scope.calls:
                call = m.calls[cid]
                if self._offloaded(m, call) is not None or _once(m, call):
                    continue
                inner = self.project.callee(m, call)
                hit = self.direct(m, call, inner)
                if hit is not None and startup and inner.target in SINGLE_FILE_IO:
                    continue
                if hit is not None and call.in_if and inner.target in SINGLE_FILE_IO:
                    # One file read on one branch of a helper (litellm's `get_secret()` reads a
                    # token file only for `oidc/azure/...` secrets): the request rarely takes it.
                    continue
                if hit is not None:
                    network = hit[0] == "LG103" or hit[3].startswith(self._network_noun)
                    always = network and _unconditional(m, call)
                    result = ((f"{hit[1].strip('`')} ({_short(m.path)}:{call.line})",), hit[3], hit[4], always)
                    break
                deeper = self.helper(inner, startup, depth + 1)
                if deeper is None:
                    continue
                always = deeper[3] and _unconditional(m, call) and _package(inner.module) == _package(m)
                if len(deeper[0]) < (MAX_NETWORK_DEPTH if always else MAX_HELPER_DEPTH):
                    name = inner.module.scopes[inner.scope].name
                    result = ((f"{name}()", *deeper[0]), deeper[1], deeper[2], always)
                    break
        self._reach[key] = result
        return result

    def _offloaded(self, m: ModuleModel, call: Call) -> int | None:
        """If `call` sits where an offloader expects a callable, the offloader's position."""
        if call.parent < 0:
            return None
        pos = self._offload_position(m, m.calls[call.parent])
        return pos if pos is not None and pos == call.parent_pos else None

    def _file_io_offloaded(self, m: ModuleModel, call: Call) -> bool:
        """`with open(p) as f: await asyncio.to_thread(f.read)`: every use of the file object
        goes to a thread (or is the `with` that closes it), so only the open runs on the loop."""
        if call.stmt not in ("with", "assign") or len(call.targets) != 1:
            return False
        target = call.targets[0]
        if target.kind != "name" or target.attrs:
            return False
        name = target.base
        scope = m.scopes[call.scope]
        if len(scope.bindings.get(name, ())) != 1:
            return False
        explained: set[tuple[int, int]] = set()
        for cid in scope.calls:
            offloader = m.calls[cid]
            if offloader.id < 0:
                continue
            pos = self._offload_position(m, offloader)
            if pos is None:
                continue
            for arg in (*offloader.args[pos:], *offloader.kwargs.values()):
                if arg.kind == "name" and arg.base == name:
                    explained.add((arg.line, arg.col))
        if not explained:
            return False
        explained.update((ref.line, ref.col) for ref, _ in scope.withs
                         if ref.kind == "name" and ref.base == name and not ref.attrs)
        return all(load in explained for load in scope.reads(name))

    def _offload_position(self, m: ModuleModel, call: Call) -> int | None:
        return self.analysis.offload_position(self.project.call_name(m, call))

    def on_loop_call(self, m: ModuleModel, call: Call, where: str, startup: bool,
                     via_helpers: bool = True) -> Finding | None:
        if call.awaited or call.id < 0:
            return None
        callee = self.project.callee(m, call)
        if self._offloaded(m, call) is not None:
            return self._called_not_passed(m, call, callee)
        if _once(m, call):
            return None
        hit = self.direct(m, call, callee)
        if hit is not None and callee.target in FILE_OPENERS and self._file_io_offloaded(m, call):
            return None
        if hit is not None and startup and callee.target in SINGLE_FILE_IO:
            return None  # one local file while the app starts: settings, manifests, markers
        if hit is not None:
            code, shown, what, _noun, fix = hit
            if startup:
                found = self._finding(m, call, "LG105", f"{shown} ({what}) blocks the event loop in {where} while the app starts or stops", fix)
            else:
                found = self._finding(m, call, code, f"{shown} ({what}) blocks the event loop in {where}", fix)
            return _with_fix(m, call, found, "asyncio-sleep" if callee.target == "time.sleep" else
                             "to-thread" if code == "LG101" else "")
        reach = self.helper(callee, startup) if via_helpers else None
        if reach is not None:
            chain, what, fix, _always = reach
            # `helper()` only returns a chain for a project function, so `callee.module` is set;
            # its scope ids index that module, which may not be `m` (project mode).
            name = callee.module.scopes[callee.scope].name
            if name == "__init__" and callee.target:
                name = callee.target.rsplit(".", 1)[-1]
            path = " → ".join((f"{name}()", *chain))
            fix = f"run it in a thread with `await asyncio.to_thread({name}, ...)`, or make it async: {fix}"
            code = "LG105" if startup else "LG102"
            tail = " while the app starts or stops" if startup else ""
            found = self._finding(m, call, code, f"sync `{name}()` reaches {what} in {where}{tail}: {path}", fix, chain=(f"{name}()", *chain))
            return _with_fix(m, call, found, "to-thread")
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
        found = self._finding(
            m, call, "LG104",
            f"`{shown}(...)` is called on the event loop and only its result goes to the thread",
            f"pass the function and its arguments: `to_thread({func}, ...)`, or `functools.partial({func}, ...)`")
        # Safe only when moving the arguments moves no work: they read names, call nothing.
        pure = call.func.kind == "name" and all(_pure(ref) for ref in (*call.args, *call.kwargs.values()))
        return attach(found, "pass-callable") if pure else found

    @staticmethod
    def _finding(m: ModuleModel, call: Call, code: str, text: str, fix: str, chain: tuple[str, ...] = ()) -> Finding:
        return Finding(m.path, call.line, call.col, code, f"{text}; {fix}", call.end_line, call.end_col, fix, chain)


def _with_fix(m: ModuleModel, call: Call, found: Finding, fixer: str) -> Finding:
    """`await` can replace a call written directly in an `async def` (not in a lambda or a sync handler)."""
    scope = m.scopes[call.scope]
    if not fixer or scope.kind != "def" or not scope.is_async or call.stmt == "with":
        return found
    return attach(found, fixer)


def _pure(ref) -> bool:
    if ref.kind in ("name", "const"):
        return True
    if ref.kind in ("sub", "binop", "seq", "dict"):
        parts = [ref.base] if ref.kind in ("sub", "binop") else []
        return all(_pure(r) for r in (*parts, *ref.items) if hasattr(r, "kind"))
    return False


def _unconditional(m: ModuleModel, call: Call) -> bool:
    """Does every run of the function make this call: not on an `if`/`while` branch, not in an
    `except` block, and no `return` before it?"""
    if call.in_if or call.in_handler:
        return False
    # A return on an earlier line is an early exit; one on the call's own line is its statement.
    return not any(r.line < call.line for r in m.scopes[call.scope].returns)


def _package(m: ModuleModel | None) -> str:
    """The top-level package of a module ("" for a file analysed alone)."""
    return m.module.split(".", 1)[0] if m is not None and m.module else ""


def _display(callee: Callee) -> str:
    target = callee.target or "?"
    return target[len("builtins."):] if target.startswith("builtins.") else target


def _receiver_text(m: ModuleModel, call: Call) -> str:
    func = call.func
    return _ref_text(m, Ref(func.kind, func.base, func.attrs[:-1], func.items, func.op))


def _ref_text(m: ModuleModel, ref: Ref, depth: int = 0) -> str:
    """`gcs.bucket(…).blob(…)`, `mongo[…][…]`: a receiver as written, arguments elided."""
    if ref.kind == "name" and isinstance(ref.base, str):
        head = ref.base
    elif ref.kind == "call" and depth < 4 and m.calls[ref.base].id >= 0:
        inner = m.calls[ref.base]
        head = _ref_text(m, inner.func, depth + 1) + ("(…)" if inner.args or inner.kwargs else "()")
    elif ref.kind == "sub" and depth < 4:
        head = _ref_text(m, ref.base, depth + 1) + "[…]"
    else:
        head = "…"
    return head + "".join("." + a for a in ref.attrs)
