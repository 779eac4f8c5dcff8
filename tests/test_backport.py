"""Python 3.14 code read on Python 3.10-3.13 (`backport.py`, called by `engine.parse`).

PEP 758 `except A, B:` and PEP 750 template strings are respelled at the token level only
after a parse failed; every position is the one of the file as written. The twins in
tests/data/py314/twins give the same findings at the same lines and columns as their
older spelling, through the engine, the CLI and pylint; flake8 parses files itself and
gives E999 for them before 3.14 (what the user sees is pinned here). The project in
tests/data/py314/template_backend, in the shape of FastAPI's full-stack template, is
checked through every frontend. On Python 3.14 the same tests run with no respelling.
"""

from __future__ import annotations

import ast
import glob
import os
import re
import subprocess
import sys
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures_support import ROOT, read_fixture
from fastapi_lifeguard import engine
from fastapi_lifeguard.engine import check_source, parse
from fastapi_lifeguard.runner import check_paths
from fastapi_lifeguard.settings import Settings

PY314 = sys.version_info >= (3, 14)
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
DATA = os.path.join(ROOT, "tests", "data", "py314")
TWINS = os.path.join(DATA, "twins")
BACKEND = os.path.join(DATA, "template_backend")
TWIN_NAMES = sorted(os.path.basename(p)[:-len("_py314.py")] for p in glob.glob(os.path.join(TWINS, "*_py314.py")))


def _tree(source: str) -> ast.Module:
    tree = parse(source, "new.py")
    assert isinstance(tree, ast.Module), tree
    return tree


def _names(tree: ast.AST) -> list[ast.AST]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute, ast.Call, ast.Tuple, ast.JoinedStr))
            or type(n).__name__ in ("TemplateStr", "Interpolation")]


# ---- the respelling ----------------------------------------------------------------------------

READ = {
    "except A, B": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    "one line, after text": "é = 'ü'\ntry:\n    pass\nexcept ValueError, os.error: print('ééé', é, x.y)\n",
    "three types, trailing comma": "try:\n    pass\nexcept A, B.c, D[0],  :\n    pass\n",
    "one type, trailing comma": "try:\n    pass\nexcept A,:\n    pass\n",
    "parenthesised item": "try:\n    pass\nexcept (A, B), C:\n    pass\n",
    "conditional and lambda items": "try:\n    pass\nexcept A if x else B, lambda: C, (D := E):\n    pass\n",
    "backslash continuation": "try:\n    pass\nexcept A, \\\n        B:\n    pass\n",
    "nested handlers": "try:\n    try:\n        pass\n    except A, B:\n        pass\nexcept C, D: pass\n",
    "t-string": "name = 'x'\ns = t\"hello {name}\"\n",
    "every prefix": "s = [t'{a}', T'{a}', rt'{a}\\d', Rt'{a}', rT'{a}', RT'{a}', tr'{a}', tR'{a}', Tr'{a}', TR'{a}']\n",
    "triple quotes": "s = t'''{a}\n{b!r:>{w}}''' + t\"\"\"{c}\"\"\"\n",
    "templates concatenated": "s = (t'{a}'  # first\n     T\"{b}\")\n",
    "nested template": "s = t\"<ul>{[t'<li>{x}</li>' for x in xs]}</ul>\"\n",
    "template in an f-string": "s = f\"{t'{a}'}\" + f'{v:>{t\"{w}\"}}'\n",
    "both, CRLF": "try:\r\n    pass\r\nexcept A, B:\r\n    s = t'{c}'\r\n",
    "both, lone CR": "try:\r    pass\rexcept A, B:\r    s = t'{c}'\r",
}
if sys.version_info >= (3, 11):
    READ["except* A, B"] = "try:\n    pass\nexcept* ValueError, TypeError:\n    pass\nexcept *A, B: pass\n"


