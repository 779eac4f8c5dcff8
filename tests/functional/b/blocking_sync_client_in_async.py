"""LG103 blocking-sync-client-in-async: I/O methods of sync clients in a coroutine."""
from typing import Annotated, Iterator

import redis
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

app = FastAPI()
cache = redis.Redis(host="localhost")


def get_db() -> Iterator[Session]:
    db = Session()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]


@app.get("/users")
async def users(db: SessionDep, key: str):
    cache.get(key)  # [blocking-sync-client-in-async, resource-not-injected]
    return db.execute(select(1))  # [blocking-sync-client-in-async]


@app.get("/users-sync")
def users_sync(db: SessionDep):
    return db.execute(select(1))  # a def route runs in the threadpool
