"""Output formats of the CLI, named as ruff names them.

`FORMATS` is the table: name -> function from located findings to text. Every format is
deterministic: items arrive sorted, nothing depends on time, host or absolute paths, so
two runs on the same tree give byte-identical output (CI diffs and caches rely on it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import quote
from xml.etree import ElementTree as ET

from . import __version__
from .codes import BY_CODE, RULES, Rule, rule_url
from .findings import Finding
from .fixes import applies
from .fixes import kind as fix_kind

TOOL = "fastapi-lifeguard"
HOME = "https://github.com/fastapi-lifeguard/fastapi-lifeguard"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Located:
    """A finding with 1-based character columns and the source line, ready to print."""

    finding: Finding
    path: str  # as shown to the user (relative to the working directory when possible)
    column: int  # 1-based, in characters
    end_column: int  # 1-based, exclusive, in characters, on `end_line`
    source_line: str
    end_line: int = 0  # 0: same line
    rel: str = ""  # relative to the repository root with "/" (SARIF, GitHub, GitLab); "" when outside it
    fixable: bool = False  # `--fix` (with `--unsafe-fixes` if given) would fix it: `[*]` in the human formats
    edits: tuple | None = None  # the fix's edits (fixes.engine.Edit), filled for the JSON and SARIF formats

    @property
    def line(self) -> int:
        return self.finding.line

    @property
    def last_line(self) -> int:
        return self.end_line or self.finding.end_line or self.finding.line

    @property
    def repo_path(self) -> str:
        return self.rel or self.path.replace(os.sep, "/")


def char_column(line_text: str, byte_col: int) -> int:
    """`ast` columns count UTF-8 bytes; users count characters."""
    if line_text.isascii():
        return byte_col
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def project_root(start: str | None = None) -> str:
    """The repository root (nearest directory with `.git`) above `start`, else `start` itself."""
    start = os.path.abspath(start or os.getcwd())
    directory = start
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return start
        directory = parent


def display_path(path: str, cwd: str | None = None) -> str:
    try:
        rel = os.path.relpath(path, cwd or os.getcwd())
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _relative(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(path), root)
    except ValueError:
        return ""
    return "" if rel.startswith("..") else rel.replace(os.sep, "/")


def locate(findings: Iterable[Finding], lines: dict[str, list[str]], root: str | None = None,
           unsafe: bool = False) -> list[Located]:
    """Findings with character columns, display and repository paths, sorted for output."""
    root = root or project_root()
    items = []
    for f in findings:
        text = _line(lines.get(f.path), f.line)
        column = char_column(text, f.col) + 1
        end_line = f.end_line or f.line
        end_text = text if end_line == f.line else _line(lines.get(f.path), end_line)
        if f.end_line:
            end = char_column(end_text, f.end_col) + 1
        else:  # no extent (LG001): one character
            end = column + 1
        if end_line == f.line and end <= column:
            end = column + 1
        items.append(Located(f, display_path(f.path), column, end, text, end_line, _relative(f.path, root),
                             applies(f, unsafe)))
    items.sort(key=lambda i: (i.path, i.finding.line, i.column, i.finding.code, i.finding.message))
    return items


def _line(lines: list[str] | None, number: int) -> str:
    return lines[number - 1] if lines and 0 < number <= len(lines) else ""


def _rule(code: str) -> Rule:
    return BY_CODE.get(code) or Rule(code, code.lower(), code, "engine")


# --- human formats ------------------------------------------------------------------------

def _star(i: Located) -> str:
    return "[*] " if i.fixable else ""


def concise(items: list[Located]) -> str:
    return "".join(f"{i.path}:{i.line}:{i.column}: {i.finding.code} {_star(i)}{i.finding.message}\n" for i in items)


def full(items: list[Located]) -> str:
    """ruff's `full`: the finding, the source line with a marker, the call chain and the fix."""
    out = []
    for i in items:
        f = i.finding
        rule = _rule(f.code)
        # The fix gets its own line below, so the header keeps only the diagnosis.
        message = f.message[: -len(f.fix) - 2] if f.fix and f.message.endswith(f"; {f.fix}") else f.message
        out.append(f"{i.path}:{f.line}:{i.column}: {f.code} {_star(i)}[{rule.name}] {message}\n")
        if i.source_line:
            gutter = f"{f.line} | "
            shown = i.source_line.rstrip().expandtabs(8)
            # The marker must line up under tabs too: expand the prefix the same way.
            start = len(i.source_line[: i.column - 1].expandtabs(8))
            if i.last_line == f.line:
                stop = len(i.source_line[: i.end_column - 1].expandtabs(8))
            else:
                stop = len(shown)
            width = max(1, stop - start)
            pad = " " * len(gutter)
            out.append(f"  {gutter}{shown}\n")
            suffix = " ..." if i.last_line != f.line else ""
            out.append(f"  {pad}{' ' * start}{'^' * width}{suffix}\n")
        if f.chain:
            out.append("  = call chain:\n")
            for depth, step in enumerate(f.chain):
                out.append(f"      {'  ' * depth}{'└─ ' if depth else ''}{step}\n")
        if f.fix:
            out.append(f"  = fix: {f.fix}\n")
        out.append(f"  = docs: {rule_url(f.code)}\n\n")
    return "".join(out)


