"""Background tasks (LG401): calls that do not raise in practice, so a task made only of
them (plus guarded work) needs no `try`.

Everything else a task calls is assumed able to raise: the task runs after the response,
so an exception there is only a log line ("Exception in ASGI application") and the later
tasks of the same request never run (SPEC §2). Users name their own catch-and-log
decorators with `background-task-guards`.
"""

from __future__ import annotations

from .lifecycle import GENERIC_RELEASE

NON_RAISING_CALLS: frozenset[str] = frozenset({
    "builtins.print", "builtins.isinstance", "builtins.issubclass", "builtins.repr", "builtins.id",
    "builtins.hasattr", "builtins.callable", "builtins.len", "builtins.str", "builtins.bool",
    "builtins.type", "builtins.super",
    "time.time", "time.monotonic", "time.perf_counter", "time.sleep", "asyncio.sleep",
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
    "uuid.uuid1", "uuid.uuid4", "logging.getLogger",
    # in-memory containers (receiver type known): enqueue/append/lookup do not fail
    "asyncio.Queue.put", "asyncio.Queue.qsize", "asyncio.Queue.empty",
    "collections.deque.append", "collections.deque.appendleft",
    "builtins.list.append", "builtins.list.insert", "builtins.list.copy", "builtins.list.clear",
    "builtins.dict.get", "builtins.dict.setdefault", "builtins.dict.items", "builtins.dict.keys",
    "builtins.dict.values", "builtins.dict.copy", "builtins.dict.clear",
    "builtins.set.add", "builtins.set.discard", "builtins.set.clear",
    "contextvars.ContextVar.get", "contextvars.ContextVar.set",
    # scheduling and iteration helpers: they hand work on or build a lazy iterator
    # (CPython 3.10-3.13 sources: `create_task` only wraps the coroutine, `zip` and
    # `enumerate` raise nothing until iterated, `Task.cancel` returns a bool)
    "asyncio.create_task", "asyncio.ensure_future", "asyncio.current_task", "asyncio.get_running_loop",
    "asyncio.Task.cancel", "asyncio.Future.cancel", "asyncio.Task.done", "asyncio.Future.done",
    "asyncio.Event.set", "asyncio.Event.clear", "asyncio.Event.is_set",
    # CPython 3.10-3.13 asyncio/locks.py: `Semaphore.release` counts up and wakes a waiter (a
    # task releasing the slot its request took: fschat's workers); `locked` reads the count.
    # Not `BoundedSemaphore.release` (ValueError past the bound) nor `Lock.release` (RuntimeError
    # when unlocked).
    "asyncio.Semaphore.release", "asyncio.Semaphore.locked",
    "builtins.zip", "builtins.enumerate", "builtins.range", "builtins.reversed", "builtins.iter",
    # a fresh loop for a worker thread (`set_event_loop(new_event_loop())`): CPython 3.10-3.13
    # `new_event_loop` builds the policy's loop object, `set_event_loop` stores it per thread
    "asyncio.new_event_loop", "asyncio.set_event_loop",
    # reading the environment returns the default (None) when a variable is missing
    "os.getenv", "os.environ.get",
})

# Methods that do not raise on the objects named here, when the receiver's type is unknown:
# method -> words one of which the receiver's last name contains (`self._task.cancel()`,
# `watcher_future.cancel()`, `timer.cancel()`). `Task/Future/TimerHandle/CancelScope.cancel()`
# only flags the object; an unknown `subscription.cancel()` may be a network call and counts.
NON_RAISING_METHODS: dict[str, tuple[str, ...]] = {
    "cancel": ("task", "future", "timer", "handle", "scope", "watcher"),
    "done": ("task", "future"),
    "cancelled": ("task", "future"),
    # `worker.semaphore.release()` on a semaphore made elsewhere (fschat 0.2.36's workers, 7
    # false positives): asyncio's and threading's `Semaphore.release` only count up; a bounded
    # one past its bound is the exception, a `Lock.release` (RuntimeError) is not named so.
    "release": ("semaphore",),
}
# Typed methods the names above must not excuse: `BoundedSemaphore.release` raises ValueError
# past its bound, `Lock.release`/`Condition.release` RuntimeError when not held (CPython
# 3.10-3.13 asyncio/locks.py), whatever the receiver is called.
RAISING_METHODS: frozenset[str] = frozenset({
    "asyncio.BoundedSemaphore.release", "asyncio.Lock.release", "asyncio.Condition.release",
    "threading.BoundedSemaphore.release", "threading.Lock.release", "threading.RLock.release",
    "threading.Condition.release",
})

# `raise NotImplementedError` in a method a subclass overrides, or an `@abstractmethod`:
# the concrete class's method is what runs, so it is the one to cite.
ABSTRACT_RAISES: frozenset[str] = frozenset({"NotImplementedError", "builtins.NotImplementedError"})
ABSTRACT_DECORATORS: frozenset[str] = frozenset({"abc.abstractmethod"})

# `logger.info(...)`: logging reports its own errors instead of raising (`logging.raiseExceptions`
# only prints), so log calls on a logger-like receiver are treated as non-raising.
_LEVELS = ("debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "success", "trace")
LOG_METHODS: frozenset[str] = frozenset({*_LEVELS, *("a" + level for level in _LEVELS)})  # structlog: `await logger.ainfo()`
LOG_MODULES: tuple[str, ...] = ("logging.", "loguru.", "structlog.")

# A bare `raise` in a handler for these lets cancellation and shutdown propagate, which is
# what a task must do: it is not an error a guard should have swallowed.
PROPAGATED_EXCEPTIONS: frozenset[str] = frozenset({"CancelledError", "KeyboardInterrupt", "SystemExit", "GeneratorExit"})

# A task whose only unguarded work is releasing a resource (`await response.aclose()`, the
# same under `asyncio.shield`, `handle.close()`) loses no result when the release fails: the
# object is going away either way, and the error still reaches the log. A call releases when
# its receiver's type is a library resource type and the method is one of its `release`
# methods (the library model), or, for a receiver of another or unknown type, when the method
# is one of these: the lifecycle rules' generic release names (GENERIC_RELEASE) less those that
# do work before letting go (`drain` and `stop` flush, `__exit__` commits a transaction) and
# `cancel` (a remote job's cancel is a request whose failure leaves the job running).
# Release methods that do work first, never a release alone, whatever the receiver's record
# lists under `release` (aiokafka's `AIOKafkaProducer.stop` sends the pending batches,
# confluent_kafka's `Producer.flush` the queued messages, nats' `drain` the pending ones).
NOT_RELEASE_ONLY: frozenset[str] = frozenset({"drain", "stop", "flush", "cancel", "__aexit__", "__exit__"})
RELEASE_ONLY_METHODS: frozenset[str] = GENERIC_RELEASE - NOT_RELEASE_ONLY
