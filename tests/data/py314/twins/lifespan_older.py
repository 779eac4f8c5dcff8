"""Twin of lifespan_py314.py in the spelling of Python 3.10-3.13.

Same findings at the same lines and columns (tests/test_backport.py).
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
        app.state.cache = aioredis.from_url(f"redis://cache.local/{NAME}")  # error: LG201
    except (ConnectionError, TimeoutError):
        time.sleep(1)  # error: LG105
        raise
    app.state.http = httpx.AsyncClient(base_url=f"https://{NAME}.local")
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
    except(ValueError,KeyError): pass


@app.on_event("shutdown")  # error: LG203, LG206
async def flush():
    try:
        httpx.post(f"https://{NAME}.local/flush")  # error: LG105
    except(httpx.HTTPError,OSError): time.sleep(1)  # error: LG105


app.include_router(router)
