"""`fastapi-lifeguard`: the standalone CLI (ruff-style options, output and exit codes).

Exit codes: 0 no findings, 1 findings, 2 usage/config/internal error.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import shutil
import sys
import time
from collections import Counter

from . import __version__
from .cache import DEFAULT_DIR as DEFAULT_CACHE_DIR
from .codes import BY_CODE, RULES, Rule, rule_url
from .config import anchor, find_config, load_config
from .output import FORMATS, display_path, locate
from .runner import check_in_projects, check_paths
from .settings import ConfigError, Settings, check_codes, parse_version

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Parallel parsing pays for its process start-up only from this many files to parse.
PARALLEL_FROM = 64


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one line, like ruff
        self.print_usage(sys.stderr)
        print(f"fastapi-lifeguard: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per CPU) or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fastapi-lifeguard",
        description="Find resource-lifecycle bugs in FastAPI apps: blocking calls on the event loop (LG1xx), "
                    "unpaired startup/shutdown (LG2xx), per-request resources (LG3xx) and background-task "
                    "pitfalls (LG4xx). It never imports or runs the code it checks.",
        epilog="Exit codes: 0 no findings, 1 findings, 2 usage or configuration error. "
               "Configure in [tool.fastapi-lifeguard] of pyproject.toml.",
    )
    parser.add_argument("--version", action="version", version=f"fastapi-lifeguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check files or directories (the whole set is analysed as one project)",
                           description="Check Python files; calls are followed across the modules given.")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--output-format", choices=list(FORMATS), default="concise",
                       help="how to print findings (default: concise)")
    check.add_argument("-o", "--output-file", metavar="FILE", help="write the findings to FILE instead of stdout")
    check.add_argument("--select", help="comma-separated codes or prefixes to enable (replaces config)")
    check.add_argument("--extend-select", help="codes or prefixes to enable on top of select")
    check.add_argument("--ignore", help="comma-separated codes or prefixes to disable")
    check.add_argument("--exclude", help="comma-separated glob patterns to skip (replaces config)")
    check.add_argument("--extend-exclude", help="glob patterns to skip on top of exclude")
    check.add_argument("--fastapi-version", metavar="X.Y", help="FastAPI version whose semantics to assume")
    check.add_argument("--report-unserved", action="store_true",
                       help="LG101/LG103 also in coroutines the server does not run (CLI commands, scripts, "
                            "client packages, tests): a library check of them")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="print a count per rule instead of findings")
    check.add_argument("--config", metavar="FILE", help="pyproject.toml (or TOML file) to read (default: nearest "
                                                        "pyproject.toml with [tool.fastapi-lifeguard])")
    check.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    check.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                       help="parse in N processes (0: one per CPU; default: one per CPU for big trees)")
    check.add_argument("--cache-dir", metavar="DIR",
                       help=f"cache directory (default: {DEFAULT_CACHE_DIR} beside the config, or in the "
                            "current directory)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.add_argument("--no-project", action="store_true",
                       help="files given one by one are checked together as one project, not inside their "
                            "project root (config: project = false)")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only: no summary, no progress")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes (needs the `fix` extra: libcst)")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix, --diff or --fix-only: apply the unsafe fixes too (they change behaviour "
                            "or dependencies; read the diff)")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them; exit 1 if any would be made")
    check.add_argument("--fix-only", action="store_true", help="apply fixes and report nothing else (exit 0)")
    check.add_argument("--show-fixes", action="store_true", help="list what --fix fixed, per file")
    check.add_argument("--add-noqa", action="store_true",
                       help="write `# noqa: LGnnn` on every finding's line (merged with existing noqa comments)")

    libs = sub.add_parser("libraries", help="list what the rules know about libraries (docs/libraries.md)",
                          description="Print the library model: the shipped records (derived and curated) and "
                                      "those of the nearest pyproject.toml's [[tool.fastapi-lifeguard.libraries]].")
    libs.add_argument("pattern", nargs="?", default="", help="only records whose name or distribution contains this")
    libs.add_argument("--output-format", choices=["text", "json"], default="text")
    libs.add_argument("--isolated", action="store_true", help="the shipped records only")

    rules = sub.add_parser("rules", help="list every rule: code, name, summary")
    rules.add_argument("--output-format", choices=["text", "json"], default="text")
    rule = sub.add_parser("rule", help="explain one rule")
    rule.add_argument("code", help="rule code or name, e.g. LG101 or blocking-call-in-async")
    rule.add_argument("--output-format", choices=["text", "json"], default="text")
    clean = sub.add_parser("clean", help="remove the cache directory")
    clean.add_argument("--cache-dir", metavar="DIR", help=f"cache directory (default: {DEFAULT_CACHE_DIR})")
    return parser


def _settings(args) -> tuple[Settings, str | None]:
    settings = Settings()
    path = None
    if not args.isolated:
        path = args.config or find_config(args.paths)
        if path:
            settings = load_config(path)
    if args.select is not None:
        settings.select = check_codes("--select", args.select)
    if args.extend_select:
        settings.extend_select = settings.extend_select + check_codes("--extend-select", args.extend_select)
    if args.ignore:
        settings.ignore = settings.ignore + check_codes("--ignore", args.ignore)
    cwd = os.getcwd()
    if args.exclude is not None:
        settings.exclude = anchor(Settings(exclude=_patterns(args.exclude)), cwd).exclude
    if args.extend_exclude:
        settings.exclude = settings.exclude + anchor(Settings(exclude=_patterns(args.extend_exclude)), cwd).exclude
    if args.fastapi_version is not None:
        try:
            settings.fastapi_version = parse_version(args.fastapi_version)
        except ConfigError as exc:
            raise ConfigError(f"--{exc}") from None
    if args.report_unserved:
        settings.report_unserved = True
    return settings, path


def _patterns(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _cache_dir(args, config_path: str | None) -> str | None:
    if args.no_cache:
        return None
    if args.cache_dir:
        return args.cache_dir
    if os.environ.get("FASTAPI_LIFEGUARD_CACHE_DIR"):
        return os.environ["FASTAPI_LIFEGUARD_CACHE_DIR"]
    home = os.path.dirname(os.path.abspath(config_path)) if config_path else os.getcwd()
    return os.path.join(home, DEFAULT_CACHE_DIR)


class _Progress:
    """`parsing 1200/3135` on a terminal's stderr, only once a run has taken a while."""

    DELAY = 0.5

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < self.DELAY or (now - self.last < 0.1 and done < total and phase == "parsing"):
            return
        self.last = now
        text = f"{phase} {done}/{total} files" if phase == "parsing" else f"{phase}..."
        sys.stderr.write(f"\r\x1b[K{text}")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _check(args) -> int:
    try:
        settings, config_path = _settings(args)
    except ConfigError as exc:
        print(f"fastapi-lifeguard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        print(f"fastapi-lifeguard: error: no such file or directory: {missing[0]}", file=sys.stderr)
        return EXIT_ERROR
    in_project = settings.project and not args.no_project and all(os.path.isfile(p) or _is_root(p) for p in args.paths)
    jobs = args.jobs
    if jobs is None or jobs == 0:
        # In the project view a cold index builds the whole project, not just the files given.
        sized = [_root_or(p) for p in args.paths] if in_project else args.paths
        jobs = _cpus() if (jobs == 0 or _big(sized)) else 1
    fixing = args.fix or args.fix_only or args.diff
    if fixing and not _have_libcst():
        print("fastapi-lifeguard: error: fixes need libcst: pip install 'fastapi-lifeguard[fix]'", file=sys.stderr)
        return EXIT_ERROR
    progress = _Progress() if (not args.quiet and sys.stderr.isatty()) else None
    root = os.path.dirname(os.path.abspath(config_path)) if config_path else None

    def run(keep_models: bool = False):
        try:
            if in_project and not keep_models:
                # Files (pre-commit's changed files, an editor's one file): each as `check <its
                # project root>` reports it, through the project index (SPEC §5). A project root
                # itself goes through the same index, so flake8 and editors reuse what it found.
                explicit = args.cache_dir or os.environ.get("FASTAPI_LIFEGUARD_CACHE_DIR") or None
                return check_in_projects(args.paths, settings, jobs=jobs, cache_dir=_cache_dir(args, config_path),
                                         project_cache_dir=explicit, use_cache=not args.no_cache,
                                         progress=progress, root=root)
            # Fixing needs the models of the files it edits: the paths given, analysed as one project.
            return check_paths(args.paths, settings, jobs=jobs, cache_dir=_cache_dir(args, config_path),
                               progress=progress, root=root, keep_models=keep_models)
        finally:
            if progress:
                progress.clear()

    result = run(keep_models=fixing)
    if args.add_noqa:
        return _add_noqa(result)
    fixed = 0
    if fixing:
        from .fixes.project import fix_files

        files = fix_files(result.findings, result.models, settings, args.unsafe_fixes)
        for file in files:
            for finding, why in file.dropped:
                print(f"fastapi-lifeguard: warning: {display_path(finding.path)}:{finding.line}: {finding.code} fix "
                      f"not applied: {why}", file=sys.stderr)
        changed = [f for f in files if f.changed]
        fixed = sum(len(f.fixed) for f in changed)
        if args.diff:
            sys.stdout.write("".join(f.diff(display_path(f.path)) for f in changed))
            if not args.quiet:
                print(f"Would fix {fixed} finding{'s' if fixed != 1 else ''}.", file=sys.stderr)
            return EXIT_FINDINGS if changed else EXIT_CLEAN
        for file in changed:
            file.write()
        if args.show_fixes:
            sys.stdout.write(_fixed_report(changed) if changed else "No fixes applied.\n")
        if args.fix_only:
            if not args.quiet:
                print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.", file=sys.stderr)
            return EXIT_CLEAN
        if changed:
            result = run()
    items = locate(result.findings, result.lines, unsafe=args.unsafe_fixes)
    if args.output_format in ("json", "json-lines", "sarif") and any(i.fixable or i.finding.fixer for i in items):
        items = _with_edits(items)
    if args.statistics:
        text = _statistics(items, args.output_format)
    else:
        text = FORMATS[args.output_format](items)
    if args.output_file:
        try:
            directory = os.path.dirname(args.output_file)
            if directory:
                os.makedirs(directory, exist_ok=True)
            with open(args.output_file, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            print(f"fastapi-lifeguard: error: cannot write {args.output_file}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
    else:
        sys.stdout.write(text)
    if not args.quiet and args.output_format in ("concise", "full") and sys.stderr.isatty():
        sys.stderr.write(summary(items, result.files, result.cached, fixed, args.unsafe_fixes))
    return EXIT_FINDINGS if items and not args.exit_zero else EXIT_CLEAN


def summary(items, files: int, cached: bool = False, fixed: int = 0, unsafe: bool = False) -> str:
    """The closing lines, ruff's way: how many findings, how many fixed, how many `--fix` would fix."""
    from .fixes import kind

    n = len(items)
    if n or fixed:
        text = f"Found {n + fixed} finding{'s' if n + fixed != 1 else ''} in {files} files"
        if fixed:
            text += f" ({fixed} fixed, {n} remaining)"
    else:
        text = f"All checks passed ({files} files)"
    lines = [text + (" (cached)" if cached else "") + "."]
    fixable = sum(1 for i in items if i.fixable)
    hidden = 0 if unsafe else sum(1 for i in items if (k := kind(i.finding)) and k.applicability == "unsafe")
    if fixable or hidden:
        line = f"[*] {fixable} fixable with the `--fix` option"
        if hidden:
            line += f" ({hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option)"
        lines.append(line + ".")
    return "".join(line + "\n" for line in lines)


def _have_libcst() -> bool:
    try:
        import libcst  # noqa: F401
    except ImportError:
        return False
    return True


def _with_edits(items):
    """Each fixable finding's edits, for the JSON and SARIF formats (when libcst is installed)."""
    import dataclasses

    if not _have_libcst():
        return items
    from .engine import decode
    from .fixes.engine import context_of, edits_for
    from .runner import read

    contexts: dict[str, object] = {}  # path -> its one libcst parse (None: unreadable or unparsable)
    out = []
    for i in items:
        if not i.finding.fixer:
            out.append(i)
            continue
        path = i.finding.path
        if path not in contexts:
            try:
                contexts[path] = context_of(decode(read(path)))
            except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
                contexts[path] = None
        ctx = contexts[path]
        edits = edits_for(ctx, i.finding) if ctx is not None else None
        out.append(dataclasses.replace(i, edits=tuple(edits)) if edits else i)
    return out


def _fixed_report(files) -> str:
    """ruff's `--show-fixes`: per file, how many of each code were fixed."""
    out = [f"Fixed {sum(len(f.fixed) for f in files)} findings:\n"]
    for file in files:
        out.append(f"- {display_path(file.path)}:\n")
        for code, count in sorted(Counter(f.code for f in file.fixed).items()):
            name = BY_CODE[code].name if code in BY_CODE else ""
            out.append(f"    {count} × {code} ({name})\n")
    return "".join(out)


def _add_noqa(result) -> int:
    from .engine import decode
    from .noqa import add_noqa
    from .runner import read

    by_file: dict[str, dict[int, set[str]]] = {}
    for f in result.findings:
        if f.code != "LG001":
            by_file.setdefault(f.path, {}).setdefault(f.line, set()).add(f.code)
    total = 0
    for path, codes in sorted(by_file.items()):
        data = read(path)
        text = decode(data)
        new, changed = add_noqa(text, codes)
        if not changed:
            continue
        try:
            compile(new, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            print(f"fastapi-lifeguard: warning: {display_path(path)}: noqa comments not added (the file would not "
                  "compile)", file=sys.stderr)
            continue
        import tokenize
        from io import BytesIO

        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        with open(path, "wb") as handle:
            handle.write(new.encode(encoding))
        total += changed
    print(f"Added {total} noqa directive{'s' if total != 1 else ''}.", file=sys.stderr)
    return EXIT_CLEAN


def _is_root(path: str) -> bool:
    from .index import find_root

    return os.path.isdir(path) and find_root(path) == os.path.abspath(path)


def _root_or(path: str) -> str:
    from .index import find_root

    return find_root(path) or path


def _statistics(items, output_format: str) -> str:
    counts = Counter(i.finding.code for i in items)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if output_format in ("json", "json-lines"):
        data = [{"code": code, "name": BY_CODE[code].name if code in BY_CODE else "", "count": count}
                for code, count in rows]
        return json.dumps(data, indent=2) + "\n"
    return "".join(f"{count:>5}\t{code}\t{BY_CODE[code].name if code in BY_CODE else ''}\n" for code, count in rows)


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _big(paths: list[str]) -> bool:
    """Are there at least PARALLEL_FROM Python files? (Stops counting there.)"""
    count = 0
    for path in paths:
        if os.path.isfile(path):
            count += 1
            continue
        for _root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("venv", "node_modules", "__pycache__")]
            count += sum(1 for f in files if f.endswith(".py"))
            if count >= PARALLEL_FROM:
                return True
    return count >= PARALLEL_FROM


def _rule_json(rule: Rule) -> dict:
    from .ruledocs import doc_text

    return {"code": rule.code, "name": rule.name, "summary": rule.summary, "default": rule.default,
            "severity": rule.severity, "url": rule_url(rule.code), "explanation": doc_text(rule)}


def _rules(args) -> int:
    listed = [rule for rule in RULES if rule.code != "LG001"]
    if args.output_format == "json":
        sys.stdout.write(json.dumps([_rule_json(rule) for rule in listed], indent=2, ensure_ascii=False) + "\n")
        return EXIT_CLEAN
    for rule in listed:
        off = " (off by default)" if not rule.default else ""
        sys.stdout.write(f"{rule.code} {rule.name} {rule.summary}{off}\n")
    return EXIT_CLEAN


def _libraries(args) -> int:
    from .catalogue.libraries import describe, shipped

    settings = Settings()
    if not args.isolated:
        path = find_config([])
        if path:
            settings = load_config(path)
    model = shipped().extended(settings.libraries)
    pattern = args.pattern.lower()
    records = [r for name, r in sorted(model.records.items()) if pattern in name.lower() or pattern in r.dist.lower()]
    if args.output_format == "json":
        sys.stdout.write(json.dumps({"derived_from": model.derived_from, "records": [describe(r) for r in records]},
                                    indent=2, ensure_ascii=False) + "\n")
        return EXIT_CLEAN
    dists = sorted({r.dist for r in records if r.dist})
    sys.stdout.write(f"{len(records)} records from {len(dists)} distributions\n")
    for r in records:
        shown = "; ".join(f"{k} {_fact(v)}" for k, v in describe(r).items() if k not in ("name", "dist", "kind", "why"))
        sys.stdout.write(f"{r.name} ({r.kind}, {r.dist or '?'}){': ' + shown if shown else ''}\n")
    return EXIT_CLEAN


def _fact(value) -> str:
    if isinstance(value, dict):  # io_methods grouped by why they block: `find, find_one (network)`
        groups: dict[str, list[str]] = {}
        for key, why in value.items():
            groups.setdefault(why, []).append(key)
        return "; ".join(f"{', '.join(keys)} ({why})" for why, keys in groups.items())
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _rule(args) -> int:
    from .codes import BY_NAME
    from .ruledocs import doc_text

    rule = BY_CODE.get(args.code.upper()) or BY_NAME.get(args.code.lower())
    if rule is None:
        print(f"fastapi-lifeguard: error: unknown rule {args.code!r} (see `fastapi-lifeguard rules`)", file=sys.stderr)
        return EXIT_ERROR
    if args.output_format == "json":
        sys.stdout.write(json.dumps(_rule_json(rule), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(doc_text(rule))
    return EXIT_CLEAN


def _clean(args) -> int:
    directory = args.cache_dir or os.environ.get("FASTAPI_LIFEGUARD_CACHE_DIR") or DEFAULT_CACHE_DIR
    if os.path.isdir(directory):
        if not os.path.exists(os.path.join(directory, "CACHEDIR.TAG")):
            print(f"fastapi-lifeguard: error: {directory} is not a fastapi-lifeguard cache", file=sys.stderr)
            return EXIT_ERROR
        shutil.rmtree(directory)
        print(f"Removed {directory}", file=sys.stderr)
    return EXIT_CLEAN


def _lenient(exc: UnicodeEncodeError) -> tuple[str | bytes, int]:
    """Unencodable output: a file name's undecodable bytes (surrogates) go out as those bytes,
    any other character as a backslash escape (`→` on a cp1252 console)."""
    bad = exc.object[exc.start:exc.end]
    if all("\udc80" <= c <= "\udcff" for c in bad):
        return bytes(ord(c) - 0xDC00 for c in bad), exc.end
    return "".join(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in bad), exc.end


codecs.register_error("fastapi_lifeguard.lenient", _lenient)


def _lenient_streams() -> None:
    """Never fail on printing: Python's streams are strict under PYTHONIOENCODING=utf-8 (tox
    sets it) or a non-UTF-8 console, where a file name that is not UTF-8 used to end the run."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="fastapi_lifeguard.lenient")
            except (OSError, ValueError):
                pass


def main(argv: list[str] | None = None) -> int:
    _lenient_streams()
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return EXIT_ERROR
    try:
        if args.command == "rules":
            return _rules(args)
        if args.command == "rule":
            return _rule(args)
        if args.command == "libraries":
            return _libraries(args)
        if args.command == "clean":
            return _clean(args)
        return _check(args)
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:  # `fastapi-lifeguard check | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_ERROR
    except Exception as exc:  # never a traceback for users: one line, exit 2
        if os.environ.get("FASTAPI_LIFEGUARD_DEBUG"):
            raise
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
        print(f"fastapi-lifeguard: internal error: {type(exc).__name__}: {exc}{where} "
              "(set FASTAPI_LIFEGUARD_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
