"""Robustness: no input makes a frontend raise; what cannot be parsed gets one clear LG001.

Default run (about a minute): the installed standard library through the engine, generated
programs through every frontend, deep nesting, undecodable and null bytes, syntax of newer
Pythons, byte-identical CLI output. Opt-in (`pytest -m corpus`, or `tox -e corpus`), deselected
by default in pyproject's addopts, never skipped: the pinned corpus of bench/corpus.py, which
needs LIFEGUARD_CORPUS to point at the folder that script filled.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_lifeguard.codes import DEFAULT_OFF
from fastapi_lifeguard.engine import check_source, parse
from fastapi_lifeguard.findings import Finding
from fastapi_lifeguard.flake8_plugin import LifeguardChecker
from fastapi_lifeguard.output import FORMATS
from fastapi_lifeguard.runner import check_paths, discover
from fastapi_lifeguard.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def _cli(*args: str, cwd: Path, seed: str = "0", **extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed, **extra}
    return subprocess.run([sys.executable, "-m", "fastapi_lifeguard.cli", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=120, check=False)


def _flake8(source: str, filename: str) -> list[tuple[int, int, str]] | None:
    """The flake8 plugin's reports, or None when flake8 would not get a tree (E999)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings of generated code
            tree = ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return [(line, col, text.split(" ", 1)[0]) for line, col, text, _ in LifeguardChecker(tree, filename).run()]


def _assert_clean_lg001(findings: list[Finding]) -> None:
    """An LG001 comes alone and says why: "cannot parse: ..."."""
    lg001 = [f for f in findings if f.code == "LG001"]
    if lg001:
        assert len(findings) == 1, findings
        assert lg001[0].message.startswith(("cannot parse: ", "cannot read: ")), lg001[0].message


# ---- regression: found on the corpus ------------------------------------------------------

def test_helper_chain_across_three_modules(tmp_path):
    # Found on litellm: a helper's scope id was looked up in the caller's module
    # (IndexError when the callee's module has more scopes, a wrong name otherwise).
    deep = "import time\n" + "".join(f"def f{i}():\n    pass\n" for i in range(20))
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from fastapi import FastAPI\nfrom pkg.b import helper\napp = FastAPI()\n\n"
                    "@app.get('/')\nasync def route():\n    helper()\n",
        "pkg/b.py": "from pkg.c import deep\n\ndef helper():\n    deep()\n",
        "pkg/c.py": deep + "def deep():\n    time.sleep(1)\n",
    })
    result = check_paths([str(tmp_path)], Settings())
    assert [(Path(f.path).name, f.line, f.code) for f in result.findings] == [("a.py", 7, "LG102")]
    assert "sync `helper()` reaches" in result.findings[0].message
    assert result.findings[0].chain == ("helper()", "deep()", "time.sleep (c.py:43)")


# ---- (a) the standard library ---------------------------------------------------------------

def _stdlib_files() -> list[str]:
    root = sysconfig.get_paths()["stdlib"]
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages", "__pycache__"))
        found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith(".py"))
    return found


def _engine_over(files: list[str]) -> tuple[list[str], list[str]]:
    """check_source on every file: (crashes, LG001s on files that `ast.parse` accepts)."""
    crashes, wrong = [], []
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            findings = check_source(data, path)
        except Exception as exc:  # noqa: BLE001 - the point is to list every crash
            crashes.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        _assert_clean_lg001(findings)
        if any(f.code == "LG001" for f in findings):
            try:
                ast.parse(data, path)
            except (SyntaxError, ValueError):
                continue
            wrong.append(f"{path}: {findings[0].message}")
    return crashes, wrong


def test_engine_on_every_stdlib_module():
    # Every file of the running Python's lib/ (no site-packages), one analysis per file:
    # 1,790 files and about 20 s of CPU on 3.11, so no sampling.
    files = _stdlib_files()
    assert len(files) > 500, sysconfig.get_paths()["stdlib"]
    crashes, wrong = _engine_over(files)
    assert crashes == []
    assert wrong == [], "LG001 on files Python parses"


