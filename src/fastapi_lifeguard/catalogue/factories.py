"""Resource factories (LG301): calls that build something meant to live for the whole process.

Which calls do is the library model (`catalogue/libraries.py`: records with `pool`, and
`shared_pool_kwargs` for the keywords that hand them an existing pool); this module words the
kinds. Users add their own with `resource-factories` (dotted.name=advice) or library records.

Built once per request, these cost real time and often leak: an `httpx.AsyncClient()` takes
~20–27 ms to build and each unclosed one keeps its sockets open; `openai.AsyncOpenAI` ~18 ms,
`create_engine` ~9 ms, `boto3.client` ~25 ms (SPEC §2). A model load reads the weights from
disk every time.

Deliberately *not* here, because they are cheap per request by design (SPEC §2): a session
from a sessionmaker (`AsyncSessionLocal()`, `Session(engine)`), `pool.acquire()`,
`engine.connect()`/`engine.begin()`, `Redis(connection_pool=shared)`.
"""

from __future__ import annotations

from .framework import CACHE_DECORATORS

# pool kind of a record -> (what the call does, how to fix it)
KINDS: dict[str, tuple[str, str]] = {
    "http": ("builds an HTTP client with its own connection pool",
             "create one client in the lifespan, keep it on `app.state`, close it after `yield` and "
             "reuse it in every request"),
    "pool": ("opens a connection pool",
             "create the pool once in the lifespan, close it after `yield`, and `acquire()` from it per request"),
    "engine": ("builds a database engine with its own connection pool",
               "create the engine once at module level or in the lifespan and take sessions/connections "
               "from it per request"),
    "connection": ("opens a new database connection without a pool",
                   "create a pool once in the lifespan and acquire a connection from it per request"),
    "cache": ("builds a Redis client with its own connection pool",
              "create one client in the lifespan (or build it on a shared `connection_pool=`) and reuse it"),
    "mongo": ("builds a MongoDB client with its own connection pool and monitor threads",
              "create one client in the lifespan and reuse it"),
    "search": ("builds an Elasticsearch client with its own connection pool",
               "create one client in the lifespan and reuse it"),
    "sdk": ("builds an SDK client (config, credentials and an HTTP pool)",
            "create the client once in the lifespan (or a module-level singleton) and reuse it"),
    "queue": ("connects to a message broker (its own connection and threads)",
              "create the producer/consumer once in the lifespan, close it after `yield` and reuse it"),
    "model": ("loads a model from disk",
              "load the model once in the lifespan (`await asyncio.to_thread(...)`) and keep it on `app.state`"),
}

# A function decorated with one of these builds its result once (or once per key/TTL): what
# it creates is memoised, not per request. Wider than `framework.CACHE_DECORATORS` because
# TTL caches for coroutines (aiocache) are correct there and must not feed LG207.
MEMOISING_DECORATORS: frozenset[str] = CACHE_DECORATORS | frozenset({
    "aiocache.cached", "aiocache.decorators.cached", "aiocache.cached_stampede",
    "async_lru.alru_cache", "asyncache.cached", "cachetools_async.cached",
    "cachetools.func.ttl_cache", "cachetools.func.lfu_cache", "cachetools.func.rr_cache",
})

# Handed to a client's `shared_pool_kwargs` keyword, these transports call an app in the same
# process: the client then builds no connection pool and opens no socket, so one per request
# costs nothing LG301 is about (`httpx.AsyncClient(transport=httpx.ASGITransport(app=app))`,
# agno 3.1.10's in-process calls to its own routes). httpx 0.28.1 (the derive pin) and 0.29.0:
# `_init_transport` returns the transport it is given and builds `HTTPTransport`/
# `AsyncHTTPTransport` (the pool) only without one; ASGITransport/WSGITransport call the app,
# MockTransport a handler (`_transports/`).
IN_PROCESS_TRANSPORTS: frozenset[str] = frozenset({
    "httpx.ASGITransport", "httpx._transports.asgi.ASGITransport",
    "httpx.WSGITransport", "httpx._transports.wsgi.WSGITransport",
    "httpx.MockTransport", "httpx._transports.mock.MockTransport",
})
