"""LG302 through pylint (off by default; the functional tests enable every message)."""
# pylint: disable=missing-function-docstring
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request

client = httpx.AsyncClient()
app = FastAPI()


def get_client(request: Request) -> httpx.AsyncClient:
    return request.app.state.client


@app.get("/direct")
async def direct():
    return (await client.get("https://example.com")).text  # [resource-not-injected]


@app.get("/injected")
async def injected(http: Annotated[httpx.AsyncClient, Depends(get_client)]):
    return (await http.get("https://example.com")).text
