"""An internal admin app, mounted under /admin."""
import asyncio
from contextlib import contextmanager

from fastapi import FastAPI

admin = FastAPI()


@admin.on_event("startup")
async def start_metrics():
    asyncio.create_task(asyncio.sleep(3600))


@admin.get("/health")
async def health():
    return {"ok": True}


@contextmanager
def reports_lifespan(app: FastAPI):
    yield


reports = FastAPI(lifespan=reports_lifespan)
