"""LG202: an async cleanup called without await (and sync cleanups that look the same)."""
import asyncio
from contextlib import asynccontextmanager

import aiohttp
import asyncpg
import httpx
import redis
import redis.asyncio as aioredis
import requests
from fastapi import FastAPI
from motor.motor_asyncio import AsyncIOMotorClient
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

app = FastAPI()
app.state.http_client = httpx.AsyncClient()
app.state.sync_redis = redis.Redis()
app.state.async_redis = aioredis.from_url("redis://cache")


@asynccontextmanager
async def lifespan(app: FastAPI):
    session = aiohttp.ClientSession()
    engine = create_async_engine("postgresql+asyncpg://db")
    sync_engine = create_engine("postgresql://db")
    pool = await asyncpg.create_pool("postgresql://db")
    mongo = AsyncIOMotorClient("mongodb://db")
    requests_session = requests.Session()
    yield
    session.close()  # [cleanup-not-awaited]
    engine.dispose()  # [cleanup-not-awaited]
    pool.close()  # [cleanup-not-awaited]
    app.state.http_client.aclose()  # [cleanup-not-awaited]
    sync_engine.dispose()
    pool.terminate()
    mongo.close()
    requests_session.close()
    app.state.sync_redis.close()


def sync_cleanup():
    app.state.async_redis.close()  # [cleanup-not-awaited]


async def fine(client: httpx.AsyncClient, thing):
    await client.aclose()
    asyncio.create_task(client.aclose())
    tasks = [client.aclose()]
    await asyncio.gather(*tasks)
    thing.close()
    return client.aclose()


async def annotated(client: httpx.AsyncClient):
    client.aclose()  # [cleanup-not-awaited]


app.router.lifespan_context = lifespan
app.add_event_handler("shutdown", sync_cleanup)  # [on-event-deprecated]


class Cache:
    def __init__(self, client):
        self.client = client  # an object of unknown type: not reported

    def drop(self):
        self.client.aclose()


class Fetcher:
    def __init__(self):
        self.client = httpx.AsyncClient()

    def drop(self):
        self.client.aclose()  # [cleanup-not-awaited]
