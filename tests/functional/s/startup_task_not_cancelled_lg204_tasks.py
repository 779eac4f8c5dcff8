"""LG204: tasks started at startup that nothing keeps, cancels or awaits."""
import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

background: set[asyncio.Task] = set()


async def poll():
    while True:
        await asyncio.sleep(60)


def start_reporter() -> asyncio.Task:
    return asyncio.create_task(poll())


@asynccontextmanager
async def leaky(app: FastAPI):
    asyncio.create_task(poll())  # [startup-task-not-cancelled]
    asyncio.ensure_future(poll())  # [startup-task-not-cancelled]
    loop = asyncio.get_running_loop()
    loop.create_task(poll())  # [startup-task-not-cancelled]
    yield


@asynccontextmanager
async def kept(app: FastAPI):
    # Kept, so not LG204 (SPEC: neither kept nor cancelled); asyncio.run cancels them at exit.
    app.state.poller = asyncio.create_task(poll())
    watcher = asyncio.create_task(poll())  # the lifespan's frame holds it until shutdown
    watcher.add_done_callback(print)
    app.state.reporter = start_reporter()
    yield


@asynccontextmanager
async def tidy(app: FastAPI):
    app.state.refresher = asyncio.create_task(poll())
    heartbeat = asyncio.create_task(poll())
    flusher = asyncio.create_task(poll())
    background.add(asyncio.create_task(poll()))
    warmup = asyncio.create_task(poll())
    await asyncio.wait_for(warmup, 5)
    await asyncio.create_task(poll())
    async with asyncio.TaskGroup() as tg:
        tg.create_task(poll())
    yield  # [cleanup-not-guaranteed]
    app.state.refresher.cancel()
    heartbeat.cancel()
    await asyncio.gather(flusher, return_exceptions=True)
    for task in background:
        task.cancel()


app = FastAPI(lifespan=leaky)
tidy_app = FastAPI(lifespan=tidy)
kept_app = FastAPI(lifespan=kept)
legacy = FastAPI()


@legacy.on_event("startup")  # [on-event-deprecated]
async def start_jobs():
    job = asyncio.create_task(poll())  # [startup-task-not-cancelled]
    job.add_done_callback(print)
    legacy.state.sweeper = asyncio.create_task(poll())
    local_but_awaited = asyncio.create_task(poll())
    await local_but_awaited


@app.get("/")
async def route():
    asyncio.create_task(poll())  # not startup: another rule's business
    return {}
