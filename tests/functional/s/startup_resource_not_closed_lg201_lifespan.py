"""LG201: resources made in a lifespan before `yield` and never released (and look-alikes)."""
import asyncio
import contextlib
from contextlib import AsyncExitStack, asynccontextmanager

import aiohttp
import asyncpg
import httpx
import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

import some_sdk


def get_redis_client():
    return aioredis.from_url("redis://localhost")


async def make_pool():
    pool = await asyncpg.create_pool("postgresql://db")
    return pool


@asynccontextmanager
async def leaky(app: FastAPI):
    app.state.redis = aioredis.from_url("redis://localhost")  # [startup-resource-not-closed]
    app.state.cache = get_redis_client()  # [startup-resource-not-closed]
    app.state.pg = await make_pool()  # [startup-resource-not-closed]
    app.state.slow = await asyncio.wait_for(asyncpg.create_pool("postgresql://db"), 10)  # [startup-resource-not-closed]
    session = aiohttp.ClientSession()  # [startup-resource-not-closed]
    engine = create_async_engine("postgresql+asyncpg://db")  # [startup-resource-not-closed]
    app.state.engine = engine
    yield {"session": session}
    print("bye")


@asynccontextmanager
async def state_dict_not_closed(app: FastAPI):
    client = httpx.AsyncClient()  # [startup-resource-not-closed]
    yield {"client": client}


@asynccontextmanager
async def state_dict_inline(app: FastAPI):
    yield {"client": httpx.AsyncClient()}  # [startup-resource-not-closed]


@asynccontextmanager
async def registry_not_closed(app: FastAPI):
    app.state.pools = {}
    for name in ("a", "b"):
        app.state.pools[name] = await asyncpg.create_pool(f"postgresql://{name}")  # [startup-resource-not-closed]
    yield


# ---- look-alikes: every one of these is released (or handed to code we cannot see) ----------
@asynccontextmanager
async def closed_after_yield(app: FastAPI):
    app.state.db = await asyncpg.create_pool("postgresql://db")
    yield  # [cleanup-not-guaranteed]
    await app.state.db.close()


@asynccontextmanager
async def try_finally(app: FastAPI):
    http = httpx.AsyncClient()
    try:
        yield {"http": http}
    finally:
        await http.aclose()


@asynccontextmanager
async def with_blocks(app: FastAPI):
    async with httpx.AsyncClient() as client, aiohttp.ClientSession() as session:
        app.state.client = client
        yield {"session": session}


@asynccontextmanager
async def exit_stack(app: FastAPI):
    async with AsyncExitStack() as stack:
        app.state.http2 = await stack.enter_async_context(httpx.AsyncClient())
        yield


@asynccontextmanager
async def exit_stack_by_hand(app: FastAPI):
    stack = AsyncExitStack()
    app.state.http3 = await stack.enter_async_context(httpx.AsyncClient())
    client = httpx.AsyncClient()
    stack.push_async_callback(client.aclose)
    yield  # [cleanup-not-guaranteed]
    await stack.aclose()


@asynccontextmanager
async def aclosing_wrapper(app: FastAPI):
    async with contextlib.aclosing(httpx.AsyncClient()) as client:
        yield {"wrapped": client}


@asynccontextmanager
async def conditional_close(app: FastAPI):
    app.state.maybe = aioredis.from_url("redis://localhost")
    yield  # [cleanup-not-guaranteed]
    if app.state.maybe is not None:
        await app.state.maybe.aclose()


@asynccontextmanager
async def closed_by_helper(app: FastAPI):
    app.state.helped = httpx.AsyncClient()
    session = aiohttp.ClientSession()
    yield  # [cleanup-not-guaranteed]
    await close_clients(app)
    await close_session(session)


async def close_clients(app: FastAPI):
    await app.state.helped.aclose()


async def close_session(session: aiohttp.ClientSession):
    await session.close()


@asynccontextmanager
async def registry_closed_in_loop(app: FastAPI):
    pools = {}
    for name in ("a", "b"):
        pools[name] = await asyncpg.create_pool(f"postgresql://{name}")
    app.state.named_pools = pools
    yield  # [cleanup-not-guaranteed]
    for pool in pools.values():
        await pool.close()


@asynccontextmanager
async def registry_closed_with_gather(app: FastAPI):
    clients = [httpx.AsyncClient(base_url=u) for u in ("http://a", "http://b")]
    app.state.clients = clients
    yield  # [cleanup-not-guaranteed]
    await asyncio.gather(*(c.aclose() for c in clients))


@asynccontextmanager
async def closed_via_getattr(app: FastAPI):
    app.state.dyn = aioredis.from_url("redis://localhost")
    yield  # [cleanup-not-guaranteed]
    for name in ("dyn",):
        await getattr(app.state, name).aclose()


@asynccontextmanager
async def temporary_client(app: FastAPI):
    client = httpx.AsyncClient()
    app.state.config = (await client.get("https://config")).json()
    await client.aclose()
    yield


@asynccontextmanager
async def handed_over(app: FastAPI):
    app.state.sdk = some_sdk.Service(httpx.AsyncClient())
    engine = create_async_engine("postgresql+asyncpg://db")
    some_sdk.register(engine)
    yield


@asynccontextmanager
async def alias_closed(app: FastAPI):
    app.state.aliased = httpx.AsyncClient()
    yield  # [cleanup-not-guaranteed]
    client = app.state.aliased
    await client.aclose()


@asynccontextmanager
async def chained_names(app: FastAPI):
    primary = replica = create_async_engine("postgresql+asyncpg://db")
    app.state.primary, app.state.replica = primary, replica
    olap = warehouse = create_async_engine("postgresql+asyncpg://olap")  # [startup-resource-not-closed]
    yield {"olap": olap, "warehouse": warehouse}  # [cleanup-not-guaranteed]
    await replica.dispose()


@asynccontextmanager
async def made_after_yield(app: FastAPI):
    yield  # [cleanup-not-guaranteed]
    client = httpx.AsyncClient()
    await client.post("https://bye")


app_leaky = FastAPI(lifespan=leaky)
app_state_dict_not_closed = FastAPI(lifespan=state_dict_not_closed)
app_state_dict_inline = FastAPI(lifespan=state_dict_inline)
app_registry_not_closed = FastAPI(lifespan=registry_not_closed)
app_closed_after_yield = FastAPI(lifespan=closed_after_yield)
app_try_finally = FastAPI(lifespan=try_finally)
app_with_blocks = FastAPI(lifespan=with_blocks)
app_exit_stack = FastAPI(lifespan=exit_stack)
app_exit_stack_by_hand = FastAPI(lifespan=exit_stack_by_hand)
app_aclosing_wrapper = FastAPI(lifespan=aclosing_wrapper)
app_conditional_close = FastAPI(lifespan=conditional_close)
app_closed_by_helper = FastAPI(lifespan=closed_by_helper)
app_registry_closed_in_loop = FastAPI(lifespan=registry_closed_in_loop)
app_registry_closed_with_gather = FastAPI(lifespan=registry_closed_with_gather)
app_closed_via_getattr = FastAPI(lifespan=closed_via_getattr)
app_temporary_client = FastAPI(lifespan=temporary_client)
app_handed_over = FastAPI(lifespan=handed_over)
app_alias_closed = FastAPI(lifespan=alias_closed)
app_made_after_yield = FastAPI(lifespan=made_after_yield)
app_chained_names = FastAPI(lifespan=chained_names)
