"""LG102 blocking-call-via-helper: a coroutine calls a sync helper that blocks."""
import asyncio
import time

import requests
from fastapi import FastAPI

app = FastAPI()


def fetch_rate(currency: str) -> float:
    return requests.get(f"https://rates.example.com/{currency}").json()["rate"]


def convert(amount: float) -> float:
    return amount * fetch_rate("USD")


def pure(amount: float) -> float:
    return amount * 2


class Loader:
    def __init__(self):
        time.sleep(0.1)


@app.get("/convert")
async def convert_route(amount: float):
    first = convert(amount)  # [blocking-call-via-helper]
    Loader()  # [blocking-call-via-helper]
    offloaded = await asyncio.to_thread(convert, amount)
    return first, offloaded, pure(amount)
