"""LG104 offload-called-not-passed: the function is called, not passed, to the thread."""
import asyncio
import functools

import requests
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

app = FastAPI()


def build_report(user_id: int) -> bytes:
    with open(f"/reports/{user_id}.pdf", "rb") as handle:
        return handle.read()


@app.get("/wrong")
async def wrong(user_id: int, url: str):
    await asyncio.to_thread(build_report(user_id))  # [offload-called-not-passed]
    await run_in_threadpool(requests.get(url))  # [offload-called-not-passed]


@app.get("/right")
async def right(user_id: int, url: str):
    await asyncio.to_thread(build_report, user_id)
    await run_in_threadpool(functools.partial(requests.get, url))
