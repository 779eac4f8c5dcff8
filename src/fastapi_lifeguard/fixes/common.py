"""Small libcst helpers the fixers share: imports, names, dotted text."""

from __future__ import annotations

import sys

import libcst as cst


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _import_stmts(module: cst.Module):
    for n, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield n, stmt, small


def has_import(module: cst.Module, name: str) -> bool:
    """Is `import name` at the top level of the module?"""
    for _, _, small in _import_stmts(module):
        if isinstance(small, cst.Import):
            for alias in small.names:
                if dotted(alias.name) == name and alias.asname is None:
                    return True
    return False


def imported_from(module: cst.Module, source: str, name: str) -> bool:
    """Is `from source import name` (not renamed) at the top level of the module?"""
    for _, _, small in _import_stmts(module):
        if isinstance(small, cst.ImportFrom) and small.module is not None and dotted(small.module) == source \
                and not small.relative and not isinstance(small.names, cst.ImportStar):
            if any(dotted(a.name) == name and a.asname is None for a in small.names):
                return True
    return False


def _root_module(stmt: cst.SimpleStatementLine) -> str:
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        return (dotted(small.names[0].name) or "").split(".")[0]
    if small.relative or small.module is None:
        return ""
    return (dotted(small.module) or "").split(".")[0]


def _insert_at(module: cst.Module, stdlib: bool = False, name: str = "", is_from: bool = False) -> int:
    """Where a new statement goes: after the imports at the head of the module (and its docstring).

    A standard-library import goes among the head's standard-library imports where isort's
    default order puts it: `import x` lines before `from x import y` lines, each by module name.
    """
    at = 0
    placed = None
    for n, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
                isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            root = _root_module(stmt)
            if not stdlib or (root in sys.stdlib_module_names and root != "__future__"):
                at = n + 1
                if stdlib and placed is None:
                    other_from = isinstance(stmt.body[0], cst.ImportFrom)
                    if (other_from, _module_of(stmt)) > (is_from, name):
                        placed = n
            elif root == "__future__":
                at = n + 1
            continue
        if n == 0 and isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr) \
                and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            at = 1
            continue
        break
    return placed if placed is not None else at


def _module_of(stmt: cst.SimpleStatementLine) -> str:
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        return dotted(small.names[0].name) or ""
    return ("." * len(small.relative)) + (dotted(small.module) or "" if small.module is not None else "")


def add_statement(module: cst.Module, code: str, blank: bool = False, stdlib: bool = False) -> cst.Module:
    """Put a statement after the module's head imports (`blank`: with an empty line above)."""
    stmt = cst.parse_statement(code)
    if blank:
        stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
    name, is_from = "", False
    if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)):
        name, is_from = _module_of(stmt), isinstance(stmt.body[0], cst.ImportFrom)
    at = _insert_at(module, stdlib, name, is_from)
    body = list(module.body)
    before_import = at < len(body) and isinstance(body[at], cst.SimpleStatementLine) and isinstance(
        body[at].body[0], (cst.Import, cst.ImportFrom))
    if (at == 0 or before_import) and at < len(body) and not blank:
        # Before an import (or the first statement): its comments and blank lines stay above both.
        first = body[at]
        stmt = stmt.with_changes(leading_lines=first.leading_lines)
        body[at] = first.with_changes(leading_lines=())
    body.insert(at, stmt)
    return module.with_changes(body=body)


def ensure_import(module: cst.Module, name: str) -> cst.Module:
    """`import name` at the top unless it is there."""
    return module if has_import(module, name) else add_statement(module, f"import {name}\n", stdlib=_stdlib(name))


def ensure_from_import(module: cst.Module, source: str, name: str) -> cst.Module:
    """`from source import name`, added to an existing `from source import ...` when there is one."""
    if imported_from(module, source, name):
        return module
    for n, stmt, small in _import_stmts(module):
        if isinstance(small, cst.ImportFrom) and small.module is not None and dotted(small.module) == source \
                and not small.relative and not isinstance(small.names, cst.ImportStar) and len(stmt.body) == 1:
            if small.lpar:
                break  # a parenthesised (often multi-line) import: add a line of its own instead
            names = sorted([*small.names, cst.ImportAlias(name=cst.Name(name))], key=lambda a: dotted(a.name) or "")
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            names = [a.with_changes(comma=comma) for a in names[:-1]] + [names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            new_small = small.with_changes(names=names)
            body = list(module.body)
            body[n] = stmt.with_changes(body=[new_small])
            return module.with_changes(body=body)
    return add_statement(module, f"from {source} import {name}\n", stdlib=_stdlib(source))


def _stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names


def module_names(module: cst.Module) -> set[str]:
    """Every identifier written in the module (to pick a new name that shadows nothing)."""
    names: set[str] = set()

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    module.visit(_Names())
    return names


def fresh_name(module: cst.Module, wanted: str) -> str:
    taken = module_names(module)
    name, n = wanted, 2
    while name in taken:
        name, n = f"{wanted}_{n}", n + 1
    return name


def contains(node: cst.CSTNode, wanted: tuple[type, ...], skip: tuple[type, ...] = ()) -> bool:
    """Is there a node of `wanted` types inside `node`, not looking into `skip` types?"""
    found = False

    class _Find(cst.CSTVisitor):
        def on_visit(self, child: cst.CSTNode) -> bool:
            nonlocal found
            if isinstance(child, wanted):
                found = True
            return not found and not (child is not node and isinstance(child, skip))

    node.visit(_Find())
    return found


def import_text(ctx, source: str, name: str) -> str:
    """`source` with `import name` added where `ensure_import` would put it (text only, no reprint)."""
    if has_import(ctx.module, name):
        return source
    return ctx.head_insert(source, _insert_at(ctx.module, _stdlib(name), name, False), f"import {name}\n")


def from_import_text(ctx, source: str, module_name: str, name: str) -> str:
    """`source` with `from module_name import name`, merged into a one-line import of that module."""
    module = ctx.module
    if imported_from(module, module_name, name):
        return source
    for _, stmt, small in _import_stmts(module):
        if isinstance(small, cst.ImportFrom) and small.module is not None and dotted(small.module) == module_name \
                and not small.relative and not isinstance(small.names, cst.ImportStar) and len(stmt.body) == 1 \
                and not small.lpar:
            merged = ensure_from_import(cst.Module(body=[stmt]), module_name, name).body[0].body[0]
            return ctx.splice(small, merged, source)
    at = _insert_at(module, _stdlib(module_name), module_name, True)
    return ctx.head_insert(source, at, f"from {module_name} import {name}\n")