def pylint(items: list[Located]) -> str:
    """pylint's parseable shape: `path:line: [CODE(symbol), ] message` (editors, Jenkins)."""
    return "".join(
        f"{i.path}:{i.line}: [{i.finding.code}({_rule(i.finding.code).name}), ] {i.finding.message}\n" for i in items
    )


# --- machine formats ----------------------------------------------------------------------

def _json_item(i: Located) -> dict:
    f = i.finding
    return {
        "code": f.code,
        "message": f.message,
        "filename": i.path,
        "location": {"row": f.line, "column": i.column},
        "end_location": {"row": i.last_line, "column": i.end_column},
        "url": rule_url(f.code),
        "fix": _json_fix(i),
        "noqa_row": f.line,
    }


def _json_fix(i: Located) -> dict | None:
    """ruff's shape: `{applicability, message, edits: [{content, location, end_location}]}` (1-based columns)."""
    k = fix_kind(i.finding)
    if k is None or not i.edits:
        return None
    return {
        "applicability": k.applicability,
        "message": k.message,
        "edits": [{"content": e.content, "location": {"row": e.line, "column": e.col + 1},
                   "end_location": {"row": e.end_line, "column": e.end_col + 1}} for e in i.edits],
    }


def as_json(items: list[Located]) -> str:
    return json.dumps([_json_item(i) for i in items], indent=2, ensure_ascii=False) + "\n"


def json_lines(items: list[Located]) -> str:
    return "".join(json.dumps(_json_item(i), ensure_ascii=False) + "\n" for i in items)


def fingerprints(items: list[Located]) -> list[str]:
    """Stable ids that survive unrelated edits: code, file, the line's text and its occurrence.

    Line numbers are left out on purpose, so inserting lines above a finding does not make
    GitHub or GitLab see it as fixed and re-opened.
    """
    seen: dict[str, int] = {}
    out = []
    for i in items:
        text = " ".join(i.source_line.split())
        base = hashlib.sha256(f"{i.finding.code}\0{i.repo_path}\0{text}".encode()).hexdigest()
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(hashlib.sha256(f"{base}:{n}".encode()).hexdigest()[:32])
    return out


_FAMILY = {"LG0": "engine", "LG1": "event-loop", "LG2": "lifecycle", "LG3": "per-request-resource",
           "LG4": "background-tasks"}


def _doc_parts(rule: Rule) -> tuple[str, str]:
    """(first paragraph of "What it does", whole page) from the rule's doc."""
    from .ruledocs import doc_text

    text = doc_text(rule)
    what = re.search(r"^## What it does\s*\n(.*?)(?:\n\s*\n|\Z)", text, re.S | re.M)
    first = " ".join(what.group(1).split()) if what else rule.summary
    return first, text


def _sarif_rule(rule: Rule) -> dict:
    what, markdown = _doc_parts(rule)
    plain = re.sub(r"`([^`]*)`", r"\1", what)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary[:1].upper() + rule.summary[1:]},
        "fullDescription": {"text": plain},
        "help": {"text": f"{plain.rstrip('.')}. See {rule_url(rule.code)}", "markdown": markdown},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": rule.severity, "enabled": rule.default},
        "properties": {"tags": [TOOL, _FAMILY.get(rule.code[:3], "other")], "precision": "high",
                       "problem.severity": rule.severity},
    }


