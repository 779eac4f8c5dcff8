"""Sample app for the output-format golden tests: each route has one kind of finding."""

import asyncio
import time

import requests
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

app = FastAPI()


def fetch_profile(user_id: int) -> dict:
    return requests.get(f"https://example.com/users/{user_id}", timeout=5).json()


def get_db() -> Session:
    raise NotImplementedError


@app.get("/slow")
async def slow():
    time.sleep(1)
    return {"ok": True}


@app.get("/weather")
async def weather(city: str):
    return requests.get("https://example.com/weather", params={"q": city}, timeout=5).json()


@app.get("/users/{user_id}")
async def user(user_id: int, db: Session = Depends(get_db)):
    profile = fetch_profile(user_id)
    rows = db.execute("select 1")
    data = await asyncio.to_thread(fetch_profile(user_id))
    return {"profile": profile, "rows": rows, "data": data}


@app.get("/café")
async def cafe():
    menu = "café"; time.sleep(0.5)  # non-ASCII before the call: columns count characters
    return {"menu": menu}


@app.get("/quiet")
async def quiet():
    time.sleep(0.1)  # noqa: LG101
    return {}
