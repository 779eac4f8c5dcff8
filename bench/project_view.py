"""Per-file frontends against the whole-project CLI on the corpus (issue 11's done-when table).

For each app of the corpus (a copy of it with a `pyproject.toml` marking its root, so the
per-file frontends find the project): the findings of `fastapi-lifeguard check <root>` (the
whole project, one run), of flake8 (`--select LG`: flake8 calls the plugin once per file)
with the project view on and off (off = the plugin before issue 11: the file alone), and of
pylint (this plugin's messages only) on and off (off = imports followed through astroid).
Each frontend's findings are compared as (file, line, code) with the CLI's: "found" is how
many of the CLI's it reports, "extra" what it reports that the CLI does not.

    python bench/project_view.py [--apps lnbits,open_webui] [--pylint lnbits,open_webui] [--work DIR]

The copies are hard links (`cp -al`) in --work (default: a temporary folder); every run uses
its own empty cache folder there, so the "on" rows include building the index cold.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import corpus_dir  # noqa: E402

APPS = ("litellm", "open_webui", "prefect", "langflow_base", "lnbits", "mlflow")
_FLAKE8 = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>LG\d{3}) ")


def _bin(name: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), name)


def _run(cmd: list[str], cwd: str, cache: str) -> tuple[str, float]:
    env = {**os.environ, "FASTAPI_LIFEGUARD_CACHE_DIR": cache}
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 1) and not (cmd[0].endswith("pylint") and not proc.returncode & 32):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout, time.monotonic() - start


def cli(root: str, cache: str) -> tuple[set, float]:
    out, took = _run([_bin("fastapi-lifeguard"), "check", ".", "--isolated", "--exit-zero",
                      "--output-format", "json"], root, cache)
    found = {(os.path.normpath(item["filename"]), item["location"]["row"], item["code"]) for item in json.loads(out)}
    return found, took


def flake8(root: str, cache: str, mode: str) -> tuple[set, float]:
    out, took = _run([_bin("flake8"), "--isolated", "--select=LG", f"--lifeguard-project={mode}", "."], root, cache)
    found = set()
    for line in out.splitlines():
        match = _FLAKE8.match(line)
        if match:
            found.add((os.path.normpath(match["path"]), int(match["row"]), match["code"]))
    return found, took


def pylint(root: str, cache: str, mode: str) -> tuple[set, float]:
    from fastapi_lifeguard.codes import RULES
    from fastapi_lifeguard.pylint_plugin import BY_CODE_SYMBOL

    code_of = {symbol: code for code, symbol in BY_CODE_SYMBOL.items()}
    enabled = ",".join(BY_CODE_SYMBOL[r.code] for r in RULES if r.default and r.code != "LG001")
    from fastapi_lifeguard.runner import discover

    # Every file by name: `--recursive=y` skips modules in folders without `__init__.py`
    # (open-webui's routers/), which the CLI checks.
    files = [os.path.relpath(p, root) for p in discover([root])]
    out, took = _run([_bin("pylint"), "--rcfile=" + os.devnull, "--persistent=n", "--output-format=json2",
                      "--score=n", "--load-plugins=fastapi_lifeguard.pylint_plugin", "--disable=all",
                      f"--enable={enabled}", f"--lifeguard-project={mode}", *files], root, cache)
    found = set()
    for message in json.loads(out)["messages"]:
        code = code_of.get(message["symbol"])
        if code:
            found.add((os.path.normpath(os.path.relpath(message["absolutePath"], root)), message["line"], code))
    return found, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(APPS))
    parser.add_argument("--pylint", default="lnbits,open_webui")
    parser.add_argument("--work", default=None)
    parser.add_argument("--no-flake8", action="store_true", help="only the CLI and pylint")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="lifeguard-view-")
    src = os.path.join(str(corpus_dir()), "src")
    rows = []
    for app in [a for a in args.apps.split(",") if a]:
        root = os.path.join(work, app)
        if not os.path.isdir(root):
            subprocess.run(["cp", "-al", os.path.join(src, app), root], check=True)
            with open(os.path.join(root, "pyproject.toml"), "w") as handle:
                handle.write("# project root marker for the per-file frontends (bench/project_view.py)\n")
        reference, took = cli(root, os.path.join(work, f".cache-{app}-cli"))
        row = {"app": app, "cli": len(reference), "cli_s": round(took, 1)}
        runs = [] if args.no_flake8 else [("flake8", mode) for mode in ("off", "on")]
        if app in args.pylint.split(","):
            runs += [("pylint", mode) for mode in ("off", "on")]
        for tool, mode in runs:
            found, took = (flake8 if tool == "flake8" else pylint)(root, os.path.join(work, f".cache-{app}-{tool}-{mode}"), mode)
            row[f"{tool}_{mode}"] = (len(found & reference), len(found - reference), round(took, 1))
            missing = sorted(reference - found)[:5]
            extra = sorted(found - reference)[:5]
            if mode == "on" and (missing or extra):
                print(f"{app} {tool} on: missing {missing} extra {extra}", file=sys.stderr)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print("| app | CLI | flake8 before (found/extra) | flake8 after | pylint before | pylint after |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        def cell(key):
            if key not in row:
                return "–"
            found, extra, _ = row[key]
            return f"{found} ({100 * found / row['cli']:.0f} %) / {extra}" if row["cli"] else f"{found} / {extra}"
        print(f"| {row['app']} | {row['cli']} | {cell('flake8_off')} | {cell('flake8_on')} | "
              f"{cell('pylint_off')} | {cell('pylint_on')} |")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
