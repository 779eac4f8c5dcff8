"""`[tool.fastapi-lifeguard]` in pyproject.toml: discovery and loading for the CLI.

Discovery walks up from the checked paths (their common directory) to the nearest
`pyproject.toml` that has the section, the way ruff finds its settings; a pyproject without
the section is skipped. `--config FILE` names one (a pyproject.toml, or any TOML file whose
top level holds the keys), `--isolated` reads none. Every problem is one line naming the
file and the key, and the CLI exits 2 on it.

Paths in `exclude` and `per-file-ignores` that contain a `/` are relative to the directory of
the file that sets them; bare names (`migrations`, `test_*.py`) match at any depth.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from functools import lru_cache

from .options import settings_from_mapping
from .settings import ConfigError, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 by tox
    import tomli as tomllib

SECTION = "fastapi-lifeguard"
PYPROJECT = "pyproject.toml"


def _start_directory(paths: list[str]) -> str:
    if not paths:
        return os.getcwd()
    absolute = [os.path.abspath(p) for p in paths]
    try:
        common = os.path.commonpath(absolute)
    except ValueError:  # different drives
        common = absolute[0]
    if not os.path.isdir(common):
        common = os.path.dirname(common)
    return common


def find_config(paths: list[str]) -> str | None:
    """The nearest pyproject.toml with our section above the checked paths (or the cwd)."""
    directory = _start_directory(paths)
    while True:
        candidate = os.path.join(directory, PYPROJECT)
        if os.path.isfile(candidate) and SECTION in _read(candidate).get("tool", {}):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {' '.join(str(exc).split())}") from None


def load_config(path: str) -> Settings:
    """Settings from `path`: its [tool.fastapi-lifeguard], or its top level if not a pyproject."""
    data = _read(path)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    if SECTION in tool:
        section, where = tool[SECTION], f"[tool.{SECTION}] "
    elif os.path.basename(path) == PYPROJECT:
        section, where = {}, ""
    else:  # a dedicated file (e.g. lifeguard.toml): keys at the top level
        section, where = data, ""
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.{SECTION}] must be a table")
    settings = settings_from_mapping(section, source=f"{path}: {where}")
    return anchor(settings, os.path.dirname(os.path.abspath(path)))


_PROJECT_SETTINGS: dict[tuple[str, str, bool], tuple[Settings, bool]] = {}


def project_settings(root: str, values: dict, source: str, isolated: bool = False) -> tuple[Settings, bool]:
    """A per-file frontend's settings for a file of project `root`: the `[tool.fastapi-lifeguard]`
    table that `check <root>` reads, with the frontend's own options (`values`) on top.

    The second item says whether a table was found (then its selection applies too).
    Memoised: flake8 and pylint ask once per file.
    """
    memo = (root, repr(sorted(values.items())), isolated)
    found = _PROJECT_SETTINGS.get(memo)
    if found is None:
        path = None if isolated else find_config([root])
        base = load_config(path) if path else Settings()
        found = _PROJECT_SETTINGS[memo] = (settings_from_mapping(values, source=source, base=base), path is not None)
    return found


def anchor(settings: Settings, directory: str) -> Settings:
    """Make path patterns with a `/` absolute, relative to `directory` (the config's home)."""
    def fix(pattern: str) -> str:
        if os.path.isabs(pattern) or "/" not in pattern.strip("/"):
            return pattern.strip("/") if not os.path.isabs(pattern) else pattern
        if pattern.startswith(("*", "**")):  # already matches at any depth
            return pattern
        return os.path.normpath(os.path.join(directory, pattern)).replace("\\", "/")

    settings.exclude = tuple(fix(p) for p in settings.exclude)
    settings.per_file_ignores = {fix(k): v for k, v in settings.per_file_ignores.items()}
    return settings


@lru_cache(maxsize=256)
def _project_libraries(directory: str) -> tuple:
    path = find_config([directory])
    return _libraries_in(path) if path is not None else ()


@lru_cache(maxsize=16)
def _libraries_in(path: str) -> tuple:
    section = _read(path).get("tool", {}).get(SECTION, {})
    if not isinstance(section, dict) or "libraries" not in section:
        return ()
    return settings_from_mapping({"libraries": section["libraries"]}, source=f"{path}: [tool.{SECTION}] ").libraries


def with_project_libraries(settings: Settings, path: str) -> Settings:
    """flake8 and pylint: add the `[[tool.fastapi-lifeguard.libraries]]` records of the project
    a file belongs to (nearest pyproject.toml with the section), as the CLI reads them."""
    if not path or path in ("-", "stdin"):
        return settings
    found = _project_libraries(os.path.dirname(os.path.abspath(path)))
    if not found:
        return settings
    return dataclasses.replace(settings, libraries=(*found, *settings.libraries))
