"""Reading fixtures: expected findings are comments on the offending lines.

`# error: LG101` (or `LG101, LG102`): reported by every frontend, file by file, also with the
project view off (`--lifeguard-project=off`: the file alone).
`# alone: LG101`: reported only with the project view off, where the project would say more
(a coroutine only a lifespan in another module awaits is startup-only there: LG105).
`# project: LG102`: the reason lies in another module, so it is reported only when the file is
analysed inside its project: the CLI on the folder, and since the project view (SPEC §5) every
frontend given the file alone, because each `fixtures/projects/*` folder holds a root marker
(`pyproject.toml`). Not reported with the project view off. The other fixtures are single-file
fixtures: the tests check them with the project view off (inside the repository's project they
would meet each other, e.g. one fixture's `app.state.x.aclose()` releasing another's).
`# lifeguard: key=value` on a line of its own, in the first lines: a setting for this
fixture (`select`, `fastapi-version`, `blocking-calls`, ...).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")

_MARK = re.compile(r"#\s*(error|project|alone):\s*(LG\d{3}(?:\s*,\s*LG\d{3})*)")
_SETTING = re.compile(r"^#\s*lifeguard:\s*([a-z-]+)\s*=\s*(.*?)\s*$")


@dataclass
class Fixture:
    path: str
    expected: set[tuple[int, str]] = field(default_factory=set)  # every frontend
    project_only: set[tuple[int, str]] = field(default_factory=set)
    alone_only: set[tuple[int, str]] = field(default_factory=set)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return os.path.relpath(self.path, FIXTURES)


def read_fixture(path: str) -> Fixture:
    fixture = Fixture(path)
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            setting = _SETTING.match(line)
            if setting and number <= 15:
                fixture.settings[setting.group(1)] = setting.group(2)
            for kind, codes in _MARK.findall(line):
                target = {"error": fixture.expected, "project": fixture.project_only}.get(kind, fixture.alone_only)
                for code in re.split(r"\s*,\s*", codes):
                    target.add((number, code))
    return fixture


def single_fixtures() -> list[Fixture]:
    """Fixture files checked one by one (every .py under fixtures/, projects included)."""
    found = []
    for root, dirs, files in os.walk(FIXTURES):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                found.append(read_fixture(os.path.join(root, name)))
    return found


def in_project(fixture: Fixture) -> bool:
    """A file of a `fixtures/projects/*` folder (a project root of its own)."""
    return fixture.path.startswith(os.path.join(FIXTURES, "projects") + os.sep)


def project_dirs() -> list[str]:
    """Folders under fixtures/projects/: each is analysed as one project."""
    base = os.path.join(FIXTURES, "projects")
    if not os.path.isdir(base):
        return []
    return [os.path.join(base, d) for d in sorted(os.listdir(base)) if os.path.isdir(os.path.join(base, d))]


def settings_key(fixture: Fixture) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(fixture.settings.items()))


def lifeguard_settings(values: dict[str, str]):
    """Fixture settings as engine Settings (select= means extend-select: defaults stay on)."""
    from fastapi_lifeguard.options import settings_from_mapping

    mapped = {("extend-select" if k == "select" else k): v for k, v in values.items()}
    return settings_from_mapping(mapped)


def expected_in_project(fixture: Fixture) -> set[tuple[int, str]]:
    return fixture.expected | fixture.project_only


def expected_alone(fixture: Fixture) -> set[tuple[int, str]]:
    return fixture.expected | fixture.alone_only


def cache_env(directory: str) -> dict[str, str]:
    """Subprocess environment whose project index lives in `directory`, not in the checkout."""
    return {**os.environ, "FASTAPI_LIFEGUARD_CACHE_DIR": directory}


def flake8_args(values: dict[str, str]) -> list[str]:
    args = []
    for key, value in values.items():
        if key == "select":
            args.append(f"--extend-select={value}")
        else:
            args.append(f"--lifeguard-{key}={value}")
    return args
