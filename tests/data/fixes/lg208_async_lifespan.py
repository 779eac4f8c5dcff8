"""LG208 (safe): a `@contextmanager` lifespan becomes `@asynccontextmanager` + `async def`."""
from contextlib import contextmanager

from fastapi import FastAPI


@contextmanager
def lifespan(app: FastAPI):
    # set up
    app.state.ready = True
    yield
    app.state.ready = False


app = FastAPI(lifespan=lifespan)
