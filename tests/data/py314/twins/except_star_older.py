"""Twin of except_star_py314.py in the spelling of Python 3.10-3.13.

Same findings at the same lines and columns (tests/test_backport.py).
"""
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/batch")
async def batch():
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(asyncio.sleep(1))
    except* (TimeoutError, ConnectionError):
        time.sleep(1)  # error: LG101
    except*(ValueError,KeyError): time.sleep(2)  # error: LG101
    return {"ok": True}
