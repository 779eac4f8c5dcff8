"""Twin of dependencies_py314.py in the spelling of Python 3.10-3.13.

Same findings at the same lines and columns (tests/test_backport.py).
"""
from typing import Annotated

import httpx
import jwt
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException
from jwt.exceptions import InvalidTokenError
from pydantic import ValidationError
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

app = FastAPI()
engine = create_engine("postgresql://db/app")


def get_db():
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


async def get_current_user(session: SessionDep, token: str):
    try:
        payload = jwt.decode(token, "secret", algorithms=["HS256"])
    except (InvalidTokenError, ValidationError):
        raise HTTPException(status_code=403, detail=f"Could not validate {token!r}")
    return session.get(dict, payload["sub"])  # error: LG103


async def get_client():
    client = httpx.AsyncClient()  # error: LG301
    try:
        yield client
    except(httpx.HTTPError,OSError): await client.aclose()


def notify(email: str):
    try:
        httpx.post(f"https://mail.local/{email}")
    except (httpx.HTTPError, ValueError):  # not every error: the task can still raise
        pass


def audit(email: str):
    try:
        httpx.post(f"https://audit.local/{email}")
    except (OSError, Exception):  # catches everything: a guarded task
        pass


@app.get("/me")
async def me(user: Annotated[dict, Depends(get_current_user)], tasks: BackgroundTasks,
             client: Annotated[httpx.AsyncClient, Depends(get_client)]):
    tasks.add_task(notify, user["email"])  # error: LG401
    tasks.add_task(audit, user["email"])
    return await client.get(f"https://profile.local/{user['id']}")


# Look-alike: a `def` dependency runs in the threadpool, its Session calls are fine there.
def get_current_user_sync(session: SessionDep, token: str):
    try:
        payload = jwt.decode(token, "secret", algorithms=["HS256"])
    except (InvalidTokenError, ValidationError):
        raise HTTPException(status_code=403, detail=f"Could not validate {token!r}")
    return session.get(dict, payload["sub"])


@app.get("/me/sync")
async def me_sync(user: Annotated[dict, Depends(get_current_user_sync)]):
    return user
