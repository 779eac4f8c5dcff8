"""Read Python 3.14 code on Python 3.10-3.13 (used by `engine.parse` only, after a parse failed).

FastAPI's own project template targets Python 3.14 and uses PEP 758's
`except InvalidTokenError, ValidationError:` in the dependency every protected route uses,
while CI images, pre-commit's default interpreter and editors often run an older Python.
Python 3.14 added two constructs that have an exact older spelling, so the file is
respelled at the token level and parsed again:

- PEP 758, `except A, B:` and `except* A, B:` (never with `as`: 3.14 rejects that too) →
  `except (A, B):`. The AST node positions on such a line are mapped back, so every
  position is the one Python 3.14 gives;
- PEP 750, template strings `t"..."` with any prefix (`t`, `rt`, `tr`, any case) and quote →
  an f-string of the same length (`t` → `f`): the interpolations are evaluated eagerly in
  both, so the analysis is the one of the f-string twin. A template string implicitly
  concatenated with a plain string or f-string is an error in 3.14 and stays one here.

Older Pythons do not know the `t` prefix: their tokenizer reads `t"x"` as the NAME `t` right
before the STRING `"x"`, which is a syntax error in every version before 3.14, so a NAME
spelling a template prefix that touches a STRING is exactly a template string (`t "x"`,
`fmt"x"` and `x.t"x"` are not). A t-string nested in another string's braces is reached
by a second tokenize of the respelled text (3.12+ tokenizes f-string braces); on 3.10/3.11
it stays unparsed, like everything else the respelled text still needs a newer Python for.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from dataclasses import dataclass
from typing import NamedTuple

_TEMPLATE_PREFIXES = frozenset({"t", "rt", "tr"})
_FIELD_PREFIXES = _TEMPLATE_PREFIXES | {"f", "rf", "fr"}  # strings whose braces hold expressions
_QUOTES = ("'''", '"""', "'", '"')
# Each round can only uncover t-strings nested one level deeper: a few rounds are plenty.
_MAX_ROUNDS = 4
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
_IGNORED = frozenset({tokenize.NL, tokenize.COMMENT})
# Tokens an `expression` (the only thing PEP 758 allows between the commas) cannot hold at
# its own level; parenthesised they would parse, so the rewrite would accept what 3.14 rejects.
_NOT_IN_EXPRESSION = frozenset({"as", "yield"})
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


class _Insertions(NamedTuple):
    """Characters added by one round, per line: their columns in the respelled line."""

    chars: dict[int, tuple[int, ...]]  # line -> character columns (SyntaxError offsets)
    utf8: dict[int, tuple[int, ...]]  # line -> UTF-8 byte columns (AST positions)


@dataclass
class Backport:
    """The outcome of reading a file that failed to parse as Python 3.14 code."""

    text: str  # the respelled source (same lines; columns differ only after added parentheses)
    tree: ast.Module | None
    error: SyntaxError | None  # what the respelled source still fails on, columns mapped back


def parse_backported(source: str, filename: str) -> Backport | None:
    """Respell and parse `source`; None when it holds nothing to respell (or does not tokenize)."""
    # The parser counts "\r" and "\r\n" as line ends; tokenizing lines split on "\n" only
    # keeps line numbers and columns identical to the parser's.
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    rounds: list[_Insertions] = []
    error: SyntaxError | None = None
    for _ in range(_MAX_ROUNDS):
        step = _respell(text)
        if step is None:
            break
        text, inserted = step
        rounds.append(inserted)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=filename)
        except SyntaxError as exc:
            error = exc
            continue
        except ValueError:
            return None
        _map_tree(tree, rounds)
        return Backport(text, tree, None)
    if not rounds or error is None:
        return None
    if error.lineno and error.offset:
        error.offset = _map_column(error.lineno, error.offset - 1, [r.chars for r in rounds]) + 1
    return Backport(text, None, error)


