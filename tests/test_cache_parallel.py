"""Big trees: -j parallel parsing gives the same output; the cache hits, and invalidates."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import pickle
import textwrap
import time
from pathlib import Path

import pytest

from fastapi_lifeguard import cache as cache_mod
from fastapi_lifeguard.cli import main
from fastapi_lifeguard.engine import build, parse
from fastapi_lifeguard.runner import check_paths
from fastapi_lifeguard.settings import Settings

HELPER = textwrap.dedent("""\
    import requests


    def fetch_{n}(x):
        return requests.get(f"https://example.com/{{x}}", timeout=5).json()


    def cheap_{n}(x):
        return x + 1
""")
ROUTES = textwrap.dedent("""\
    import time

    from fastapi import FastAPI

    from pkg.helpers_{n} import cheap_{n}, fetch_{n}

    app_{n} = FastAPI()


    @app_{n}.get("/a")
    async def a_{n}(x: int):
        time.sleep(1)
        return fetch_{n}(x)


    @app_{n}.get("/b")
    async def b_{n}(x: int):
        return cheap_{n}(x)
""")


def make_tree(root: Path, n: int) -> Path:
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for i in range(n):
        (pkg / f"helpers_{i}.py").write_text(HELPER.format(n=i))
        (pkg / f"routes_{i}.py").write_text(ROUTES.format(n=i))
    return pkg


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path, 12)
    return tmp_path


# --- -j ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["concise", "sarif", "full"])
def test_parallel_output_is_identical(tree, fmt):
    serial = run("check", "pkg", "--no-cache", "-j", "1", "--output-format", fmt)
    parallel = run("check", "pkg", "--no-cache", "-j", "2", "--output-format", fmt)
    assert serial == parallel
    assert serial[0] == 1
    if fmt == "concise":
        # The cross-module chain survives the trip through the worker processes.
        assert serial[1].count(" LG102 ") == 12 and serial[1].count(" LG101 ") == 12


def test_parallel_parses_in_workers(tree):
    result = check_paths(["pkg"], Settings(), jobs=2)
    assert result.parsed == 25 and not result.cached
    assert check_paths(["pkg"], Settings(), jobs=1).findings == result.findings


def test_parallel_handles_unparsable_files(tree):
    (tree / "pkg" / "zz_broken.py").write_text("def f(:\n")
    serial = check_paths(["pkg"], Settings(), jobs=1)
    parallel = check_paths(["pkg"], Settings(), jobs=2)
    assert serial.findings == parallel.findings
    assert any(f.code == "LG001" for f in parallel.findings)


# --- cache ------------------------------------------------------------------------------------

def test_cache_hit(tree):
    cache_dir = str(tree / "cache")
    cold = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    assert not cold.cached and cold.parsed == 25
    warm = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    assert warm.cached and warm.parsed == 0
    assert warm.findings == cold.findings and warm.lines == cold.lines and warm.files == cold.files


def test_cli_output_identical_from_cache(tree):
    first = run("check", "pkg", "--output-format", "sarif")
    assert (tree / ".lifeguard_cache" / "CACHEDIR.TAG").exists()
    assert (tree / ".lifeguard_cache" / ".gitignore").read_text().strip().endswith("*")
    second = run("check", "pkg", "--output-format", "sarif")
    assert first == second and first[0] == 1


def test_edit_invalidates_only_that_file(tree):
    cache_dir = str(tree / "cache")
    cold = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    helper = tree / "pkg" / "helpers_3.py"
    helper.write_text(helper.read_text().replace("requests.get(", "dict(").replace("timeout=5).json()", "t=5)"))
    edited = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    assert not edited.cached and edited.parsed == 1  # the other 24 models came from the cache
    # The project-wide analysis ran again: the chain through helpers_3 is gone.
    gone = set(cold.findings) - set(edited.findings)
    assert [(os.path.basename(f.path), f.code) for f in gone] == [("routes_3.py", "LG102")]
    assert edited.findings == check_paths(["pkg"], Settings()).findings


def test_noqa_edit_invalidates(tree):
    cache_dir = str(tree / "cache")
    check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    routes = tree / "pkg" / "routes_0.py"
    routes.write_text(routes.read_text().replace("time.sleep(1)", "time.sleep(1)  # noqa: LG101"))
    result = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    assert not result.cached
    assert not [f for f in result.findings if f.path.endswith("routes_0.py") and f.code == "LG101"]


def test_settings_change_invalidates_the_run_but_not_the_models(tree):
    cache_dir = str(tree / "cache")
    check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    ignoring = check_paths(["pkg"], Settings(ignore=("LG101",)), cache_dir=cache_dir)
    assert not ignoring.cached and ignoring.parsed == 0
    assert {f.code for f in ignoring.findings} == {"LG102"}
    opt_in = check_paths(["pkg"], Settings(extend_select=("LG205",)), cache_dir=cache_dir)
    assert not opt_in.cached and opt_in.parsed == 0
    # And back: the first result is still cached.
    assert check_paths(["pkg"], Settings(), cache_dir=cache_dir).cached


def test_new_and_deleted_files_invalidate(tree):
    cache_dir = str(tree / "cache")
    check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    (tree / "pkg" / "routes_0.py").unlink()
    fewer = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    assert not fewer.cached and fewer.files == 24 and fewer.parsed == 0
    (tree / "pkg" / "extra.py").write_text("x = 1\n")
    more = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    assert not more.cached and more.parsed == 1


def test_tool_version_is_part_of_the_key(tree, monkeypatch):
    cache_dir = str(tree / "cache")
    check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    monkeypatch.setattr(cache_mod, "tool_fingerprint", lambda: "another version")
    other = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    assert not other.cached and other.parsed == 25


def test_corrupt_entries_are_misses(tree):
    cache_dir = tree / "cache"
    cold = check_paths(["pkg"], Settings(), cache_dir=str(cache_dir))
    for entry in cache_dir.rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    again = check_paths(["pkg"], Settings(), cache_dir=str(cache_dir))
    assert not again.cached and again.parsed == 25 and again.findings == cold.findings


def test_unwritable_cache_is_not_an_error(tree):
    blocker = tree / "blocker"
    blocker.write_text("a file where the cache directory should be")
    result = check_paths(["pkg"], Settings(), cache_dir=str(blocker / "cache"))
    assert result.findings and not result.cached


def test_no_cache_writes_nothing(tree):
    run("check", "pkg", "--no-cache")
    assert not (tree / ".lifeguard_cache").exists()


def test_models_pickle_round_trip(tree):
    path = "pkg/routes_1.py"
    data = (tree / path).read_bytes()
    model = build(parse(data, path), path)
    copy = pickle.loads(cache_mod.dumps(model))
    assert _shape(copy) == _shape(model)
    assert copy.calls and [c.func for c in copy.calls] == [c.func for c in model.calls]


def _shape(value):
    """Everything a model holds, as comparable values (models compare by identity)."""
    if dataclasses.is_dataclass(value):
        return type(value).__name__, tuple(_shape(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, (list, tuple)):
        return tuple(_shape(v) for v in value)
    if isinstance(value, dict):
        return tuple((_shape(k), _shape(v)) for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return "set", tuple(sorted(map(repr, value)))
    return value


def test_unchanged_tree_rechecks_much_faster(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path, 60)
    cache_dir = str(tmp_path / "cache")
    start = time.perf_counter()
    cold = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    cold_time = time.perf_counter() - start
    start = time.perf_counter()
    warm = check_paths(["pkg"], Settings(), cache_dir=cache_dir)
    warm_time = time.perf_counter() - start
    assert warm.cached and warm.findings == cold.findings
    # The target is a tenth; a shared CI machine gets some slack.
    assert warm_time < cold_time / 5, (cold_time, warm_time)
