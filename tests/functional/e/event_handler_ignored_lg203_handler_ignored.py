"""LG203: startup/shutdown handlers on an object that has lifespan= never run."""
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI


@asynccontextmanager
async def lifespan(app):
    yield


def warm():
    pass


def cool():
    pass


app = FastAPI(lifespan=lifespan)


@app.on_event("startup")  # [event-handler-ignored,on-event-deprecated]
async def never_runs():
    pass


app.add_event_handler("shutdown", cool)  # [event-handler-ignored,on-event-deprecated]
app.router.add_event_handler("startup", warm)  # [event-handler-ignored,on-event-deprecated]

both = FastAPI(lifespan=lifespan, on_startup=[warm], on_shutdown=[cool])  # [event-handler-ignored,event-handler-ignored]

# A router of its own with a lifespan: same problem on that router.
with_lifespan = APIRouter(lifespan=lifespan)


@with_lifespan.on_event("startup")  # [event-handler-ignored,on-event-deprecated]
async def router_never_runs():
    pass


# Look-alikes: a router without lifespan= still runs its handlers when only the app has one.
plain_router = APIRouter()


@plain_router.on_event("startup")  # [on-event-deprecated]
async def router_runs():
    pass


app.include_router(plain_router)

# An app without lifespan=.
other = FastAPI(on_startup=[warm])
other.add_event_handler("shutdown", cool)  # [on-event-deprecated]


def create_app() -> FastAPI:
    factory_app = FastAPI(lifespan=lifespan)
    factory_app.add_event_handler("startup", warm)  # [event-handler-ignored,on-event-deprecated]
    return factory_app


def create_plain_app() -> FastAPI:
    plain = FastAPI()
    plain.add_event_handler("startup", warm)  # [on-event-deprecated]
    return plain


# Reassigned name: which object is it? Not reported as LG203.
maybe = FastAPI(lifespan=lifespan)
maybe = FastAPI()
maybe.add_event_handler("startup", warm)  # [on-event-deprecated]


@app.on_event("startup")  # [event-handler-ignored,on-event-deprecated]
async def makes_nothing_because_it_never_runs():
    import httpx

    app.state.never_made = httpx.AsyncClient()
