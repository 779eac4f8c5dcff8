"""LG101 blocking-call-in-async: a catalogued blocking call directly in a coroutine."""
import subprocess
import time
from pathlib import Path

import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/direct")
async def direct(url: str):
    time.sleep(1)  # [blocking-call-in-async]
    body = requests.get(url).text  # [blocking-call-in-async]
    subprocess.run(["ls"], check=True)  # [blocking-call-in-async]
    return Path("/tmp/x").read_text() + body  # [blocking-call-in-async]


async def plain_coroutine():  # no caller seen in a server module: may be anybody's, reported
    with open("data.txt", encoding="utf-8") as handle:  # [blocking-call-in-async]
        return handle.read()


@app.get("/threadpool")
def sync_route(url: str):
    time.sleep(1)  # a def route runs in the threadpool
    return requests.get(url).text


@app.get("/nested")
async def nested():
    def inner():
        time.sleep(1)  # the nested def is not the coroutine

    return inner


@app.get("/disabled")
async def disabled(url: str):
    return requests.get(url)  # pylint: disable=blocking-call-in-async
