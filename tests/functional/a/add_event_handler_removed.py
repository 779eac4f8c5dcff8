"""LG211 through pylint: `app.add_event_handler` is gone from Starlette 1.0."""
# pylint: disable=missing-function-docstring
from fastapi import FastAPI

app = FastAPI()


async def connect():
    pass


app.add_event_handler("startup", connect)  # [add-event-handler-removed]
app.router.add_event_handler("startup", connect)  # [on-event-deprecated]
