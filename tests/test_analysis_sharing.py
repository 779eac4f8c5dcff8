"""The analysis shares work between calls (one resolution per callee shape, per root value and
attributes) and indexes every use by the tail of its name: what is shared must be what each call
would get on its own, and the index must find a release through a local alias."""

from __future__ import annotations

import ast
import textwrap

from fastapi_lifeguard.engine import Analysis, build, check_source
from fastapi_lifeguard.model.records import ModuleModel
from fastapi_lifeguard.settings import Settings


def _analysis(sources: dict[str, str]) -> tuple[Analysis, dict[str, ModuleModel]]:
    models = {}
    for module, text in sources.items():
        model = build(ast.parse(textwrap.dedent(text)), module.replace(".", "/") + ".py", module, False)
        assert isinstance(model, ModuleModel)
        models[module] = model
    return Analysis.of(list(models.values()), Settings()), models


def _targets(analysis: Analysis, m: ModuleModel) -> list[tuple[int, str | None]]:
    return [(c.line, analysis.project.callee(m, c).target) for c in m.calls if c.id >= 0]


def test_calls_of_one_dotted_name_resolve_by_the_scope_that_binds_the_root():
    analysis, models = _analysis({
        "svc.a": """
            import json
            import pickle

            class Cache:
                json = pickle
                json.dumps(1)

                def save(self):
                    json.dumps(2)

            def load():
                import marshal as json
                json.dumps(3)

            json.dumps(4)
        """,
        "svc.b": """
            import json
            json.dumps(5)

            def again():
                json.dumps(6)
        """,
    })
    # The class body reads its own `json`; methods and functions skip the class scope; a
    # function's own import wins; every module's `json` is the library.
    assert _targets(analysis, models["svc.a"]) == [
        (7, "pickle.dumps"), (10, "json.dumps"), (14, "marshal.dumps"), (16, "json.dumps")]
    assert _targets(analysis, models["svc.b"]) == [(3, "json.dumps"), (6, "json.dumps")]


def test_project_functions_reached_through_one_import_in_several_modules():
    analysis, models = _analysis({
        "svc.helpers": """
            def fetch():
                return 1
        """,
        "svc.a": """
            from svc import helpers
            helpers.fetch()
        """,
        "svc.b": """
            from svc import helpers
            helpers.fetch()
        """,
    })
    for name in ("svc.a", "svc.b"):
        m = models[name]
        callee = analysis.project.callee(m, m.calls[0])
        assert callee.target == "svc.helpers.fetch"
        assert callee.module is models["svc.helpers"] and callee.module.scopes[callee.scope].name == "fetch"


_LIFESPAN = """
    from contextlib import asynccontextmanager
    from fastapi import FastAPI
    import httpx

    @asynccontextmanager
    async def lifespan(app):
        app.state.client = httpx.AsyncClient()
        yield
        {release}

    app = FastAPI(lifespan=lifespan)
"""


def test_the_index_finds_a_release_under_a_local_alias_and_by_its_attribute():
    analysis, models = _analysis({"svc.main": _LIFESPAN.format(release="c = app.state.client\n        await c.aclose()")})
    ledger = analysis.ledger
    release = [u for u in ledger.uses_at(models["svc.main"], 1) if u.kind == "release"]
    assert len(release) == 1 and release[0].ref.base == "c"
    # A bare name is indexed under itself and under what its alias ends in; a scope's uses are
    # made once, whichever tail asks first.
    assert any(u is release[0] for u in ledger.uses_with_tail("c"))
    assert any(u is release[0] for u in ledger.uses_with_tail("client"))
    # `app.state.client` (the alias's value, a bound use) ends in `client` only.
    bound = [u for u in ledger.uses_with_tail("client") if u.kind == "bind"]
    assert bound and all(u not in list(ledger.uses_with_tail("state")) for u in bound)
    assert list(ledger.uses_with_tail("no_such_name")) == []
    assert [e.verdict for e in ledger.entries] == ["released"]


def test_released_through_an_alias_or_not_at_all():
    def codes(release: str) -> list[str]:
        return [f.code for f in check_source(textwrap.dedent(_LIFESPAN.format(release=release)), "main.py")]

    assert "LG201" not in codes("c = app.state.client\n        await c.aclose()")
    assert "LG201" in codes("pass")


def test_what_a_key_holds_is_every_store_of_it_in_project_order():
    """`stores_any(key)` is worked out per key from the modules that store under its tail: it
    must list what a walk of every module lists, grouped by exact key in the order the keys
    first occur (`app.state.client` of two apps merged under one key)."""
    analysis, models = _analysis({
        "svc.a": """
            import httpx
            from fastapi import FastAPI

            api = FastAPI()
            admin = FastAPI()
            client = None

            async def up():
                global client
                client = httpx.AsyncClient()
                admin.state.client = httpx.AsyncClient()

            def other(request):
                request.app.state.client = make()
                request.app.state.cache = {}
        """,
        "svc.b": """
            import redis
            from svc.a import api

            pool = redis.Redis()
            client = object()

            class Holder:
                def __init__(self):
                    self.client = redis.Redis()
                    self.pool = pool

            async def start():
                api.state.client = redis.Redis()
                async with make() as c:
                    api.state.client = c
        """,
    })
    ledger = analysis.ledger
    expected: dict = {}
    for m in analysis.project.modules:
        for key, made in ledger._module_stores(m):
            expected.setdefault(key, []).append(made)
    merged: dict = {}
    for key, made in expected.items():
        merged.setdefault(("state", key[-1]) if key[0] == "state" else key, []).extend(made)
    assert ("state", "client") in merged and ("attr", "client") in merged and ("global", "client") in merged
    assert len({key for key in expected if key[0] == "state" and key[-1] == "client"}) >= 2  # two apps
    for key, made in merged.items():
        assert ledger.stores_any(key) == made, key
    assert ledger.stores_any(("global", "nowhere")) == []
    # Each module is listed once per tail, and only the modules storing under it are asked.
    index = ledger._store_index()
    assert sorted(index["client"]) == [0, 1] and list(index["cache"]) == [0]
