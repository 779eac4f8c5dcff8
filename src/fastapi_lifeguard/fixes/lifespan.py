"""Fix for LG206/LG203: move `on_event`/`add_event_handler`/`on_startup=`/`on_shutdown=` handlers
into a lifespan that runs them in the order FastAPI ran them.

What FastAPI does (fastapi 0.165 / starlette 1.10, `fastapi/routing.py`): an app or router
keeps `on_startup` and `on_shutdown` lists (the constructor's lists first, then each
`on_event`/`add_event_handler` in the order the module runs them) and its default lifespan
runs each list front to back, awaiting async handlers and calling sync ones. With `lifespan=`
the lists are never run (LG203). `include_router` merges a router's lifespan into the app's.

The generated lifespan:

    @asynccontextmanager
    async def lifespan(app):
        async with old_lifespan(app) as state:  # only when there was a `lifespan=`
            startup handlers, in order
            try:
                yield state
            finally:
                shutdown handlers, in order

An existing lifespan is entered first and left last, so what it makes is there for the
handlers and closed after them. Shutdown handlers run in a `finally`: a failed or cancelled
request cycle no longer skips them. A router's handlers go into a router lifespan.

Unsafe: handlers that never ran (LG203) now run, shutdown handlers run even when startup
failed, and code that read `app.router.on_startup` finds it empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..findings import Finding
from .common import dotted, ensure_from_import, fresh_name, imported_from, module_names
from .engine import Context, rewrite

_EVENTS = ("startup", "shutdown")
_CONSTRUCTORS = ("FastAPI", "APIRouter")


@dataclass
class _Registration:
    kind: str  # "decorator" | "statement" | "constructor"
    root: str  # the app or router name (`app` for `app.router.add_event_handler`)
    event: str
    handler: cst.BaseExpression | None  # None for a decorated function (then `function`)
    function: cst.FunctionDef | None
    node: cst.CSTNode  # what the fix removes: the Decorator, the statement line
    statement: cst.CSTNode  # the statement the registration belongs to
    first: int  # line span in the file
    last: int


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a.value
    return positional[position].value if len(positional) > position else None


def _root(receiver: cst.BaseExpression) -> str | None:
    name = dotted(receiver)
    if name is None:
        return None
    if name.endswith(".router"):
        name = name[: -len(".router")]
    return name if "." not in name else None


class _Collect(cst.CSTVisitor):
    """Every startup/shutdown registration written in the module."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.found: list[_Registration] = []

    def _span(self, node: cst.CSTNode) -> tuple[int, int]:
        pos = self.ctx.positions[node]
        return pos.start.line, pos.end.line

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("on_event", "add_event_handler"):
            return
        root = _root(func.value)
        event = _string(_argument(node, 0, "event_type") or cst.Name("None"))
        if root is None or event not in _EVENTS:
            return
        parent = self.ctx.parent(node)
        if func.attr.value == "on_event" and isinstance(parent, cst.Decorator):
            function = self.ctx.parent(parent)
            if isinstance(function, cst.FunctionDef):
                self.found.append(_Registration("decorator", root, event, None, function, parent, function,
                                                *self._span(node)))
            return
        handler = _argument(node, 1, "func")
        line = self.ctx.parent(parent) if isinstance(parent, cst.Expr) else None
        if func.attr.value == "add_event_handler" and handler is not None and isinstance(line, cst.SimpleStatementLine) \
                and len(line.body) == 1:
            self.found.append(_Registration("statement", root, event, handler, None, line, line, *self._span(line)))
        else:  # a registration the fix cannot move (inside an expression): it blocks the fix
            self.found.append(_Registration("other", root, event, handler, None, node, node, *self._span(node)))


def _constructor(ctx: Context, statement: cst.CSTNode, root: str) -> cst.Call | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        return None
    if not isinstance(target, cst.Name) or target.value != root or not isinstance(value, cst.Call):
        return None
    name = dotted(value.func) or ""
    return value if name.rsplit(".", 1)[-1] in _CONSTRUCTORS else None


def _body(block: cst.CSTNode) -> list[cst.CSTNode]:
    return list(block.body) if isinstance(block, (cst.Module, cst.IndentedBlock)) else []


