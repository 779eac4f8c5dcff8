"""Same fixtures, three frontends: flake8 and the CLI agree exactly; pylint reports at least
what flake8 reports, and whatever else it reports comes from following imports (`# project:`).

Every `fixtures/**/*.py` is checked file by file: flake8 (`--select LG`, subprocess), the
CLI runner on each file alone, and pylint with only this plugin's default-on messages.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict

import pytest

pytest.importorskip("pylint")

from fixtures_support import FIXTURES, flake8_args, lifeguard_settings, settings_key, single_fixtures  # noqa: E402
from pylint_support import (PLUGIN, batches, default_symbols, lifeguard_by_file, run_pylint,  # noqa: E402
                            settings_args)

from fastapi_lifeguard.runner import check_paths  # noqa: E402

FIXTURE_LIST = single_fixtures()
_FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>LG\d{3}) ")


def _groups():
    groups = defaultdict(list)
    for fixture in FIXTURE_LIST:
        groups[settings_key(fixture)].append(fixture)
    return groups


def _flake8(paths, settings):
    cmd = [sys.executable, "-m", "flake8", "--isolated", "--select=LG", *flake8_args(settings), *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    found = defaultdict(set)
    for line in proc.stdout.splitlines():
        match = _FLAKE8_LINE.match(line)
        assert match, line
        found[os.path.abspath(match["path"])].add((int(match["row"]), match["code"]))
    return found


def _pylint(paths, settings):
    selected = tuple(c.strip() for c in settings.get("select", "").split(",") if c.strip())
    args = [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=" + ",".join(default_symbols(selected)),
            *settings_args({k: v for k, v in settings.items() if k != "select"})]
    found = defaultdict(set)
    for batch in batches(paths):
        found.update(lifeguard_by_file(run_pylint(batch, args)))
    return found


@pytest.fixture(scope="module")
def results():
    out = {"flake8": {}, "pylint": {}, "cli": {}}
    for key, fixtures in _groups().items():
        settings = dict(key)
        paths = [f.path for f in fixtures]
        out["flake8"].update(_flake8(paths, settings))
        out["pylint"].update(_pylint(paths, settings))
        for path in paths:
            findings = check_paths([path], lifeguard_settings(settings)).findings
            out["cli"][os.path.abspath(path)] = {(f.line, f.code) for f in findings}
    return out


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.name)
def test_parity(fixture, results):
    path = os.path.abspath(fixture.path)
    flake8 = results["flake8"].get(path, set())
    cli = results["cli"].get(path, set())
    pylint = results["pylint"].get(path, set())
    assert flake8 == cli, "flake8 and the CLI disagree"
    assert flake8 <= pylint, f"pylint misses {sorted(flake8 - pylint)}"
    extra = pylint - flake8
    assert extra <= fixture.project_only, f"pylint reports {sorted(extra - fixture.project_only)} nobody expects"


def test_pylint_follows_imports_in_the_chain_project(results):
    """Every `# project:` marker of fixtures/projects/chain has its cause in a module that
    the marked file imports, so pylint (following imports through astroid) reports it."""
    chain = os.path.join(FIXTURES, "projects", "chain")
    fixtures = [f for f in FIXTURE_LIST if f.path.startswith(chain + os.sep)]
    assert any(f.project_only for f in fixtures)
    for fixture in fixtures:
        found = results["pylint"].get(os.path.abspath(fixture.path), set())
        assert fixture.project_only <= found, (fixture.name, sorted(fixture.project_only - found))