def sarif(items: list[Located]) -> str:
    """SARIF 2.1.0 as GitHub code scanning reads it (upload with codeql-action/upload-sarif)."""
    index = {rule.code: n for n, rule in enumerate(RULES)}
    results = []
    for i, fp in zip(items, fingerprints(items)):
        f = i.finding
        if i.rel:
            artifact = {"uri": quote(i.rel), "uriBaseId": "%SRCROOT%"}
        else:
            artifact = {"uri": "file://" + quote(os.path.abspath(f.path).replace(os.sep, "/"))}
        region = {"startLine": f.line, "startColumn": i.column, "endLine": i.last_line, "endColumn": i.end_column}
        result = {
            "ruleId": f.code,
            "level": _rule(f.code).severity,
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
            "partialFingerprints": {f"{TOOL}/v1": fp},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        k = fix_kind(f)
        if k is not None and i.edits:
            result["fixes"] = [{
                "description": {"text": f"{k.message} ({k.applicability})"},
                "artifactChanges": [{"artifactLocation": artifact, "replacements": [
                    {"deletedRegion": {"startLine": e.line, "startColumn": e.col + 1,
                                       "endLine": e.end_line, "endColumn": e.end_col + 1},
                     "insertedContent": {"text": e.content}} for e in i.edits]}],
            }]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOME,
                "rules": [_sarif_rule(rule) for rule in RULES],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github(items: list[Located]) -> str:
    """GitHub Actions workflow commands: one annotation per finding on the pull request."""
    out = []
    for i in items:
        f = i.finding
        level = "error" if _rule(f.code).severity == "error" else "warning"
        props = [("file", i.repo_path), ("line", f.line), ("col", i.column), ("endLine", i.last_line),
                 ("endColumn", i.end_column), ("title", f.code)]
        joined = ",".join(f"{k}={_gh_property(str(v))}" for k, v in props)
        out.append(f"::{level} {joined}::{_gh_data(f.message)}\n")
    return "".join(out)


_GITLAB_SEVERITY = {"error": "major", "warning": "minor"}


def gitlab(items: list[Located]) -> str:
    """GitLab Code Quality report (a Code Climate subset): `artifacts: reports: codequality`."""
    report = []
    for i, fp in zip(items, fingerprints(items)):
        f = i.finding
        report.append({
            "type": "issue",
            "check_name": f.code,
            "description": f"{f.code} {f.message}",
            "categories": ["Bug Risk"],
            "fingerprint": fp,
            "severity": _GITLAB_SEVERITY.get(_rule(f.code).severity, "minor"),
            "location": {"path": i.repo_path, "lines": {"begin": f.line, "end": i.last_line}},
        })
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def junit(items: list[Located]) -> str:
    """JUnit XML: one testsuite per file, one failing testcase per finding (ruff's shape)."""
    suites = ET.Element("testsuites", {"name": TOOL, "tests": str(max(len(items), 1)),
                                       "failures": str(len(items)), "errors": "0"})
    if not items:
        suite = ET.SubElement(suites, "testsuite", {"name": TOOL, "tests": "1", "disabled": "0", "errors": "0",
                                                    "failures": "0", "package": TOOL})
        ET.SubElement(suite, "testcase", {"name": "No errors found", "classname": TOOL})
    by_path: dict[str, list[Located]] = {}
    for i in items:
        by_path.setdefault(i.path, []).append(i)
    for path, group in by_path.items():
        suite = ET.SubElement(suites, "testsuite", {"name": path, "tests": str(len(group)), "disabled": "0",
                                                    "errors": "0", "failures": str(len(group)), "package": TOOL})
        classname = path[:-3] if path.endswith(".py") else path
        for i in group:
            case = ET.SubElement(suite, "testcase", {"name": f"{TOOL}.{i.finding.code}", "classname": classname,
                                                     "file": path, "line": str(i.line), "column": str(i.column)})
            failure = ET.SubElement(case, "failure", {"message": i.finding.message})
            failure.text = f"line {i.line}, col {i.column}, {i.finding.message}"
    ET.indent(suites, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


FORMATS: dict[str, Callable[[list[Located]], str]] = {
    "concise": concise,
    "full": full,
    "json": as_json,
    "json-lines": json_lines,
    "sarif": sarif,
    "github": github,
    "gitlab": gitlab,
    "junit": junit,
    "pylint": pylint,
}
