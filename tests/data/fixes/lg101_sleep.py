"""LG101 (safe): `time.sleep` in a coroutine becomes `await asyncio.sleep`; `import asyncio` is added."""
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/wait")
async def wait(seconds: float = 0.1):
    # Comments and odd spacing survive the fix.
    time.sleep( seconds )  # the finding
    return {"waited":   seconds}


@app.get("/twice")
async def twice():
    time.sleep(0.1)
    time.sleep(0.2)  # two fixes, one import
    return {}


@app.get("/sync")
def sync_route():
    time.sleep(1)  # a `def` route runs in the threadpool: nothing to fix
    return {}
