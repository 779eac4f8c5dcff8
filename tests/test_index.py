"""The project index behind the per-file frontends (SPEC §5, `index.py`).

A project in a temporary folder (a `pyproject.toml` marks its root): a route in `main.py`
whose blocking call sits two helpers away in other modules. The per-file frontends, given
only `main.py`, must report it; after the helper changes on disk they must report the new
truth, never the cached one; two processes sharing one cache must both stay right; a
corrupt cache entry is rebuilt, not trusted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastapi_lifeguard import index
from fastapi_lifeguard.engine import check_source
from fastapi_lifeguard.runner import check_in_projects, check_paths
from fastapi_lifeguard.settings import Settings

MAIN = textwrap.dedent("""\
    from fastapi import FastAPI

    from shop.services import convert

    app = FastAPI()


    @app.get("/convert")
    async def convert_route(amount: float):
        return convert(amount)
""")
SERVICES = textwrap.dedent("""\
    from shop.clients import fetch_rate


    def convert(amount):
        return amount * fetch_rate("EUR")
""")
BLOCKING = textwrap.dedent("""\
    import requests


    def fetch_rate(currency):
        return requests.get(f"https://rates/{currency}").json()["rate"]
""")
FIXED = textwrap.dedent("""\
    RATES = {"EUR": 1.1}


    def fetch_rate(currency):
        return RATES[currency]
""")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "shop").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "main.py").write_text(MAIN)
    (root / "shop" / "services.py").write_text(SERVICES)
    (root / "shop" / "clients.py").write_text(BLOCKING)
    index.reset()
    return root


def _write(path: Path, text: str) -> None:
    """Rewrite a file the way an editor saves it (the mtime moves on)."""
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def _flake8(root: Path, cache: Path, *args: str, stdin: str | None = None) -> set[tuple[int, str]]:
    env = {**os.environ, "FASTAPI_LIFEGUARD_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=LG", *args],
                          cwd=root, capture_output=True, text=True, env=env, input=stdin, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    return {(int(line.split(":")[1]), line.split(": ", 1)[1][:5]) for line in proc.stdout.splitlines()}


def _pylint(root: Path, cache: Path, path: str) -> set[tuple[int, str]]:
    pytest.importorskip("pylint")
    from pylint_support import default_symbols, lifeguard_by_file, run_pylint

    env = {**os.environ, "FASTAPI_LIFEGUARD_CACHE_DIR": str(cache)}
    messages = run_pylint([path], ["--load-plugins=fastapi_lifeguard.pylint_plugin", "--disable=all",
                                   "--enable=" + ",".join(default_symbols())], cwd=str(root), env=env)
    return lifeguard_by_file(messages).get(str(root / path), set())


def _cli(root: Path, cache: Path, path: str) -> set[tuple[int, str]]:
    index.reset()  # as a new process would
    result = check_in_projects([str(root / path)], Settings(), project_cache_dir=str(cache))
    return {(f.line, f.code) for f in result.findings}


def test_find_root(tmp_path: Path):
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "setup.cfg").write_text("")
    (tmp_path / "a" / "b" / "c" / "x.py").write_text("")
    index._root_of_directory.cache_clear()
    assert index.find_root(str(tmp_path / "a" / "b" / "c" / "x.py")) == str(tmp_path / "a")
    (tmp_path / "a" / "b" / ".git").mkdir()
    index._root_of_directory.cache_clear()
    assert index.find_root(str(tmp_path / "a" / "b" / "c" / "x.py")) == str(tmp_path / "a" / "b")


def test_every_frontend_follows_a_helper_edit(project: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    route = {(10, "LG102")}
    # Alone, main.py shows nothing: the chain runs through two other modules.
    assert not check_source(MAIN.encode(), str(project / "shop" / "main.py"))
    assert _flake8(project, cache, "shop/main.py") == route
    assert _pylint(project, cache, "shop/main.py") == route
    assert _cli(project, cache, "shop/main.py") == route

    _write(project / "shop" / "clients.py", FIXED)  # the helper no longer blocks: no stale finding
    assert _flake8(project, cache, "shop/main.py") == set()
    assert _pylint(project, cache, "shop/main.py") == set()
    assert _cli(project, cache, "shop/main.py") == set()

    _write(project / "shop" / "clients.py", BLOCKING)  # and back: no missing finding
    assert _flake8(project, cache, "shop/main.py") == route
    assert _pylint(project, cache, "shop/main.py") == route
    assert _cli(project, cache, "shop/main.py") == route
    # What `check <root>` reports for main.py, the whole project analysed in one run.
    whole = check_paths([str(project)], Settings()).findings
    assert {(f.line, f.code) for f in whole if f.path.endswith("main.py")} == route


def test_the_checked_file_comes_from_the_buffer(project: Path, tmp_path: Path):
    """flake8's stdin mode (how editors pass an unsaved buffer): the buffer is analysed, the
    rest of the project from disk."""
    cache = tmp_path / "cache"
    edited = MAIN.replace("return convert(amount)", "return amount")
    assert _flake8(project, cache, "--stdin-display-name=shop/main.py", "-", stdin=edited) == set()
    assert _flake8(project, cache, "--stdin-display-name=shop/main.py", "-", stdin=MAIN) == {(10, "LG102")}
    # The buffer of services.py, unsaved, now calls no helper: main.py on disk is clean with it.
    assert _flake8(project, cache, "--stdin-display-name=shop/services.py", "-",
                   stdin=SERVICES.replace('fetch_rate("EUR")', "1.1")) == set()


def test_project_off_checks_the_file_alone(project: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    assert _flake8(project, cache, "--lifeguard-project=off", "shop/main.py") == set()
    (project / "pyproject.toml").write_text("[tool.fastapi-lifeguard]\nproject = false\n")
    index.reset()
    assert _flake8(project, cache, "shop/main.py") == set()
    assert _flake8(project, cache, "--lifeguard-project=on", "shop/main.py") == {(10, "LG102")}


def test_a_corrupt_or_half_written_entry_is_rebuilt(project: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    assert _cli(project, cache, "shop/main.py") == {(10, "LG102")}
    entries = [p for p in cache.rglob("*.pickle")]
    assert any("index" in p.parts for p in entries) and any("views" in p.parts for p in entries)
    for path in entries:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])  # what a crash mid-write would leave without os.replace
    assert _cli(project, cache, "shop/main.py") == {(10, "LG102")}
    _write(project / "shop" / "clients.py", FIXED)
    assert _cli(project, cache, "shop/main.py") == set()


WORKER = textwrap.dedent("""\
    import sys
    from fastapi_lifeguard import index
    from fastapi_lifeguard.settings import Settings

    root, cache, rounds, me = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    main = root + "/shop/main.py"
    services = root + "/shop/services.py"
    clean = open(services).read().replace('fetch_rate("EUR")', "1.1").encode()
    for n in range(rounds):
        index.reset()  # every round reads the shared cache again, as a new flake8 run would
        # Each process alternates between the disk and an unsaved buffer of services.py: two
        # versions of the project, each with its own entries, written while the other reads.
        buffer = clean if (n + me) % 2 else None
        found = index.project_findings(root, {main: None, services: buffer}, Settings(), cache_dir=cache)
        codes = sorted(f.code for f in found[main])
        expected = [] if buffer is not None else ["LG102"]
        if codes != expected:
            print(f"round {n}: {codes} != {expected}")
            sys.exit(1)
    print("ok")
