"""The on_event → lifespan migration, proven by running the apps before and after the fix.

Each app records what its handlers do in a module-level `events` list. The test runs the
original app under FastAPI's TestClient (startup, one request, shutdown), fixes a copy with
`check --fix --unsafe-fixes`, imports the fixed copy from a temporary directory and runs it
the same way: the handlers must run in the order FastAPI ran them (once each), an existing
lifespan's own startup and shutdown must still run, and LG203/LG206 must be gone. The linter
never imports user code; only this test does.

Measured with fastapi 0.165.0 / starlette 1.10.0, and on Python 3.10 (the `test` extra's pin
there) fastapi 0.162.5 / starlette 1.7.0, where every test below passed the same (Python
3.10.13, 2026-12-08). The versions are checked below, so a different install says so instead
of passing on other semantics:
- handlers registered on an included router ran twice (router default lifespan merged into
  the app's, plus the copy `include_router` appends to the app's lists); after the fix, once;
- with `lifespan=` on the app, its `on_event`/`on_startup=` handlers never ran;
- `app.add_event_handler` does not exist on Starlette 1.x (`app.router.add_event_handler`
  and `app.on_event` do), so the apps below register through those.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from fastapi_lifeguard.cli import main  # noqa: E402
from fastapi_lifeguard.runner import check_paths  # noqa: E402
from fastapi_lifeguard.settings import Settings  # noqa: E402

MEASURED = {("0.165.0", "1.10.0"), ("0.162.5", "1.7.0")}  # Python 3.11+, and 3.10


def test_versions_measured():
    import starlette

    assert (fastapi.__version__, starlette.__version__) in MEASURED, (
        "re-measure the event semantics noted in this module's docstring for these versions")
    from starlette.applications import Starlette

    assert not hasattr(Starlette, "add_event_handler")  # removed in Starlette 1.x (SPEC §2)


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # on_event in the originals
            spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


def _run(module, factory: str | None = None) -> tuple[list[str], list[str], dict]:
    """(events after startup, events after shutdown, the response of GET /)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # on_event in the original factory
        app = getattr(module, factory)() if factory else module.app
    with TestClient(app) as client:
        started = list(module.events)
        response = client.get("/").json()
    return started, list(module.events), response


def _migrate(tmp_path: Path, source: str, name: str) -> tuple[Path, Path]:
    original = tmp_path / f"{name}_before.py"
    original.write_text(textwrap.dedent(source), encoding="utf-8")
    fixed = tmp_path / f"{name}_after.py"
    fixed.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    main(["check", "--isolated", "--no-cache", "-q", "--fix", "--unsafe-fixes", str(fixed)])
    codes = {f.code for f in check_paths([str(fixed)], Settings()).findings}
    assert not codes & {"LG203", "LG206"}, fixed.read_text(encoding="utf-8")
    assert ".on_event(" not in fixed.read_text(encoding="utf-8")
    return original, fixed


APP = """
    from fastapi import FastAPI

    events = []


    def connect():
        events.append("connect (on_startup=)")


    async def disconnect():
        events.append("disconnect (on_shutdown=)")


    app = FastAPI(on_startup=[connect], on_shutdown=[disconnect])


    @app.on_event("startup")
    async def warm():
        events.append("warm (async on_event)")


    @app.on_event("startup")
    def announce():
        events.append("announce (sync on_event)")


    async def load():
        events.append("load (add_event_handler)")


    app.router.add_event_handler("startup", load)


    @app.on_event("shutdown")
    def flush():
        events.append("flush (sync on_event)")


    @app.on_event("shutdown")
    async def close():
        events.append("close (async on_event)")


    @app.get("/")
    async def index():
        return {"events": list(events)}
"""


def test_app_handlers_run_in_the_original_order(tmp_path: Path):
    original, fixed = _migrate(tmp_path, APP, "app")
    before = _run(_load(original, "lg_app_before"))
    after = _run(_load(fixed, "lg_app_after"))
    assert before[0] == ["connect (on_startup=)", "warm (async on_event)", "announce (sync on_event)",
                         "load (add_event_handler)"]
    assert after == before
    assert after[1][4:] == ["disconnect (on_shutdown=)", "flush (sync on_event)", "close (async on_event)"]


