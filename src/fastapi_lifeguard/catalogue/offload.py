"""Callables that run a function in a thread (SPEC §2): name -> position of the callable.

`to_thread(f(x))` calls `f` on the loop first (LG104); `to_thread(f, x)` is the fix.
`*.method` entries match that method on any receiver (`loop.run_in_executor`).
"""

from __future__ import annotations

OFFLOAD_WRAPPERS: dict[str, int] = {
    "asyncio.to_thread": 0,
    "fastapi.concurrency.run_in_threadpool": 0,
    "starlette.concurrency.run_in_threadpool": 0,
    "anyio.to_thread.run_sync": 0,
    "asgiref.sync.sync_to_async": 0,
    "*.run_in_executor": 1,
}

# Wrapping a callable in these keeps it a callable: `to_thread(partial(f, x))` is correct.
CALLABLE_BUILDERS: frozenset[str] = frozenset({"functools.partial"})

# Calls that run the callable they are given at this position, in the same thread:
# `partial(ctx.run, func)` handed to `run_in_executor` runs `func` in the executor.
CALLABLE_FORWARDERS: dict[str, int] = {"contextvars.Context.run": 0}
