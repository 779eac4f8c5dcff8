"""Twin of routes_py314.py in the spelling of Python 3.10-3.13.

Same findings at the same lines and columns (tests/test_backport.py).
"""
import asyncio
import time

import httpx
import requests
from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter()


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    try:
        response = requests.get(f"https://inventory.local/items/{item_id}")  # error: LG101
    except (requests.ConnectionError, requests.Timeout):
        time.sleep(1)  # error: LG101
        response = requests.get(F'https://replica.local/items/{item_id:>{8}}')  # error: LG101
    return response.json()


@app.get("/retry")
async def retry(name: str):
    try:
        return await asyncio.wait_for(ping(name), 1)  # error: LG301
    except(TimeoutError,ConnectionError): time.sleep(0.5)  # error: LG101


@router.get("/report/{name}")
async def report(name: str):
    try:
        client = httpx.AsyncClient()  # error: LG301
        return (await client.get(rf"https://reports.local/{name!r}\d")).text
    except (httpx.ConnectError, httpx.ReadTimeout,):
        return None


@router.get("/page")
async def page(title: str):
    body = fR"""<h1>{title}</h1>
    <p>{requests.get(f'https://cms.local/{title}').text}</p>"""  # error: LG101
    return {"body": body, "nested": f"{f'{title}'}"}


async def ping(name: str):
    async with httpx.AsyncClient() as client:  # reported where a route calls ping()
        await client.get(f"https://{name}.local/ping")


# Look-alikes: a `def` route runs in the threadpool; offloaded calls do not block the loop.
@app.get("/sync/{name}")
def sync_route(name: str):
    try:
        return requests.get(f"https://x.local/{name}").json()
    except (requests.ConnectionError, requests.Timeout):
        time.sleep(1)


@app.get("/offloaded/{name}")
async def offloaded(name: str):
    try:
        return await asyncio.to_thread(requests.get, f"https://x.local/{name}")
    except(requests.ConnectionError,requests.Timeout): await asyncio.sleep(1)


app.include_router(router)
