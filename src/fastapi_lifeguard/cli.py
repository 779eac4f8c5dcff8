"""`fastapi-lifeguard`: the standalone CLI (ruff-style options, output and exit codes).

Exit codes: 0 no findings, 1 findings, 2 usage/config/internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

from . import __version__
from .codes import BY_CODE, RULES
from .config import find_config, load_config
from .output import FORMATS, Located, char_column
from .runner import check_paths
from .settings import ConfigError, Settings, check_codes

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one line, like ruff
        self.print_usage(sys.stderr)
        print(f"fastapi-lifeguard: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check files or directories (the whole set is analysed as one project)",
                           description="Check Python files; calls are followed across the modules given.")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--output-format", choices=sorted(FORMATS), default="concise",
                       help="how to print findings (default: concise)")
    check.add_argument("--select", help="comma-separated codes or prefixes to enable (replaces config)")
    check.add_argument("--extend-select", help="codes or prefixes to enable on top of select")
    check.add_argument("--ignore", help="comma-separated codes or prefixes to disable")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="print a count per rule instead of findings")
    check.add_argument("--config", metavar="PYPROJECT", help="pyproject.toml to read (default: nearest one)")
    check.add_argument("--isolated", action="store_true", help="ignore all configuration files")

    sub.add_parser("rules", help="list every rule: code, name, summary")
    rule = sub.add_parser("rule", help="explain one rule")
    rule.add_argument("code", help="rule code, e.g. LG101")
    return parser


def _settings(args) -> Settings:
    settings = Settings()
    if not args.isolated:
        path = args.config or find_config(args.paths)
        if path:
            settings = load_config(path)
    if args.select:
        settings.select = check_codes("--select", args.select)
    if args.extend_select:
        settings.extend_select = settings.extend_select + check_codes("--extend-select", args.extend_select)
    if args.ignore:
        settings.ignore = settings.ignore + check_codes("--ignore", args.ignore)
    return settings


def _display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _check(args) -> int:
    try:
        settings = _settings(args)
    except ConfigError as exc:
        print(f"fastapi-lifeguard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        print(f"fastapi-lifeguard: error: no such file or directory: {missing[0]}", file=sys.stderr)
        return EXIT_ERROR
    result = check_paths(args.paths, settings)
    items = []
    for f in result.findings:
        lines = result.lines.get(f.path) or []
        text = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        column = char_column(text, f.col) + 1
        end = char_column(text, f.end_col) + 1 if f.end_line == f.line else f.end_col + 1
        items.append(Located(f, _display_path(f.path), column, end, text))
    if args.statistics:
        counts = Counter(i.finding.code for i in items)
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            rule = BY_CODE.get(code)
            sys.stdout.write(f"{count:>5}\t{code}\t{rule.name if rule else ''}\n")
    else:
        sys.stdout.write(FORMATS[args.output_format](items))
    if items and args.output_format == "concise" and sys.stderr.isatty():
        print(f"Found {len(items)} finding{'s' if len(items) != 1 else ''} in {result.files} files.", file=sys.stderr)
    return EXIT_FINDINGS if items and not args.exit_zero else EXIT_CLEAN


def _rules() -> int:
    for rule in RULES:
        if rule.code == "LG001":
            continue
        off = " (off by default)" if not rule.default else ""
        sys.stdout.write(f"{rule.code} {rule.name} {rule.summary}{off}\n")
    return EXIT_CLEAN


def _rule(code: str) -> int:
    rule = BY_CODE.get(code.upper())
    if rule is None:
        print(f"fastapi-lifeguard: error: unknown rule {code!r} (see `fastapi-lifeguard rules`)", file=sys.stderr)
        return EXIT_ERROR
    from .ruledocs import doc_text

    sys.stdout.write(doc_text(rule))
    return EXIT_CLEAN


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return EXIT_ERROR
    if args.command == "rules":
        return _rules()
    if args.command == "rule":
        return _rule(args.code)
    try:
        return _check(args)
    except KeyboardInterrupt:
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
