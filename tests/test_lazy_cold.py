"""Issue 12, the cold path: a module whose source has no marker a rule can start from
(catalogue/markers.py) is parsed but not built, and built when name resolution reaches it.

Observed by counting builds (which cold paths `runner._builder`'s builds ran for), never by
timing; the findings must be those of the run that builds every module.
"""

from __future__ import annotations

import shutil

import pytest

from fastapi_lifeguard import runner
from fastapi_lifeguard.catalogue.markers import HOT_MARKERS, is_hot
from fastapi_lifeguard.engine import build, module_name, parse
from fastapi_lifeguard.model import lazy
from fastapi_lifeguard.settings import Settings

FILES = {
    "app/__init__.py": "",
    # Hot: a route reaches blocking I/O through a sync helper of a cold module.
    "app/main.py": '''from fastapi import FastAPI

from app import helpers, sync_routes

app = FastAPI()
app.include_router(sync_routes.router)


@app.get("/fetch")
async def fetch_route():
    return helpers.fetch()


@app.get("/ok")
async def ok_route():
    return helpers.pure(2)
''',
    # Cold: no marker. `fetch` is reached from a coroutine (LG102); `pure` blocks nothing.
    "app/helpers.py": '''import requests


def fetch():
    return requests.get("http://upstream/item")


def pure(x):
    return x * 2
''',
    # Cold and never reached: blocking calls in plain functions nobody on the loop calls.
    "app/unused.py": '''import time

import requests


def slow():
    time.sleep(5)
    return requests.get("http://elsewhere")


class Worker:
    def run(self):
        time.sleep(1)
''',
    # Look-alikes: a sync route (threadpool) calling a blocking helper of a cold module.
    "app/sync_routes.py": '''from fastapi import APIRouter

from app import blocking_lib

router = APIRouter()


@router.get("/sync")
def sync_route():
    return blocking_lib.load()
''',
    "app/blocking_lib.py": '''import time


def load():
    time.sleep(1)
    return open("data.txt").read()
''',
    # Cold, and does not parse.
    "app/broken.py": "def broken(:\n    pass\n",
}


def _project(tmp_path):
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path / "app")


@pytest.fixture
def builds(monkeypatch):
    """The paths of cold modules whose model was built on demand, in order."""
    seen: list[str] = []
    made = runner._builder

    def counted(path, data, module, is_package):
        build_now = made(path, data, module, is_package)

        def run():
            seen.append(path.replace("\\", "/").rsplit("/", 1)[-1])
            return build_now()
        return run

    monkeypatch.setattr(runner, "_builder", counted)
    return seen


def _everything_hot(monkeypatch):
    monkeypatch.setattr(runner, "is_hot", lambda data: True)


def _codes(findings):
    return sorted((f.path.replace("\\", "/").rsplit("/", 1)[-1], f.line, f.code) for f in findings)


def test_the_fixture_splits_as_intended():
    hot = {name for name, text in FILES.items() if is_hot(text.encode())}
    assert hot == {"app/main.py", "app/sync_routes.py"}


def test_cold_helper_is_built_on_demand_and_reported(tmp_path, builds, monkeypatch):
    root = _project(tmp_path)
    before = lazy.BUILT_ON_DEMAND
    found = runner.check_paths([root], Settings()).findings
    codes = _codes(found)
    assert ("main.py", 11, "LG102") in codes  # the coroutine's chain into the cold helper
    assert any(f.code == "LG102" and "fetch" in f.message and "requests.get" in f.message for f in found)
    assert ("broken.py", 1, "LG001") in codes  # a cold file still gets its LG001
    assert "helpers.py" in builds and "blocking_lib.py" in builds  # reached by name resolution
    assert "unused.py" not in builds  # never reached: never built
    assert "__init__.py" not in builds
    assert lazy.BUILT_ON_DEMAND - before == len(builds)
    # Look-alikes stay silent: the sync route's helper, the pure helper, the unreached module.
    assert not [c for c in codes if c[0] in ("sync_routes.py", "blocking_lib.py", "unused.py", "helpers.py")]
    assert not [c for c in codes if c[0] == "main.py" and c[1] == 16]

    _everything_hot(monkeypatch)
    assert runner.check_paths([root], Settings()).findings == found


