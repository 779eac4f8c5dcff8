"""Fixes for LG202 (add `await`), LG207 (`alru_cache`) and LG208 (async lifespan)."""

from __future__ import annotations

import libcst as cst

from ..findings import Finding
from .common import contains, dotted, ensure_from_import, from_import_text
from .engine import Context, rewrite


def add_await(ctx: Context, finding: Finding) -> str | None:
    """LG202: `client.aclose()` → `await client.aclose()`, as a statement of an `async def`."""
    call = ctx.node_at(finding, (cst.Call,))
    if call is None or not isinstance(ctx.parent(call), cst.Expr):
        return None
    function = ctx.enclosing_function(call)
    if function is None or function.asynchronous is None:
        return None
    return ctx.splice(call, cst.Await(expression=call))


_SYNC_CMS = {"contextmanager": "asynccontextmanager", "contextlib.contextmanager": "contextlib.asynccontextmanager"}


def _name_uses(module: cst.Module, name: str) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Uses(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name:
                found.append(node)

    module.visit(_Uses())
    return found


def async_lifespan(ctx: Context, finding: Finding) -> str | None:
    """LG208: `@contextmanager def lifespan` → `@asynccontextmanager async def lifespan`.

    Only when the function is used for nothing but `lifespan=` in this module (a `with
    lifespan(app):` elsewhere needs the sync form) and its body has no `yield from`.
    """
    ref = ctx.node_at(finding, (cst.Name,))
    if ref is None:
        return None
    defs = [s for s in ctx.module.body if isinstance(s, cst.FunctionDef) and s.name.value == ref.value]
    if len(defs) != 1 or defs[0].asynchronous is not None:
        return None
    function = defs[0]
    decorators = [d for d in function.decorators if dotted(d.decorator) in _SYNC_CMS]
    if len(decorators) != 1:
        return None
    for use in _name_uses(ctx.module, ref.value):
        if use is function.name:
            continue
        parent = ctx.parent(use)
        if not (isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value == "lifespan"):
            return None
    # `yield from` has no async form; nested functions are their own business.
    if contains(function.body, (cst.From,), skip=(cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        return None
    dec = decorators[0]
    wanted = _SYNC_CMS[dotted(dec.decorator)]
    new_dec = dec.with_changes(decorator=cst.parse_expression(wanted))
    new_function = function.with_changes(
        asynchronous=cst.Asynchronous(),
        decorators=[new_dec if d is dec else d for d in function.decorators])
    module = rewrite(ctx, {function: new_function})
    if "." not in wanted:
        module = ensure_from_import(module, "contextlib", wanted)
    return module.code


_CACHES = {"lru_cache", "cache", "functools.lru_cache", "functools.cache"}


def alru_cache(ctx: Context, finding: Finding) -> str | None:
    """LG207: `@lru_cache(...)`/`@cache` on an `async def` → `@alru_cache(...)` from `async-lru`.

    Unsafe: the project gains a dependency on `async-lru`, which the fix cannot install.
    """
    node = None
    for candidate in ctx.nodes_at(finding, (cst.Name, cst.Attribute, cst.Call)):
        if isinstance(ctx.parent(candidate), cst.Decorator):
            node = candidate
    if node is None:
        return None
    func = node.func if isinstance(node, cst.Call) else node
    name = dotted(func)
    if name not in _CACHES:
        return None
    if isinstance(node, cst.Call):
        new = node.with_changes(func=cst.Name("alru_cache"))
    elif name.endswith("lru_cache"):
        new = cst.Name("alru_cache")
    else:  # `@cache` keeps every result, like `maxsize=None`
        new = cst.parse_expression("alru_cache(maxsize=None)")
    return from_import_text(ctx, ctx.splice(node, new), "async_lru", "alru_cache")
