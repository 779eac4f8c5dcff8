"""flake8 frontend: entry point `LG`. flake8 parses the file; we reuse its tree (one parse).

With a project root above the file (SPEC §5) the file is checked inside its project through
the project index (`index.py`): the findings are those of `fastapi-lifeguard check <root>`
for this file, the file itself taken from the text flake8 read (stdin included: editors
pass their unsaved buffer with `--stdin-display-name`). `--lifeguard-project=off`, or no root,
checks the file alone from flake8's tree.
"""

from __future__ import annotations

import ast
import os
from typing import Any, Iterator

from . import __version__
from . import index as project_index
from .codes import DEFAULT_OFF
from .config import project_settings, with_project_libraries
from .engine import check_tree, decode
from .options import PLUGIN_OPTIONS, settings_from_mapping
from .settings import Settings


class LifeguardChecker:
    name = "fastapi-lifeguard"
    version = __version__
    _settings = None
    _values: dict = {}  # the --lifeguard-* options given
    _explicit: tuple[str, ...] = ()  # codes named in --select/--extend-select

    def __init__(self, tree: ast.Module, filename: str, lines: list[str] | None = None) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @staticmethod
    def add_options(optmanager: Any) -> None:
        for option in PLUGIN_OPTIONS:
            optmanager.add_option(
                f"--lifeguard-{option.name}", default=None, parse_from_config=True,
                comma_separated_list=option.kind == "list", help=option.help,
            )
        optmanager.extend_default_ignore(sorted(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: Any) -> None:
        values = {}
        for option in PLUGIN_OPTIONS:
            value = getattr(options, f"lifeguard_{option.name.replace('-', '_')}", None)
            if value not in (None, [], ""):
                values[option.name] = value
        cls._values = values
        cls._settings = settings_from_mapping(values, source="flake8 option --lifeguard-")
        # `--select LG` explicitly selects every LG code for flake8, default-ignored ones too:
        # a rule off by default runs only when its own code is named (as in the CLI).
        cls._explicit = tuple(c.strip().upper() for c in [*(getattr(options, "select", None) or []),
                                                         *(getattr(options, "extend_select", None) or [])])
        project_index.reset()  # a new run: the tree may have changed since the last one

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        settings, configured = self._settings or Settings(), False
        findings = None
        root = project_index.find_root(self.filename) if settings.project else None
        if root is not None:
            # The project's [tool.fastapi-lifeguard] table (flake8's --isolated is about flake8's
            # own config files), with --lifeguard-* options on top.
            settings, configured = project_settings(root, self._values, "flake8 option --lifeguard-")
            if settings.project:
                findings = project_index.findings_for(self.filename, self._buffer(), settings, root=root,
                                                      tree=self.tree)
        if findings is None:
            if not configured:
                # Library records live in pyproject.toml, which flake8 does not read: the same
                # discovery as the CLI's, from the file.
                settings = with_project_libraries(settings, self.filename)
            findings = check_tree(self.tree, self.filename, settings)
        for finding in findings:
            if finding.code not in self._explicit:
                if configured and not settings.enabled(finding.code, os.path.abspath(self.filename)):
                    continue  # the project's table deselects it, as `check` does
                if not configured and finding.code in DEFAULT_OFF:
                    continue
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)

    def _buffer(self) -> bytes | None:
        """The file's text when it is not what is on disk (stdin, an editor's buffer), else None."""
        if self.lines is None:
            return None
        text = "".join(self.lines)
        try:
            with open(self.filename, "rb") as handle:
                disk = handle.read()
            if decode(disk) == text or decode(disk).replace("\r\n", "\n") == text.replace("\r\n", "\n"):
                return None
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
            pass
        return text.encode("utf-8")
