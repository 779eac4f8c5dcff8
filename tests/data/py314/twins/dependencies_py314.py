"""Dependencies written for Python 3.14: PEP 758 handlers and PEP 750 template strings.

Twin: dependencies_older.py spells the same code with parentheses and f-strings.
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
    except InvalidTokenError, ValidationError:
        raise HTTPException(status_code=403, detail=t"Could not validate {token!r}")
    return session.get(dict, payload["sub"])  # error: LG103


async def get_client():
    client = httpx.AsyncClient()  # error: LG301
    try:
        yield client
    except httpx.HTTPError, OSError: await client.aclose()


def notify(email: str):
    try:
        httpx.post(t"https://mail.local/{email}")
    except httpx.HTTPError, ValueError:  # not every error: the task can still raise
        pass


def audit(email: str):
    try:
        httpx.post(t"https://audit.local/{email}")
    except OSError, Exception:  # catches everything: a guarded task
        pass


@app.get("/me")
async def me(user: Annotated[dict, Depends(get_current_user)], tasks: BackgroundTasks,
             client: Annotated[httpx.AsyncClient, Depends(get_client)]):
    tasks.add_task(notify, user["email"])  # error: LG401
    tasks.add_task(audit, user["email"])
    return await client.get(t"https://profile.local/{user['id']}")


# Look-alike: a `def` dependency runs in the threadpool, its Session calls are fine there.
def get_current_user_sync(session: SessionDep, token: str):
    try:
        payload = jwt.decode(token, "secret", algorithms=["HS256"])
    except InvalidTokenError, ValidationError:
        raise HTTPException(status_code=403, detail=t"Could not validate {token!r}")
    return session.get(dict, payload["sub"])


@app.get("/me/sync")
async def me_sync(user: Annotated[dict, Depends(get_current_user_sync)]):
    return user
