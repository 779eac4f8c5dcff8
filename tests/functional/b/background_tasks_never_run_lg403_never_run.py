"""LG403: a BackgroundTasks() made by hand that never reaches a response: its tasks never run."""
import logging

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTasks as StarletteTasks

app = FastAPI()
logger = logging.getLogger(__name__)


def log_event(name: str):
    logger.info("event %s", name)


@app.post("/lost")
async def lost():
    tasks = BackgroundTasks()  # [background-tasks-never-run]
    tasks.add_task(log_event, "lost")
    return {"ok": True}


@app.post("/lost-starlette")
def lost_starlette():
    StarletteTasks()  # [background-tasks-never-run]
    return {}


@app.post("/injected")
async def injected(background_tasks: BackgroundTasks):
    background_tasks.add_task(log_event, "injected")  # FastAPI runs the injected one
    return {}


@app.post("/attached")
async def attached():
    tasks = BackgroundTasks()
    tasks.add_task(log_event, "attached")
    return JSONResponse({"ok": True}, background=tasks)


@app.post("/assigned")
async def assigned():
    tasks = BackgroundTasks()
    tasks.add_task(log_event, "assigned")
    response = JSONResponse({"ok": True})
    response.background = tasks
    return response


@app.post("/inline")
async def inline():
    return JSONResponse({"ok": True}, background=BackgroundTasks())


def build_tasks() -> BackgroundTasks:
    tasks = BackgroundTasks()
    tasks.add_task(log_event, "built")
    return tasks


def enqueue(tasks: BackgroundTasks):
    tasks.add_task(log_event, "enqueued")


@app.post("/passed-on")
async def passed_on():
    tasks = BackgroundTasks()
    enqueue(tasks)
    return JSONResponse({"ok": True}, background=build_tasks() if tasks else None)


async def stream_job():
    tasks = BackgroundTasks()
    tasks.add_task(log_event, "job")
    yield b"done"
    await tasks()  # run by hand once the stream ends


@app.post("/by-hand")
async def by_hand():
    async for _chunk in stream_job():
        pass
    return {}
