import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.api.main import api_router
from app.core.config import settings
from app.core.db import engine, init_db

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI):
    try:
        with Session(engine) as session:
            init_db(session)  # project: LG105
    except OperationalError, TimeoutError:
        logger.exception("the database is not ready")
        raise
    yield
    engine.dispose()


app = FastAPI(title=settings.PROJECT_NAME, openapi_url=t"{settings.API_V1_STR}/openapi.json".strings[0], lifespan=lifespan)
app.include_router(api_router, prefix=settings.API_V1_STR)
