"""What the lifecycle rules (LG2xx) know about resources made once at startup.

The resource types themselves (release methods, which of them are coroutines: LG202, calling
one without `await` releases nothing) and the calls that make them are records of the library
model. The user setting `resource-factories` adds factories whose release methods are the
generic ones.
"""

from __future__ import annotations

from .libraries import ResourceType

# Which types own a resource, how each is released and which releases are coroutines, and
# which calls make one: the library model (`catalogue/libraries.py`, records with `release`,
# `async_release` and `returns`). What follows is about ownership in general.

# Any of these on an object we cannot type still counts as releasing it (precision: an
# unknown object's close() is trusted to close).
GENERIC_RELEASE: frozenset[str] = frozenset({
    "close", "aclose", "dispose", "disconnect", "shutdown", "terminate", "wait_closed", "cancel",
    "stop", "drain", "__aexit__", "__exit__",
})


# A user factory from `resource-factories`: released by any generic method, async unknown.
def user_type(name: str, advice: str) -> ResourceType:
    return ResourceType(name, ("close", *sorted(GENERIC_RELEASE - {"close", "cancel"})), frozenset(), advice)


# ---- tasks (LG204) --------------------------------------------------------------------
TASK_FACTORIES: frozenset[str] = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
LOOP_GETTERS: frozenset[str] = frozenset({
    "asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop",
})
TASK = ResourceType("asyncio.Task", ("cancel",))
# Passing a task to these waits for it (or lets the caller wait for it).
TASK_CONSUMERS: frozenset[str] = frozenset({
    "asyncio.gather", "asyncio.wait", "asyncio.wait_for", "asyncio.shield", "asyncio.as_completed",
    "asyncio.timeout",
})

# Awaiting these gives back what their first argument gives (the resource itself).
PASS_THROUGH: frozenset[str] = frozenset({"asyncio.wait_for", "asyncio.shield"})

# ---- how ownership moves -----------------------------------------------------------------
# `with closing(x)`, `async with aclosing(x)`: released when the block ends.
CLOSING_WRAPPERS: frozenset[str] = frozenset({"contextlib.closing", "contextlib.aclosing"})
# `stack.enter_async_context(x)`: the stack releases it (any receiver: the names are distinctive).
ENTER_METHODS: frozenset[str] = frozenset({"enter_async_context", "enter_context"})
# Methods that put their argument into the receiver (a registry of resources or tasks).
CONTAINER_METHODS: frozenset[str] = frozenset({"append", "add", "insert", "setdefault", "appendleft"})
# Reading a value with these does not hand it over to anyone.
HARMLESS_CALLS: frozenset[str] = frozenset({
    f"builtins.{n}" for n in (
        "print", "len", "isinstance", "issubclass", "id", "repr", "str", "hasattr", "getattr", "type",
        "bool", "callable", "hash", "format")
})
LOG_METHODS: frozenset[str] = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "log",
})
# Names of the event-loop methods that start a task (`loop.create_task(...)`).
LOOP_TASK_METHODS: frozenset[str] = frozenset({"create_task"})
# Task groups wait for the tasks they start when their `async with` block ends: CPython 3.11.7
# asyncio/taskgroups.py `__aexit__` (`while self._tasks: await self._on_completed_fut`), anyio
# 4.16.0 `_backends/_asyncio.py` TaskGroup.__aexit__ the same.
TASK_GROUPS: frozenset[str] = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup", "anyio.create_task_group"})
# The functools caches that store the coroutine object of an async def (LG207).
COROUTINE_CACHES: frozenset[str] = frozenset({
    "functools.lru_cache", "functools.cache", "functools.cached_property",
    "cachetools.cached", "cachetools.func.lru_cache", "cachetools.func.ttl_cache",
    "cachetools.func.lfu_cache", "cachetools.func.rr_cache", "cachetools.func.fifo_cache",
})
