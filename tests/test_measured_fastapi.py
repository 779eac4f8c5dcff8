"""What LG210, LG203 and LG211 claim, checked against FastAPI itself (not a timing).

Each case is a small app: the test runs it under FastAPI's `TestClient` in this test
environment, counts how often the router's startup handler ran, and compares that with the
count the linter's message states for the same source (the linter only reads the text; it
never imports it). The FastAPI version is pinned in the `test` extra of pyproject.toml.

Measured by hand while writing LG210 (scratch venvs, Python 3.11.7, TestClient; the one-level
case also under `uvicorn`, which printed ROUTER-START twice before "Application startup
complete." on 0.113.0 and 0.165.0, once on 0.112.0). The `test` extra pins 0.165.0, and on
Python 3.10 (which 0.162.6 and later do not install on) 0.162.5 with Starlette 1.7.0, where
this module gave the same counts (Python 3.10.13, 2026-12-08):

    case                                         0.112.0   0.113.0   0.165.0
    (Starlette)                                  (0.37.2)  (0.38.6)  (1.10.0)
    @router.on_event, included in the app          1         2         2
    router.add_event_handler, included             1         2         2
    APIRouter(on_startup=[...]), included          1         2         2
    inner -> outer -> app                          1         3         3
    three routers deep                             1         4         4
    the same router included twice                 2         4         4
    router never included                          0         0         0
    handlers on the app / app.router               1         1         1
    included in an app with lifespan=              0         1         1
    inner -> outer -> app with lifespan=           0         2         2
    inner -> router with lifespan= -> app          1         2         2
    registered after include_router                0         1         1
    app.add_event_handler(...)                     works     works     AttributeError
    (also AttributeError on FastAPI 0.133.0 with Starlette 1.0.0)
"""

from __future__ import annotations

import re
import textwrap
import warnings

import pytest

fastapi = pytest.importorskip("fastapi")  # in the `test` extra; absent only outside it
from fastapi.testclient import TestClient  # noqa: E402

from fastapi_lifeguard.engine import check_source  # noqa: E402
from fastapi_lifeguard.settings import Settings, parse_version  # noqa: E402

MEASURED_ON = ("0.165.0", "0.162.5")  # the pins of the `test` extra (Python 3.11+, 3.10)

_HEAD = """
from contextlib import asynccontextmanager
from fastapi import APIRouter, FastAPI

CALLS = []


@asynccontextmanager
async def lifespan(app):
    yield


def handler():
    CALLS.append("ran")
"""

CASES = {
    "on_event, one level": """
        router = APIRouter()
        router.on_event("startup")(handler)
        app = FastAPI()
        app.include_router(router)
    """,
    "add_event_handler, one level": """
        router = APIRouter()
        router.add_event_handler("startup", handler)
        app = FastAPI()
        app.include_router(router)
    """,
    "on_startup=, one level": """
        router = APIRouter(on_startup=[handler])
        app = FastAPI()
        app.include_router(router)
    """,
    "two levels": """
        inner = APIRouter()
        inner.add_event_handler("startup", handler)
        outer = APIRouter()
        outer.include_router(inner)
        app = FastAPI()
        app.include_router(outer)
    """,
    "three levels": """
        a = APIRouter(on_startup=[handler])
        b = APIRouter()
        c = APIRouter()
        b.include_router(a)
        c.include_router(b)
        app = FastAPI()
        app.include_router(c)
    """,
    "included twice": """
        router = APIRouter(on_startup=[handler])
        app = FastAPI()
        app.include_router(router, prefix="/a")
        app.include_router(router, prefix="/b")
    """,
    "never included": """
        router = APIRouter(on_startup=[handler])
        app = FastAPI()
    """,
    "app handlers": """
        app = FastAPI()
        app.router.add_event_handler("startup", handler)
    """,
    "app with lifespan, one level": """
        router = APIRouter(on_startup=[handler])
        app = FastAPI(lifespan=lifespan)
        app.include_router(router)
    """,
    "app with lifespan, two levels": """
        inner = APIRouter(on_startup=[handler])
        outer = APIRouter()
        outer.include_router(inner)
        app = FastAPI(lifespan=lifespan)
        app.include_router(outer)
    """,
    "router with lifespan in the chain": """
        inner = APIRouter(on_startup=[handler])
        middle = APIRouter(lifespan=lifespan)
        middle.include_router(inner)
        app = FastAPI()
        app.include_router(middle)
    """,
    "registered after include": """
        router = APIRouter()
        app = FastAPI()
        app.include_router(router)
        router.add_event_handler("startup", handler)
    """,
}

_RUNS = re.compile(r"runs (\d+) times at startup")


def _source(body: str) -> str:
    return _HEAD + textwrap.dedent(body)


def _measure(source: str) -> int:
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # on_event/add_event_handler
        exec(compile(source, "<case>", "exec"), namespace)  # noqa: S102 - the test runs the app, not the linter
        with TestClient(namespace["app"]):
            pass
    return len(namespace["CALLS"])


def _claim(source: str) -> int | None:
    """The number of runs the linter states: LG210's count, 0 for LG203, None for neither."""
    settings = Settings(fastapi_version=parse_version(fastapi.__version__))
    findings = check_source(source, "case.py", settings)
    counts = [int(m.group(1)) for f in findings if f.code == "LG210" for m in [_RUNS.search(f.message)] if m]
    assert len(counts) == len([f for f in findings if f.code == "LG210"]), "an LG210 message without a count"
    if counts:
        assert len(counts) == 1
        return counts[0]
    if any(f.code == "LG203" for f in findings):
        return 0
    return None


def test_fastapi_is_the_measured_version():
    assert fastapi.__version__ in MEASURED_ON, (
        f"FastAPI {fastapi.__version__} installed; the counts in this module were measured on {MEASURED_ON}: "
        "re-measure, then update MEASURED_ON and the pin in pyproject.toml")


@pytest.mark.parametrize("name", list(CASES))
def test_the_message_states_the_measured_count(name):
    source = _source(CASES[name])
    runs = _measure(source)
    claim = _claim(source)
    if claim is None:
        assert runs <= 1, f"FastAPI ran the handler {runs} times and the linter says nothing"
    else:
        assert claim == runs


def test_counts_measured_on_the_pinned_version():
    """The table in the docstring, for the installed version: a behaviour change in FastAPI shows here."""
    expected = {
        "on_event, one level": 2, "add_event_handler, one level": 2, "on_startup=, one level": 2,
        "two levels": 3, "three levels": 4, "included twice": 4, "never included": 0, "app handlers": 1,
        "app with lifespan, one level": 1, "app with lifespan, two levels": 2,
        "router with lifespan in the chain": 2, "registered after include": 1,
    }
    assert {name: _measure(_source(body)) for name, body in CASES.items()} == expected


def test_app_add_event_handler_fails_at_import_and_is_reported():
    source = _source("""
        app = FastAPI()
        app.add_event_handler("startup", handler)
    """)
    with pytest.raises(AttributeError, match="add_event_handler"):
        exec(compile(source, "<case>", "exec"), {})  # noqa: S102
    codes = {f.code for f in check_source(source, "case.py", Settings(fastapi_version=parse_version(fastapi.__version__)))}
    assert "LG211" in codes