def _respell(text: str) -> tuple[str, _Insertions] | None:
    """One pass over the tokens: the respelled text and the characters it added, or None."""
    lines = io.StringIO(text).readlines()
    try:
        tokens = list(tokenize.generate_tokens(iter(lines).__next__))
    except Exception:  # pylint: disable=broad-exception-caught
        # Whatever the tokenizer of this Python rejects (unterminated strings, bad
        # dedents, 3.12+'s stricter checks) is not ours to respell: LG001 stays as it was.
        return None
    prefixes = _template_prefixes(tokens)
    parens = _unparenthesised_excepts(tokens)
    if not prefixes and not parens:
        return None
    chars: dict[int, tuple[int, ...]] = {}
    utf8: dict[int, tuple[int, ...]] = {}
    for row in {row for row, _ in prefixes} | {row for row, _, _ in parens}:
        line = list(lines[row - 1])
        for r, col in prefixes:
            if r == row:
                line[col] = "F" if line[col] == "T" else "f"
        added = sorted((col, char) for r, col, char in parens if r == row)
        for col, char in reversed(added):
            line.insert(col, char)
        new = "".join(line)
        lines[row - 1] = new
        if added:
            # The k-th added character moved right by the k added before it.
            chars[row] = tuple(col + k for k, (col, _) in enumerate(added))
            utf8[row] = tuple(len(new[:c].encode("utf-8")) for c in chars[row])
    return "".join(lines), _Insertions(chars, utf8)


def _template_prefixes(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, int]]:
    """(row, col) of the `t` of each template-string prefix to turn into `f`."""
    found = []
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if not (tok.type == tokenize.NAME and tok.string.lower() in _TEMPLATE_PREFIXES
                and nxt.type == tokenize.STRING and nxt.start == tok.end):
            continue
        if _plain_string_before(tokens, i) or _plain_string_after(tokens, i + 1):
            continue  # `t"a" "b"`: mixing template and other strings is an error in 3.14 too
        row, col = tok.start
        found.append((row, col + tok.string.lower().index("t")))
        found += _nested_templates(nxt)
    for tok in tokens:
        prefix = tok.string[:len(tok.string) - len(tok.string.lstrip("bBrRuUfF"))] if tok.type == tokenize.STRING else ""
        if "f" in prefix.lower():
            found += _nested_templates(tok)
    return sorted(set(found))


def _nested_templates(tok: tokenize.TokenInfo) -> list[tuple[int, int]]:
    """Template prefixes in the replacement fields of a STRING token that is an f-string or a
    template string: before 3.12 the tokenizer keeps a whole f-string in one token, so
    `f"{t'x'}"` and PEP 750's nested templates `t"<ul>{[t'<li>{x}</li>' for x in xs]}</ul>"`
    are only reached by reading the string's fields."""
    text = tok.string
    start = len(text) - len(text.lstrip("bBrRuUfF"))
    quote = next((q for q in _QUOTES if text.startswith(q, start)), None)
    if quote is None:
        return []
    offsets: list[int] = []
    _fields(text, start + len(quote), len(text) - len(quote), offsets)
    found = []
    for offset in offsets:
        newline = text.rfind("\n", 0, offset)
        row = tok.start[0] + text.count("\n", 0, offset)
        found.append((row, offset - newline - 1 if newline >= 0 else tok.start[1] + offset))
    return found


def _fields(text: str, i: int, end: int, out: list[int]) -> None:
    """The replacement fields in the literal part text[i:end] of an f-string."""
    while i < end:
        if text.startswith("{{", i):
            i += 2
            continue
        if text[i] == "{":
            closing = _field(text, i + 1, end, out)
            if closing is None:
                return  # malformed: the parser will say so
            i = closing
        i += 1


def _field(text: str, i: int, end: int, out: list[int]) -> int | None:
    """Scan a replacement field's expression from text[i]; the index of its closing brace."""
    depth = 0
    while i < end:
        char = text[i]
        if char in "'\"":
            word = i
            while word > 0 and (text[word - 1].isalnum() or text[word - 1] == "_"):
                word -= 1
            kind = text[word:i].lower()
            quote = char * 3 if text.startswith(char * 3, i) else char
            close = text.find(quote, i + len(quote), end)
            if close < 0:
                return None
            if kind in _TEMPLATE_PREFIXES and not _touches_string(text, word, close + len(quote), end):
                out.append(word + kind.index("t"))
            if kind in _FIELD_PREFIXES:
                _fields(text, i + len(quote), close, out)
            i = close + len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and (char == ":" or (char == "!" and not text.startswith("!=", i))):
            return _format_spec(text, i + 1, end, out)
        i += 1
    return None


