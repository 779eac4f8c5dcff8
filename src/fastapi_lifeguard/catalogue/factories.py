"""Resource factories (LG301): calls that build something meant to live for the whole process.

A name is the canonical dotted path a call resolves to (see `types.TYPE_ALIASES`); `*.method`
entries match that method on any receiver (`AutoModel.from_pretrained`). Users add their own
with `resource-factories` (dotted.name=advice).

Built once per request, these cost real time and often leak: an `httpx.AsyncClient()` takes
~20–27 ms to build and each unclosed one keeps its sockets open; `openai.AsyncOpenAI` ~18 ms,
`create_engine` ~9 ms, `boto3.client` ~25 ms (SPEC §2). A model load reads the weights from
disk every time.

Deliberately *not* here, because they are cheap per request by design (SPEC §2): a session
from a sessionmaker (`AsyncSessionLocal()`, `Session(engine)`), `pool.acquire()`,
`engine.connect()`/`engine.begin()`, `Redis(connection_pool=shared)`.
"""

from __future__ import annotations

from .blocking import MODEL_LOADERS
from .framework import CACHE_DECORATORS

# kind -> (what the call does, how to fix it)
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
    "model": ("loads a model from disk",
              "load the model once in the lifespan (`await asyncio.to_thread(...)`) and keep it on `app.state`"),
}

_REDIS = ("redis.Redis", "redis.Redis.from_url", "redis.from_url", "redis.asyncio.Redis",
          "redis.asyncio.Redis.from_url", "redis.asyncio.from_url", "redis.cluster.RedisCluster",
          "redis.asyncio.RedisCluster", "redis.asyncio.cluster.RedisCluster", "aioredis.from_url",
          "aioredis.create_redis_pool", "aioredis.create_redis")

FACTORIES: dict[str, str] = {
    "httpx.AsyncClient": "http",
    "httpx.Client": "http",
    "aiohttp.ClientSession": "http",
    "aiohttp.client.ClientSession": "http",
    "requests.Session": "http",
    "urllib3.PoolManager": "http",
    "asyncpg.create_pool": "pool",
    "asyncpg.pool.create_pool": "pool",
    "psycopg_pool.ConnectionPool": "pool",
    "psycopg_pool.AsyncConnectionPool": "pool",
    "psycopg2.pool.SimpleConnectionPool": "pool",
    "psycopg2.pool.ThreadedConnectionPool": "pool",
    "aiomysql.create_pool": "pool",
    "aiopg.create_pool": "pool",
    "redis.ConnectionPool": "pool",
    "redis.asyncio.ConnectionPool": "pool",
    **{name: "cache" for name in _REDIS},
    "sqlalchemy.create_engine": "engine",
    "sqlalchemy.engine.create_engine": "engine",
    "sqlmodel.create_engine": "engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "engine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine": "engine",
    "psycopg2.connect": "connection",
    "psycopg.connect": "connection",
    "psycopg.Connection.connect": "connection",
    "psycopg.AsyncConnection.connect": "connection",
    "asyncpg.connect": "connection",
    "pymysql.connect": "connection",
    "aiomysql.connect": "connection",
    "aiopg.connect": "connection",
    "motor.motor_asyncio.AsyncIOMotorClient": "mongo",
    "pymongo.MongoClient": "mongo",
    "pymongo.AsyncMongoClient": "mongo",
    "elasticsearch.AsyncElasticsearch": "search",
    "elasticsearch.Elasticsearch": "search",
    "boto3.client": "sdk",
    "boto3.resource": "sdk",
    "boto3.Session": "sdk",
    "boto3.session.Session": "sdk",
    "openai.OpenAI": "sdk",
    "openai.AsyncOpenAI": "sdk",
    "openai.AzureOpenAI": "sdk",
    "openai.AsyncAzureOpenAI": "sdk",
    "anthropic.Anthropic": "sdk",
    "anthropic.AsyncAnthropic": "sdk",
    **{name: "model" for name in MODEL_LOADERS},
}

# Keyword arguments that hand the factory an existing pool/transport: built that way, the
# object is a thin handle on shared connections and costs next to nothing (SPEC §2). Only a
# *name* counts as shared; `transport=httpx.AsyncHTTPTransport()` inline is a new pool.
SHARED_POOL_KWARGS: dict[str, frozenset[str]] = {
    **{name: frozenset({"connection_pool"}) for name in _REDIS},
    "httpx.AsyncClient": frozenset({"transport"}),
    "httpx.Client": frozenset({"transport"}),
    "aiohttp.ClientSession": frozenset({"connector"}),
    "aiohttp.client.ClientSession": frozenset({"connector"}),
    "openai.OpenAI": frozenset({"http_client"}),
    "openai.AsyncOpenAI": frozenset({"http_client"}),
    "openai.AzureOpenAI": frozenset({"http_client"}),
    "openai.AsyncAzureOpenAI": frozenset({"http_client"}),
    "anthropic.Anthropic": frozenset({"http_client"}),
    "anthropic.AsyncAnthropic": frozenset({"http_client"}),
}

# A function decorated with one of these builds its result once (or once per key/TTL): what
# it creates is memoised, not per request. Wider than `framework.CACHE_DECORATORS` because
# TTL caches for coroutines (aiocache) are correct there and must not feed LG207.
MEMOISING_DECORATORS: frozenset[str] = CACHE_DECORATORS | frozenset({
    "aiocache.cached", "aiocache.decorators.cached", "aiocache.cached_stampede",
    "async_lru.alru_cache", "asyncache.cached", "cachetools_async.cached",
    "cachetools.func.ttl_cache", "cachetools.func.lfu_cache", "cachetools.func.rr_cache",
})
