"""The memory design of a whole-project check (model/store.py), guarded by a count, not a timing.

A module's full model lives only while that module is built or analysed: a synthetic project
of many modules, with routes, dependencies, helpers calling across modules and a lifespan, is
checked while the number of live `ModuleModel` objects is counted at checkpoints throughout
the analysis. It must stay within the store's capacity (plus the model being built or held by
the frame asking), and the findings must be those of the run that keeps every model.
"""

from __future__ import annotations

import gc

import pytest

from fastapi_lifeguard import engine, runner
from fastapi_lifeguard.model import store as store_mod
from fastapi_lifeguard.model.project import Project
from fastapi_lifeguard.model.records import ModuleModel
from fastapi_lifeguard.rules import RULE_MODULES
from fastapi_lifeguard.settings import Settings

MODULES = 200
CAPACITY = 12
SLACK = 4  # the model being built, and full models a frame holds while it asks about another


def _module(i: int) -> str:
    previous = f"from app import mod_{i - 1} as prev\n" if i else ""
    calls_previous = f"    prev.helper_{i - 1}()\n" if i else ""
    return f'''import requests
from fastapi import APIRouter, Depends
{previous}
router = APIRouter()


class Service{i}:
    def fetch(self):
        return requests.get("http://service/{i}")


def dep_{i}():
    return Service{i}()


def helper_{i}():
{calls_previous}    return requests.post("http://helper/{i}")


async def unused_{i}():
    requests.get("http://unused/{i}")


@router.get("/r{i}")
async def route_{i}(svc: Service{i} = Depends(dep_{i})):
    helper_{i}()
    return svc.fetch()
'''


def _project(root) -> str:
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    for i in range(MODULES):
        (app / f"mod_{i}.py").write_text(_module(i))
    imports = "".join(f"from app import mod_{i}\n" for i in range(MODULES))
    includes = "".join(f"app.include_router(mod_{i}.router)\n" for i in range(MODULES))
    (app / "main.py").write_text(f'''from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
{imports}

@asynccontextmanager
async def lifespan(app):
    app.state.client = httpx.AsyncClient()
    yield


app = FastAPI(lifespan=lifespan)
{includes}''')
    return str(app)


def _live_models() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is ModuleModel)


@pytest.fixture
def observed(monkeypatch):
    """Count live full models at checkpoints: every 10th module built, every rule family's
    start and end, and every 200th name and 500th callee resolution (deep inside the
    project-wide passes)."""
    seen: list[int] = []

    def checkpoint() -> None:
        seen.append(_live_models())

    for rule_module in RULE_MODULES:
        def check(analysis, _check=rule_module.check):
            checkpoint()
            found = list(_check(analysis))
            checkpoint()
            return found
        monkeypatch.setattr(rule_module, "check", check)

    def sampled(function, every):
        calls = [0]

        def counted(*args, **kwargs):
            calls[0] += 1
            if calls[0] % every == 0:
                checkpoint()
            return function(*args, **kwargs)
        return counted

    monkeypatch.setattr(runner, "build", sampled(runner.build, 10))
    monkeypatch.setattr(Project, "value_of", sampled(Project.value_of, 200))
    monkeypatch.setattr(Project, "callee", sampled(Project.callee, 500))
    return seen


def test_live_models_stay_bounded(tmp_path, monkeypatch, observed):
    root = _project(tmp_path)
    unbounded = runner.check_paths([root], Settings()).findings
    assert any(f.code.startswith("LG1") for f in unbounded)  # the project exercises the rules
    assert max(observed) > CAPACITY + SLACK  # every model fits: all stay loaded
    observed.clear()

    loads = []
    store_init = store_mod.ModelStore.__init__

    def seen(self, capacity=None):
        store_init(self, capacity)
        loads.append(self)

    monkeypatch.setattr(store_mod.ModelStore, "__init__", seen)
    monkeypatch.setattr(store_mod, "CAPACITY", CAPACITY)
    bounded = runner.check_paths([root], Settings()).findings
    assert bounded == unbounded
    assert loads and loads[0].loads > 0  # models were dropped and loaded again
    assert len(observed) > 20
    assert max(observed) <= CAPACITY + SLACK, max(observed)


def test_a_dropped_model_loads_again_equal():
    """Records read after a model was dropped are equal to those read before."""
    gc.collect()
    before = _live_models()
    models = [engine.build(engine.parse(_module(i), f"mod_{i}.py"), f"mod_{i}.py") for i in range(3)]
    expected = [(m.scopes, m.calls) for m in models]
    store = store_mod.ModelStore(1)
    handles = [store.keep(m) for m in models]
    del models
    assert _live_models() - before == 1
    for _ in range(2):
        for handle, (scopes, calls) in zip(handles, expected):
            assert (handle.scopes, handle.calls) == (scopes, calls)
            assert handle.binding_scope(0, "router") == 0
    assert store.loads >= 5


def test_unbounded_store_hands_out_the_models():
    model = engine.build(engine.parse(_module(0), "mod_0.py"), "mod_0.py")
    assert store_mod.ModelStore().keep(model) is model
