"""The options every frontend exposes, and how a mapping of them becomes `Settings`.

One table: flake8 adds `--lifeguard-<name>`, pylint `--lifeguard-<name>`, the CLI reads
`<name>` from `[tool.fastapi-lifeguard]`. Lists may be given as lists or comma-separated
text; mappings as tables or `name=value` items.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .catalogue.libraries import RecordError, user_records
from .settings import ConfigError, Settings, check_codes, parse_version


@dataclass(frozen=True)
class Option:
    name: str
    kind: str  # version | switch | mapping | positions | list | codes | path-codes | records
    help: str

    @property
    def is_list(self) -> bool:
        return self.kind in ("mapping", "positions", "list", "codes")


SHARED_OPTIONS: tuple[Option, ...] = (
    Option("fastapi-version", "version",
           "FastAPI version whose semantics to assume (e.g. 0.110); default: current FastAPI"),
    Option("blocking-calls", "mapping",
           "extra blocking calls as dotted.name=advice items (LG101/LG102)"),
    Option("resource-factories", "mapping",
           "extra resource factories as dotted.name=advice items (LG201/LG301)"),
    Option("offload-wrappers", "positions",
           "extra functions that run a callable in a thread, as dotted.name=position (LG104)"),
    Option("background-task-guards", "list",
           "decorators that catch and log a background task's exceptions (LG401)"),
    Option("report-unserved", "switch",
           "on: LG101/LG103 also check coroutines the server does not run (CLI commands, scripts, "
           "tests, client packages it never imports, coroutines only sync wrappers run), as a "
           "library check does; default off"),
    Option("libraries", "records",
           "extra library records (docs/libraries.md) as a JSON array; in pyproject.toml, "
           "[[tool.fastapi-lifeguard.libraries]] tables, which flake8 and pylint read too"),
)

# Not a rule option: how a per-file frontend sees the file (SPEC §5). flake8 and pylint get
# `--lifeguard-project`, the table `project`, the CLI `--no-project`.
FRONTEND_OPTIONS: tuple[Option, ...] = (
    Option("project", "switch",
           "on (default): report for a file what `fastapi-lifeguard check <project root>` reports, "
           "through the project index; off: analyse the file alone"),
)
PLUGIN_OPTIONS = SHARED_OPTIONS + FRONTEND_OPTIONS

CONFIG_ONLY: tuple[Option, ...] = (
    Option("select", "codes", "rule codes or prefixes to enable"),
    Option("extend-select", "codes", "rule codes or prefixes to enable on top of select"),
    Option("ignore", "codes", "rule codes or prefixes to disable"),
    Option("per-file-ignores", "path-codes", "glob -> codes to disable in matching files"),
    Option("exclude", "list", "glob patterns of paths not to check"),
)

ALL_OPTIONS = {o.name: o for o in (*PLUGIN_OPTIONS, *CONFIG_ONLY)}

# `pkg.mod.func`, or `*.method` for a method on any receiver (how the catalogues spell it).
_DOTTED = re.compile(r"^(\*\.)?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _check_dotted(key: str, names) -> None:
    for name in names:
        if not _DOTTED.match(name):
            raise ConfigError(f"{key}: {name!r} is not a dotted name like 'package.module.function'")


def _as_list(key: str, value) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if not isinstance(item, str):
                raise ConfigError(f"{key}: expected strings, got {item!r}")
            out.extend(_as_list(key, item) if "," in item else [item.strip()])
        return out
    raise ConfigError(f"{key}: expected a list of strings, got {type(value).__name__}")


def _codes_value(key: str, value):
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return value
    raise ConfigError(f"{key}: expected a list of rule codes like [\"LG101\"], got {value!r}")


def _as_mapping(key: str, value) -> dict[str, str]:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(v, (str, int)):
                raise ConfigError(f"{key}: value for {k!r} must be a string, got {v!r}")
            out[str(k)] = str(v)
        return out
    out = {}
    for item in _as_list(key, value):
        name, _, advice = item.partition("=")
        out[name.strip()] = advice.strip()
    return out


def _records(key: str, value) -> tuple:
    """Library records: TOML tables, or JSON text (a flake8/pylint option, a fixture setting)."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        value = ",".join(value)  # a comma-separated option split by its frontend
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ConfigError(f"{key}: expected a JSON array of records, {exc}") from None
    try:
        return user_records(list(value) if isinstance(value, tuple) else value)
    except RecordError as exc:
        raise ConfigError(f"{key}: {exc}") from None


_ON = {"on", "true", "yes", "1"}
_OFF = {"off", "false", "no", "0"}


def parse_switch(key: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _ON or text in _OFF:
        return text in _ON
    raise ConfigError(f"{key}: expected on or off, got {value!r}")


def settings_from_mapping(values: dict, source: str = "", base: Settings | None = None) -> Settings:
    """Build Settings from option names (`fastapi-version`, ...) to raw values."""
    settings = base or Settings()
    for raw_key, value in values.items():
        key = raw_key.replace("_", "-")
        option = ALL_OPTIONS.get(key)
        if option is None:
            known = ", ".join(sorted(ALL_OPTIONS))
            raise ConfigError(f"{source}{raw_key}: unknown option (known: {known})")
        try:
            if option.kind == "version":
                if isinstance(value, float):  # TOML reads 0.110 as 0.11
                    raise ConfigError(f"{key}: write the version as a string, e.g. \"0.110\", got {value!r}")
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    raise ConfigError(f"{key}: expected a version string like \"0.110\", got {value!r}")
                settings.fastapi_version = parse_version(value)
            elif option.kind == "switch":
                setattr(settings, key.replace("-", "_"), parse_switch(key, value))
            elif option.kind == "mapping":
                mapping = _as_mapping(key, value)
                _check_dotted(key, mapping)
                setattr(settings, key.replace("-", "_"), mapping)
            elif option.kind == "positions":
                positions = {}
                for name, pos in _as_mapping(key, value).items():
                    try:
                        positions[name] = int(pos or 0)
                    except ValueError:
                        raise ConfigError(f"{key}: position of {name!r} must be a number, got {pos!r}") from None
                    if positions[name] < 0:
                        raise ConfigError(f"{key}: position of {name!r} must be 0 or more, got {pos!r}")
                _check_dotted(key, positions)
                settings.offload_wrappers = positions
            elif option.kind == "list":
                items = tuple(_as_list(key, value))
                if key == "background-task-guards":
                    _check_dotted(key, items)
                setattr(settings, key.replace("-", "_"), items)
            elif option.kind == "codes":
                setattr(settings, key.replace("-", "_"), check_codes(key, _codes_value(key, value)))
            elif option.kind == "records":
                settings.libraries = (*settings.libraries, *_records(key, value))
            elif option.kind == "path-codes":
                if not isinstance(value, dict):
                    raise ConfigError(f"{key}: expected a table of \"glob\" = [\"codes\"], got {type(value).__name__}")
                settings.per_file_ignores = {str(k): check_codes(key, _codes_value(f"{key} {k!r}", v))
                                             for k, v in value.items()}
        except ConfigError as exc:
            raise ConfigError(f"{source}{exc}") from None
    return settings
