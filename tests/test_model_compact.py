"""Models are compact once built (model/records.py `Scope.freeze`), and pickle to the same findings.

A project's models are most of a run's memory: a finished scope keeps tuples, not lists, the
one shared empty mapping and name set instead of an empty dict or set of its own, and its
reads (`loads`) packed. These tests walk what the builder leaves and fail if a per-record
mutable or empty container comes back; and the rule fixtures, analysed from pickled and
unpickled models, give the findings of the models as built.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from fastapi_lifeguard import cache
from fastapi_lifeguard.engine import build, parse
from fastapi_lifeguard.findings import Finding
from fastapi_lifeguard.model.records import EMPTY_MAP, NO_NAMES, Binding, Call, ModuleModel, Ref, Scope
from fastapi_lifeguard.runner import analyse_built
from fastapi_lifeguard.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

SOURCE = '''\
import asyncio
import requests
from fastapi import FastAPI

app = FastAPI()
CACHE = None


class Service:
    name: str = "s"

    def fetch(self, url):
        return requests.get(url, timeout=3)


def remember():
    global CACHE
    if CACHE is None:
        CACHE = Service()
    return CACHE


@app.get("/items")
async def items(limit: int = 10):
    client = Service()
    pages = []
    for page in range(limit):
        try:
            pages.append(client.fetch(f"http://x/{page}"))
        except Exception:
            await asyncio.sleep(0)
    print(pages, pages, limit)
    return [p for p in pages if p]
'''


def _model(source: str = SOURCE, path: str = "app/main.py", module: str = "app.main") -> ModuleModel:
    tree = parse(source.encode(), path)
    assert not isinstance(tree, Finding)
    model = build(tree, path, module, False)
    assert isinstance(model, ModuleModel)
    return model


def _records(model: ModuleModel):
    """Every record of the model and each of its container fields, as (owner, field, value)."""
    for scope in model.scopes:
        for name in Scope.__slots__:  # type: ignore[attr-defined]
            yield scope, name, getattr(scope, name)
        for bindings in scope.bindings.values():
            yield scope, "bindings[]", bindings
    for call in model.calls:
        for name in Call.__slots__:  # type: ignore[attr-defined]
            yield call, name, getattr(call, name)


def test_a_built_scope_keeps_no_mutable_or_empty_container_of_its_own():
    model = _model()
    assert len(model.scopes) >= 5 and len(model.calls) >= 8
    for owner, name, value in _records(model):
        where = f"{type(owner).__name__}.{name} of {getattr(owner, 'qualname', '') or owner}"
        assert not isinstance(value, (list, set)), where
        if isinstance(value, dict):
            assert value or value is EMPTY_MAP, where
        if isinstance(value, frozenset):
            assert value or value is NO_NAMES, where


def test_scopes_share_the_empty_containers_and_keep_what_was_recorded():
    model = _model()
    scopes = {s.qualname: s for s in model.scopes}
    fetch, remember, items = scopes["Service.fetch"], scopes["remember"], scopes["items"]
    assert fetch.members is EMPTY_MAP and fetch.globals is NO_NAMES and fetch.raises == ()
    assert remember.globals == frozenset({"CACHE"})
    assert scopes["Service"].members == {"fetch": fetch.id}
    assert [b.kind for b in items.bindings["client"]] == ["assign"]
    assert isinstance(items.bindings["client"], tuple) and isinstance(items.bindings["client"][0], Binding)
    # Reads in walk order, (line, col); tests (`if p`) are not reads.
    assert items.reads("pages") == ((29, 12), (32, 10), (32, 17), (33, 23))
    assert items.reads("limit") == ((27, 22), (32, 24))
    assert items.reads("nothing") == ()
    assert "p" in items.loads and all(isinstance(v, bytes) for v in items.loads.values())


def test_call_facts_read_back_from_the_packed_flags():
    model = _model()
    by_func = {c.func.dotted(): c for c in model.calls if c.id >= 0}
    fetch = by_func["client.fetch"]
    assert fetch.guarded and fetch.in_loop and not fetch.in_handler and not fetch.awaited and not fetch.in_if
    assert fetch.loop_var is not None and fetch.loop_var.kind == "call"
    sleep = by_func["asyncio.sleep"]
    assert sleep.awaited and sleep.in_handler and sleep.in_loop and not sleep.guarded
    assert by_func["Service"].in_if is False and by_func["requests.get"].kwargs.keys() == {"timeout"}
    assert by_func["print"].kwargs is EMPTY_MAP and not by_func["print"].star_kwargs
    star = _model("def f(**options):\n    g(1, **options)\n").calls[0]
    assert star.star_kwargs and star.kwargs is EMPTY_MAP


def test_the_shared_empty_mapping_is_read_only():
    with pytest.raises(TypeError):
        EMPTY_MAP["x"] = Ref("other")  # type: ignore[index]
    with pytest.raises(TypeError):
        EMPTY_MAP.setdefault("x", [])
    assert EMPTY_MAP == {} and len(EMPTY_MAP) == 0


def test_line_numbers_and_attribute_chains_are_one_object_per_module():
    model = _model("\n" * 300 + "a.b.c()\nx = a.b.c\n")
    call = model.calls[0]
    value = model.scopes[0].bindings["x"][0].value
    assert call.line == 301 and call.func.line == 301
    assert call.line is call.func.line is call.end_line
    assert call.func.attrs is value.attrs  # ("b", "c") once


@pytest.mark.parametrize("dumps", [lambda m: pickle.dumps(m, pickle.HIGHEST_PROTOCOL), cache.dumps],
                         ids=["pickle", "cache"])
def test_a_model_pickles_to_equal_records_sharing_the_empty_containers(dumps):
    model = _model()
    again = pickle.loads(dumps(model))  # noqa: S301 - ours
    assert again.scopes == model.scopes and again.calls == model.calls and again.imports == model.imports
    assert again.scopes[1].globals is NO_NAMES and again.calls[-1].kwargs is EMPTY_MAP
    assert all(isinstance(s.calls, tuple) for s in again.scopes)


def test_rule_fixtures_give_the_same_findings_from_unpickled_models():
    files = sorted(p for family in ("lg1_event_loop", "lg2_lifecycle", "lg3_per_request", "lg4_background")
                   for p in (FIXTURES / family).glob("*.py"))
    assert len(files) > 40
    built = []
    for path in files:
        tree = parse(path.read_bytes(), str(path))
        built.append(tree if isinstance(tree, Finding) else build(tree, str(path), f"fx.{path.stem}", False))
    reloaded = [pickle.loads(cache.dumps(v)) if isinstance(v, ModuleModel) else v for v in built]  # noqa: S301
    _, expected = analyse_built(built, Settings())
    _, found = analyse_built(reloaded, Settings())
    assert len(expected) > 100
    assert sorted(map(repr, found)) == sorted(map(repr, expected))


def test_names_read_or_bound_many_times_keep_every_position_in_order():
    body = "".join(f"    x = use(x, {i})\n" for i in range(100))
    scope = _model(f"def f(x):\n{body}").scopes[1]
    assert scope.reads("x") == tuple((line, 12) for line in range(2, 102))
    assert type(scope.loads["x"]) is bytes and type(scope.loads["use"]) is bytes
    assert [b.kind for b in scope.bindings["x"]] == ["param"] + ["assign"] * 100
    assert type(scope.bindings["x"]) is tuple and "use" not in scope.bindings
