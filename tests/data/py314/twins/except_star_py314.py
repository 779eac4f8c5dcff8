"""`except* A, B:` (PEP 758 with PEP 654's except*, Python 3.14). Needs 3.11+ for except*.

Twin: except_star_older.py spells the same code with parentheses.
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
    except* TimeoutError, ConnectionError:
        time.sleep(1)  # error: LG101
    except* ValueError, KeyError: time.sleep(2)  # error: LG101
    return {"ok": True}
