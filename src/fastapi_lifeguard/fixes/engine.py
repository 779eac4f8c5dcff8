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
        # No defensive copy of the tree: fixers build new nodes and never mutate these.
        self.wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.parents = self.wrapper.resolve(ParentNodeProvider)
        self._starts: dict[tuple[int, int], list[cst.CSTNode]] | None = None
        self._line_starts: list[int] | None = None

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

    def offset(self, line: int, col: int) -> int:
        """Index in `source` of a (1-based line, 0-based character column) position."""
        if self._line_starts is None:
            starts = [0]
            for text in self.lines:
                starts.append(starts[-1] + len(text))
            self._line_starts = starts
        return self._line_starts[line - 1] + col

    def splice(self, old: cst.CSTNode, new: cst.CSTNode, source: str | None = None) -> str:
        """The source with `old` (an expression or decorator-level node) replaced by `new`, as text.

        Only the node's own characters change, so no tree is transformed or printed again: on
        a 20,000-line module that is the difference between milliseconds and a minute.
        """
        pos = self.positions[old]
        text = self.source if source is None else source
        start, end = self.offset(pos.start.line, pos.start.column), self.offset(pos.end.line, pos.end.column)
        return text[:start] + self.code_in_place(old, new) + text[end:]

    def code_in_place(self, old: cst.CSTNode, new: cst.CSTNode) -> str:
        """`new` printed as if it stood where `old` is: a line break inside brackets is followed
        by the indentation of the blocks around `old`, as when the whole module is printed."""
        from libcst._nodes.internal import CodegenState

        indents = [b.indent if b.indent is not None else self.module.default_indent
                   for b in reversed(list(self.ancestors(old))) if isinstance(b, cst.IndentedBlock)]
        state = CodegenState(default_indent=self.module.default_indent, default_newline=self.module.default_newline,
                             indent_tokens=indents)
        new._codegen(state)
        return "".join(state.tokens)

    def head_insert(self, source: str, at: int, code: str) -> str:
        """Insert a statement's text before top-level statement number `at` (above its comments)."""
        body = self.module.body
        if at >= len(body):
            return source.rstrip("\n") + "\n" + code if source.strip() else code
        stmt = body[at]
        line = self.positions[stmt].start.line
        is_import = isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
        if at and not is_import:
            line -= len(getattr(stmt, "leading_lines", ()))  # after the imports, before the code's blank lines
        start = self.offset(line, 0)
        return source[:start] + code + source[start:]


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
    # Fixes change a few lines of big files: match the unchanged head and tail first, so the
    # line matcher only sees the middle.
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    edits = []
    matcher = difflib.SequenceMatcher(None, a[head:len(a) - tail], b[head:len(b) - tail], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
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


def context_of(source: str) -> Context | None:
    """One libcst parse of `source` for every finding of its file; None when libcst cannot parse it."""
    try:
        return Context(source)
    except Exception:  # a fixer must never break the report
        return None


def edits_for(source: str | Context, finding: Finding) -> list[Edit] | None:
    """The edits of one finding's fix on `source` (JSON and SARIF output); None when it has none.

    Pass the file's `Context` (`context_of`) when it has several findings: the libcst parse
    and its position metadata cost far more than a fixer (litellm's proxy_server.py, 22
    findings: one parse instead of 22)."""
    ctx = source if isinstance(source, Context) else context_of(source)
    if ctx is None:
        return None
    try:
        new = propose(ctx, finding)
    except Exception:  # a fixer must never break the report
        return None
    if new is None or new == ctx.source:
        return None
    return diff_edits(ctx.source, new)


@dataclass
class Outcome:
    source: str
    fixed: list[Finding] = field(default_factory=list)
    dropped: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


Recheck = Callable[[str], "list[Finding] | None"]  # new text -> its findings (None: does not parse)
Group = tuple[list[Finding], list[Edit], list]  # findings fixed by one set of edits, the edits, their keys


class FileFixer:
    """The rounds of one file as steps, so a driver can verify many files with one analysis.

    `step()` proposes the next text (None: nothing left to try); the driver re-checks it and
    calls `settle(findings)` with what the re-check found (None: it does not parse). A round
    whose re-check fails is retried one fix at a time; a fix that fails alone is dropped.
    """

    def __init__(self, source: str, findings: list[Finding], unsafe: bool) -> None:
        self.out = Outcome(source)
        self.current = source
        self.findings = list(findings)
        self.unsafe = unsafe
        self.given_up: set = set()
        self.rounds = 0
        self.retry: list[Group] = []  # a failed round's fixes, tried one by one
        self.pending: tuple[list[Group], str, bool] | None = None  # (groups, text, alone)

    def _key(self, f: Finding, seen: Counter) -> tuple:
        base = (f.code, f.fixer, f.message)
        seen[base] += 1
        return (*base, seen[base])

    def step(self) -> str | None:
        self.pending = None
        if self.retry:
            group = self.retry.pop(0)
            self.pending = ([group], apply_edits(self.current, group[1]), True)
            return self.pending[1]
        if self.rounds >= MAX_ROUNDS:
            return None
        self.rounds += 1
        seen: Counter = Counter()
        candidates = [(f, k) for f in self.findings if applies(f, self.unsafe)
                      and (k := self._key(f, seen)) not in self.given_up]
        if not candidates:
            return None
        try:
            ctx = Context(self.current)
        except Exception as exc:  # libcst rejects what `ast` accepted: nothing to do safely
            self.out.dropped.extend((f, f"cannot build the syntax tree ({type(exc).__name__})") for f, _ in candidates)
            return None
        groups: list[Group] = []
        for f, k in candidates:
            try:
                new = propose(ctx, f)
                why = "no mechanical fix for this occurrence"
            except Exception as exc:  # pragma: no cover - a fixer bug: report, do not crash
                new, why = None, f"fixer error: {type(exc).__name__}: {exc}"
            if new is None or new == self.current:
                self.given_up.add(k)
                self.out.dropped.append((f, why))
                continue
            edits = diff_edits(self.current, new)
            same = next((g for g in groups if g[1] == edits), None)
            if same is not None:  # one fix for several findings (all handlers of one app)
                same[0].append(f)
                same[2].append(k)
            else:
                groups.append(([f], edits, [k]))
        chosen: list[Group] = []
        taken: list[Edit] = []
        for group in groups:
            if any(_overlaps(e, t) for e in group[1] for t in taken):
                continue  # next round, on the fixed text
            chosen.append(group)
            taken.extend(group[1])
        if not chosen:
            return None
        self.pending = (chosen, apply_edits(self.current, taken), False)
        return self.pending[1]

    def settle(self, after: list[Finding] | None) -> None:
        groups, text, alone = self.pending
        self.pending = None
        if after is not None and _compiles(text) and _fewer(self.findings, groups, after):
            self.current, self.findings = text, after
            for fs, _, _ in groups:
                self.out.fixed.extend(fs)
            self.retry = []  # the rest is proposed again on the new text
            return
        if not alone:
            self.retry = list(groups)
            return
        reason = ("re-checking the fixed file still shows the finding" if _compiles(text)
                  else f"the fixed file would not compile ({_compile_error(text)})")
        for f, k in zip(groups[0][0], groups[0][2]):
            self.given_up.add(k)
            self.out.dropped.append((f, reason))

    def result(self) -> Outcome:
        self.out.source = self.current
        return self.out


def fix_source(source: str, findings: list[Finding], recheck: Recheck, unsafe: bool) -> Outcome:
    """Apply the fixes of `findings` (all of one file) to `source` in verified rounds."""
    fixer = FileFixer(source, findings, unsafe)
    while (text := fixer.step()) is not None:
        fixer.settle(recheck(text) if _compiles(text) else None)
    return fixer.result()


def _compile_error(text: str) -> str | None:
    try:
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return str(getattr(exc, "msg", exc))
    return None


def _compiles(text: str) -> bool:
    return _compile_error(text) is None


def _fewer(before: list[Finding], groups: list[Group], after: list[Finding]) -> bool:
    """Does each fixed code have at least as many fewer findings as fixes were made for it?"""
    fixed = Counter(f.code for fs, _, _ in groups for f in fs)
    had = Counter(f.code for f in before)
    has = Counter(f.code for f in after)
    return all(had[code] - has[code] >= n for code, n in fixed.items())


def unified_diff(path: str, old: str, new: str) -> str:
    """A patch that `git apply` and `patch -p1` accept (a last line without newline says so)."""
    out = []
    for line in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=f"a/{path}", tofile=f"b/{path}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


__all__ = ["FIXES", "Context", "Edit", "FileFixer", "Outcome", "apply_edits", "context_of", "diff_edits", "edits_for", "fix_source",
           "rewrite", "unified_diff"]