@pytest.mark.parametrize("source", READ.values(), ids=READ.keys())
def test_python_3_14_constructs_are_read_at_their_own_positions(source):
    tree = _tree(source)
    for node in _names(tree):
        segment = ast.get_source_segment(source, node)
        if isinstance(node, ast.Name):
            assert segment == node.id, ast.dump(node, include_attributes=True)
        elif isinstance(node, ast.Attribute):
            assert segment is not None and segment.endswith("." + node.attr)
        elif isinstance(node, ast.Call):
            assert segment is not None and segment.startswith(ast.get_source_segment(source, node.func))
    for handler in (n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)):
        if isinstance(handler.type, ast.Tuple):
            # 3.14's Tuple spans the types as written: from the first to the last (its comma).
            first, last = handler.type.elts[0], handler.type.elts[-1]
            segment = ast.get_source_segment(source, handler.type)
            assert (handler.type.lineno, handler.type.col_offset) == (first.lineno, first.col_offset)
            assert re.fullmatch(r"(?s).*" + re.escape(ast.get_source_segment(source, last)) + r"\)?(\s*,)?", segment)


TWIN_SPELLINGS = {
    "t-strings": ("s = [t'{a}', rT'{a}\\d', t'''{b}\n{c!r:>{w}}''', t\"<ul>{[t'<li>{x}</li>' for x in xs]}</ul>\"]\n",
                  "s = [f'{a}', rF'{a}\\d', f'''{b}\n{c!r:>{w}}''', f\"<ul>{[f'<li>{x}</li>' for x in xs]}</ul>\"]\n"),
}


@pytest.mark.skipif(PY314, reason="Python 3.14 builds TemplateStr nodes for t-strings: nothing is respelled")
@pytest.mark.parametrize(("new", "old"), TWIN_SPELLINGS.values(), ids=TWIN_SPELLINGS.keys())
def test_the_tree_is_the_one_of_the_same_length_twin(new, old):
    assert len(new) == len(old)
    assert ast.dump(_tree(new), include_attributes=True) == ast.dump(_tree(old), include_attributes=True)


def test_a_handler_body_on_the_respelled_line_keeps_its_columns():
    # `except(A,B):` has the length of `except A, B:`: what follows sits at the same columns.
    new = "try:\n    pass\nexcept ValueError, os.error: print('ééé', x.y)\n"
    old = "try:\n    pass\nexcept(ValueError,os.error): print('ééé', x.y)\n"
    [new_handler], [old_handler] = (_tree(s).body[0].handlers for s in (new, old))
    assert ast.dump(new_handler.body[0], include_attributes=True) == ast.dump(old_handler.body[0], include_attributes=True)
    assert (new_handler.end_lineno, new_handler.end_col_offset) == (old_handler.end_lineno, old_handler.end_col_offset)


INVALID_IN_3_14_TOO = {
    "except with as": "try:\n    pass\nexcept A, B as e:\n    pass\n",
    "starred item": "try:\n    pass\nexcept A, *B:\n    pass\n",
    "walrus item": "try:\n    pass\nexcept A, B := C:\n    pass\n",
    "yield item": "def f():\n    try:\n        pass\n    except A, yield:\n        pass\n",
    "leading comma": "try:\n    pass\nexcept , A:\n    pass\n",
    "prefix apart from the string": "s = t 'x'\n",
    "identifier ending in t": "s = fmt'x'\n",
    "attribute t": "s = x.t'x'\n",
    "bytes template": "s = tb'x'\n",
    "template then str": "s = t'{a}' 'b'\n",
    "str then template": "s = 'a' t'{b}'\n",
    "template then f-string over lines": "s = (t'{a}'\n     f'{b}')\n",
    "nested template then str": "s = f\"{t'{a}' 'b'}\"\n",
}


@pytest.mark.parametrize("source", INVALID_IN_3_14_TOO.values(), ids=INVALID_IN_3_14_TOO.keys())
def test_what_python_3_14_rejects_stays_rejected(source):
    [finding] = check_source(source, "bad.py")
    assert finding.code == "LG001"
    assert "needs Python 3.14" not in finding.message


NEEDS_MORE = {
    # (running versions that still cannot read it, what LG001 must name, where the error is)
    "type statement beside except A, B": ((3, 12), "3.12+ for the `type` statement",
                                          "try:\n    pass\nexcept A, B:\n    pass\ntype X = int\n", (5, 5)),
    "t-string nesting its quotes": ((3, 12), "3.12+ if it nests quotes", "s = t\"{d[\"a\"]}\"\n", (1, 10)),
    "except* A, B": ((3, 11), "3.11+ for `except*`", "try:\n    pass\nexcept* A, B:\n    pass\n", (3, 6)),
    "error after a respelled handler": ((3, 15), None, "try:\n    pass\nexcept A, B: x = (1 +\n", None),
}