ROUTER = """
    from fastapi import APIRouter, FastAPI

    events = []
    router = APIRouter()


    @router.on_event("startup")
    async def router_start():
        events.append("router start")


    @router.on_event("shutdown")
    def router_stop():
        events.append("router stop")


    @router.get("/")
    async def index():
        return {"events": list(events)}


    app = FastAPI()


    @app.on_event("startup")
    def app_start():
        events.append("app start")


    @app.on_event("shutdown")
    async def app_stop():
        events.append("app stop")


    app.include_router(router)
"""


def _once(events: list[str]) -> list[str]:
    return list(dict.fromkeys(events))


def test_included_router_handlers_run_once_in_order(tmp_path: Path):
    original, fixed = _migrate(tmp_path, ROUTER, "router")
    before = _run(_load(original, "lg_router_before"))
    after = _run(_load(fixed, "lg_router_after"))
    # FastAPI 0.113+ ran the router's handlers twice (SPEC §2): from the app's lists, which
    # include_router extends, and from the router's own lifespan, merged inside the app's (so
    # at shutdown the router's ran first). The router lifespan runs each once, in the order of
    # their first runs.
    assert before[1] == ["app start", "router start", "router start", "router stop", "app stop", "router stop"]
    assert after[1] == _once(before[1]) == ["app start", "router start", "router stop", "app stop"]
    assert "router_lifespan" in fixed.read_text(encoding="utf-8")


EXISTING = """
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request

    events = []


    @asynccontextmanager
    async def lifespan(app):
        events.append("lifespan start")
        yield {"ready": True}
        events.append("lifespan stop")


    def warm():
        events.append("warm (silenced on_startup=)")


    app = FastAPI(lifespan=lifespan, on_startup=[warm])


    @app.on_event("startup")
    async def never_ran():
        events.append("never ran (silenced on_event)")


    @app.on_event("shutdown")
    def bye():
        events.append("bye (silenced on_event)")


    @app.get("/")
    async def index(request: Request):
        return {"ready": request.state.ready}
"""


def test_existing_lifespan_is_wrapped_and_silenced_handlers_run(tmp_path: Path):
    original, fixed = _migrate(tmp_path, EXISTING, "existing")
    before = _run(_load(original, "lg_existing_before"))
    after = _run(_load(fixed, "lg_existing_after"))
    assert before[1] == ["lifespan start", "lifespan stop"]  # lifespan= silenced every handler
    assert after[0] == ["lifespan start", "warm (silenced on_startup=)", "never ran (silenced on_event)"]
    assert after[1][3:] == ["bye (silenced on_event)", "lifespan stop"]
    assert after[2] == before[2] == {"ready": True}  # the lifespan state still reaches requests


FACTORY = """
    from fastapi import FastAPI

    events = []


    def create_app():
        app = FastAPI()

        @app.on_event("startup")
        async def start():
            events.append("start")

        @app.on_event("shutdown")
        def stop():
            events.append("stop")

        @app.get("/")
        async def index():
            return {}

        return app
"""


def test_app_made_in_a_factory(tmp_path: Path):
    original, fixed = _migrate(tmp_path, FACTORY, "factory")
    before = _run(_load(original, "lg_factory_before"), "create_app")
    after = _run(_load(fixed, "lg_factory_after"), "create_app")
    assert after[:2] == before[:2] == (["start"], ["start", "stop"])


ROUTER_LIFESPAN = """
    from contextlib import asynccontextmanager

    from fastapi import APIRouter, FastAPI

    events = []


    @asynccontextmanager
    async def router_lifespan(app):
        events.append("router lifespan start")
        yield
        events.append("router lifespan stop")


    router = APIRouter(lifespan=router_lifespan)


    @router.on_event("startup")
    async def silenced():
        events.append("silenced router handler")


    @router.get("/")
    async def index():
        return {}


    app = FastAPI()
    app.include_router(router)
"""


def test_router_lifespan_is_wrapped(tmp_path: Path):
    original, fixed = _migrate(tmp_path, ROUTER_LIFESPAN, "router_lifespan")
    before = _run(_load(original, "lg_router_lifespan_before"))
    after = _run(_load(fixed, "lg_router_lifespan_after"))
    # Measured: the handler did run, from the copy include_router appends to the app's lists
    # (the app has no lifespan=); LG203 on a router calls it silenced all the same. After the
    # fix it runs once, inside the router's lifespan, which still starts and stops.
    assert before[1] == ["silenced router handler", "router lifespan start", "router lifespan stop"]
    assert after[1] == ["router lifespan start", "silenced router handler", "router lifespan stop"]
