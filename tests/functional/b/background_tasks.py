"""LG401-LG403 through pylint: unguarded target, closed resource, tasks that never run."""
# pylint: disable=missing-function-docstring
import logging

import requests
from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()
log = logging.getLogger(__name__)


def notify(email: str):
    requests.post("https://mail.example.com", json={"to": email}, timeout=5)


def notify_safely(email: str):
    try:
        requests.post("https://mail.example.com", json={"to": email}, timeout=5)
    except Exception:
        log.exception("notify failed")


class Session:
    def close(self):
        pass


def get_db():
    db = Session()
    try:
        yield db
    finally:
        db.close()


def audit(db: Session, email: str):
    try:
        log.info("audit %s %s", db, email)
    except Exception:
        log.exception("audit failed")


@app.post("/signup")
def signup(email: str, tasks: BackgroundTasks, db: Session = Depends(get_db, scope="function")):
    tasks.add_task(notify, email)  # [background-task-unguarded]
    tasks.add_task(notify_safely, email)
    tasks.add_task(audit, db, email)  # [background-task-closed-resource]
    return {"ok": True}


@app.post("/refund")
async def refund(email: str):
    later = BackgroundTasks()  # [background-tasks-never-run]
    later.add_task(notify_safely, email)
    attached = BackgroundTasks()
    attached.add_task(notify_safely, email)
    return JSONResponse({"ok": True}, background=attached)