@pytest.mark.parametrize(("needed", "named", "source", "where"), NEEDS_MORE.values(), ids=NEEDS_MORE.keys())
def test_files_needing_more_keep_their_lg001(needed, named, source, where):
    findings = check_source(source, "new.py")
    if sys.version_info[:2] >= needed:
        assert findings == []
        return
    [finding] = findings
    assert finding.code == "LG001"
    if named:
        assert f"needs Python {named}" in finding.message and f"running {RUNNING}" in finding.message
    if where:
        assert (finding.line, finding.col) == where


def test_lg001_column_on_a_respelled_line_is_the_column_as_written():
    # The twin has the same length up to the error, so its column is the one as written.
    new, old = "try:\n    pass\nexcept A, B: x = (1 +]\n", "try:\n    pass\nexcept(A,B): x = (1 +]\n"
    [a], [b] = check_source(new, "new.py"), check_source(old, "old.py")
    if PY314:
        return
    assert (a.code, a.line, a.col) == (b.code, b.line, b.col)


def test_the_respelling_never_runs_on_code_that_parses(monkeypatch):
    def fail(*_):
        raise AssertionError("respelled a file that parses")

    monkeypatch.setattr(engine, "parse_backported", fail)
    for path in sorted(glob.glob(os.path.join(TWINS, "*_older.py"))):
        if path.endswith("except_star_older.py") and sys.version_info < (3, 11):
            continue
        with open(path, "rb") as handle:
            assert isinstance(parse(handle.read(), path), ast.Module), path
    assert isinstance(parse("t = 1\ns = 't\"x\"'\nfmt = f'{t}'\ntry:\n    pass\nexcept (A, B):\n    pass\n", "ok.py"),
                      ast.Module)


_PIECES = ["except", "except*", " ", "t", "T", "rt", "tR", "f", "'", '"', "'''", '"""', "{", "}", "{{", "(", ")", "[",
           "]", ",", ":", "\n", "\r\n", "\r", "\\\n", "x", "A", "as", "lambda", "yield", "*", ":=", "!r", "    ", "#c", "é",
           "=", "try:\n    pass\n"]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_the_respelling_never_crashes(parts):
    # Fragments of the constructs it respells, in any order: a tree or one LG001, never a traceback.
    result = parse("".join(parts), "fuzz.py")
    assert isinstance(result, ast.Module) or result.code == "LG001"


# ---- twins: the same findings at the same lines and columns -----------------------------------

def _twin_paths(name: str) -> tuple[str, str]:
    return os.path.join(TWINS, f"{name}_py314.py"), os.path.join(TWINS, f"{name}_older.py")


def _same_file(path: str, text: str) -> str:
    return text.replace(os.path.basename(path), "<file>")


def _cli_findings(path: str) -> list[tuple]:
    return [(f.line, f.col, f.end_line, f.end_col, f.code, _same_file(path, f.message))
            for f in check_paths([path], Settings()).findings]


def test_there_are_twins_for_routes_dependencies_and_lifespans():
    assert {"routes", "dependencies", "lifespan", "except_star"} <= set(TWIN_NAMES)
    for name in TWIN_NAMES:
        new, old = _twin_paths(name)
        with open(new, encoding="utf-8") as a, open(old, encoding="utf-8") as b:
            new_lines, old_lines = a.read().splitlines(), b.read().splitlines()
        assert len(new_lines) == len(old_lines), name
        # The twins differ only in the spelling of the 3.14 constructs.
        changed = [(x, y) for x, y in zip(new_lines, old_lines) if x != y][2:]  # the docstring says which is which
        assert changed and all(re.search(r"except\*? |\b[tT]|[rR][tT]", x) for x, _ in changed), name