def test_cold_decision_does_not_depend_on_the_cache(tmp_path, builds, monkeypatch):
    root = _project(tmp_path)
    cache_dir = str(tmp_path / "cache")
    expected = runner.check_paths([root], Settings()).findings
    first = list(builds)
    # Fill the model cache with every module's model (as a build without the cold path does),
    # then drop the whole-run entries so that the next run analyses again from cached models.
    with monkeypatch.context() as patch:
        patch.setattr(runner, "is_hot", lambda data: True)
        assert runner.check_paths([root], Settings(), cache_dir=cache_dir).findings == expected
    shutil.rmtree(tmp_path / "cache" / "v1" / "runs", ignore_errors=True)
    for runs in (tmp_path / "cache").rglob("runs"):
        shutil.rmtree(runs)
    builds.clear()
    before = lazy.BUILT_ON_DEMAND
    warm = runner.check_paths([root], Settings(), cache_dir=cache_dir)
    assert warm.findings == expected and not warm.cached
    assert builds == []  # cold models came from the cache's bytes, not from a parse
    assert lazy.BUILT_ON_DEMAND - before == len(first)  # but the same modules were demanded


def test_parallel_workers_keep_cold_modules_cold(tmp_path, builds):
    root = _project(tmp_path)
    one = runner.check_paths([root], Settings()).findings
    built_one = sorted(builds)
    builds.clear()
    assert runner.check_paths([root], Settings(), jobs=2).findings == one
    assert sorted(builds) == built_one


def test_a_single_file_is_built_as_today(tmp_path, builds):
    _project(tmp_path)
    found = runner.check_paths([str(tmp_path / "app" / "unused.py")], Settings()).findings
    assert found == [] and builds == []  # one module: no cold path, nothing to build later


def test_import_edges_are_the_builders(tmp_path):
    text = '''import a.b, c as d
from . import sibling
from .. import up
from .pkg import name as alias, other
from x.y import *
if True:
    import in_if
else:
    from z import w
try:
    import t1
except ImportError:
    import t2
finally:
    import t3
class K:
    import in_class
    def m(self):
        import in_method
while False:
    import in_while
with open("f") as f:
    import in_with
match 1:
    case 1:
        import in_match
'''
    path = tmp_path / "root" / "pkg" / "sub" / "mod.py"
    path.parent.mkdir(parents=True)
    for init in (tmp_path / "root" / "pkg" / "__init__.py", path.parent / "__init__.py"):
        init.write_text("")
    path.write_text(text)
    module, is_package = module_name(str(path))
    tree = parse(text, str(path))
    assert module == "pkg.sub.mod"
    assert lazy.import_edges(tree, module, is_package) == build(tree, str(path), module, is_package).imports


def test_every_marker_says_why():
    assert all(anchors and len(why) > 20 for anchors, _confirm, _nocase, why in HOT_MARKERS)
    for text in ("async def f(): pass", "x = await y", "from fastapi import FastAPI",
                 "asyncio.run(main())", "@router.post('/x')\ndef f(): pass", "app.include_router(r)",
                 "app.add_event_handler('startup', f)", "app.mount('/x', sub)", "def f(tasks: BackgroundTasks): pass",
                 "mod = importlib.import_module('x')", "loop.run_until_complete(main())"):
        assert is_hot(text.encode()), text
    for text in ("import requests\nrequests.get('x')", "d.get('k')", "def asynchronous(): pass",
                 "time.sleep(1)", "x.mountain = 1"):
        assert not is_hot(text.encode()), text


def test_markers_cover_release_names():
    """The ledger and LG202 look for releases in every module: each release name is a marker."""
    from fastapi_lifeguard.catalogue import lifecycle
    from fastapi_lifeguard.catalogue.libraries import shipped

    for name in sorted(lifecycle.GENERIC_RELEASE | shipped().all_release):
        assert is_hot(f"x = thing.{name}".encode()), name


def _write(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path / "app")


def _same_as_all_hot(root, monkeypatch):
    lazy_found = runner.check_paths([root], Settings()).findings
    with monkeypatch.context() as patch:
        patch.setattr(runner, "is_hot", lambda data: True)
        assert runner.check_paths([root], Settings()).findings == lazy_found
    return lazy_found


