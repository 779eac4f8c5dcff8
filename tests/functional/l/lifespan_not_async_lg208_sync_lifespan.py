"""LG208: lifespan= needs an async context manager; a @contextmanager fails at startup."""
import contextlib
from contextlib import asynccontextmanager, contextmanager

from fastapi import APIRouter, FastAPI


@contextmanager
def sync_lifespan(app):
    yield


@contextlib.contextmanager
def other_sync_lifespan(app):
    yield


@asynccontextmanager
async def good_lifespan(app):
    yield


def plain_generator(app):  # deprecated by Starlette, but it still runs
    yield


app = FastAPI(lifespan=sync_lifespan)  # [lifespan-not-async]
router = APIRouter(lifespan=other_sync_lifespan)  # [lifespan-not-async]
good = FastAPI(lifespan=good_lifespan)
old = FastAPI(lifespan=plain_generator)
none = FastAPI(lifespan=None)
