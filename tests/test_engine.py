"""The engine's contract: one parse and one walk per file, rules that read the model only,
and a registry where every rule code lives in exactly one family module."""

from __future__ import annotations

import ast
import os
import pathlib

import fastapi_lifeguard
from fastapi_lifeguard import engine
from fastapi_lifeguard.catalogue.markers import is_hot
from fastapi_lifeguard.codes import RULES
from fastapi_lifeguard.model import builder, lazy
from fastapi_lifeguard.rules import RULE_MODULES
from fastapi_lifeguard.runner import check_paths, discover
from fastapi_lifeguard.settings import Settings

PACKAGE = pathlib.Path(fastapi_lifeguard.__file__).parent
FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures"


def test_every_code_lives_in_exactly_one_rule_module():
    declared: dict[str, str] = {}
    for module in RULE_MODULES:
        for code in module.CODES:
            assert code not in declared, f"{code} declared twice"
            declared[code] = module.__name__.rsplit(".", 1)[-1]
    for rule in RULES:
        if rule.code == "LG001":
            continue
        assert declared.get(rule.code) == rule.module, f"{rule.code}: codes.py says {rule.module}"


def test_rule_modules_share_knowledge_through_the_catalogue_not_each_other():
    """STYLE: a rule family never imports another family's module (shared constants live in
    the catalogue or the model)."""
    families = {m.__name__.rsplit(".", 1)[-1] for m in RULE_MODULES}
    crossing = []
    for name in sorted(families):
        tree = ast.parse((PACKAGE / "rules" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and (node.module or "") in families:
                crossing.append(f"{name} imports {node.module}")
    assert not crossing, crossing


def test_only_the_builder_and_the_parser_touch_the_ast():
    """Rules and the model read records: a second walk of the tree would show up as `import ast`."""
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if any(line.strip() in ("import ast", "from ast import *") or line.startswith("from ast ")
                          for line in p.read_text(encoding="utf-8").splitlines()))
    # flake8_plugin.py only names the type of the tree flake8 hands it; backport.py is the
    # parser's second try at Python 3.14 code (its one walk maps columns, on those files only);
    # model/lazy.py reads the import statements of a cold module, which the builder never walks.
    assert users == ["backport.py", "engine.py", "flake8_plugin.py", "model/builder.py", "model/lazy.py"], users


def test_one_parse_and_one_walk_per_file(monkeypatch):
    parses: list[str] = []
    walks: list[str] = []
    real_parse = ast.parse
    real_build = builder.build_module

    def counting_parse(source, filename="<unknown>", mode="exec", **kw):
        if mode == "exec":
            parses.append(filename)
        return real_parse(source, filename, mode, **kw)

    def counting_build(tree, path, *args, **kw):
        walks.append(path)
        return real_build(tree, path, *args, **kw)

    monkeypatch.setattr(engine.ast, "parse", counting_parse)
    monkeypatch.setattr(engine, "build_module", counting_build)
    files = discover([str(FIXTURES)])
    before = lazy.BUILT_ON_DEMAND
    check_paths([str(FIXTURES)], Settings())
    again = lazy.BUILT_ON_DEMAND - before
    hot = [f for f in files if is_hot(pathlib.Path(f).read_bytes())]
    # Every file is parsed once; a cold module (catalogue/markers.py) is walked only when the
    # analysis reaches it, and then parsed once more to build it.
    twice = sorted({p for p in parses if parses.count(p) == 2})
    assert sorted(set(parses)) == sorted(files) and len(parses) == len(files) + again
    assert len(twice) == again and not set(twice) & set(hot)
    assert sorted(walks) == sorted(hot + twice)
    assert 0 < len(hot) < len(files)  # the fixtures have both kinds


def test_flake8_frontend_reuses_flake8s_tree(monkeypatch):
    """The flake8 plugin gets the tree flake8 parsed; it must not parse again."""
    from fastapi_lifeguard.flake8_plugin import LifeguardChecker

    source = (FIXTURES / "lg1_event_loop" / "lg101_direct_calls.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    monkeypatch.setattr(engine.ast, "parse", lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed again")))
    found = list(LifeguardChecker(tree, os.fspath(FIXTURES / "x.py")).run())
    assert any(msg.startswith("LG101 ") for _, _, msg, _ in found)
