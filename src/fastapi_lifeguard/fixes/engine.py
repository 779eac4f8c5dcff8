"""Making and applying fixes on a concrete syntax tree (libcst), in verified rounds.

A fixer gets the file as a libcst module and the finding, and returns the whole new source
(or None when this occurrence has no mechanical fix). libcst keeps every comment, blank
line and bracket as written, so the difference to the old source is only the fix; that
difference, trimmed to the changed characters, is the fix's edits (ruff's JSON shape).

Fixes whose edits overlap wait for the next round, and rounds repeat on the fixed text
until nothing changes. After each round the new text must compile and a re-check must
show fewer findings of each fixed code; otherwise the round's fixes are tried one by one
and any that fails is dropped and reported, never written.
"""

from __future__ import annotations

import difflib
import importlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from ..findings import Finding
from . import FIXES, applies, kind

MAX_ROUNDS = 20


@dataclass(frozen=True)
class Edit:
    """Replace [start, end) of the text with `content`. Lines 1-based, columns 0-based characters."""

    line: int
    col: int
    end_line: int
    end_col: int
    content: str

    @property
    def start(self) -> tuple[int, int]:
        return (self.line, self.col)

    @property
    def end(self) -> tuple[int, int]:
        return (self.end_line, self.end_col)


class Context:
    """One parse of a file with positions and parents, shared by the fixers of a round."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.wrapper = MetadataWrapper(cst.parse_module(source))
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.parents = self.wrapper.resolve(ParentNodeProvider)
        self._starts: dict[tuple[int, int], list[cst.CSTNode]] | None = None

    def char_col(self, line: int, byte_col: int) -> int:
        """`ast` columns count UTF-8 bytes; libcst counts characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def nodes_at(self, finding: Finding, types: tuple[type, ...]) -> list[cst.CSTNode]:
        """Nodes of `types` that start where the finding starts (and end where it ends, if it says)."""
        if self._starts is None:
            self._starts = {}
            for node, pos in self.positions.items():
                self._starts.setdefault((pos.start.line, pos.start.column), []).append(node)
        found = [n for n in self._starts.get((finding.line, self.char_col(finding.line, finding.col)), ())
                 if isinstance(n, types)]
        if finding.end_line and len(found) > 1:
            end = (finding.end_line, self.char_col(finding.end_line, finding.end_col))
            exact = [n for n in found if (self.positions[n].end.line, self.positions[n].end.column) == end]
            found = exact or found
        return found

    def node_at(self, finding: Finding, types: tuple[type, ...]) -> cst.CSTNode | None:
        found = self.nodes_at(finding, types)
        return found[0] if len(found) == 1 else None

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode):
        node = self.parents.get(node)
        while node is not None:
            yield node
            node = self.parents.get(node)

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for up in self.ancestors(node):
            if isinstance(up, cst.Lambda):
                return None
            if isinstance(up, cst.FunctionDef):
                return up
        return None

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


class Replace(cst.CSTTransformer):
    """Swap nodes by identity: `mapping[old] = new`, `cst.RemovalSentinel.REMOVE` or a FlattenSentinel."""

    def __init__(self, mapping: dict) -> None:
        super().__init__()
        self.mapping = mapping

    def on_leave(self, original_node, updated_node):
        if original_node in self.mapping:
            return self.mapping[original_node]
        return updated_node


def rewrite(ctx: Context, mapping: dict) -> cst.Module:
    return ctx.module.visit(Replace(mapping))


# ---- edits --------------------------------------------------------------------------------------
def diff_edits(old: str, new: str) -> list[Edit]:
    """The edits that turn `old` into `new`: changed line blocks, trimmed to the changed characters."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        prefix = 0
        limit = min(len(before), len(after))
        while prefix < limit and before[prefix] == after[prefix]:
            prefix += 1
        if prefix < len(before) and _word(before[prefix]):
            while prefix and _word(before[prefix - 1]):
                prefix -= 1  # whole words: `await app`, not `a` + `wait a` + `pp`
        suffix = 0
        while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
            suffix += 1
        start = _advance(i1 + 1, 0, before[:prefix])
        end = _advance(i1 + 1, 0, before[:len(before) - suffix])
        edits.append(Edit(*start, *end, after[prefix:len(after) - suffix]))
    return edits


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _advance(line: int, col: int, text: str) -> tuple[int, int]:
    newlines = text.count("\n")
    if newlines:
        return line + newlines, len(text) - text.rfind("\n") - 1
    return line, col + len(text)


def apply_edits(source: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (positions in `source`)."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for text in lines:
        starts.append(starts[-1] + len(text))

    def offset(line: int, col: int) -> int:
        if line > len(lines):
            return len(source)
        return starts[line - 1] + col

    out = source
    for edit in sorted(set(edits), key=lambda e: (e.start, e.end), reverse=True):
        out = out[:offset(*edit.start)] + edit.content + out[offset(*edit.end):]
    return out


def _overlaps(a: Edit, b: Edit) -> bool:
    if a == b:
        return False  # the same edit proposed twice (an import both fixes add) is made once
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two different insertions at one point: order unknown
    return a.start < b.end and b.start < a.end


# ---- one file ----------------------------------------------------------------------------------
def propose(ctx: Context, finding: Finding) -> str | None:
    """The new source for this finding's fix, or None."""
    k = kind(finding)
    if k is None:
        return None
    fixer: Callable[[Context, Finding], str | None] = getattr(
        importlib.import_module(f"{__package__}.{k.module}"), k.function)
    return fixer(ctx, finding)