def _handler_kind(ctx: Context, block: cst.CSTNode, handler: cst.BaseExpression) -> str | None:
    """"async" or "sync" for a handler defined in this module (or the enclosing function); else None."""
    if isinstance(handler, cst.Lambda):
        return "sync"  # a lambda cannot be a coroutine function
    if not isinstance(handler, cst.Name):
        return None
    for scope in (block, ctx.module):
        defs = [s for s in _body(scope) if isinstance(s, cst.FunctionDef) and s.name.value == handler.value]
        if defs:
            return "async" if defs[-1].asynchronous is not None else "sync"
    return None


def _existing_lifespan(ctx: Context, block: cst.CSTNode, value: cst.BaseExpression) -> str | None:
    """How to enter the app's own lifespan as an async context manager, or None when unknown."""
    code = ctx.code(value)
    if not isinstance(value, cst.Name):
        return f"{code}(app)"
    for scope in (block, ctx.module):
        defs = [s for s in _body(scope) if isinstance(s, cst.FunctionDef) and s.name.value == value.value]
        if not defs:
            continue
        function = defs[-1]
        decorators = {dotted(d.decorator) for d in function.decorators}
        if decorators & {"contextmanager", "contextlib.contextmanager"} or function.asynchronous is None:
            return None  # a sync lifespan (LG208): fix that first
        if decorators & {"asynccontextmanager", "contextlib.asynccontextmanager"}:
            return f"{code}(app)"
        return f"asynccontextmanager({code})(app)"  # FastAPI wraps a bare async generator the same way
    return f"{code}(app)"


def migrate(ctx: Context, finding: Finding) -> str | None:
    collect = _Collect(ctx)
    ctx.module.visit(collect)
    mine = [r for r in collect.found if r.first <= finding.line <= r.last]
    constructors: list[tuple[cst.CSTNode, cst.Call, str]] = []  # LG203 on `FastAPI(lifespan=..., on_startup=[...])`
    if not mine:
        for stmt_node, pos in ctx.positions.items():
            if isinstance(stmt_node, cst.SimpleStatementLine) and pos.start.line <= finding.line <= pos.end.line:
                small = stmt_node.body[0] if len(stmt_node.body) == 1 else None
                target = small.targets[0].target if isinstance(small, cst.Assign) and len(small.targets) == 1 else None
                if isinstance(target, cst.Name) and _constructor(ctx, stmt_node, target.value) is not None:
                    constructors.append((stmt_node, _constructor(ctx, stmt_node, target.value), target.value))
        if len(constructors) != 1:
            return None
        root = constructors[0][2]
    else:
        root = mine[0].root
    group = [r for r in collect.found if r.root == root]
    if any(r.kind == "other" for r in group):
        return None
    statements = [r.statement for r in group]
    blocks = {id(ctx.parent(s)) for s in statements}
    block = ctx.parent(statements[0]) if statements else ctx.parent(constructors[0][0])
    if len(blocks) > 1:
        return None  # registrations in different blocks (an `if`): their order is not the file's
    body = _body(block)
    first_reg = min((body.index(s) for s in statements if s in body), default=None)
    if statements and first_reg is None:
        return None
    # The app or router: the last `root = FastAPI(...)` in the same block before the registrations.
    ctor_stmt = ctor = None
    limit = first_reg if first_reg is not None else body.index(constructors[0][0]) + 1
    for stmt in body[:limit]:
        call = _constructor(ctx, stmt, root)
        if call is not None:
            ctor_stmt, ctor = stmt, call
    if ctor is None:
        return None
    startup: list[str] = []
    shutdown: list[str] = []
    kwargs = {a.keyword.value: a for a in ctor.args if a.keyword is not None}
    if any(a.star == "**" for a in ctor.args):
        return None  # `FastAPI(**settings)` may carry its own lists
    for event, out in (("startup", startup), ("shutdown", shutdown)):
        listed = kwargs.get(f"on_{event}")
        if listed is None:
            continue
        if not isinstance(listed.value, (cst.List, cst.Tuple)):
            return None
        for element in listed.value.elements:
            if isinstance(element, cst.StarredElement):
                return None
            kind = _handler_kind(ctx, block, element.value)
            if kind is None:
                return None
            out.append(_call_line(ctx, kind, element.value))
    for r in sorted(group, key=lambda r: ctx.positions[r.node].start.line):
        if r.function is not None:
            kind, handler = ("async" if r.function.asynchronous is not None else "sync"), r.function.name
        else:
            kind, handler = _handler_kind(ctx, block, r.handler), r.handler
        if kind is None:
            return None
        (startup if r.event == "startup" else shutdown).extend(_comments(r.node, _call_line(ctx, kind, handler)))
    if not startup and not shutdown:
        return None
    existing = kwargs.get("lifespan")
    enter = _existing_lifespan(ctx, block, existing.value) if existing is not None else None
    if existing is not None and enter is None:
        return None

    taken = module_names(ctx.module)
    wanted = ["lifespan", "app_lifespan"] if root == "app" else [f"{root}_lifespan"]
    name = next((n for n in wanted if n not in taken), None) or fresh_name(ctx.module, wanted[-1])
    text = _lifespan_source(name, startup, shutdown, enter)
    at_module = isinstance(block, cst.Module)
    new_def = cst.parse_module(text).body[0]

    mapping: dict = {}
    for r in group:
        if r.kind == "decorator":
            mapping[r.function] = r.function.with_changes(
                decorators=[d for d in r.function.decorators if d is not r.node])
        else:
            mapping[r.node] = cst.RemovalSentinel.REMOVE
    new_ctor = ctor.with_changes(args=_constructor_args(ctor, name))
    blank = cst.EmptyLine()
    comments = [line for line in ctor_stmt.leading_lines if line.comment is not None]
    n_blank = 2 if at_module else (1 if body.index(ctor_stmt) else 0)
    new_def = new_def.with_changes(leading_lines=[blank] * n_blank if body.index(ctor_stmt) else [])
    new_stmt = ctor_stmt.with_changes(leading_lines=[*([blank] * (2 if at_module else 1)), *comments],
                                      body=[ctor_stmt.body[0].with_changes(value=new_ctor)])
    mapping[ctor_stmt] = cst.FlattenSentinel([new_def, new_stmt])
    module = rewrite(ctx, mapping)
    if not imported_from(module, "contextlib", "asynccontextmanager"):
        module = ensure_from_import(module, "contextlib", "asynccontextmanager")
    return module.code


