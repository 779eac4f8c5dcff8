"""`[tool.fastapi-lifeguard]` in pyproject.toml: discovery and loading for the CLI."""

from __future__ import annotations

import os
import sys

from .options import settings_from_mapping
from .settings import ConfigError, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 by tox
    import tomli as tomllib

SECTION = "fastapi-lifeguard"


def find_config(paths: list[str]) -> str | None:
    """The nearest pyproject.toml with our section, walking up from the first path (or cwd)."""
    start = os.path.abspath(paths[0] if paths else os.getcwd())
    directory = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, "rb") as handle:
                    data = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError):
                data = {}
            if SECTION in data.get("tool", {}):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_config(path: str) -> Settings:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get(SECTION, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.{SECTION}] must be a table")
    return settings_from_mapping(section, source=f"{path}: [tool.{SECTION}] ")
