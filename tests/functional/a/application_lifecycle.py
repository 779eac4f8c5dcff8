"""LG201-LG209 through pylint: one positive per rule, with a look-alike next to it."""
# pylint: disable=missing-function-docstring
import asyncio
import functools
from contextlib import asynccontextmanager, contextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.search = httpx.AsyncClient()  # [startup-resource-not-closed]
    app.state.http = httpx.AsyncClient()
    asyncio.create_task(asyncio.sleep(60))  # [startup-task-not-cancelled]
    app.state.task = asyncio.create_task(asyncio.sleep(60))
    yield  # [cleanup-not-guaranteed]
    app.state.task.cancel()
    app.state.http.aclose()  # [cleanup-not-awaited]


app = FastAPI(lifespan=lifespan)


@app.on_event("startup")  # [event-handler-ignored,on-event-deprecated]
async def never_runs():
    await asyncio.sleep(0)


@functools.lru_cache  # [cached-coroutine]
async def cached():
    return 1


@functools.lru_cache
def cached_sync():
    return 1


@contextmanager
def sync_lifespan(app: FastAPI):
    yield


reports = FastAPI(lifespan=sync_lifespan)  # [lifespan-not-async]

admin = FastAPI(lifespan=lifespan)
app.mount("/admin", admin)  # [mounted-lifespan-ignored]
plain = FastAPI()
app.mount("/plain", plain)
