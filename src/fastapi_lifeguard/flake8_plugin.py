"""flake8 frontend: entry point `LG`. flake8 parses the file; we reuse its tree (one parse)."""

from __future__ import annotations

import ast
from typing import Any, Iterator

from . import __version__
from .codes import DEFAULT_OFF
from .engine import check_tree
from .options import SHARED_OPTIONS, settings_from_mapping


class LifeguardChecker:
    name = "fastapi-lifeguard"
    version = __version__
    _settings = None

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

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for finding in check_tree(self.tree, self.filename, self._settings):
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)
