"""LG206 (unsafe): on_event/add_event_handler/on_startup= handlers move into one lifespan, in order."""
from fastapi import FastAPI

events = []


def connect():
    events.append("connect")


async def warm_cache():
    events.append("warm")


def disconnect():
    events.append("disconnect")


app = FastAPI(title="shop", on_startup=[connect])


@app.on_event("startup")
async def announce():
    events.append("announce")


app.add_event_handler("startup", warm_cache)  # runs after announce


@app.on_event("shutdown")
def goodbye():
    events.append("goodbye")


app.router.add_event_handler("shutdown", disconnect)


@app.get("/")
async def index():
    return {"events": events}