# ---- (a') the pinned corpus, opt-in --------------------------------------------------------

def _corpus_pins():
    spec = importlib.util.spec_from_file_location("lifeguard_bench_corpus", ROOT / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


_CORPUS = _corpus_pins()


def _corpus_folder(pin) -> Path:
    root = os.environ.get(_CORPUS.ENV)
    if not root:
        pytest.fail(f"corpus tests need {_CORPUS.ENV}: run `python bench/corpus.py` and point it at the folder")
    folder = _CORPUS.source_dir(Path(root), pin)
    if not folder.is_dir():
        pytest.fail(f"{folder} is missing: run `python bench/corpus.py`")
    return folder


@pytest.mark.corpus
@pytest.mark.parametrize("pin", _CORPUS.PINS, ids=lambda p: p.name)
def test_corpus_project_mode(pin):
    folder = _corpus_folder(pin)
    result = check_paths([str(folder)], Settings())
    assert result.files == len(discover([str(folder)]))
    for f in result.findings:
        if f.code == "LG001":
            with pytest.raises((SyntaxError, ValueError)):
                ast.parse(Path(f.path).read_bytes(), f.path)


@pytest.mark.corpus
@pytest.mark.parametrize("pin", _CORPUS.PINS, ids=lambda p: p.name)
def test_corpus_single_file_mode(pin):
    crashes, wrong = _engine_over(discover([str(_corpus_folder(pin))]))
    assert crashes == []
    assert wrong == []


@pytest.mark.corpus
def test_corpus_cli_output_is_deterministic():
    folder = _corpus_folder(_CORPUS.BY_NAME["lnbits"])
    first = _cli("check", str(folder), "--output-format", "json", "--isolated", cwd=folder, seed="1")
    second = _cli("check", str(folder), "--output-format", "json", "--isolated", cwd=folder, seed="2")
    assert first.returncode in (0, 1), first.stderr.decode()
    assert first.stdout == second.stdout


# ---- (b) generated programs never crash a frontend --------------------------------------------

_PRELUDE = """\
import asyncio, functools, subprocess, time
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache, partial
from pathlib import Path
import httpx, requests
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
"""

_SIMPLE = (
    "pass", "time.sleep(1)", "requests.get('http://x')", "open('f').read()", "Path('f').read_text()",
    "subprocess.run(['ls'])", "client = httpx.AsyncClient()", "client = httpx.Client()", "r = client.get('/')",
    "db.query(User).all()", "session.execute(q)", "helper()", "helper2(1)", "other.helper()", "work(1)",
    "background_tasks.add_task(work, 1)", "background_tasks.add_task(job)", "tasks = BackgroundTasks()",
    "BackgroundTask(work, 1)", "asyncio.create_task(job())", "app.state.client = httpx.AsyncClient()",
    "app.state.client.aclose()", "engine = create_engine('sqlite://')", "engine.dispose()", "global CLIENT",
    "CLIENT = CLIENT or httpx.AsyncClient()", "raise ValueError('x')", "app.add_event_handler('startup', helper)",
    "app.mount('/sub', sub)", "x = functools.partial(work, 1)", "loop.run_in_executor(None, work(1))",
    "yield", "yield client", "return x", "return client", "x = lambda: work(1)", "CACHE['k'] = httpx.Client()",
    "client.close()", "self.client = requests.Session()", "self.client.get('/')", "x = y = helper()",
    "a, b = work(1), job()", "del x", "assert x, work(1)",
)
_AWAITED = (
    "await asyncio.sleep(0)", "await asyncio.to_thread(work(1))", "await asyncio.to_thread(work, 1)",
    "await run_in_threadpool(work(1))", "await run_in_threadpool(partial(work, 1))", "await job()",
    "await app.state.client.aclose()", "await client.aclose()", "x = await helper()", "await other.job()",
)
_DECORATORS = (
    "", "@app.get('/')", "@router.post('/x')", "@app.on_event('startup')", "@app.on_event('shutdown')",
    "@app.middleware('http')", "@asynccontextmanager", "@contextmanager", "@lru_cache", "@functools.cache",
    "@app.websocket('/ws')", "@app.exception_handler(Exception)", "@staticmethod", "@guard",
)
_PARAMS = (
    "db: Session = Depends(get_db)", "background_tasks: BackgroundTasks", "request: Request", "app: FastAPI",
    "x=Depends(dep)", "client: httpx.Client", "session: 'Session'", "*args", "**kwargs", "self",
)


def _param_rank(param: str) -> int:
    """Python's order: self, plain, defaulted, *args, **kwargs."""
    if param == "self":
        return -1
    if param.startswith("**"):
        return 3
    if param.startswith("*"):
        return 2
    return 1 if "=" in param else 0


_NAMES = ("helper", "helper2", "work", "job", "get_db", "dep", "lifespan", "guard", "f0", "f1")
_MODULE_TAIL = (
    "app = FastAPI()", "app = FastAPI(lifespan=lifespan)", "router = APIRouter(lifespan=lifespan)",
    "app.include_router(router)", "app.add_event_handler('shutdown', f0)", "app.mount('/s', sub)",
    "app = FastAPI(on_startup=[f1])", "CLIENT = None", "CACHE = {}", "sub = FastAPI(lifespan=lifespan)",
    "app.router.lifespan_context = lifespan", "background = BackgroundTask(job)",
)


@st.composite
def _block(draw, is_async: bool, depth: int, indent: str) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.integers(0, 9 if depth < 3 else 5))
        if choice <= 4 or (choice == 5 and not is_async):
            lines.append(indent + draw(st.sampled_from(_SIMPLE)))
        elif choice == 5:
            lines.append(indent + draw(st.sampled_from(_AWAITED)))
        else:
            head = draw(st.sampled_from(
                ("if x:", "for item in items:", "while x:", "with helper() as h:", "with open('f') as fh:",
                 "async with httpx.AsyncClient() as client:", "try:")))
            if head.startswith("async with") and not is_async:
                head = "with httpx.Client() as client:"
            lines.append(indent + head)
            lines.extend(draw(_block(is_async, depth + 1, indent + "    ")))
            if head == "try:":
                handler = draw(st.sampled_from(("except Exception:", "except ValueError:", "except:", "finally:")))
                lines.append(indent + handler)
                lines.extend(draw(_block(is_async, depth + 1, indent + "    ")))
    return lines


