"""LG401: background tasks that can raise with nothing to catch the error."""
import functools
import logging
import smtplib

import httpx
import requests
from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask
from starlette.background import BackgroundTasks as StarletteTasks

app = FastAPI()
logger = logging.getLogger(__name__)


def send_welcome(email: str):
    requests.post("https://mail.example.com/send", json={"to": email})


async def charge(order_id: int):
    if order_id < 0:
        raise ValueError(order_id)


def write_audit(entry: str):
    try:
        with open("/var/log/audit.log", "a") as handle:
            handle.write(entry)
    finally:  # try/finally alone handles nothing
        logger.info("audit done")


def sync_inventory(sku: str):
    try:
        requests.put(f"https://inventory.example.com/{sku}")
    except requests.HTTPError:  # only one kind of error
        logger.warning("inventory sync failed")


async def reraises(order_id: int):
    try:
        await charge(order_id)
    except Exception:
        logger.exception("charge failed")
        raise  # re-raised: still lost after the response


def else_branch(path: str):
    try:
        handle = open(path)
    except Exception:
        return
    else:
        handle.write("x")  # the else clause is outside the handlers


def notify_slack(text: str):
    post_to_slack(text)


def post_to_slack(text: str):
    httpx.post("https://hooks.slack.com/x", json={"text": text})


def timed(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        logger.info("start")
        return func(*args, **kwargs)  # not in a try: this decorator guards nothing

    return wrapper


@timed
def rebuild_index(name: str):
    requests.post(f"https://search.example.com/{name}/rebuild")


@app.post("/signup")
async def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, email)  # [background-task-unguarded]
    background_tasks.add_task(charge, 1)  # [background-task-unguarded]
    background_tasks.add_task(write_audit, "signup")  # [background-task-unguarded]
    return {}


@app.post("/orders")
async def orders(jobs: BackgroundTasks):  # any parameter name, as long as it is annotated
    jobs.add_task(sync_inventory, "sku-1")  # [background-task-unguarded]
    jobs.add_task(reraises, 2)  # [background-task-unguarded]
    jobs.add_task(else_branch, "/tmp/x")  # [background-task-unguarded]
    jobs.add_task(notify_slack, "new order")  # [background-task-unguarded]
    jobs.add_task(rebuild_index, "orders")  # [background-task-unguarded]
    jobs.add_task(functools.partial(send_welcome, "ops@example.com"))  # [background-task-unguarded]
    jobs.add_task(lambda: post_to_slack("lambda"))  # [background-task-unguarded]
    return {}


class Mailer:
    def __init__(self, host: str):
        self.host = host

    def _send(self, to: str):
        with smtplib.SMTP(self.host) as smtp:
            smtp.sendmail("noreply@example.com", [to], "hi")

    def schedule(self, tasks: BackgroundTasks, to: str):
        tasks.add_task(self._send, to)  # [background-task-unguarded]


class Webhook:
    def __call__(self, url: str):
        requests.post(url)


webhook = Webhook()


@app.post("/hooks")
async def hooks(tasks: BackgroundTasks):
    tasks.add_task(webhook, "https://example.com/hook")  # [background-task-unguarded]
    return {}


@app.get("/export")
async def export():
    return JSONResponse({"ok": True}, background=BackgroundTask(send_welcome, "a@example.com"))  # [background-task-unguarded]


@app.get("/export-many")
async def export_many():
    tasks = StarletteTasks(tasks=[BackgroundTask(charge, 3)])  # [background-task-unguarded]
    return JSONResponse({"ok": True}, background=tasks)