""")


def test_two_processes_share_one_cache(project: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [subprocess.Popen([sys.executable, str(script), str(project), str(cache), "12", str(me)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for me in (0, 1)]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0 and out.strip() == "ok", out + err
    # The cache they left behind is whole: a third reader gets the same answers.
    assert _cli(project, cache, "shop/main.py") == {(10, "LG102")}


def test_an_excluded_file_is_not_reported_by_any_frontend(project: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    (project / "pyproject.toml").write_text('[tool.fastapi-lifeguard]\nexclude = ["shop/main.py"]\n')
    from fastapi_lifeguard.config import load_config

    settings = load_config(str(project / "pyproject.toml"))  # what the CLI reads
    assert _flake8(project, cache, "shop/main.py") == set()
    assert not check_in_projects([str(project / "shop" / "main.py")], settings, project_cache_dir=str(cache)).findings
    assert not [f for f in check_paths([str(project)], settings).findings if f.path.endswith("main.py")]


def test_a_file_changed_after_it_was_hashed_is_not_cached_under_its_old_key(project: Path, tmp_path: Path,
                                                                               monkeypatch):
    """The index hashes every file, then reads those it must build: a file saved in between
    (an editor, during a pre-commit run) is analysed as it is now, and neither its model nor
    the view is cached under the key of the bytes that were hashed."""
    cache = tmp_path / "cache"
    clients = project / "shop" / "clients.py"
    analyse = index._analyse

    def save_then_analyse(*args, **kwargs):
        _write(clients, FIXED)  # the hash of BLOCKING is taken; FIXED is what gets read
        return analyse(*args, **kwargs)
    monkeypatch.setattr(index, "_analyse", save_then_analyse)
    assert _cli(project, cache, "shop/main.py") == set()  # the file as it is now
    monkeypatch.setattr(index, "_analyse", analyse)
    _write(clients, BLOCKING)  # back to the bytes that were hashed: their key again
    assert _cli(project, cache, "shop/main.py") == {(10, "LG102")}  # not FIXED's model under that key