@st.composite
def _module(draw, index: int, count: int) -> str:
    lines = [_PRELUDE]
    for other in range(count):
        if other != index:
            lines.append(f"from pkg import m{other} as other")
            lines.append(f"from pkg.m{other} import {draw(st.sampled_from(_NAMES))}")
    lines.append(draw(st.sampled_from(_MODULE_TAIL[:2])))
    lines.append("router = APIRouter()")
    names = draw(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=5, unique=True))
    in_class = draw(st.booleans())
    if in_class:
        lines.append("class Service:")
    indent = "    " if in_class else ""
    for name in names:
        is_async = draw(st.booleans())
        decorator = draw(st.sampled_from(_DECORATORS))
        if decorator:
            lines.append(indent + decorator)
        params = ", ".join(sorted(draw(st.lists(st.sampled_from(_PARAMS), max_size=3, unique=True)), key=_param_rank))
        lines.append(f"{indent}{'async ' if is_async else ''}def {name}({params}):")
        lines.extend(draw(_block(is_async, 0, indent + "    ")))
    lines.extend(draw(st.lists(st.sampled_from(_MODULE_TAIL), max_size=3)))
    return "\n".join(lines) + "\n"


@st.composite
def _project(draw) -> dict[str, str]:
    count = draw(st.integers(1, 3))
    files = {"pkg/__init__.py": ""}
    for index in range(count):
        files[f"pkg/m{index}.py"] = draw(_module(index, count))
    return files


