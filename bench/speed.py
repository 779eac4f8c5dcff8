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
    rss: float = float("inf")  # peak resident set, MB (smallest over the repeats)
    reports: int | None = None
    failed: str = ""
    samples: list[tuple[float, float]] = field(default_factory=list)
    counts: bool = True  # print how many findings/lines the command reported
    env: dict | None = None
    stdin: bytes | None = None


def _spawn(command: list[str], env: dict | None = None, stdin: bytes | None = None
           ) -> tuple[int, bytes, bytes, float, float, float]:
    """Run `command`; (exit status, stdout, stderr, wall s, CPU s, peak RSS MB) of that process.

    `wait4` gives the child's own resource use, with every process it waited for (the `-j`
    workers): CPU is user + sys, peak RSS the largest of them (`ru_maxrss`, KB on Linux).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=tempfile.gettempdir(), env=env,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        if stdin is not None:
            proc.stdin.write(stdin)  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read(), err.read(), wall, usage.ru_utime + usage.ru_stime,
                usage.ru_maxrss / 1024)


def timed(run: Run) -> None:
    if run.prepare is not None:
        run.prepare()
    returncode, stdout, stderr, wall, cpu, rss = _spawn(run.command, run.env, run.stdin)
    # 0 clean, 1 findings (CLI, flake8, ruff); pylint's exit status is a bit mask of message kinds.
    ok = returncode in (0, 1) or (run.label.startswith("pylint") and 0 < returncode < 32)
    if not ok:
        run.failed = f"exit {returncode}: {stderr.decode(errors='replace').strip().splitlines()[-1:]}"
        return
    run.samples.append((wall, cpu))
    run.wall, run.cpu, run.rss = min(run.wall, wall), min(run.cpu, cpu), min(run.rss, rss)
    out = stdout.decode(errors="replace")
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
    parser.add_argument("--scale", action="store_true",
                        help="the scaling table instead (bench/corpus.py --scale first): every pinned app, "
                             "xinference, sglang and the whole pinned corpus as one tree, cold -j 1, against "
                             "ast.parse and ruff; -j 1 against -j 2 on --project")
    parser.add_argument("--tree", action="append", default=[],
                        help="with --scale: only this row (an app name, or `whole`; repeatable)")
    args = parser.parse_args(argv)

    root = corpus.corpus_dir(args.corpus)
    if args.scale:
        scratch = Path(tempfile.mkdtemp(prefix="lifeguard-scale-"))
        try:
            return _scale(args, root, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
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
        # The analysis, printed in the default (concise) format: what a CI step or pre-commit
        # runs. `--output-format json` also computes each fixable finding's edits with libcst;
        # that costs a row of its own ("json" below), not a share of the cold ratio.
        cli = [PY, "-m", "fastapi_lifeguard.cli", "check", str(big), "--exit-zero", "--isolated"]
        if "--jobs" in help_text or " -j " in help_text or "-j JOBS" in help_text or "-j N" in help_text:
            cli += ["-j", "1"]
        cache = scratch / "cache"
        if "--cache-dir" in help_text:
            def fresh_cache() -> None:
                shutil.rmtree(cache, ignore_errors=True)

            def primed_cache() -> None:
                if not cache.exists():
                    subprocess.run(cold.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

            if "--no-cache" in help_text:
                runs["cold"] = Run(f"CLI cold, --no-cache ({big.name})", cli + ["--no-cache"], len(big_files))
            cold = runs["fill"] = Run(f"CLI cold, empty cache, writing it ({big.name})",
                                      cli + ["--cache-dir", str(cache)], len(big_files), prepare=fresh_cache)
            runs.setdefault("cold", cold)
            runs["cached"] = Run(f"CLI cached, unchanged tree ({big.name})", cli + ["--cache-dir", str(cache)],
                                 len(big_files), prepare=primed_cache)
        if "--no-cache" in help_text:
            runs["json"] = Run(f"CLI cold, --no-cache, --output-format json ({big.name})",
                               cli + ["--no-cache", "--output-format", "json"], len(big_files))
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
            # --recursive=y: an unpacked wheel's folder is not a package (no __init__.py); without
            # it pylint reports one F0010 for the folder and checks nothing.
            base = [PY, "-m", "pylint", f"--rcfile={rc}", "--persistent=n", "-j", "1", "--score=n", "--recursive=y"]
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


# ---- the scaling table (issue 12) ------------------------------------------------------

# Phase times of one `check_paths` run: the build phase (read, parse and model every file, in
# `jobs` processes), the project-wide analysis, and the whole. CPU includes the workers.
PHASES_SCRIPT = r"""
import json, resource, sys, time
from fastapi_lifeguard import runner
from fastapi_lifeguard.settings import Settings

def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

spent = {}
def timing(name, function):
    def wrapper(*args, **kwargs):
        wall, used = time.perf_counter(), cpu()
        try:
            return function(*args, **kwargs)
        finally:
            before = spent.get(name, (0.0, 0.0))
            spent[name] = (before[0] + time.perf_counter() - wall, before[1] + cpu() - used)
    return wrapper