LIFESPAN = '''from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from app import clients


@asynccontextmanager
async def lifespan(app):
    clients.http = httpx.AsyncClient()
    yield


app = FastAPI(lifespan=lifespan)
'''


def test_a_release_in_an_otherwise_cold_module_counts(tmp_path, monkeypatch):
    root = _write(tmp_path, {"app/__init__.py": "", "app/main.py": LIFESPAN, "app/clients.py": "http = None\n",
                             "app/closer.py": "from app import clients\n\n\ndef close_all():\n    clients.http.aclose()\n"})
    found = _same_as_all_hot(root, monkeypatch)
    assert [(f.path.rsplit("/", 1)[-1], f.code) for f in found] == [("closer.py", "LG202")]


def test_a_cold_sync_wrapper_of_a_coroutine(tmp_path, monkeypatch):
    root = _write(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                       "async def export_data():\n    requests.get('http://x')\n\n\n"
                       "@app.get('/')\ndef route():\n    return 1\n",
        "app/cli.py": "from app.main import export_data\n\n\ndef export():\n    export_data()\n",
    })
    # A cold module importing a project coroutine by name is built before the call graph: its
    # plain-def caller makes `export_data` sync-wrapped (silent), as with every module hot.
    assert _same_as_all_hot(root, monkeypatch) == []


@pytest.mark.parametrize("cli", [
    "from app import main\n\n\ndef export():\n    main.export_data()\n",
    "import app.main\n\n\ndef export():\n    app.main.export_data()\n",
    "import app.main as m\n\n\ndef export():\n    m.export_data()\n",
    "import app\n\n\ndef export():\n    app.main.export_data()\n",
    "from app.main import *\n\n\ndef export():\n    export_data()\n",
    "from app.main import export_data as ex\n\n\ndef export():\n    ex()\n",
], ids=["from-package", "import-module", "import-as", "import-package", "star", "alias"])
def test_a_cold_sync_wrapper_through_its_module(tmp_path, monkeypatch, builds, cli):
    """The coroutine reached through its module or a package above it: the cold module naming
    it is built before the call graph, as with every module hot."""
    root = _write(tmp_path, {"app/__init__.py": "", "app/main.py": _EXPORT, "app/cli.py": cli})
    found = _same_as_all_hot(root, monkeypatch)
    assert "cli.py" in builds
    if "*" not in cli:  # (a star import's caller is not followed, hot or cold)
        assert found == []


@pytest.mark.parametrize("files", [
    {"app/__init__.py": "from .main import export_data\n",
     "app/cli.py": "from app import export_data\n\n\ndef export():\n    export_data()\n"},
    {"app/__init__.py": "", "app/util.py": "from app.main import export_data\n",
     "app/cli.py": "from app.util import export_data\n\n\ndef export():\n    export_data()\n"},
    {"app/__init__.py": "", "app/util.py": "from app.main import export_data\n",
     "app/more.py": "from app.util import export_data\n",
     "app/cli.py": "import app.more\n\n\ndef export():\n    app.more.export_data()\n"},
    {"app/__init__.py": "from .main import export_data as run_export\n",
     "app/cli.py": "from app import run_export\n\n\ndef export():\n    run_export()\n"},
    {"app/__init__.py": "from app import main\n\nexport_data = main.export_data\n",
     "app/cli.py": "from app import export_data\n\n\ndef export():\n    export_data()\n"},
], ids=["package-reexport", "module-reexport", "chain", "aliased", "assigned"])
def test_a_cold_sync_wrapper_through_a_reexport(tmp_path, monkeypatch, builds, files):
    root = _write(tmp_path, {**files, "app/main.py": _EXPORT})
    assert _same_as_all_hot(root, monkeypatch) == []
    assert "cli.py" in builds


def test_a_cold_module_built_while_stores_are_listed_is_listed_too(tmp_path, monkeypatch):
    """Working out the key of a store (`box.state.pool`: which app's state) builds the cold
    module `holder`; its own stores count for what `app.state.client` holds (LG202), as when
    every module is hot."""
    root = _write(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "import httpx\nfrom fastapi import FastAPI\nfrom app.holder import box\n\napp = FastAPI()\n"
                   "box.state.pool = 1\n\n\n@app.on_event('startup')\nasync def start():\n"
                   "    app.state.client = httpx.AsyncClient()\n\n\n@app.on_event('shutdown')\n"
                   "async def stop():\n    app.state.client.aclose()\n",
        "app/holder.py": "import httpx\n\n\nclass Box:\n    pass\n\n\nbox = Box()\n\n\n"
                     "def setup(app):\n    app.state.client = httpx.Client()\n",
    })
    found = _same_as_all_hot(root, monkeypatch)
    assert [f.code for f in found] == ["LG206", "LG206"]  # on_event; no LG202: two types stored