def _all_frontends(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, files)
        result = check_paths([str(root)], Settings())  # the CLI's runner, whole project
        by_file: dict[str, list[Finding]] = {}
        for f in result.findings:
            by_file.setdefault(f.path, []).append(f)
        for findings in by_file.values():
            _assert_clean_lg001(findings)
        for name, source in files.items():
            path = str(root / name)
            single = check_source(source, path)
            _assert_clean_lg001(single)
            reported = _flake8(source, path)
            if reported is not None:
                # Same engine behind both: flake8 sees what the single-file engine finds,
                # minus the rules that are off by default (LG205, LG302) and not selected.
                assert sorted(reported) == sorted((f.line, f.col, f.code) for f in single if f.code not in DEFAULT_OFF)


_HYPOTHESIS = settings(max_examples=60, deadline=None, derandomize=True,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                              HealthCheck.filter_too_much])


@_HYPOTHESIS
@given(_project())
def test_generated_fastapi_projects_never_crash(files):
    for source in files.values():
        compile(source, "<generated>", "exec", flags=ast.PyCF_ONLY_AST)
    _all_frontends(files)


def _hypothesmith_source():
    import hypothesmith  # builds its grammar on import: seconds, so only when this test runs

    return hypothesmith.from_grammar()


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@_HYPOTHESIS
@given(st.deferred(_hypothesmith_source))
def test_grammar_generated_programs_never_crash(source):
    _all_frontends({"generated.py": source})


# ---- (c) deep nesting: findings or a clean LG001, never an exception ---------------------------

def _indented(heads: list[str], leaf: str) -> str:
    return "".join("    " * i + h + "\n" for i, h in enumerate(heads)) + "    " * len(heads) + leaf + "\n"


_ASYNC = "import time\nasync def g(a):\n    time.sleep(1)\n"
DEEP = {
    "200 nested ifs": _indented([f"if x{i}:" for i in range(200)], "pass"),
    "99 nested ifs": _indented([f"if x{i}:" for i in range(99)], "pass"),
    "100 nested defs": "import time\n" + _indented([f"async def f{i}():" for i in range(100)], "time.sleep(1)"),
    "98 nested async defs": "import time\n" + _indented([f"async def f{i}():" for i in range(98)], "time.sleep(1)"),
    "5,000-term a + a": "x = " + " + ".join(["a"] * 5000) + "\n",
    "900-term sum, resolved": _ASYNC + "    x = " + " + ".join(["a"] * 900) + "\n    x.foo()\n",
    "300-term path division": "from pathlib import Path\nasync def f():\n    p = "
                              + " / ".join(["Path('x')"] * 300) + "\n    p.read_text()\n",
    "f(f(f(...))) 150 deep": _ASYNC + "    " + "f(" * 150 + ")" * 150 + "\n",
    "f(f(f(...))) 1,000 deep": "x = " + "f(" * 1000 + ")" * 1000 + "\n",
    "200-call method chain": _ASYNC + "    x = a" + ".b()" * 200 + "\n    x.c()\n",
    "2,000-call method chain": _ASYNC + "    x = a" + ".b()" * 2000 + "\n",
    "5,000-attribute chain": "x = a" + ".b" * 5000 + "\n",
    "5,000 elifs": "if a:\n    pass\n" + "elif a:\n    pass\n" * 5000,
    "1,000 nested lambdas": "f = " + "lambda: " * 1000 + "0\n",
    "5,000-term string annotation": "def f(x: '" + "+".join(["a"] * 5000) + "'): pass\n",
    "1,000-helper chain": "import time\n" + "".join(f"def h{i}():\n    h{i + 1}()\n" for i in range(1000))
                          + "def h1000():\n    time.sleep(1)\nasync def f():\n    h0()\n",
    "1,000-coroutine chain": "import time\nasync def c0():\n    time.sleep(1)\n"
                             + "".join(f"async def c{i + 1}():\n    await c{i}()\n" for i in range(1000)),
    "1,000-assignment chain": "import requests\nx0 = requests\n"
                              + "".join(f"x{i + 1} = x{i}\n" for i in range(1000)) + "async def f():\n    x1000.get('u')\n",
    "300-deep subclassing": "import requests\nclass C0(requests.Session):\n    pass\n"
                            + "".join(f"class C{i + 1}(C{i}):\n    pass\n" for i in range(300))
                            + "async def f():\n    C300().get('u')\n",
    "2,000 chained comparisons": "x = " + " < ".join(["a"] * 2000) + "\n",
    "5,000 and-terms": "x = " + " and ".join(["a"] * 5000) + "\n",
}


