"""LG207: functools caches on async def store the coroutine, not its result."""
import functools
from functools import cache, lru_cache

import httpx
from async_lru import alru_cache


@lru_cache  # [cached-coroutine]
async def get_settings():
    return {"debug": False}


@functools.lru_cache(maxsize=1)  # [cached-coroutine]
async def get_client():
    return httpx.AsyncClient()


@cache  # [cached-coroutine]
async def load_table(name: str):
    return name


class Repo:
    @staticmethod
    @lru_cache  # [cached-coroutine]
    async def lookup(key: str):
        return key

    @functools.cached_property  # [cached-coroutine]
    async def profile(self):
        return {}


# Look-alikes.
@lru_cache
def sync_settings():
    return {"debug": False}


@alru_cache(maxsize=32)
async def cached_properly(key: str):
    return key


def to_sync(fn):
    return fn


@lru_cache
@to_sync
async def wrapped_first():
    return 1
