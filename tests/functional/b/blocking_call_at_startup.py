"""LG105 blocking-call-at-startup: blocking calls in a lifespan or startup handler."""
import asyncio
import time
from contextlib import asynccontextmanager

import joblib
import requests
from fastapi import APIRouter, FastAPI


def warm_cache():
    return requests.get("https://config.example.com/warm").json()


@asynccontextmanager
async def lifespan(app: FastAPI):
    time.sleep(1)  # [blocking-call-at-startup]
    warm_cache()  # [blocking-call-at-startup]
    app.state.model = await asyncio.to_thread(joblib.load, "model.pkl")
    yield


app = FastAPI(lifespan=lifespan)
router = APIRouter()


@router.on_event("shutdown")  # [on-event-deprecated]
def sync_shutdown():
    time.sleep(0.5)  # [blocking-call-at-startup]


app.include_router(router)
