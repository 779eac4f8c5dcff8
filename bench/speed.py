"""Speed of every frontend against its fairest baseline, measured in one run on one machine.

    python bench/corpus.py && python bench/speed.py [--repeat N] [--profile] [--strict]

What is compared (see bench/README.md for why each baseline is the fair one):

  CLI        `fastapi-lifeguard check` on litellm (whole-project analysis, one process: `-j 1`
             when the CLI has `-j`), cold (empty cache) and cached (second run on the same
             cache) when the CLI has `--cache-dir`/`--no-cache`, against one process that
             `ast.parse`s the same files.                      Targets: cold <= 1.3 x parse,
                                                                        cached <= 0.1 x cold.
  flake8     the LG plugin and flake8-async, each as the only checker in the same flake8
             (bench/flake8_only.py), on the same files (lnbits), `-j 1` and flake8's default
             jobs, plus flake8 with no checker at all (its own cost).
                                                               Target: LG no slower than ASYNC.
  pylint     `--load-plugins=fastapi_lifeguard.pylint_plugin` against plain pylint, on lnbits
             (skipped, with a message, while the plugin does not exist).
  view       the project view (SPEC §5) on a copy of litellm with a root marker: flake8 with
             only the LG checker on litellm's largest module, the index warm and the project
             unchanged, against the same file checked alone (`--lifeguard-project=off`, the
             plugin before the project view).                  Target: warm <= 1.5 x alone.
             Also reported: the same file given as an edited buffer on stdin (the project's
             findings recomputed from the cached models), and the index cold against the
             CLI cold on the whole copy.
  ruff       `ruff check --select ASYNC` on the same trees, for reference only.

Every command runs as a subprocess (interpreter start-up included on both sides). Times are
wall clock and CPU (user + sys of the command and everything it waited for); ratios use CPU
time, which a busy shared machine disturbs much less than wall time. With --repeat N each
command runs N times, round-robin, and the fastest run counts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

from fastapi_lifeguard.runner import discover  # noqa: E402

PY = sys.executable
BIN = Path(sys.executable).parent

PARSE_SCRIPT = r"""
import ast, sys, warnings
warnings.simplefilter("ignore")
with open(sys.argv[1], encoding="utf-8") as listing:
    paths = listing.read().splitlines()
for path in paths:
    with open(path, "rb") as handle:
        ast.parse(handle.read(), path)
