"""Running pylint with the plugin from tests: a subprocess per run, JSON output.

A subprocess keeps astroid's module caches of one run away from the next (fixture
projects reuse package names such as `app`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

from fastapi_lifeguard.codes import BY_CODE, RULES
from fastapi_lifeguard.engine import module_name
from fastapi_lifeguard.pylint_plugin import BY_CODE_SYMBOL

PLUGIN = "fastapi_lifeguard.pylint_plugin"
CODE_BY_SYMBOL = {symbol: code for code, symbol in BY_CODE_SYMBOL.items()}


def default_symbols(extra_codes: tuple[str, ...] = ()) -> list[str]:
    """Our messages that are on by default, plus the rules a fixture selects."""
    on = {BY_CODE_SYMBOL[r.code] for r in RULES if r.default}
    on.update(BY_CODE_SYMBOL[c] for c in extra_codes if c in BY_CODE)
    return sorted(on)


def settings_args(settings: dict[str, str]) -> list[str]:
    """Fixture settings (`# lifeguard: key=value`) as pylint options."""
    args = []
    for key, value in settings.items():
        if key == "select":
            codes = tuple(c.strip() for c in value.split(",") if c.strip())
            args.append("--enable=" + ",".join(BY_CODE_SYMBOL[c] for c in codes if c in BY_CODE))
        else:
            args.append(f"--lifeguard-{key}={value}")
    return args


def run_pylint(paths: list[str], args: list[str], cwd: str | None = None, rcfile: bool = False,
               env: dict[str, str] | None = None) -> list[dict]:
    """pylint on `paths`; the messages as json2 dicts (fatal problems fail the test)."""
    cmd = [sys.executable, "-m", "pylint", "--persistent=n", "--output-format=json2",
           "--score=n", *([] if rcfile else ["--rcfile=" + os.devnull]), *args, *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)
    assert not proc.returncode & (1 | 32), f"pylint failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout[:2000]}"
    return json.loads(proc.stdout)["messages"]


def lifeguard_by_file(messages: list[dict]) -> dict[str, set[tuple[int, str]]]:
    """(line, LG code) per absolute path, our messages only."""
    found: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for message in messages:
        code = CODE_BY_SYMBOL.get(message["symbol"])
        if code is not None:
            found[os.path.abspath(message["absolutePath"])].add((message["line"], code))
    return found


def batches(paths: list[str]) -> list[list[str]]:
    """Split paths so that no two in a batch share a module name (one pylint run each)."""
    out: list[list[str]] = []
    seen: list[set[str]] = []
    for path in paths:
        name = module_name(path)[0] or os.path.basename(path)
        for batch, names in zip(out, seen):
            if name not in names:
                batch.append(path)
                names.add(name)
                break
        else:
            out.append([path])
            seen.append({name})
    return out
