"""LG205 (off by default): cleanup after a bare yield is skipped when startup fails or the lifespan is cancelled."""
import logging
from contextlib import asynccontextmanager

import asyncpg
import httpx
from fastapi import FastAPI

log = logging.getLogger(__name__)


@asynccontextmanager
async def bare(app: FastAPI):
    app.state.db = await asyncpg.create_pool("postgresql://db")
    yield  # [cleanup-not-guaranteed]
    await app.state.db.close()


@asynccontextmanager
async def except_is_not_finally(app: FastAPI):
    app.state.db2 = await asyncpg.create_pool("postgresql://db")
    try:
        yield  # [cleanup-not-guaranteed]
    except Exception:
        log.exception("lifespan failed")
    await app.state.db2.close()


@asynccontextmanager
async def guarded(app: FastAPI):
    app.state.db3 = await asyncpg.create_pool("postgresql://db")
    try:
        yield
    finally:
        await app.state.db3.close()


@asynccontextmanager
async def with_block(app: FastAPI):
    async with httpx.AsyncClient() as client:
        yield {"client": client}


@asynccontextmanager
async def only_logging(app: FastAPI):
    yield
    log.info("bye")
    print("bye")


@asynccontextmanager
async def client_scope():
    """Not a lifespan: a context manager that requests and the lifespan both enter."""
    client = httpx.AsyncClient()
    yield client
    await client.aclose()


@asynccontextmanager
async def uses_scope(app: FastAPI):
    async with client_scope() as client:
        app.state.version = (await client.get("https://version")).text
    try:
        yield
    finally:
        log.info("bye")


apps = [FastAPI(lifespan=uses_scope), FastAPI(lifespan=bare), FastAPI(lifespan=except_is_not_finally), FastAPI(lifespan=guarded),
        FastAPI(lifespan=with_block), FastAPI(lifespan=only_logging)]


@apps[0].get("/")
async def route():
    async with client_scope() as client:  # [resource-created-per-request]
        return (await client.get("https://example.com")).text
