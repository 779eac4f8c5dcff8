"""LG209: a mounted app's lifespan and startup handlers never run."""
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


@asynccontextmanager
async def admin_lifespan(app):
    yield


async def warm():
    pass


admin = FastAPI(lifespan=admin_lifespan)
legacy = FastAPI()
legacy.add_event_handler("startup", warm)  # [on-event-deprecated]
plain = FastAPI()


def create_reports() -> FastAPI:
    reports = FastAPI(lifespan=admin_lifespan)
    return reports


app = FastAPI()
app.mount("/admin", admin)  # [mounted-lifespan-ignored]
app.mount("/legacy", app=legacy)  # [mounted-lifespan-ignored]
app.mount("/reports", create_reports())  # [mounted-lifespan-ignored]
app.mount("/plain", plain)
app.mount("/static", StaticFiles(directory="static"), name="static")
