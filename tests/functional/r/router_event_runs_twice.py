"""LG210 through pylint: router handlers run once per inclusion level plus one (FastAPI >= 0.113)."""
# pylint: disable=missing-function-docstring
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI


async def open_pool():
    pass


router = APIRouter()
router.add_event_handler("startup", open_pool)  # [on-event-deprecated, router-event-runs-twice]
inner = APIRouter(on_startup=[open_pool])  # [router-event-runs-twice]
outer = APIRouter()
outer.include_router(inner)

app = FastAPI()
app.include_router(router)
app.include_router(outer)
app.router.add_event_handler("startup", open_pool)  # [on-event-deprecated]

unused = APIRouter(on_startup=[open_pool])


@asynccontextmanager
async def lifespan(_app: FastAPI):
    yield


modern = FastAPI(lifespan=lifespan)
plugin = APIRouter(on_startup=[open_pool])
modern.include_router(plugin)
