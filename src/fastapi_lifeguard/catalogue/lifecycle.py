"""What the lifecycle rules (LG2xx) know about resources made once at startup.

`RESOURCE_TYPES` says how each kind of long-lived object is released and which of those
releases are coroutines (LG202: calling one without `await` releases nothing).
`FACTORIES` maps the calls that make one to its type. The user setting
`resource-factories` adds factories whose release methods are the generic ones.

Names are canonical dotted paths, after the aliases of `types.TYPE_ALIASES`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceType:
    name: str
    release: tuple[str, ...]  # methods that release it; the first is the one to advise
    async_release: frozenset[str] = frozenset()  # the ones that return a coroutine
    advice: str = ""  # fix text given by the user (`resource-factories`)

    def advised(self) -> str:
        return self.release[0]

    def is_async(self, method: str) -> bool:
        return method in self.async_release


def _sync(name: str, *release: str) -> ResourceType:
    return ResourceType(name, release)


def _async(name: str, *release: str, sync: tuple[str, ...] = ()) -> ResourceType:
    return ResourceType(name, (*release, *sync), frozenset(release))


_TYPES = (
    # HTTP clients: each holds a connection pool (SPEC §2: unclosed clients leak descriptors).
    _async("httpx.AsyncClient", "aclose"),
    _sync("httpx.Client", "close"),
    _async("aiohttp.ClientSession", "close"),
    _sync("requests.Session", "close"),
    # Databases and caches.
    _async("asyncpg.Pool", "close", sync=("terminate",)),
    _async("asyncpg.Connection", "close", sync=("terminate",)),
    _async("psycopg_pool.AsyncConnectionPool", "close"),
    _sync("psycopg_pool.ConnectionPool", "close"),
    _async("psycopg.AsyncConnection", "close"),
    _async("aiomysql.Pool", "wait_closed", sync=("close", "terminate")),
    _async("aiosqlite.Connection", "close"),
    _async("redis.asyncio.Redis", "aclose", "close"),
    _async("redis.asyncio.ConnectionPool", "aclose", "disconnect"),
    _async("aioredis.RedisPool", "wait_closed", sync=("close",)),  # aioredis 1.x: close() then wait_closed()
    _sync("redis.Redis", "close"),
    _sync("sqlalchemy.Engine", "dispose"),
    _async("sqlalchemy.ext.asyncio.AsyncEngine", "dispose"),
    _sync("motor.motor_asyncio.AsyncIOMotorClient", "close"),  # motor's close() is a plain method
    _sync("pymongo.MongoClient", "close"),
    _async("pymongo.AsyncMongoClient", "close"),
    _async("elasticsearch.AsyncElasticsearch", "close"),
    _sync("elasticsearch.Elasticsearch", "close"),
    _async("opensearchpy.AsyncOpenSearch", "close"),
    # SDK clients built on an httpx pool.
    _async("openai.AsyncOpenAI", "close"),
    _async("anthropic.AsyncAnthropic", "close"),
    # Messaging.
    _async("aio_pika.Connection", "close"),
    _async("aiokafka.AIOKafkaProducer", "stop"),
    _async("aiokafka.AIOKafkaConsumer", "stop"),
    _async("nats.Client", "close", "drain"),
    _async("grpc.aio.Channel", "close"),
    # Workers and stacks.
    _sync("concurrent.futures.ThreadPoolExecutor", "shutdown"),
    _sync("concurrent.futures.ProcessPoolExecutor", "shutdown"),
    _sync("apscheduler.AsyncIOScheduler", "shutdown"),
    _sync("apscheduler.BackgroundScheduler", "shutdown"),
    _async("contextlib.AsyncExitStack", "aclose"),
    _sync("contextlib.ExitStack", "close"),
)

RESOURCE_TYPES: dict[str, ResourceType] = {t.name: t for t in _TYPES}

# Calls that make a resource -> its type. Constructors of the types above count by themselves.
FACTORIES: dict[str, str] = {
    **{name: name for name in RESOURCE_TYPES},
    "httpx.AsyncClient": "httpx.AsyncClient",
    "asyncpg.create_pool": "asyncpg.Pool",
    "asyncpg.pool.create_pool": "asyncpg.Pool",
    "asyncpg.connect": "asyncpg.Connection",
    "psycopg.AsyncConnection.connect": "psycopg.AsyncConnection",
    "aiomysql.create_pool": "aiomysql.Pool",
    "aiosqlite.connect": "aiosqlite.Connection",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "redis.asyncio.ConnectionPool.from_url": "redis.asyncio.ConnectionPool",
    "aioredis.from_url": "redis.asyncio.Redis",
    "aioredis.create_redis_pool": "aioredis.RedisPool",
    "aioredis.create_redis": "aioredis.RedisPool",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "sqlalchemy.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.Engine",
    "sqlmodel.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "motor.motor_asyncio.AsyncIOMotorClient": "motor.motor_asyncio.AsyncIOMotorClient",
    "pymongo.AsyncMongoClient": "pymongo.AsyncMongoClient",
    "pymongo.asynchronous.mongo_client.AsyncMongoClient": "pymongo.AsyncMongoClient",
    "elasticsearch.AsyncElasticsearch": "elasticsearch.AsyncElasticsearch",
    "openai.AsyncAzureOpenAI": "openai.AsyncOpenAI",
    "aio_pika.connect": "aio_pika.Connection",
    "aio_pika.connect_robust": "aio_pika.Connection",
    "nats.connect": "nats.Client",
    "grpc.aio.insecure_channel": "grpc.aio.Channel",
    "grpc.aio.secure_channel": "grpc.aio.Channel",
    "apscheduler.schedulers.asyncio.AsyncIOScheduler": "apscheduler.AsyncIOScheduler",
    "apscheduler.schedulers.background.BackgroundScheduler": "apscheduler.BackgroundScheduler",
}

# Any of these on an object we cannot type still counts as releasing it (precision: an
# unknown object's close() is trusted to close).
GENERIC_RELEASE: frozenset[str] = frozenset({
    "close", "aclose", "dispose", "disconnect", "shutdown", "terminate", "wait_closed", "cancel",
    "stop", "drain", "__aexit__", "__exit__",
})
ALL_RELEASE: frozenset[str] = GENERIC_RELEASE | {m for t in _TYPES for m in t.release}


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
# The functools caches that store the coroutine object of an async def (LG207).
COROUTINE_CACHES: frozenset[str] = frozenset({
    "functools.lru_cache", "functools.cache", "functools.cached_property",
    "cachetools.cached", "cachetools.func.lru_cache", "cachetools.func.ttl_cache",
    "cachetools.func.lfu_cache", "cachetools.func.rr_cache", "cachetools.func.fifo_cache",
})
