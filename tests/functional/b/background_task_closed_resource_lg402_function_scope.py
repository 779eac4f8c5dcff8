"""LG402: a value from a `scope="function"` yield dependency handed to a background task.

With `Depends(dep, scope="function")` (FastAPI 0.121+) the dependency's exit code runs before
the background tasks: the session the task gets is already closed.
"""
from typing import Annotated, Iterator

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy.orm import Session

app = FastAPI()


def get_db() -> Iterator[Session]:
    db = Session()
    try:
        yield db
    finally:
        db.close()


def get_settings() -> dict:
    return {"mail": "smtp://localhost"}


ShortDb = Annotated[Session, Depends(get_db, scope="function")]
RequestDb = Annotated[Session, Depends(get_db)]


def record_signup(db: Session, email: str):
    try:
        db.add(email)
        db.commit()
    except Exception:
        pass


@app.post("/signup")
def signup(email: str, tasks: BackgroundTasks, db: Session = Depends(get_db, scope="function")):
    tasks.add_task(record_signup, db, email)  # [background-task-closed-resource]
    return {}


@app.post("/signup-annotated")
def signup_annotated(email: str, tasks: BackgroundTasks, db: ShortDb):
    tasks.add_task(record_signup, db=db, email=email)  # [background-task-closed-resource]
    return {}


@app.post("/fine")
def fine(email: str, tasks: BackgroundTasks, db: RequestDb,
         settings: dict = Depends(get_settings, scope="function")):
    tasks.add_task(record_signup, db, email)  # default scope: closed after the task since 0.118
    tasks.add_task(record_signup, settings, email)  # not a yield dependency: nothing is closed
    return {}
