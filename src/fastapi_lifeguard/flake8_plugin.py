"""flake8 frontend: entry point `LG`. flake8 parses the file; we reuse its tree (one parse)."""

from __future__ import annotations

import ast
from typing import Any, Iterator

from . import __version__
from .codes import DEFAULT_OFF
from .config import with_project_libraries
from .engine import check_tree
from .options import SHARED_OPTIONS, settings_from_mapping
from .settings import Settings


class LifeguardChecker:
    name = "fastapi-lifeguard"
    version = __version__
    _settings = None
    _explicit: tuple[str, ...] = ()  # codes named in --select/--extend-select

    def __init__(self, tree: ast.Module, filename: str) -> None:
        self.tree = tree
        self.filename = filename

    @staticmethod
    def add_options(optmanager: Any) -> None:
        for option in SHARED_OPTIONS:
            optmanager.add_option(
                f"--lifeguard-{option.name}", default=None, parse_from_config=True,
                comma_separated_list=option.kind == "list", help=option.help,
            )
        optmanager.extend_default_ignore(sorted(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: Any) -> None:
        values = {}
        for option in SHARED_OPTIONS:
            value = getattr(options, f"lifeguard_{option.name.replace('-', '_')}", None)
            if value not in (None, [], ""):
                values[option.name] = value
        cls._settings = settings_from_mapping(values, source="flake8 option --lifeguard-")
        # `--select LG` explicitly selects every LG code for flake8, default-ignored ones too:
        # a rule off by default runs only when its own code is named (as in the CLI).
        cls._explicit = tuple(c.strip().upper() for c in [*(getattr(options, "select", None) or []),
                                                         *(getattr(options, "extend_select", None) or [])])

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        # Library records live in pyproject.toml, which flake8 does not read: the same discovery
        # as the CLI's, from the file (flake8's --isolated is about flake8's own files).
        settings = with_project_libraries(self._settings or Settings(), self.filename)
        for finding in check_tree(self.tree, self.filename, settings):
            if finding.code in DEFAULT_OFF and finding.code not in self._explicit:
                continue
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)