for name in ("_build_all", "analyse_built"):
    if hasattr(runner, name):
        setattr(runner, name, timing(name, getattr(runner, name)))
jobs, paths = int(sys.argv[1]), sys.argv[2:]
result = timing("total", runner.check_paths)(paths, Settings(), jobs=jobs)
spent["findings"] = len(result.findings)
print(json.dumps(spent))
"""


def _lines(paths: list[str]) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        total += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return total


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float, float, float]:
    """Least squares y = a + b x: (a, b, R², exponent k of y = c x^k fitted on logs)."""
    import math

    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    total = sum((y - my) ** 2 for y in ys)
    r2 = 1 - sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / total if total else 1.0
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mlx, mly = sum(lx) / n, sum(ly) / n
    k = sum((u - mlx) * (v - mly) for u, v in zip(lx, ly)) / sum((u - mlx) ** 2 for u in lx)
    return a, b, r2, k


def _scale(args, root: Path, scratch: Path) -> int:
    pins = corpus.ALL_PINS
    missing = [p.name for p in pins if not corpus.source_dir(root, p).is_dir()]
    if missing:
        print(f"speed: missing from {root}: {', '.join(missing)}; run bench/corpus.py --scale first",
              file=sys.stderr)
        return 2
    folders = {p.folder: str(corpus.source_dir(root, p)) for p in pins}
    trees: list[tuple[str, list[str]]] = [(p.name, [folders[p.folder]]) for p in (*corpus.PINS,)]
    trees += [(name, [folders[name]]) for name in ("xinference", "sglang")]
    # The whole pinned corpus as one project: every folder on one command line (the CLI checks
    # the paths it is given as one project; a folder of symlinks would not be walked).
    trees.append((f"whole pinned corpus ({len(pins)} apps)", list(folders.values())))
    if args.tree:
        wanted = {corpus.BY_NAME[t].name if t in corpus.BY_NAME else t for t in args.tree}
        trees = [t for t in trees if t[0] in wanted or ("whole" in wanted and t[0].startswith("whole"))]
    parse_script = scratch / "parse_all.py"
    parse_script.write_text(PARSE_SCRIPT, encoding="utf-8")
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    runs: dict[tuple[str, str], Run] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for n, (name, paths) in enumerate(trees):
        files = discover(paths)
        sizes[name] = (len(files), _lines(files))
        listing = scratch / f"files-{n}.txt"
        listing.write_text("\n".join(os.path.abspath(p) for p in files), encoding="utf-8")
        runs[name, "parse"] = Run(f"ast.parse ({name})", [PY, str(parse_script), str(listing)], len(files),
                                  counts=False)
        runs[name, "cli"] = Run(f"check --no-cache -j 1 ({name})",
                                [PY, "-m", "fastapi_lifeguard.cli", "check", *paths, "--no-cache", "-j", "1",
                                 "--isolated", "--exit-zero"], len(files))
        if ruff:
            runs[name, "ruff"] = Run(f"ruff --select ASYNC ({name})",
                                     [ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC", "--exit-zero",
                                      *paths], len(files))
    project = [p for p in trees if p[0] == args.project] or trees[:1]
    jname, jpaths = project[0]
    phases_script = scratch / "phases.py"
    phases_script.write_text(PHASES_SCRIPT, encoding="utf-8")
    runs[jname, "cli -j 2"] = Run(f"check --no-cache -j 2 ({jname})",
                                  [PY, "-m", "fastapi_lifeguard.cli", "check", *jpaths, "--no-cache", "-j", "2",
                                   "--isolated", "--exit-zero"], sizes[jname][0])
    phases: dict[int, dict] = {}
    for i in range(args.repeat):
        for run in runs.values():
            if not run.failed:
                print(f"[{i + 1}/{args.repeat}] {run.label} ...", file=sys.stderr, flush=True)
                timed(run)
    for jobs in (1, 2):
        print(f"phases of check_paths, -j {jobs} ({jname}) ...", file=sys.stderr, flush=True)
        code, out, err, _wall, _cpu, _rss = _spawn([PY, str(phases_script), str(jobs), *jpaths])
        if code == 0:
            phases[jobs] = json.loads(out.decode().strip().splitlines()[-1])
        else:
            print(f"phases -j {jobs} failed: {err.decode(errors='replace').strip()[-300:]}", file=sys.stderr)
    return _scale_report(trees, sizes, runs, phases, jname)


def _scale_report(trees, sizes, runs, phases, jname) -> int:
    import platform

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    version = {}
    for tool in ("ruff", "fastapi-lifeguard"):
        try:
            from importlib.metadata import version as dist_version

            version[tool] = dist_version(tool)
        except Exception:  # noqa: BLE001 - reported as unknown
            version[tool] = "?"
    print(f"\nPython {platform.python_version()} on {os.cpu_count()} CPUs, ruff {version['ruff']}; "
          f"load average {load} at the end\n")
    print("| tree | files | lines | ast.parse CPU s | check CPU s | wall s | peak RSS MB | × parse "
          "| ruff ASYNC CPU s | × ruff | findings |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    points = []
    verdicts = []
    for name, _paths in trees:
        files, lines = sizes[name]
        parse, cli, ruff = runs[name, "parse"], runs[name, "cli"], runs.get((name, "ruff"))
        if cli.failed or parse.failed:
            print(f"| {name} | {files:,} | {lines:,} | FAILED {cli.failed or parse.failed} |")
            continue
        over_parse = cli.cpu / parse.cpu
        over_ruff = f"{cli.cpu / ruff.cpu:.0f}" if ruff and not ruff.failed and ruff.cpu > 0 else "–"
        ruff_cpu = f"{ruff.cpu:.2f}" if ruff and not ruff.failed else "–"
        print(f"| {name} | {files:,} | {lines:,} | {parse.cpu:.1f} | {cli.cpu:.1f} | {cli.wall:.1f} | "
              f"{cli.rss:.0f} | {over_parse:.2f} | {ruff_cpu} | {over_ruff} | {cli.reports} |")
        points.append((name, lines, cli.cpu, cli.rss, parse.cpu))
    if len(points) >= 3:
        xs = [float(p[1]) for p in points]
        print("\nLeast squares against lines of code (all rows):\n")
        print("| quantity | intercept | slope | R² | exponent k (y ∝ lines^k, log-log fit) |")
        print("|---|---:|---:|---:|---:|")
        for label, ys, unit, per in (("check CPU", [p[2] for p in points], "s", "µs/line"),
                                     ("check peak RSS", [p[3] for p in points], "MB", "KB/line"),
                                     ("ast.parse CPU", [p[4] for p in points], "s", "µs/line")):
            a, b, r2, k = _fit(xs, ys)
            scale = 1e6 if per == "µs/line" else 1e3
            print(f"| {label} | {a:.1f} {unit} | {b * scale:.2f} {per} | {r2:.3f} | {k:.2f} |")
    print("\n| target | value | |")
    print("|---|---:|---|")
    for name, _lines_of, cpu, _rss, parse_cpu in points:
        if name in ("litellm", "sglang") or name.startswith("whole"):
            ok = cpu / parse_cpu <= 1.5
            verdicts.append(ok)
            print(f"| cold CPU ≤ 1.5 × parse, {name} | {cpu / parse_cpu:.2f} × | {'met' if ok else 'missed'} |")
    for name, _lines_of, _cpu, rss, _parse_cpu in points:
        limit = 300 if name == "litellm" else 1536 if name.startswith("whole") else None
        if limit:
            ok = rss <= limit
            verdicts.append(ok)
            print(f"| peak RSS ≤ {limit} MB, {name} | {rss:.0f} MB | {'met' if ok else 'missed'} |")
    one, two = runs.get((jname, "cli")), runs.get((jname, "cli -j 2"))
    if one and two and not (one.failed or two.failed):
        print(f"\n-j on {jname}: -j 1 {one.wall:.1f} s wall, {one.cpu:.1f} s CPU, {one.rss:.0f} MB; "
              f"-j 2 {two.wall:.1f} s wall, {two.cpu:.1f} s CPU, {two.rss:.0f} MB (RSS: the largest process)")
    if phases:
        print(f"\nphases of one check_paths run on {jname} (wall s / CPU s, CPU with the workers):\n")
        print("| -j | build (read, parse, model) | project-wide analysis | whole run | analysis share of wall |")
        print("|---:|---:|---:|---:|---:|")
        for jobs, spent in sorted(phases.items()):
            build, analyse, total = (spent.get(k, (0.0, 0.0)) for k in ("_build_all", "analyse_built", "total"))
            share = analyse[0] / total[0] if total[0] else 0.0
            print(f"| {jobs} | {build[0]:.1f} / {build[1]:.1f} | {analyse[0]:.1f} / {analyse[1]:.1f} | "
                  f"{total[0]:.1f} / {total[1]:.1f} | {100 * share:.0f} % |")
    return 0


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
        rows.append(("CLI cold / ast.parse", ratio(runs["cold"], runs["parse"]), 1.5))
    if get("cold") and get("cached"):
        rows.append(("CLI cached / CLI cold", ratio(runs["cached"], runs["cold"]), 0.05))
    if get("cold") and get("fill") and get("fill") is not get("cold"):
        rows.append(("CLI cold writing the cache / CLI cold --no-cache", ratio(runs["fill"], runs["cold"]), None))
    if get("cold") and get("json"):
        rows.append(("CLI cold, json with fix edits / CLI cold", ratio(runs["json"], runs["cold"]), None))
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
               "--exit-zero", "--isolated", "-j", "1"]
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
