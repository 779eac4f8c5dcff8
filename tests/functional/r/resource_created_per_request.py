"""LG301 through pylint: a client per request, and the shared-client look-alike."""
# pylint: disable=missing-function-docstring
import httpx
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/proxy")
async def proxy(url: str):
    async with httpx.AsyncClient() as client:  # [resource-created-per-request]
        return (await client.get(url)).json()


@app.get("/shared")
async def shared(url: str, request: Request):
    return (await request.app.state.http.get(url)).json()
