"""Every fixture through the flake8 plugin and the CLI: the exact set of (line, code).

flake8 runs as a real subprocess (`flake8 --select LG`), once per settings group: with the
project view on the files of `fixtures/projects/*` (each inside its fixture project: `# error:`
and `# project:` markers), and with `--lifeguard-project=off` on every fixture (the file alone:
`# error:` markers only). The CLI checks the project fixtures as `check FILE` does (project
view), every fixture alone, and each `fixtures/projects/*` folder as a project. Each fixture
is also rerun with its markers turned into `# noqa`, which must silence it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict

import pytest

from fixtures_support import (FIXTURES, cache_env, expected_alone, expected_in_project, flake8_args, in_project,
                              lifeguard_settings, project_dirs, read_fixture, settings_key, single_fixtures)
from fastapi_lifeguard.runner import check_in_projects, check_paths

FIXTURE_LIST = single_fixtures()
PROJECT_FIXTURES = [f for f in FIXTURE_LIST if in_project(f)]
_LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>LG\d{3}) ")


def _run_flake8(paths: list[str], settings: dict[str, str], *extra: str,
                env: dict[str, str] | None = None) -> dict[str, set[tuple[int, str]]]:
    cmd = [sys.executable, "-m", "flake8", "--isolated", "--select=LG", *flake8_args(settings), *extra, *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    found: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for line in proc.stdout.splitlines():
        match = _LINE.match(line)
        assert match, f"unexpected flake8 output: {line!r}"
        found[os.path.abspath(match["path"])].add((int(match["row"]), match["code"]))
    return found


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("lifeguard-index"))


def _flake8_all(fixtures, *extra: str, env=None) -> dict[str, set[tuple[int, str]]]:
    groups: dict[tuple, list] = defaultdict(list)
    for fixture in fixtures:
        groups[settings_key(fixture)].append(fixture)
    results: dict[str, set[tuple[int, str]]] = {}
    for key, fixtures in groups.items():
        results.update(_run_flake8([f.path for f in fixtures], dict(key), *extra, env=env))
    return results


@pytest.fixture(scope="session")
def flake8_results(index_dir) -> dict[str, set[tuple[int, str]]]:
    return _flake8_all(PROJECT_FIXTURES, env=cache_env(index_dir))


@pytest.fixture(scope="session")
def flake8_alone() -> dict[str, set[tuple[int, str]]]:
    return _flake8_all(FIXTURE_LIST, "--lifeguard-project=off")


def _cli(paths: list[str], settings: dict[str, str], index_dir: str | None = None) -> dict[str, set[tuple[int, str]]]:
    if index_dir is None:
        result = check_paths(paths, lifeguard_settings(settings))
    else:
        result = check_in_projects(paths, lifeguard_settings(settings), project_cache_dir=index_dir)
    found: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for f in result.findings:
        found[os.path.abspath(f.path)].add((f.line, f.code))
    return found


def test_there_are_fixtures_for_every_rule():
    from fastapi_lifeguard.codes import RULES

    covered = {code for f in FIXTURE_LIST for _, code in f.expected | f.project_only}
    missing = sorted(r.code for r in RULES if r.code not in covered)
    implemented = {code for mod in __import__("fastapi_lifeguard.rules", fromlist=["RULE_MODULES"]).RULE_MODULES
                   for code in mod.CODES}
    assert not [c for c in missing if c in implemented], "implemented rules without a positive fixture"


@pytest.mark.parametrize("fixture", PROJECT_FIXTURES, ids=lambda f: f.name)
def test_flake8(fixture, flake8_results):
    assert flake8_results.get(os.path.abspath(fixture.path), set()) == expected_in_project(fixture)


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.name)
def test_flake8_project_off(fixture, flake8_alone):
    assert flake8_alone.get(os.path.abspath(fixture.path), set()) == expected_alone(fixture)


@pytest.mark.parametrize("fixture", PROJECT_FIXTURES, ids=lambda f: f.name)
def test_cli_file_in_its_project(fixture, index_dir):
    found = _cli([fixture.path], fixture.settings, index_dir)
    assert found.get(os.path.abspath(fixture.path), set()) == expected_in_project(fixture)


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.name)
def test_cli_single_file(fixture):
    assert _cli([fixture.path], fixture.settings).get(os.path.abspath(fixture.path), set()) == expected_alone(fixture)


@pytest.mark.parametrize("folder", project_dirs(), ids=os.path.basename)
def test_cli_project(folder):
    fixtures = [read_fixture(os.path.join(root, name)) for root, _, files in os.walk(folder)
                for name in files if name.endswith(".py")]
    settings = {}
    for f in fixtures:
        settings.update(f.settings)
    found = _cli([folder], settings)
    for f in fixtures:
        assert found.get(os.path.abspath(f.path), set()) == f.expected | f.project_only, f.name


def _noqa_copy(src_root: str, dst_root: str) -> list[str]:
    """Copy fixtures with every marker replaced by `# noqa: <codes>`."""
    written = []
    for fixture in FIXTURE_LIST:
        dst = os.path.join(dst_root, fixture.name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(fixture.path, encoding="utf-8") as handle:
            text = handle.read()
        text = re.sub(r"#\s*(?:error|project|alone):\s*(LG\d{3}(?:\s*,\s*LG\d{3})*)", r"# noqa: \1", text)
        with open(dst, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(dst)
    return written


def test_noqa_silences_every_marker(tmp_path):
    paths = _noqa_copy(FIXTURES, str(tmp_path))
    by_settings: dict[tuple, list[str]] = defaultdict(list)
    for fixture, path in zip(FIXTURE_LIST, paths):
        by_settings[settings_key(fixture)].append(path)
    for key, group in by_settings.items():
        assert not any(_run_flake8(group, dict(key)).values()), "flake8 reported a noqa'd line"
        for path in group:
            assert not any(_cli([path], dict(key)).values()), path
    for folder in project_dirs():
        copied = os.path.join(str(tmp_path), os.path.relpath(folder, FIXTURES))
        assert not any(_cli([copied], {}).values()), folder


def test_cli_executable_matches_runner(tmp_path):
    """The installed command prints the same findings as the runner (concise format)."""
    exe = shutil.which("fastapi-lifeguard") or os.path.join(os.path.dirname(sys.executable), "fastapi-lifeguard")
    sample = next(f for f in FIXTURE_LIST if f.expected and not f.settings)
    proc = subprocess.run([exe, "check", "--isolated", sample.path], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    got = {(int(m["row"]), m["code"]) for m in map(_LINE.match, proc.stdout.splitlines()) if m}
    assert got == sample.expected