def test_a_cold_module_importing_the_module_but_not_the_coroutine_stays_cold(tmp_path, monkeypatch, builds):
    root = _write(tmp_path, {"app/__init__.py": "", "app/main.py": _EXPORT,
                             "app/cli.py": "import app.main\n\n\ndef version():\n    return app.main.__name__\n"})
    found = _same_as_all_hot(root, monkeypatch)
    assert [(f.path.rsplit("/", 1)[-1], f.code) for f in found] == [("main.py", "LG101")]
    assert "cli.py" not in builds


_EXPORT = ("import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
           "async def export_data():\n    requests.get('http://x')\n\n\n"
           "@app.get('/')\ndef route():\n    return 1\n")


def test_the_project_index_takes_the_cold_path_too(tmp_path, builds):
    """`check <root>`, flake8 and pylint go through index.py: same cold modules, same findings."""
    from fastapi_lifeguard import index

    root = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    expected = runner.check_paths([root], Settings()).findings
    built = sorted(builds)
    builds.clear()
    index.reset()
    targets = {str(p): None for p in (tmp_path / "app").glob("*.py")}
    view = index.project_findings(str(tmp_path), targets, Settings(), cache_dir=str(tmp_path / "cache"))
    assert sorted(f for found in view.values() for f in found) == sorted(expected)
    assert sorted(builds) == built and "unused.py" not in builds
    builds.clear()
    index.reset()
    shutil.rmtree(tmp_path / "cache" / "v1" / "views", ignore_errors=True)
    for views in (tmp_path / "cache").rglob("views"):
        shutil.rmtree(views)
    again = index.project_findings(str(tmp_path), targets, Settings(), cache_dir=str(tmp_path / "cache"))
    assert again == view and builds == []  # every model demanded came from the cache: cold ones built once


def test_a_warm_run_parses_no_cold_file(tmp_path, builds):
    """A cold file's import edges are cached: a warm run (the whole-run entry gone, models kept)
    neither parses nor builds anything, and says so."""
    root = _project(tmp_path)
    cache_dir = str(tmp_path / "cache")
    first = runner.check_paths([root], Settings(), cache_dir=cache_dir)
    assert first.parsed == len(FILES) and "unused.py" not in builds
    for runs in (tmp_path / "cache").rglob("runs"):
        shutil.rmtree(runs)
    builds.clear()
    warm = runner.check_paths([root], Settings(), cache_dir=cache_dir)
    assert not warm.cached and warm.parsed == 0 and builds == []
    assert warm.findings == first.findings


# ---- a file's bytes are let go once it is built (runner._drop) ---------------------------------
@pytest.fixture
def kept_sources(monkeypatch):
    """The run's sources as `filter_findings` gets them (after the analysis)."""
    seen = []
    made = runner._Bytes

    def capture(sources):
        seen.extend(sources)
        return made(sources)
    monkeypatch.setattr(runner, "_Bytes", capture)
    return seen


def test_no_file_keeps_its_bytes_after_the_build(tmp_path, kept_sources, monkeypatch):
    root = _project(tmp_path)
    (tmp_path / "app" / "noqa_route.py").write_text(
        "import time\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/a')\nasync def a():\n    time.sleep(1)  # noqa: LG101\n\n\n"
        "@router.get('/b')\nasync def b():\n    time.sleep(1)\n")
    reads = []
    real_read = runner.read
    monkeypatch.setattr(runner, "read", lambda path: reads.append(path) or real_read(path))
    found = runner.check_paths([root], Settings()).findings
    assert kept_sources and all(s.data is None for s in kept_sources)  # hot, cold, broken alike
    # The noqa check read again just the files with findings; `# noqa` still holds.
    codes = _codes(found)
    assert ("noqa_route.py", 14, "LG101") in codes and ("noqa_route.py", 9, "LG101") not in codes
    files = len(list((tmp_path / "app").glob("*.py")))
    with_findings = {f.path for f in found}
    assert len(reads) <= files + len(with_findings) + 2  # + cold modules built on demand

    _everything_hot(monkeypatch)
    assert runner.check_paths([root], Settings()).findings == found


