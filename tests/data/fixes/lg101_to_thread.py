"""LG101/LG102 (unsafe): a blocking call in a coroutine runs in a thread with `asyncio.to_thread`."""
import asyncio
import subprocess

import requests
from fastapi import FastAPI

app = FastAPI()


def load_report(name, *, fresh=False):
    return requests.get(f"https://example.com/{name}", params={"fresh": fresh}, timeout=5).json()


@app.get("/weather")
async def weather(city: str):
    # The attribute access after the call keeps its meaning: parentheses around the await.
    return requests.get("https://example.com/weather", params={"q": city}, timeout=5).json()


@app.get("/report")
async def report(name: str):
    data = load_report(name, fresh=True)  # LG102: the helper reaches requests.get
    return {"report": data}


@app.get("/already")
async def already(name: str):
    return await asyncio.to_thread(load_report, name)


@app.get("/listing")
async def listing():
    # One argument per line: the layout stays, the function gets a line of its own.
    proc = subprocess.run(
        ["ls", "-l"],
        check=True,
    )
    return proc.returncode