def edits_for(source: str, finding: Finding) -> list[Edit] | None:
    """The edits of one finding's fix on `source` (JSON and SARIF output); None when it has none."""
    try:
        new = propose(Context(source), finding)
    except Exception:  # a fixer must never break the report
        return None
    if new is None or new == source:
        return None
    return diff_edits(source, new)


@dataclass
class Outcome:
    source: str
    fixed: list[Finding] = field(default_factory=list)
    dropped: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


Recheck = Callable[[str], "list[Finding] | None"]  # new text -> its findings (None: does not parse)


def fix_source(source: str, findings: list[Finding], recheck: Recheck, unsafe: bool) -> Outcome:
    """Apply the fixes of `findings` (all of one file) to `source` in verified rounds."""
    out = Outcome(source)
    current, current_findings = source, list(findings)
    given_up: set[tuple[str, str, int]] = set()  # (code, fixer, occurrence) that failed

    def key(f: Finding, seen: Counter) -> tuple[str, str, int]:
        base = (f.code, f.fixer, f.message)
        seen[base] += 1
        return (*base[:2], hash((base, seen[base])))

    for _round in range(MAX_ROUNDS):
        seen: Counter = Counter()
        candidates = []
        for f in current_findings:
            k = key(f, seen)
            if applies(f, unsafe) and k not in given_up:
                candidates.append((f, k))
        if not candidates:
            break
        try:
            ctx = Context(current)
        except Exception as exc:  # libcst rejects what `ast` accepted: nothing to do safely
            out.dropped.extend((f, f"cannot build the syntax tree ({type(exc).__name__})") for f, _ in candidates)
            break
        groups: list[tuple[list[Finding], list[Edit], list]] = []
        for f, k in candidates:
            try:
                new = propose(ctx, f)
            except Exception as exc:  # pragma: no cover - a fixer bug: report, do not crash
                new, why = None, f"fixer error: {type(exc).__name__}: {exc}"
            else:
                why = "no mechanical fix for this occurrence"
            if new is None or new == current:
                given_up.add(k)
                out.dropped.append((f, why))
                continue
            edits = diff_edits(current, new)
            for group in groups:
                if group[1] == edits:  # one fix for several findings (all handlers of one app)
                    group[0].append(f)
                    group[2].append(k)
                    break
            else:
                groups.append(([f], edits, [k]))
        if not groups:
            break
        chosen: list[tuple[list[Finding], list[Edit], list]] = []
        taken: list[Edit] = []
        for group in groups:
            if any(_overlaps(e, t) for e in group[1] for t in taken):
                continue  # next round, on the fixed text
            chosen.append(group)
            taken.extend(group[1])
        new_text = apply_edits(current, taken)
        after = _verify(current_findings, chosen, new_text, recheck)
        if after is not None:
            current, current_findings = new_text, after
            for fs, _, _ in chosen:
                out.fixed.extend(fs)
            continue
        # Something in the round broke: try each fix alone, keep the first that verifies.
        progressed = False
        for group in chosen:
            alone = apply_edits(current, group[1])
            after = _verify(current_findings, [group], alone, recheck)
            if after is None:
                reason = _why_not(alone, recheck)
                for f, k in zip(group[0], group[2]):
                    given_up.add(k)
                    out.dropped.append((f, reason))
                continue
            current, current_findings = alone, after
            out.fixed.extend(group[0])
            progressed = True
            break
        if not progressed and all(k in given_up for _, k in candidates):
            break
    out.source = current
    return out


def _verify(before: list[Finding], groups, new_text: str, recheck: Recheck) -> list[Finding] | None:
    """The findings of `new_text` when it compiles and each fixed code has fewer findings; else None."""
    try:
        compile(new_text, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    after = recheck(new_text)
    if after is None:
        return None
    fixed = Counter(f.code for fs, _, _ in groups for f in fs)
    had = Counter(f.code for f in before)
    has = Counter(f.code for f in after)
    if any(had[code] - has[code] < n for code, n in fixed.items()):
        return None
    return after


def _why_not(text: str, recheck: Recheck) -> str:
    try:
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"the fixed file would not compile ({getattr(exc, 'msg', exc)})"
    return "re-checking the fixed file still shows the finding"


def unified_diff(path: str, old: str, new: str) -> str:
    """A patch that `git apply` and `patch -p1` accept (a last line without newline says so)."""
    out = []
    for line in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=f"a/{path}", tofile=f"b/{path}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


__all__ = ["FIXES", "Context", "Edit", "Outcome", "apply_edits", "diff_edits", "edits_for", "fix_source",
           "rewrite", "unified_diff"]