"""


@dataclass
class Run:
    label: str
    command: list[str]
    files: int
    note: str = ""
    prepare: object = None  # callable run before each timing (not timed)
    wall: float = float("inf")
    cpu: float = float("inf")
    reports: int | None = None
    failed: str = ""
    samples: list[tuple[float, float]] = field(default_factory=list)
    counts: bool = True  # print how many findings/lines the command reported
    env: dict | None = None
    stdin: bytes | None = None


def timed(run: Run) -> None:
    if run.prepare is not None:
        run.prepare()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(run.command, capture_output=True, cwd=tempfile.gettempdir(), check=False,
                          env=run.env, input=run.stdin)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # 0 clean, 1 findings (CLI, flake8, ruff); pylint's exit status is a bit mask of message kinds.
    ok = proc.returncode in (0, 1) or (run.label.startswith("pylint") and 0 < proc.returncode < 32)
    if not ok:
        run.failed = f"exit {proc.returncode}: {proc.stderr.decode(errors='replace').strip().splitlines()[-1:]}"
        return
    run.samples.append((wall, cpu))
    run.wall, run.cpu = min(run.wall, wall), min(run.cpu, cpu)
    out = proc.stdout.decode(errors="replace")
    if "--output-format" in run.command and "json" in run.command:
        run.reports = len(json.loads(out or "[]"))
    else:
        run.reports = sum(1 for line in out.splitlines() if line.strip() and not line.startswith("*"))


def cli_help() -> str:
    proc = subprocess.run([PY, "-m", "fastapi_lifeguard.cli", "check", "--help"], capture_output=True, text=True,
                          check=False)
    return proc.stdout


def ratio(a: Run, b: Run) -> float | None:
    if a.failed or b.failed or not a.samples or not b.samples or b.cpu <= 0:
        return None
    return a.cpu / b.cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="corpus cache folder (default: $LIFEGUARD_CORPUS or ~/.cache/...)")
    parser.add_argument("--project", default="litellm", help="the CLI and parse comparison (default: litellm)")
    parser.add_argument("--small", default="lnbits", help="the flake8 and pylint comparisons (default: lnbits)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; the fastest counts (default: 1)")
    parser.add_argument("--skip", action="append", default=[], choices=["cli", "flake8", "pylint", "view", "ruff"],
                        help="leave a group out (repeatable)")
    parser.add_argument("--profile", action="store_true", help="also profile the CLI (cProfile) on --project")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    root = corpus.corpus_dir(args.corpus)
    try:
        big = corpus.source_dir(root, corpus.BY_NAME[args.project])
        small = corpus.source_dir(root, corpus.BY_NAME[args.small])
    except KeyError as exc:
        parser.error(f"not a corpus project: {exc.args[0]}")
    for folder in (big, small):
        if not folder.is_dir():
            print(f"speed: {folder} is missing; run bench/corpus.py first", file=sys.stderr)
            return 2

    scratch = Path(tempfile.mkdtemp(prefix="lifeguard-bench-"))
    try:
        return _bench(args, big, small, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bench(args, big: Path, small: Path, scratch: Path) -> int:
    big_files = discover([str(big)])
    small_files = discover([str(small)])
    listing = scratch / "files.txt"
    listing.write_text("\n".join(os.path.abspath(p) for p in big_files), encoding="utf-8")
    parse_script = scratch / "parse_all.py"
    parse_script.write_text(PARSE_SCRIPT, encoding="utf-8")
    runs: dict[str, Run] = {}
    skipped: list[str] = []

    # ---- CLI against one-process parse ------------------------------------------------
    if "cli" not in args.skip:
        runs["parse"] = Run(f"ast.parse, one process ({big.name})", [PY, str(parse_script), str(listing)],
                            len(big_files), counts=False)
        help_text = cli_help()
        cli = [PY, "-m", "fastapi_lifeguard.cli", "check", str(big), "--output-format", "json",
               "--exit-zero", "--isolated"]
        if "--jobs" in help_text or " -j " in help_text or "-j JOBS" in help_text or "-j N" in help_text:
            cli += ["-j", "1"]
        cache = scratch / "cache"
        if "--cache-dir" in help_text:
            def fresh_cache() -> None:
                shutil.rmtree(cache, ignore_errors=True)

            def primed_cache() -> None:
                if not cache.exists():
                    subprocess.run(cold.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

            cold = runs["cold"] = Run(f"CLI cold, empty cache ({big.name})", cli + ["--cache-dir", str(cache)],
                                      len(big_files), prepare=fresh_cache)
            runs["cached"] = Run(f"CLI cached, unchanged tree ({big.name})", cli + ["--cache-dir", str(cache)],
                                 len(big_files), prepare=primed_cache)
        elif "--no-cache" in help_text:
            runs["cold"] = Run(f"CLI cold, --no-cache ({big.name})", cli + ["--no-cache"], len(big_files))
            skipped.append("CLI cached: the CLI has --no-cache but no --cache-dir to keep the corpus tree clean")
        else:
            runs["cold"] = Run(f"CLI cold ({big.name})", cli, len(big_files))
            skipped.append("CLI cached: the CLI has no cache options yet (--no-cache/--cache-dir)")

    # ---- flake8: each plugin as the only checker --------------------------------------
    if "flake8" not in args.skip:
        driver = [PY, str(HERE / "flake8_only.py")]
        for jobs, tag in (("1", "-j 1"), (None, "default -j")):
            jarg = ["-j", jobs] if jobs else []
            for key, names, select, label in (
                ("none", "", "E999", "flake8, no checker"),
                ("lg", "LG", "LG", "flake8 + LG only"),
                ("async", "ASY", "ASYNC", "flake8 + flake8-async only"),
            ):
                runs[f"flake8 {key} {tag}"] = Run(
                    f"{label}, {tag} ({small.name})",
                    [*driver, names, "--", "--isolated", f"--select={select}", *jarg, str(small)], len(small_files))

    # ---- pylint: plugin against plain ---------------------------------------------------
    if "pylint" not in args.skip:
        import importlib.util

        if importlib.util.find_spec("fastapi_lifeguard.pylint_plugin") is None:
            skipped.append("pylint: fastapi_lifeguard.pylint_plugin does not exist yet")
        elif importlib.util.find_spec("pylint") is None:
            skipped.append("pylint: not installed")
        else:
            rc = scratch / "pylintrc"
            rc.write_text("[MAIN]\n", encoding="utf-8")
            base = [PY, "-m", "pylint", f"--rcfile={rc}", "--persistent=n", "-j", "1", "--score=n"]
            runs["pylint plain"] = Run(f"pylint, plain ({small.name})", [*base, str(small)], len(small_files))
            runs["pylint lg"] = Run(f"pylint + fastapi_lifeguard.pylint_plugin ({small.name})",
                                    [*base, "--load-plugins=fastapi_lifeguard.pylint_plugin", str(small)],
                                    len(small_files))

    # ---- the project view: one file of a big project, through flake8 ------------------------
    if "view" not in args.skip:
        _view_runs(runs, big, scratch)

    # ---- ruff, for reference --------------------------------------------------------------
    if "ruff" not in args.skip:
        ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
        if ruff is None:
            skipped.append("ruff: not installed")
        else:
            for folder, files in ((big, big_files), (small, small_files)):
                runs[f"ruff {folder.name}"] = Run(
                    f"ruff --select ASYNC ({folder.name}, reference)",
                    [ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC", "--exit-zero", str(folder)],
                    len(files))

    for i in range(args.repeat):
        for key, run in runs.items():
            if run.failed:
                continue
            print(f"[{i + 1}/{args.repeat}] {run.label} ...", file=sys.stderr, flush=True)
            timed(run)

    verdicts = _report(runs, skipped)
    if args.profile and "cli" not in args.skip:
        profile_cli(big, scratch)
    return 1 if args.strict and False in verdicts else 0


def _view_runs(runs: dict[str, Run], big: Path, scratch: Path) -> None:
    """flake8 (LG only) on the largest module of a hard-linked copy of `big` with a root marker."""
    copy = scratch / "view" / big.name
    copy.parent.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(big), str(copy)], check=True)
    (copy / "pyproject.toml").write_text("# project root marker (bench/speed.py)\n", encoding="utf-8")
    files = discover([str(copy)])
    target = max(files, key=os.path.getsize)
    name = os.path.relpath(target, copy)
    cache = scratch / "view-cache"
    env = {**os.environ, "FASTAPI_LIFEGUARD_CACHE_DIR": str(cache)}
    flake8 = [PY, str(HERE / "flake8_only.py"), "LG", "--", "--isolated", "--select=LG"]

    def fresh() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def primed() -> None:
        if not cache.exists():
            subprocess.run(cold.command, env=env, capture_output=True, check=False)

    text = Path(target).read_bytes()
    edits = iter(range(10 ** 6))

    def edited() -> None:
        primed()
        # A new buffer each time (else the second run finds the first one's findings cached).
        buffer.stdin = text + f"\n# edited {next(edits)} {time.time()}\n".encode()

    runs["view alone"] = Run(f"flake8 LG, file alone: {name}", [*flake8, "--lifeguard-project=off", target], 1, env=env)
    cold = runs["view cold"] = Run(f"flake8 LG, index cold: {name}", [*flake8, target], len(files),
                                   prepare=fresh, env=env)
    runs["view warm"] = Run(f"flake8 LG, index warm: {name}", [*flake8, target], len(files), prepare=primed, env=env)
    buffer = runs["view edited"] = Run(f"flake8 LG, edited buffer on stdin: {name}",
                                       [*flake8, f"--stdin-display-name={target}", "-"], len(files),
                                       prepare=edited, env=env)
    runs["view cli cold"] = Run(f"CLI cold on the copy, -j 1 ({big.name})",
                                [PY, "-m", "fastapi_lifeguard.cli", "check", str(copy), "-j", "1", "--isolated",
                                 "--exit-zero", "--output-format", "json", "--cache-dir", str(scratch / "cli-view")],
                                len(files), prepare=lambda: shutil.rmtree(scratch / "cli-view", ignore_errors=True))


def _report(runs: dict[str, Run], skipped: list[str]) -> list[bool]:
    print(f"\nPython {sys.version.split()[0]} on {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end\n")
    width = max(len(r.label) for r in runs.values()) if runs else 20
    print(f"{'measurement':<{width}}  {'files':>5}  {'wall s':>7}  {'CPU s':>7}  {'reports':>7}")
    for run in runs.values():
        if run.failed:
            print(f"{run.label:<{width}}  {run.files:>5}  FAILED {run.failed}")
        else:
            shown = run.reports if run.counts else ""
            print(f"{run.label:<{width}}  {run.files:>5}  {run.wall:>7.2f}  {run.cpu:>7.2f}  {shown:>7}")

    rows: list[tuple[str, float | None, float | None]] = []
    get = runs.get
    if get("parse") and get("cold"):
        rows.append(("CLI cold / ast.parse", ratio(runs["cold"], runs["parse"]), 1.3))
    if get("cold") and get("cached"):
        rows.append(("CLI cached / CLI cold", ratio(runs["cached"], runs["cold"]), 0.1))
    for tag in ("-j 1", "default -j"):
        lg, asy, none = get(f"flake8 lg {tag}"), get(f"flake8 async {tag}"), get(f"flake8 none {tag}")
        if lg and asy:
            rows.append((f"flake8 {tag}: LG / flake8-async (whole run)", ratio(lg, asy), 1.0))
            if none and not (lg.failed or asy.failed or none.failed) and asy.cpu - none.cpu > 0:
                rows.append((f"flake8 {tag}: LG / flake8-async (own cost above no-checker flake8)",
                             (lg.cpu - none.cpu) / (asy.cpu - none.cpu), 1.0))
    if get("pylint plain") and get("pylint lg"):
        rows.append(("pylint + plugin / plain pylint", ratio(runs["pylint lg"], runs["pylint plain"]), None))
    if get("view alone") and get("view warm"):
        rows.append(("view: one file, index warm / file alone", ratio(runs["view warm"], runs["view alone"]), 1.5))
    if get("view alone") and get("view edited"):
        rows.append(("view: edited buffer / file alone", ratio(runs["view edited"], runs["view alone"]), None))
    if get("view cold") and get("view cli cold"):
        rows.append(("view: one file, index cold / CLI cold on the project",
                     ratio(runs["view cold"], runs["view cli cold"]), None))
    for key, run in runs.items():
        if key.startswith("ruff ") and get("parse") and runs["parse"].files == run.files:
            rows.append(("ruff ASYNC / ast.parse (reference)", ratio(run, runs["parse"]), None))

    name_width = max([len(name) for name, _, _ in rows] + [16])
    print(f"\n{'ratio (CPU time)':<{name_width}}  {'value':>7}  {'target':>7}  verdict")
    verdicts = []
    for name, value, target in rows:
        if value is None:
            print(f"{name:<{name_width}}  {'n/a':>7}")
            continue
        verdict = ""
        if target is not None:
            ok = value <= target
            verdicts.append(ok)
            verdict = "meets" if ok else "MISSES"
        shown_target = f"<= {target:g}" if target is not None else ""
        print(f"{name:<{name_width}}  {value:>7.2f}  {shown_target:>7}  {verdict}")
    for note in skipped:
        print(f"skipped: {note}")
    return verdicts


def profile_cli(folder: Path, scratch: Path, top: int = 15) -> None:
    """cProfile the CLI in a subprocess; print the functions that cost most, by own time."""
    out = scratch / "cli.prof"
    command = [PY, "-m", "cProfile", "-o", str(out), "-m", "fastapi_lifeguard.cli", "check", str(folder),
               "--output-format", "json", "--exit-zero", "--isolated"]
    help_text = cli_help()
    if "--no-cache" in help_text:
        command.append("--no-cache")
    print(f"\nprofiling: {' '.join(command[3:])}", file=sys.stderr)
    subprocess.run(command, stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir(), check=False)
    import pstats

    stats = pstats.Stats(str(out))
    # 100 % = the whole CLI run (the cumulative time of its outermost function).
    total = max(cumtime for (_cc, _n, _tt, cumtime, _callers) in stats.stats.values())
    entries = []
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        short = filename
        for marker in ("fastapi_lifeguard/", "lib/python"):
            if marker in filename:
                short = filename[filename.index(marker):]
        entries.append((tottime, cumtime, ncalls, f"{short}:{line}({name})"))
    print(f"\nCLI profile on {folder.name}: {total:.1f} s under cProfile")
    print("\nwhere the time goes (cumulative, fastapi_lifeguard functions above 5%, and compile = parsing)")
    print(f"{'cum s':>7} {'cum %':>6} {'calls':>9}  function")
    phases = [e for e in entries
              if (e[3].startswith("fastapi_lifeguard/") and e[1] >= 0.05 * total) or "builtins.compile" in e[3]]
    for _tottime, cumtime, ncalls, where in sorted(phases, key=lambda e: -e[1]):
        print(f"{cumtime:>7.2f} {100 * cumtime / total:>5.1f}% {ncalls:>9}  {where}")
    print(f"\ntop {top} by own time")
    print(f"{'own s':>7} {'own %':>6} {'cum s':>7} {'calls':>9}  function")
    for tottime, cumtime, ncalls, where in sorted(entries, reverse=True)[:top]:
        print(f"{tottime:>7.2f} {100 * tottime / total:>5.1f}% {cumtime:>7.2f} {ncalls:>9}  {where}")


if __name__ == "__main__":
    sys.exit(main())
