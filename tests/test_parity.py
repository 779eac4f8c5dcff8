"""Same fixtures, three frontends, file by file.

Project view (SPEC §5): every file of `fixtures/projects/*` (cross-module helper chains,
coroutines served by a route in another file, startup-only helpers, background tasks and
lifecycles split over modules) is checked alone through flake8 (`--select LG`, subprocess),
pylint (subprocess, only this plugin's default-on messages) and `check FILE`; all three must
report exactly what `check <project folder>` reports for that file.

Project view off (`--lifeguard-project=off`, the CLI runner on the file alone): flake8 and the
CLI agree exactly on every fixture; pylint reports at least that, and whatever else it reports
comes from following imports through astroid (`# project:`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict

import pytest

pytest.importorskip("pylint")

from fixtures_support import (FIXTURES, cache_env, expected_alone, flake8_args, in_project,  # noqa: E402
                              lifeguard_settings, project_dirs, settings_key, single_fixtures)
from pylint_support import (PLUGIN, batches, default_symbols, lifeguard_by_file, run_pylint,  # noqa: E402
                            settings_args)

from fastapi_lifeguard.runner import check_in_projects, check_paths  # noqa: E402

FIXTURE_LIST = single_fixtures()
PROJECT_FIXTURES = [f for f in FIXTURE_LIST if in_project(f)]
_FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>LG\d{3}) ")
OFF = "--lifeguard-project=off"


def _groups(fixtures):
    groups = defaultdict(list)
    for fixture in fixtures:
        groups[settings_key(fixture)].append(fixture)
    return groups


def _flake8(paths, settings, *extra, env=None):
    cmd = [sys.executable, "-m", "flake8", "--isolated", "--select=LG", *flake8_args(settings), *extra, *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    found = defaultdict(set)
    for line in proc.stdout.splitlines():
        match = _FLAKE8_LINE.match(line)
        assert match, line
        found[os.path.abspath(match["path"])].add((int(match["row"]), match["code"]))
    return found


def _pylint(paths, settings, *extra, env=None):
    selected = tuple(c.strip() for c in settings.get("select", "").split(",") if c.strip())
    args = [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=" + ",".join(default_symbols(selected)),
            *settings_args({k: v for k, v in settings.items() if k != "select"}), *extra]
    found = defaultdict(set)
    for batch in batches(paths):
        found.update(lifeguard_by_file(run_pylint(batch, args, env=env)))
    return found


def _by_file(findings):
    found = defaultdict(set)
    for f in findings:
        found[os.path.abspath(f.path)].add((f.line, f.code))
    return found


@pytest.fixture(scope="module")
def alone():
    """Every fixture, the project view off."""
    out = {"flake8": {}, "pylint": {}, "cli": {}}
    for key, fixtures in _groups(FIXTURE_LIST).items():
        settings = dict(key)
        paths = [f.path for f in fixtures]
        out["flake8"].update(_flake8(paths, settings, OFF))
        out["pylint"].update(_pylint(paths, settings, OFF))
        for path in paths:
            out["cli"][os.path.abspath(path)] = {(f.line, f.code) for f in check_paths([path], lifeguard_settings(settings)).findings}
    return out


@pytest.fixture(scope="module")
def in_projects(tmp_path_factory):
    """Every file of fixtures/projects/*, alone, through each frontend with the project view; and
    the reference: `check <project folder>`."""
    index = str(tmp_path_factory.mktemp("index"))
    env = cache_env(index)
    out = {"flake8": {}, "pylint": {}, "cli": {}, "whole": {}}
    for key, fixtures in _groups(PROJECT_FIXTURES).items():
        settings = dict(key)
        for fixture in fixtures:  # one process per file: each checked alone
            out["flake8"].update(_flake8([fixture.path], settings, env=env))
            out["pylint"].update(_pylint([fixture.path], settings, env=env))
            result = check_in_projects([fixture.path], lifeguard_settings(settings), project_cache_dir=index)
            out["cli"].update(_by_file(result.findings))
    for folder in project_dirs():
        merged: dict[str, str] = {}  # the folder's fixture settings, as test_fixtures.test_cli_project
        for fixture in PROJECT_FIXTURES:
            if fixture.path.startswith(folder + os.sep):
                merged.update(fixture.settings)
        out["whole"].update(_by_file(check_paths([folder], lifeguard_settings(merged)).findings))
    return out


@pytest.mark.parametrize("fixture", PROJECT_FIXTURES, ids=lambda f: f.name)
def test_parity_in_project(fixture, in_projects):
    path = os.path.abspath(fixture.path)
    whole = in_projects["whole"].get(path, set())
    assert whole == fixture.expected | fixture.project_only
    for frontend in ("flake8", "pylint", "cli"):
        assert in_projects[frontend].get(path, set()) == whole, frontend


def test_project_fixtures_cover_cross_module_facts():
    """The parity above is only worth something if the project fixtures hold findings that a
    file alone cannot show: helper chains, served coroutines, startup-only helpers."""
    marked = {code for f in PROJECT_FIXTURES for _, code in f.project_only}
    assert {"LG102", "LG105"} <= marked, marked
    assert any(f.alone_only for f in PROJECT_FIXTURES)  # what the project view takes back
    assert len(PROJECT_FIXTURES) >= 15


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.name)
def test_parity_alone(fixture, alone):
    path = os.path.abspath(fixture.path)
    flake8 = alone["flake8"].get(path, set())
    cli = alone["cli"].get(path, set())
    pylint = alone["pylint"].get(path, set())
    assert flake8 == cli == expected_alone(fixture), "flake8 and the CLI disagree"
    assert flake8 <= pylint, f"pylint misses {sorted(flake8 - pylint)}"
    extra = pylint - flake8
    # Following imports forward (never back to a route or lifespan in another file) adds
    # helper chains and types, never what only the other direction tells.
    assert extra <= fixture.project_only, f"pylint reports {sorted(extra - fixture.project_only)} nobody expects"


def test_pylint_follows_imports_in_the_chain_project(alone):
    """With the project view off, every `# project:` marker of fixtures/projects/chain has its
    cause in a module that the marked file imports, so pylint (following imports through
    astroid) still reports it."""
    chain = os.path.join(FIXTURES, "projects", "chain")
    fixtures = [f for f in FIXTURE_LIST if f.path.startswith(chain + os.sep)]
    assert any(f.project_only for f in fixtures)
    for fixture in fixtures:
        found = alone["pylint"].get(os.path.abspath(fixture.path), set())
        assert fixture.project_only <= found, (fixture.name, sorted(fixture.project_only - found))
