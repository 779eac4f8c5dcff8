"""Fixes for LG1xx: `asyncio.sleep` for `time.sleep`, callables passed to offloaders, `to_thread`."""

from __future__ import annotations

import libcst as cst

from ..findings import Finding
from .common import contains, dotted, import_text
from .engine import Context

_SPACE = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
# Offloaders that forward keyword arguments to the function; `run_in_executor` and anyio's
# `run_sync` take positional ones only.
_KWARGS_OFFLOADERS = ("to_thread", "run_in_threadpool")


def _call_in_coroutine(ctx: Context, finding: Finding) -> cst.Call | None:
    """The finding's call, when `await` may replace it: directly in an `async def` body, not in a
    generator expression (an `await` there would turn it into an async generator)."""
    call = ctx.node_at(finding, (cst.Call,))
    if call is None:
        return None
    for up in ctx.ancestors(call):
        if isinstance(up, (cst.GeneratorExp, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(up, cst.FunctionDef):
            return call if up.asynchronous is not None else None
    return None


def _awaited(ctx: Context, call: cst.Call, expression: cst.BaseExpression) -> cst.Await:
    """`await expression`, in parentheses when the old call was the left side of `.x`, `[i]`, `(...)` or `**`."""
    parent = ctx.parent(call)
    tight = (isinstance(parent, cst.Attribute) and parent.value is call) or \
            (isinstance(parent, cst.Subscript) and parent.value is call) or \
            (isinstance(parent, cst.Call) and parent.func is call) or \
            (isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Power))
    if tight:
        return cst.Await(expression=expression, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Await(expression=expression)


def asyncio_sleep(ctx: Context, finding: Finding) -> str | None:
    """LG101: `time.sleep(n)` → `await asyncio.sleep(n)` in a coroutine."""
    call = _call_in_coroutine(ctx, finding)
    if call is None or dotted(call.func) not in ("time.sleep", "sleep"):
        return None
    new = call.with_changes(func=cst.parse_expression("asyncio.sleep"))
    return import_text(ctx, ctx.splice(call, _awaited(ctx, call, new)), "asyncio")


def to_thread(ctx: Context, finding: Finding) -> str | None:
    """LG101/LG102/LG105: `f(x, k=y)` → `await asyncio.to_thread(f, x, k=y)` in a coroutine.

    Unsafe: the call now runs in another thread, with what that means for thread-local state
    and for objects that are not thread-safe. Not for `with f(...)`: the body would still use
    the result on the loop.
    """
    call = _call_in_coroutine(ctx, finding)
    if call is None or isinstance(ctx.parent(call), (cst.WithItem,)):
        return None
    # A call laid out one argument per line keeps that layout, the function on a line of its own.
    layout = call.whitespace_before_args
    multiline = isinstance(layout, cst.ParenthesizedWhitespace)
    comma = cst.Comma(whitespace_after=layout) if multiline else _SPACE
    args = [cst.Arg(value=call.func, comma=comma if call.args else cst.MaybeSentinel.DEFAULT), *call.args]
    new = cst.Call(func=cst.parse_expression("asyncio.to_thread"), args=args,
                   whitespace_before_args=layout if multiline else cst.SimpleWhitespace(""))
    return import_text(ctx, ctx.splice(call, _awaited(ctx, call, new)), "asyncio")


def _pure(node: cst.CSTNode) -> bool:
    """Reads names only: no call, await, yield or walrus inside."""
    return not contains(node, (cst.Call, cst.Await, cst.Yield, cst.NamedExpr))


def pass_callable(ctx: Context, finding: Finding) -> str | None:
    """LG104: `to_thread(f(x, y))` → `to_thread(f, x, y)` (also `run_in_threadpool`, `run_in_executor`).

    Safe only when nothing moves: the function expression and the arguments read names and
    attributes, call nothing, so evaluating them before the offloader runs `f` is what the
    old code did minus the call itself.
    """
    inner = ctx.node_at(finding, (cst.Call,))
    if inner is None:
        return None
    arg = ctx.parent(inner)
    outer = ctx.parent(arg) if isinstance(arg, cst.Arg) else None
    if not isinstance(outer, cst.Call) or arg.keyword is not None or arg.star:
        return None
    if dotted(inner.func) is None or not all(_pure(a.value) for a in inner.args):
        return None
    offloader = dotted(outer.func) or ""
    keywords = [a for a in inner.args if a.keyword is not None or a.star == "**"]
    if keywords and (not offloader.endswith(_KWARGS_OFFLOADERS) or any(a.keyword or a.star == "**" for a in outer.args)):
        return None
    if inner.args:
        moved = [*inner.args[:-1], inner.args[-1].with_changes(comma=arg.comma)]
        new_args = [cst.Arg(value=inner.func, comma=_SPACE), *moved]
    else:
        new_args = [cst.Arg(value=inner.func, comma=arg.comma)]
    args = list(outer.args)
    n = next(i for i, a in enumerate(args) if a is arg)
    args[n:n + 1] = new_args
    return ctx.splice(outer, outer.with_changes(args=args))
