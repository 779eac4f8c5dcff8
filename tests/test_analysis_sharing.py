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
