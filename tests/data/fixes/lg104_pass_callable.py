"""LG104 (safe): pass the function and its arguments to the offloader instead of calling it."""
import asyncio

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

app = FastAPI()


def render(template, user, *, lang="en"):
    return f"{template}:{user}:{lang}"


def next_id():
    return 1


@app.get("/page")
async def page(user: str):
    html = await asyncio.to_thread(render("page", user, lang="fr"))  # keyword arguments forwarded
    text = await run_in_threadpool(render("text", user))
    loop = asyncio.get_running_loop()
    raw = await loop.run_in_executor(None, render("raw",
                                                  user))  # positional only, layout kept
    # Look-alike: the argument is itself a call; moving it would reorder work, so no fix.
    other = await asyncio.to_thread(render("page", next_id()))
    return {"html": html, "text": text, "raw": raw, "other": other}