def test_a_file_changed_during_the_run_is_never_cached(tmp_path, builds, monkeypatch):
    """A cold module built on demand, and the noqa check, read a file again, as it is now; if
    it changed since the run read it, nothing made from it is cached: not its model (under the
    key of its old bytes), not the run's result."""
    root = _project(tmp_path)
    (tmp_path / "app" / "noqa_route.py").write_text(
        "import time\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/a')\nasync def a():\n    time.sleep(1)  # noqa: LG101\n")
    cache_dir = str(tmp_path / "cache")
    expected = runner.check_paths([root], Settings()).findings
    assert ("main.py", 11, "LG102") in _codes(expected)
    edited = {name: (tmp_path / "app" / name).read_text() for name in ("helpers.py", "noqa_route.py")}
    analyse = runner.analyse_built

    def edit_then_analyse(*args, **kwargs):
        for name, text in edited.items():
            (tmp_path / "app" / name).write_text(text + "\n# edited\n")
        return analyse(*args, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(runner, "analyse_built", edit_then_analyse)
        changed = runner.check_paths([root], Settings(), cache_dir=cache_dir).findings
    assert "helpers.py" in builds
    assert not [c for c in _codes(changed) if c[0] == "noqa_route.py"]  # its noqa still read
    for name, text in edited.items():  # as the first run read them: their keys again
        (tmp_path / "app" / name).write_text(text)
    again = runner.check_paths([root], Settings(), cache_dir=cache_dir)
    assert not again.cached  # the run's result was not kept
    assert again.findings == expected  # nor a model of the edited helper under its old key


def test_mentions_reads_words_and_attributes_and_builds_when_unsure():
    def module(text):
        return lazy.LazyModule("m.py", "m", False, (), None, text=lambda: text)
    source = b"import app.main\n\n\ndef export():\n    app.main . export_data()\n    exported = 1\n"
    assert module(source).mentions(frozenset({"export_data"}), frozenset())
    assert module(source).mentions(frozenset(), frozenset({"export_data"}))  # `. export_data`
    assert not module(source).mentions(frozenset({"export"[:5]}), frozenset())  # `expor`: not a word
    assert not module(source).mentions(frozenset(), frozenset({"export"}))  # a def, not an attribute
    assert not module(source).mentions(frozenset(), frozenset())
    assert module(None).mentions(frozenset(), frozenset({"x"}))  # unreadable: build it
    assert module(b"x = 1\n").mentions(frozenset({"\u00e9t\u00e9"}), frozenset())  # not ASCII: build it


def test_a_cold_module_too_deep_to_build_gets_its_lg001_when_reached(tmp_path, monkeypatch, builds):
    """A cold module that parses but is too deeply nested for the builder gets the LG001 a hot
    file gets, once resolution reaches it (and an empty stand-in for the analysis). One that
    nothing reaches is never built: no LG001 then (`bench/README.md`, left as it is)."""
    deep = "X = " + "1 + " * 600 + "1\n"
    root = _write(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\n\nfrom app import helpers\n\napp = FastAPI()\n\n\n"
                       "@app.get('/')\nasync def route():\n    return helpers.fetch()\n",
        "app/helpers.py": "import requests\n\n\ndef fetch():\n    return requests.get('http://x')\n\n\n" + deep,
        "app/unreached.py": deep,
    })
    found = runner.check_paths([root], Settings()).findings
    assert "helpers.py" in builds and "unreached.py" not in builds
    assert [(f.path.rsplit("/", 1)[-1], f.line, f.code, f.message) for f in found] == [
        ("helpers.py", 1, "LG001", "cannot parse: too deeply nested to analyse")]
    with monkeypatch.context() as patch:
        patch.setattr(runner, "is_hot", lambda data: True)
        every = runner.check_paths([root], Settings()).findings
    assert [f for f in every if f.path.endswith("helpers.py")] == found
    assert [f.path.rsplit("/", 1)[-1] for f in every if f not in found] == ["unreached.py"]