@pytest.mark.parametrize("source", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_never_raises(source, tmp_path):
    single = check_source(source, "deep.py")
    _assert_clean_lg001(single)
    _flake8(source, "deep.py")
    path = tmp_path / "deep.py"
    path.write_text(source)
    _assert_clean_lg001(check_paths([str(path)], Settings()).findings)


def test_deep_nesting_that_parses_is_analysed():
    # Depth bounds stop resolution, not the analysis: shallower findings are still reported.
    assert {f.code for f in check_source(DEEP["98 nested async defs"], "d.py")} == {"LG101"}
    assert {f.code for f in check_source(DEEP["200-call method chain"], "d.py")} == {"LG101"}
    assert {f.code for f in check_source(DEEP["1,000-coroutine chain"], "d.py")} == {"LG101"}


# ---- (d) undecodable and null bytes -------------------------------------------------------------

BAD_BYTES = {
    "latin1_without_cookie.py": b"x = '\xff\xfe'\n",
    "null_byte.py": b"x = 1\x00\ny = 2\n",
    "unknown_cookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
    "bom_and_latin1_cookie.py": b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
    "utf16.py": "import time\n".encode("utf-16"),
    "truncated_utf8.py": b"x = '\xe2\x82'\n",
}


def test_bad_bytes_give_lg001_through_the_runner(tmp_path):
    _write(tmp_path, {**BAD_BYTES, "good_latin1.py": b"# coding: latin-1\nx = '\xff'\n"})
    findings = check_paths([str(tmp_path)], Settings()).findings
    by_file = {Path(f.path).name: f for f in findings}
    assert set(by_file) == set(BAD_BYTES)
    for f in findings:
        assert (f.code, f.line) == ("LG001", 1), f
        assert f.message.startswith("cannot parse: "), f.message
        assert "\n" not in f.message


def test_bad_bytes_give_lg001_through_the_cli(tmp_path):
    _write(tmp_path, BAD_BYTES)
    name = os.fsdecode(b"undecodable_name_\xff.py")  # a file name that is not UTF-8 either
    (tmp_path / name).write_bytes(b"import time\nasync def f():\n    time.sleep(1)\n")
    # PYTHONIOENCODING=utf-8 (tox sets it) makes Python's stdout strict: surrogates must still print.
    for fmt, encoding in (("concise", "utf-8"), ("json", "utf-8"), ("concise", "ascii"), ("json", None)):
        extra = {"PYTHONIOENCODING": encoding} if encoding else {}
        proc = _cli("check", ".", "--output-format", fmt, "--isolated", cwd=tmp_path, **extra)
        assert proc.returncode == 1, proc.stderr.decode(errors="replace")
        assert b"Traceback" not in proc.stderr
        assert proc.stdout.count(b"LG001 cannot parse: " if fmt == "concise" else b'"LG001"') == len(BAD_BYTES)
    # The undecodable name reaches stdout as its raw bytes (surrogateescape), like the path is.
    items = json.loads(proc.stdout.decode("utf-8", "surrogateescape"))
    codes = sorted((Path(i["filename"]).name if "filename" in i else "", i["code"]) for i in items)
    assert [c for c in codes if c[1] == "LG001"] == sorted((n, "LG001") for n in BAD_BYTES)
    assert ("LG101" in {c for _, c in codes})


# ---- (e) syntax of a newer Python ------------------------------------------------------------------

NEWER = {
    "except*": ((3, 11), "try:\n    pass\nexcept* ValueError:\n    pass\n"),
    "type statement": ((3, 12), "type X = int\n"),
    "generic type statement": ((3, 12), "type Pair[T] = tuple[T, T]\n"),
    "generic def": ((3, 12), "def first[T](xs: list[T]) -> T:\n    return xs[0]\n"),
    "generic class": ((3, 12), "class Box[T]:\n    pass\n"),
    "nested f-string quotes": ((3, 12), "d = {'a': 1}\ns = f\"{d[\"a\"]}\"\n"),
    "type parameter default": ((3, 13), "def f[T = int](x: T) -> T:\n    return x\n"),
    # Python 3.14's `except A, B:` and t-strings are read on every version (test_backport.py),
    # so they need only what the rest of the line needs.
    "except* A, B": ((3, 11), "try:\n    pass\nexcept* ValueError, TypeError:\n    pass\n"),
    "t-string nesting quotes": ((3, 12), "d = {'a': 1}\ns = t\"{d[\"a\"]}\"\n"),
}


@pytest.mark.parametrize(("needed", "source"), NEWER.values(), ids=NEWER.keys())
def test_newer_syntax_names_the_python_it_needs(needed, source):
    findings = check_source(source, "new.py")
    if sys.version_info[:2] >= needed:
        assert findings == []  # this interpreter reads it: nothing to explain
        return
    [finding] = findings
    assert finding.code == "LG001"
    assert finding.message.startswith("cannot parse: ")
    assert f"needs Python {needed[0]}.{needed[1]}+" in finding.message
    assert f"running {RUNNING}" in finding.message


@pytest.mark.parametrize("source", [
    "x = = 1\n",
    "try:\n    pass\nexcept ValueError, TypeError as e:\n    pass\n",  # parentheses needed in 3.14 too
    "def f(:\n    pass\n",
    "print 'hello'\n",
])
def test_plain_syntax_errors_do_not_blame_the_python_version(source):
    [finding] = check_source(source, "bad.py")
    assert finding.code == "LG001"
    assert "needs Python" not in finding.message
    assert finding.message.endswith(f"(Python {RUNNING})")


def test_newer_syntax_check_runs_only_after_a_failure():
    # A valid module that merely mentions the markers in strings and names parses as usual.
    source = "type_ = 1\ntype = 2\nt = 't\"x\"'\nclass C:\n    pass\ns = f'{type}'\n"
    assert isinstance(parse(source, "ok.py"), ast.Module)


# ---- (f) byte-identical output -------------------------------------------------------------------

_PROJECT = {
    "app/__init__.py": "",
    "app/main.py": textwrap.dedent("""\
        import time, requests, httpx
        from fastapi import FastAPI, BackgroundTasks
        from app.helpers import slow, fetch
        app = FastAPI()

        @app.get("/a")
        async def a(background_tasks: BackgroundTasks):
            time.sleep(1)
            slow()
            fetch()
            client = httpx.AsyncClient()
            background_tasks.add_task(slow)
            return requests.get("http://x")

        @app.on_event("startup")
        async def start():
            slow()
        """),
    "app/helpers.py": "import time, requests\n\ndef slow():\n    time.sleep(1)\n\n"
                      "def fetch():\n    return requests.get('http://x')\n",
    "app/ünïcode.py": "import time\nasync def café():\n    x = 'é'; time.sleep(1)  # é\n",
    "app/broken.py": "def f(:\n",
    "app/nul.py": b"x = 1\x00\n",
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_output_is_byte_identical_across_runs(fmt, tmp_path):
    _write(tmp_path, _PROJECT)
    first = _cli("check", ".", "--output-format", fmt, "--isolated", cwd=tmp_path, seed="1")
    second = _cli("check", ".", "--output-format", fmt, "--isolated", cwd=tmp_path, seed="2")
    assert first.returncode == 1, first.stderr.decode(errors="replace")
    assert first.stdout, "a project with findings printed nothing"
    assert first.stdout == second.stdout
    assert first.returncode == second.returncode
