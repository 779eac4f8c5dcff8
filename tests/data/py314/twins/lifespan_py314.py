"""Lifespans and startup handlers written for Python 3.14 (PEP 758, PEP 750).

Twin: lifespan_older.py spells the same code with parentheses and f-strings.
"""
import time
from contextlib import asynccontextmanager

import httpx
import redis.asyncio as aioredis
from fastapi import APIRouter, FastAPI

NAME = "orders"


@asynccontextmanager
async def lifespan(app: FastAPI):
    try:
        app.state.cache = aioredis.from_url(t"redis://cache.local/{NAME}")  # error: LG201
    except ConnectionError, TimeoutError:
        time.sleep(1)  # error: LG105
        raise
    app.state.http = httpx.AsyncClient(base_url=t"https://{NAME}.local")
    try:
        yield
    finally:
        await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)
router = APIRouter()


@router.on_event("startup")  # error: LG206
async def warm_up():
    try:
        time.sleep(0.1)  # error: LG105
    except ValueError, KeyError: pass


@app.on_event("shutdown")  # error: LG203, LG206
async def flush():
    try:
        httpx.post(t"https://{NAME}.local/flush")  # error: LG105
    except httpx.HTTPError, OSError: time.sleep(1)  # error: LG105


app.include_router(router)