def _format_spec(text: str, i: int, end: int, out: list[int]) -> int | None:
    """A conversion and format spec (`!r:>{width}`): literal text with nested fields."""
    while i < end:
        if text[i] == "{":
            closing = _field(text, i + 1, end, out)
            if closing is None:
                return None
            i = closing
        elif text[i] == "}":
            return i
        i += 1
    return None


def _touches_string(text: str, word: int, after: int, end: int) -> bool:
    """A nested template implicitly concatenated with another string literal (an error in 3.14)."""
    before = text[:word].rstrip()
    following = text[after:end].lstrip().lstrip("bBrRuUfFtT")
    return before.endswith(("'", '"')) or following.startswith(("'", '"'))


def _is_template_string(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """tokens[i] is a STRING right after a template prefix."""
    prev = tokens[i - 1] if i else None
    return (prev is not None and prev.type == tokenize.NAME and prev.string.lower() in _TEMPLATE_PREFIXES
            and prev.end == tokens[i].start)


def _plain_string_before(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    j = i - 1
    while j >= 0 and tokens[j].type in _IGNORED:
        j -= 1
    if j < 0:
        return False
    tok = tokens[j]
    return (tok.type == tokenize.STRING and not _is_template_string(tokens, j)) or tok.type == _FSTRING_END


def _plain_string_after(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    j = i + 1
    while j < len(tokens) and tokens[j].type in _IGNORED:
        j += 1
    if j >= len(tokens):
        return False
    return tokens[j].type == tokenize.STRING or tokens[j].type == _FSTRING_START


def _unparenthesised_excepts(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, int, str]]:
    """(row, col, char) of the parentheses that `except A, B:` needs before Python 3.14."""
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string != "except":
            continue
        first = i + 1
        if first < len(tokens) and tokens[first].type == tokenize.OP and tokens[first].string == "*":
            first += 1
        span = _exception_types(tokens, first)
        if span is not None:
            start, last = tokens[first].start, tokens[span].end
            found += [(start[0], start[1], "("), (last[0], last[1], ")")]
    return found


def _exception_types(tokens: list[tokenize.TokenInfo], first: int) -> int | None:
    """Index of the last token of `A, B` in `except A, B:` as 3.14 accepts it, else None.

    3.14's grammar is `'except' expressions ':'` (`expression (',' expression)+ [',']`, or
    `expression ','`) and only without `as`. Anything else is left as it is: parenthesised,
    a starred item, a walrus or `yield` would parse where 3.14 does not. A `lambda` item
    owns the next `:` at its level.
    """
    depth = commas = lambdas = 0
    previous = None
    for k in range(first, len(tokens)):
        tok = tokens[k]
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            return None
        if tok.type == tokenize.NAME and depth == 0:
            if tok.string in _NOT_IN_EXPRESSION:
                return None
            lambdas += tok.string == "lambda"
        if tok.type == tokenize.OP:
            if tok.string in _OPEN:
                depth += 1
            elif tok.string in _CLOSE:
                depth -= 1
            elif depth == 0:
                if tok.string == ":" and lambdas:
                    lambdas -= 1
                elif tok.string == ":":
                    return k - 1 if commas and previous is not None else None
                if tok.string == ",":
                    if previous is None or previous.string == ",":
                        return None
                    commas += 1
                elif tok.string == ":=" or (tok.string in ("*", "**") and (previous is None or previous.string == ",")):
                    return None
        if tok.type not in _IGNORED:
            previous = tok
    return None


def _map_column(row: int, col: int, rounds: list[dict[int, tuple[int, ...]]]) -> int:
    """A column of the respelled text → the same place in the source (last round first)."""
    for inserted in reversed(rounds):
        added = inserted.get(row)
        if added:
            col -= sum(1 for c in added if c < col)
    return col


def _map_tree(tree: ast.Module, rounds: list[_Insertions]) -> None:
    """Move AST columns on lines that got parentheses back to where Python 3.14 has them.

    Only files that needed the rewrite pay for this walk.
    """
    utf8 = [r.utf8 for r in rounds]
    rows = set().union(*utf8)
    if not rows:
        return
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line in rows:
            node.col_offset = _map_column(line, node.col_offset, utf8)
        end = getattr(node, "end_lineno", None)
        if end in rows and node.end_col_offset is not None:
            node.end_col_offset = _map_column(end, node.end_col_offset, utf8)
