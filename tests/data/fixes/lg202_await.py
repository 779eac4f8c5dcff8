"""LG202 (safe): an async cleanup called without `await` gets one in a coroutine."""
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.client = httpx.AsyncClient()
    try:
        yield
    finally:
        app.state.client.aclose()  # the coroutine never ran


app = FastAPI(lifespan=lifespan)


@app.get("/once")
async def once():
    client = httpx.AsyncClient()
    try:
        return (await client.get("https://example.com")).json()
    finally:
        client.aclose()


def sync_cleanup(client: httpx.AsyncClient):
    client.aclose()  # in a `def`, `await` is a syntax error: reported, not fixed
