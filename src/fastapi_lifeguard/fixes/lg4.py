"""Fix for LG401: catch and log what a background task raises."""

from __future__ import annotations

import libcst as cst

from ..findings import Finding
from .common import add_statement, dotted, ensure_import, fresh_name, imported_from
from .engine import Context, rewrite

_LOGGER_FACTORIES = ("getLogger", "get_logger")


def _module_logger(module: cst.Module) -> str | None:
    """A module-level `logger = logging.getLogger(...)` (or structlog's `get_logger`), or loguru's `logger`."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            if isinstance(value, cst.Call) and (dotted(value.func) or "").endswith(_LOGGER_FACTORIES):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                if len(targets) == 1 and isinstance(targets[0], cst.Name):
                    return targets[0].value
    if imported_from(module, "loguru", "logger"):
        return "logger"
    return None


def guard_task(ctx: Context, finding: Finding) -> str | None:
    """LG401: the task's body goes into `try: ... except Exception: logger.exception(...)`.

    Unsafe: the task no longer raises, so whatever relied on the exception (a test, a
    supervisor, the "Exception in ASGI application" line) sees a logged error instead; the
    later tasks of the request now run.
    """
    call = ctx.node_at(finding, (cst.Call,))
    if call is None or not call.args:
        return None
    first = call.args[0]
    if first.keyword is not None and first.keyword.value != "func":
        return None
    if not isinstance(first.value, cst.Name):
        return None
    name = first.value.value
    defs = [s for s in ctx.module.body if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if len(defs) != 1 or not isinstance(defs[0].body, cst.IndentedBlock):
        return None
    function = defs[0]
    body = list(function.body.body)
    doc = []
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) \
            and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        doc, body = body[:1], body[1:]
    if not body:
        return None
    logger = _module_logger(ctx.module)
    # A module-level logger, made when there is none: the rule (rightly) counts a call on
    # `logging.getLogger(...)`'s result as one that could raise.
    shown = logger or fresh_name(ctx.module, "logger")
    log = f'{shown}.exception("background task {name} failed")\n'
    handler = cst.ExceptHandler(type=cst.Name("Exception"), body=cst.IndentedBlock(body=[cst.parse_statement(log)]))
    guarded = cst.Try(body=cst.IndentedBlock(body=body), handlers=[handler],
                      leading_lines=body[0].leading_lines)
    body[0] = body[0].with_changes(leading_lines=())
    guarded = guarded.with_changes(body=cst.IndentedBlock(body=body))
    new = function.with_changes(body=function.body.with_changes(body=[*doc, guarded]))
    module = rewrite(ctx, {function: new})
    if logger is None:
        module = ensure_import(add_statement(module, f"{shown} = logging.getLogger(__name__)\n", blank=True), "logging")
    return module.code
