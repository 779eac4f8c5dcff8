"""LG203 (unsafe): handlers that `lifespan=` silenced run again, inside a lifespan that wraps the old one."""
from contextlib import asynccontextmanager

from fastapi import FastAPI

events = []


@asynccontextmanager
async def lifespan(app: FastAPI):
    events.append("lifespan start")
    yield {"ready": True}
    events.append("lifespan stop")


app = FastAPI(
    title="shop",
    lifespan=lifespan,
    on_shutdown=[lambda: events.append("never")],
)


@app.on_event("startup")
def never_ran():
    events.append("startup handler")
