"""LG207 (unsafe: adds a dependency on async-lru): `lru_cache`/`cache` on `async def` → `alru_cache`."""
import functools
from functools import cache, lru_cache

from fastapi import FastAPI

app = FastAPI()


@lru_cache(maxsize=32)
async def settings_for(tenant: str) -> dict:
    return {"tenant": tenant}


@functools.lru_cache
async def feature_flags() -> dict:
    return {}


@cache
async def catalogue() -> list:
    return []


@lru_cache
def plain(x):  # a sync function may be cached: no finding
    return x