@pytest.mark.parametrize("name", TWIN_NAMES)
def test_twins_give_the_same_findings_at_the_same_positions(name):
    new, old = _twin_paths(name)
    found = _cli_findings(new)
    assert found == _cli_findings(old)
    expected = read_fixture(new).expected
    assert expected == read_fixture(old).expected
    if name == "except_star" and sys.version_info < (3, 11):
        assert [(code, "needs Python 3.11+" in message) for *_, code, message in found] == [("LG001", True)]
        return
    assert {(line, code) for line, _, _, _, code, _ in found} == expected
    assert all(code != "LG001" for *_, code, _ in found)


@pytest.fixture(scope="module")
def pylint_twins():
    pytest.importorskip("pylint")
    from pylint_support import PLUGIN, default_symbols, run_pylint

    paths = [p for name in TWIN_NAMES for p in _twin_paths(name)]
    args = [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=syntax-error," + ",".join(default_symbols())]
    found: dict[str, list[tuple]] = defaultdict(list)
    for message in run_pylint(paths, args, cwd=TWINS):
        found[os.path.basename(message["path"])].append(
            (message["line"], message["column"], message["endLine"], message["endColumn"], message["symbol"],
             _same_file(message["path"], message["message"]), message["obj"]))
    return found


@pytest.mark.parametrize("name", TWIN_NAMES)
def test_pylint_gives_the_twins_the_same_findings(name, pylint_twins):
    from pylint_support import CODE_BY_SYMBOL

    new, old = (os.path.basename(p) for p in _twin_paths(name))
    ours = {n: sorted(m for m in pylint_twins[n] if m[4] != "syntax-error") for n in (new, old)}
    errors = [m for m in pylint_twins[new] if m[4] == "syntax-error"]
    if name == "except_star" and sys.version_info < (3, 11):
        assert ours[new] == ours[old] == []  # pylint's E0001 says it (the engine cannot read it either)
        return
    assert ours[new] == ours[old]
    assert {(line, CODE_BY_SYMBOL[symbol]) for line, _, _, _, symbol, _, _ in ours[new]} == read_fixture(
        os.path.join(TWINS, new)).expected
    # pylint cannot parse the 3.14 spelling before 3.14: its E0001 stays, ours come next to it.
    assert len(errors) == (0 if PY314 else 1)


def test_pylint_honours_pragmas_in_a_file_it_cannot_parse(tmp_path):
    pytest.importorskip("pylint")
    from pylint_support import PLUGIN, default_symbols, run_pylint

    (tmp_path / "svc.py").write_text(
        "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\nasync def index():\n"
        "    try:\n        time.sleep(1)\n    except ValueError, KeyError: time.sleep(2)  # pylint: disable=blocking-call-in-async\n"
        "    return t'{index}'\n", encoding="utf-8")
    args = [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=" + ",".join(default_symbols())]
    for jobs in ("1", "2"):
        messages = run_pylint(["svc.py"], [*args, "-j", jobs], cwd=str(tmp_path))
        assert [(m["line"], m["column"], m["symbol"], m["obj"]) for m in messages if m["symbol"] != "syntax-error"] == [
            (10, 8, "blocking-call-in-async", "index")]
        assert [m["line"] for m in messages if m["symbol"] == "syntax-error"] == ([] if PY314 else [11])


_FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ")


def _flake8(paths: list[str], cwd: str) -> dict[str, list[tuple[int, int, str]]]:
    cmd = [sys.executable, "-m", "flake8", "--isolated", "--select=LG,E999", *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for line in proc.stdout.splitlines():
        match = _FLAKE8_LINE.match(line)
        assert match, line
        found[os.path.normpath(match["path"])].append((int(match["row"]), int(match["col"]), match["code"]))
    return found


def _parses_here(path: str) -> bool:
    with open(path, "rb") as handle:
        try:
            ast.parse(handle.read())
        except SyntaxError:
            return False
    return True


def test_flake8_reports_e999_for_the_python_3_14_spelling_before_3_14():
    """flake8 parses each file itself and hands its tree to plugins: when its parse fails it
    reports E999 and runs no plugin, so the LG findings of such a file come from the CLI or
    pylint (docs/adoption.md). Its older twin gets them from flake8 as usual."""
    paths = [os.path.basename(p) for name in TWIN_NAMES for p in _twin_paths(name)]
    found = _flake8(paths, TWINS)
    for name in TWIN_NAMES:
        new, old = (os.path.basename(p) for p in _twin_paths(name))
        old_codes = {(line, code) for line, _, code in found[old]}
        if name == "except_star" and sys.version_info < (3, 11):
            assert [code for _, _, code in found[new]] == [code for _, _, code in found[old]] == ["E999"]
            continue
        assert old_codes == read_fixture(os.path.join(TWINS, old)).expected
        if PY314:
            assert found[new] == found[old]
        else:
            assert [code for _, _, code in found[new]] == ["E999"]


# ---- a backend in the shape of FastAPI's full-stack template ----------------------------------

def _backend_files() -> list[str]:
    return sorted(p for p in glob.glob(os.path.join(BACKEND, "app", "**", "*.py"), recursive=True))


def _markers() -> tuple[dict[str, set], dict[str, set]]:
    single, project = {}, {}
    for path in _backend_files():
        fixture = read_fixture(path)
        single[path], project[path] = fixture.expected, fixture.expected | fixture.project_only
    return single, project


def test_backend_is_python_3_14_code():
    with_new_syntax = [p for p in _backend_files() if re.search(r"except [^(:]+, |\bt\"", open(p, encoding="utf-8").read())]
    assert {os.path.relpath(p, BACKEND) for p in with_new_syntax} >= {
        os.path.join("app", "api", "deps.py"), os.path.join("app", "api", "routes", "items.py"),
        os.path.join("app", "api", "routes", "users.py"), os.path.join("app", "main.py"), os.path.join("app", "utils.py")}
    assert all(_parses_here(p) for p in with_new_syntax) == PY314


def test_backend_as_one_project_through_the_cli():
    _, project = _markers()
    proc = subprocess.run([sys.executable, "-m", "fastapi_lifeguard.cli", "check", "--no-cache", "--output-format",
                           "concise", "."], cwd=BACKEND, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    found: dict[str, set] = defaultdict(set)
    for line in proc.stdout.splitlines():
        match = re.match(r"^(?P<path>.+?\.py):(?P<row>\d+):\d+: (?P<code>LG\d{3}) ", line)
        if match:
            found[os.path.join(BACKEND, os.path.normpath(match["path"]))].add((int(match["row"]), match["code"]))
    assert "LG001" not in proc.stdout
    assert {p: s for p, s in found.items() if s} == {p: s for p, s in project.items() if s}


@pytest.mark.parametrize("path", _backend_files(), ids=lambda p: os.path.relpath(p, BACKEND))
def test_backend_file_by_file_through_the_cli(path):
    single, _ = _markers()
    findings = check_paths([path], Settings()).findings
    assert {(f.line, f.code) for f in findings} == single[path]


def test_backend_through_pylint():
    pytest.importorskip("pylint")
    from pylint_support import CODE_BY_SYMBOL, PLUGIN, default_symbols, run_pylint

    single, project = _markers()
    args = [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=syntax-error," + ",".join(default_symbols())]
    found: dict[str, set] = defaultdict(set)
    syntax_errors = set()
    for message in run_pylint(_backend_files(), args, cwd=BACKEND):
        path = os.path.normpath(os.path.join(BACKEND, message["path"]))
        if message["symbol"] == "syntax-error":
            syntax_errors.add(path)
        else:
            found[path].add((message["line"], CODE_BY_SYMBOL[message["symbol"]]))
    for path in _backend_files():
        assert single[path] <= found[path] <= project[path], os.path.relpath(path, BACKEND)
    assert syntax_errors == {p for p in _backend_files() if not _parses_here(p)}


def test_backend_through_flake8():
    single, _ = _markers()
    relative = [os.path.relpath(p, BACKEND) for p in _backend_files()]
    found = _flake8(relative, BACKEND)
    for rel, path in zip(relative, _backend_files()):
        codes = found.get(os.path.normpath(rel), [])
        if _parses_here(path):
            assert {(line, code) for line, _, code in codes} == single[path], rel
        else:
            # What a user of flake8 on Python < 3.14 sees: one E999 and no LG finding (docs).
            assert [code for _, _, code in codes] == ["E999"], rel
