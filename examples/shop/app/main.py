"""The shop API. Run `fastapi-lifeguard check examples/shop` to see every rule fire."""
import asyncio
import functools
import time
from contextlib import asynccontextmanager

import httpx
import joblib
import redis.asyncio as aioredis
from fastapi import BackgroundTasks, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from .admin import admin
from .clients import charge, fetch_rate, send_receipt
from .db import DbSession, ScopedSession
from .tasks import record_audit


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.redis = aioredis.from_url("redis://localhost")
    app.state.model = joblib.load("models/recommender.pkl")
    app.state.warmup = asyncio.create_task(warm_cache())
    app.state.search = httpx.AsyncClient(base_url="http://search:9200")
    yield
    app.state.warmup.cancel()
    app.state.redis.aclose()


async def warm_cache():
    await asyncio.sleep(1)


app = FastAPI(lifespan=lifespan)
app.mount("/admin", admin)


@app.on_event("shutdown")
async def flush_metrics():
    await asyncio.sleep(0)


@functools.lru_cache
async def get_catalog():
    return ["apple", "pear"]


@app.get("/price/{sku}")
async def price(sku: str, currency: str = "EUR"):
    time.sleep(0.05)
    rate = fetch_rate(currency)
    return {"sku": sku, "price": 10 * rate}


@app.get("/orders/{order_id}")
async def read_order(order_id: int, db: DbSession):
    return db.execute("SELECT * FROM orders WHERE id = :id", {"id": order_id}).first()


@app.post("/orders")
async def create_order(email: str, token: str, tasks: BackgroundTasks, db: ScopedSession):
    receipt = await charge(42.0, token)
    tasks.add_task(send_receipt, email, receipt["order_id"])
    tasks.add_task(record_audit, db, receipt["order_id"])
    return receipt


@app.post("/orders/{order_id}/refund")
async def refund(order_id: int):
    followups = BackgroundTasks()
    followups.add_task(send_receipt, "ops@example.com", order_id)
    return JSONResponse({"refunded": order_id})


@app.get("/report")
async def report():
    return await run_in_threadpool(fetch_rate("USD"))


@app.get("/recommend/{user_id}")
def recommend(user_id: int):
    model = joblib.load("models/recommender.pkl")
    return {"items": model.predict([user_id]).tolist()}