def _call_line(ctx: Context, kind: str, handler: cst.BaseExpression) -> str:
    code = ctx.code(handler)
    if isinstance(handler, cst.Lambda):
        code = f"({code})"
    return f"{'await ' if kind == 'async' else ''}{code}()"


def _comments(removed: cst.CSTNode, call: str) -> list[str]:
    """The call, with the comments of the registration it replaces (above it and at its end)."""
    above = [line.comment.value for line in getattr(removed, "leading_lines", ()) if line.comment is not None]
    trailing = getattr(removed, "trailing_whitespace", None)
    end = f"  {trailing.comment.value}" if trailing is not None and trailing.comment is not None else ""
    return [*above, call + end]


def _lifespan_source(name: str, startup: list[str], shutdown: list[str], enter: str | None) -> str:
    pad = "    "
    lines = ["@asynccontextmanager", f"async def {name}(app):"]
    inner = pad
    if enter is not None:
        lines.append(f"{pad}async with {enter} as state:")
        inner = pad * 2
    lines.extend(f"{inner}{call}" for call in startup)
    result = " state" if enter is not None else ""
    if shutdown:
        lines.append(f"{inner}try:")
        lines.append(f"{inner}{pad}yield{result}")
        lines.append(f"{inner}finally:")
        lines.extend(f"{inner}{pad}{call}" for call in shutdown)
    else:
        lines.append(f"{inner}yield{result}")
    return "\n".join(lines) + "\n"


def _constructor_args(ctor: cst.Call, name: str) -> list[cst.Arg]:
    """`lifespan=name` where the old lifespan=, on_startup= or on_shutdown= was; the others removed."""
    replaced = ("lifespan", "on_startup", "on_shutdown")
    new = cst.Arg(keyword=cst.Name("lifespan"), value=cst.Name(name),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))
    args: list[cst.Arg] = []
    placed = False
    old = list(ctor.args)
    for n, a in enumerate(old):
        if a.keyword is not None and a.keyword.value in replaced:
            if not placed:
                args.append(new.with_changes(comma=a.comma))
                placed = True
            elif n == len(old) - 1 and args:
                args[-1] = args[-1].with_changes(comma=a.comma)  # the last one goes: keep the call's ending
            continue
        args.append(a)
    if not placed:
        if args and isinstance(args[-1].comma, cst.Comma):
            between = args[-2].comma if len(args) > 1 else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            args[-1:] = [args[-1].with_changes(comma=between), new.with_changes(comma=args[-1].comma)]
        elif args:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.append(new)
        else:
            args.append(new)
    return args
