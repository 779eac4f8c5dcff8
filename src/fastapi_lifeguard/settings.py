"""Settings shared by every frontend, and the rule selection logic (ruff/flake8 semantics).

The CLI reads them from `[tool.fastapi-lifeguard]`, flake8 from `--lifeguard-*` options,
pylint from `lifeguard-*` options; all end up in one `Settings`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from .codes import BY_CODE, DEFAULT_OFF

CODE_PREFIX = re.compile(r"^LG[0-9]{0,3}$")


class ConfigError(ValueError):
    """A setting is wrong; the message is one line a user can act on."""


def parse_version(text: str | None) -> tuple[int, int] | None:
    if text is None or str(text).strip() in ("", "current", "latest"):
        return None
    match = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.\d+)?\s*", str(text))
    if not match:
        raise ConfigError(f"fastapi-version: expected a version like 0.115, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def check_codes(key: str, codes) -> tuple[str, ...]:
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[,\s]+", codes) if c]
    out = []
    for code in codes:
        code = str(code).strip().upper()
        if code == "ALL":
            code = "LG"
        if not CODE_PREFIX.match(code) or (len(code) == 5 and code not in BY_CODE):
            raise ConfigError(f"{key}: unknown rule code or prefix {code!r} (see `fastapi-lifeguard rules`)")
        out.append(code)
    return tuple(out)


@dataclass
class Settings:
    select: tuple[str, ...] = ("LG",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    fastapi_version: tuple[int, int] | None = None  # None: current FastAPI semantics
    blocking_calls: dict[str, str] = field(default_factory=dict)  # dotted name -> advice
    resource_factories: dict[str, str] = field(default_factory=dict)  # dotted name -> advice
    offload_wrappers: dict[str, int] = field(default_factory=dict)  # dotted name -> callable position
    background_task_guards: tuple[str, ...] = ()  # decorators that catch and log
    libraries: tuple = ()  # user library records (catalogue.libraries.Record), pyproject only
    # LG101/LG103 also in coroutines the server does not run (CLI commands, scripts, client
    # packages it never imports, library APIs behind sync wrappers, tests): a library check of them.
    report_unserved: bool = False
    # Per-file frontends analyse the file inside its project (SPEC §5); False: the file alone.
    project: bool = True

    def enabled(self, code: str, path: str | None = None) -> bool:
        """Longest matching prefix wins; a rule off by default needs its own code selected."""
        selects = self.select + self.extend_select
        ignores = self.ignore
        if path is not None and self.per_file_ignores:
            for pattern, codes in self.per_file_ignores.items():
                if _path_matches(path, pattern):
                    ignores = ignores + codes
        best_select = max((len(p) for p in selects if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in ignores if code.startswith(p)), default=-1)
        if best_select < 0 or best_ignore >= best_select:
            return False
        if code in DEFAULT_OFF:
            return best_select >= len(code)
        return True

    def fingerprint(self) -> str:
        """Stable text of everything that changes findings (cache keys)."""
        return repr(sorted((k, v) for k, v in vars(self).items() if k != "project"))


def _path_matches(path: str, pattern: str) -> bool:
    path = path.replace("\\", "/")
    return (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, "*/" + pattern)
            or fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern))
