"""Build a module's model in one walk of its AST.

The walk records scopes, bindings, calls (with the role each plays: awaited, assigned,
passed as an argument, guarded by a try) and yields. Everything a rule needs later is read
from these records; no rule walks the tree again.
"""

from __future__ import annotations

import ast

from .records import (AWAITED, EMPTY_MAP, GUARDED, IN_FINALLY, IN_HANDLER, IN_IF, IN_LOOP, NONBLOCKING, OTHER, STAR_KWARGS,
                      Binding, Call,
                      ModuleModel, Param, Raise, Ref, Scope, Yield, pack_position)

_new = tuple.__new__
_Name, _Attribute, _Call, _Constant = ast.Name, ast.Attribute, ast.Call, ast.Constant
_ROLE_TAKERS = (ast.Call, ast.Await)  # what `_role` records anything for

_BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException"})


def _catches_broadly(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for name in names:
        if isinstance(name, ast.Name) and name.id in _BROAD_EXCEPTIONS:
            return True
        if isinstance(name, ast.Attribute) and name.attr in _BROAD_EXCEPTIONS:
            return True
    return False


def _handler_names(handler: ast.ExceptHandler) -> tuple[str, ...]:
    kind = handler.type
    if kind is None:
        return ("BaseException",)
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return tuple(n.id if isinstance(n, ast.Name) else n.attr for n in names if isinstance(n, (ast.Name, ast.Attribute)))


def _shortened(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


class _Builder:
    def __init__(self, path: str, module: str, is_package: bool) -> None:
        self.path = path
        self.module = module
        self.is_package = is_package
        self.scopes: list[Scope] = [Scope(0, "module", module or "<module>", "", -1)]
        self.calls: list[Call | None] = []
        self.imports: list[str] = []  # every module an import statement names, anywhere
        self.call_ids: dict[int, int] = {}
        self.scope_ids: dict[int, int] = {}
        self.roles: dict[int, dict] = {}
        self.scope = 0
        self.guard = False
        self.nonblocking = False  # in the body of a try catching BlockingIOError
        self.in_finally = False
        self.in_if = False
        self.branch: tuple[str, Ref | None, bool] | None = None
        self.loop_var: Ref | None = None
        self.in_loop = False
        self.finally_try_depth = 0
        self.with_depth = 0
        self.handler: tuple[str, ...] = ()  # names caught by the enclosing except handler
        self.test_depth = 0
        self.in_handler = False
        self.unfinished: list[tuple[dict, str, type]] = []  # (bindings or loads, name, final type)
        self.same = {}.setdefault  # one object per equal line number / attribute chain in the module

    # ---- ids -------------------------------------------------------------------------
    def _call_id(self, node: ast.Call) -> int:
        key = id(node)
        found = self.call_ids.get(key)
        if found is None:
            found = self.call_ids[key] = len(self.calls)
            self.calls.append(None)
        return found

    def _scope_id(self, node: ast.AST) -> int:
        key = id(node)
        found = self.scope_ids.get(key)
        if found is None:
            found = self.scope_ids[key] = len(self.scopes)
            self.scopes.append(Scope(found, "pending", "", "", self.scope))
        return found

    # ---- expression shapes -----------------------------------------------------------
    def ref(self, e: ast.AST | None, ann: bool = False, in_string: bool = False) -> Ref:
        # The shapes most expressions are (names, dotted names, calls, constants) first, by
        # exact type, and built as plain tuples: `ref` runs several times for most nodes of
        # every module, and NamedTuple's keyword constructor was a visible share of a cold run.
        # An AST node's line number above 256 is an int object of its own, and an attribute chain
        # a new tuple per Ref: one of each per module (`same`) takes ~5% off a model's memory.
        kind = type(e)
        if kind is _Name:
            line = e.lineno  # type: ignore[union-attr]
            return _new(Ref, ("name", e.id, (), (), "", self.same(line, line), e.col_offset))  # type: ignore[union-attr]
        if kind is _Attribute:
            inner = self.ref(e.value, ann, in_string)  # type: ignore[union-attr]
            if inner[0] == "other":
                return inner
            attrs, line, same = inner[2] + (e.attr,), e.lineno, self.same  # type: ignore[union-attr]
            return _new(Ref, (inner[0], inner[1], same(attrs, attrs), inner[3], inner[4], same(line, line),
                              e.col_offset))  # type: ignore[union-attr]
        if kind is _Call:
            if in_string:
                return OTHER
            line = e.lineno  # type: ignore[union-attr]
            return _new(Ref, ("call", self._call_id(e), (), (), "", self.same(line, line), e.col_offset))  # type: ignore
        if kind is _Constant and not ann:
            line = e.lineno  # type: ignore[union-attr]
            return _new(Ref, ("const", e.value, (), (), "", self.same(line, line), e.col_offset))  # type: ignore[union-attr]
        return self._ref_other(e, ann, in_string)

    def _ref_other(self, e: ast.AST | None, ann: bool, in_string: bool) -> Ref:
        """`ref` of every other node (names, attributes and calls never get here: `ast.parse`
        makes those exact types, which `ref` takes first; a constant gets here in an annotation)."""
        if e is None:
            return OTHER
        if isinstance(e, (ast.Await, ast.Starred, ast.NamedExpr)):
            return self.ref(e.value, ann, in_string)
        if isinstance(e, ast.BinOp):
            return _new(Ref, ("binop", self.ref(e.left, ann, in_string), (), (self.ref(e.right, ann, in_string),),
                              type(e.op).__name__, e.lineno, e.col_offset))
        if isinstance(e, ast.Subscript):
            sl = e.slice
            elts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
            return _new(Ref, ("sub", self.ref(e.value, ann, in_string), (),
                              tuple([self.ref(x, ann, in_string) for x in elts]), "", e.lineno, e.col_offset))
        if isinstance(e, ast.Constant):
            if ann and isinstance(e.value, str) and not in_string:
                try:
                    parsed = ast.parse(e.value.strip(), mode="eval").body
                except (SyntaxError, ValueError, RecursionError):
                    return OTHER
                return self.ref(parsed, ann, True)
            return Ref("const", e.value, line=e.lineno, col=e.col_offset)
        if isinstance(e, ast.Lambda):
            if in_string:
                return OTHER
            return Ref("lambda", self._scope_id(e), line=e.lineno, col=e.col_offset)
        if isinstance(e, (ast.List, ast.Tuple, ast.Set)):
            return _new(Ref, ("seq", None, (), tuple([self.ref(x, ann, in_string) for x in e.elts]),
                              type(e).__name__, e.lineno, e.col_offset))
        if isinstance(e, ast.Dict):
            keys = tuple(self.ref(k) if k is not None else OTHER for k in e.keys)
            return Ref("dict", items=keys + tuple(self.ref(v) for v in e.values), line=e.lineno, col=e.col_offset)
        return OTHER

    # ---- bindings --------------------------------------------------------------------
    def bind(self, name: str, binding: Binding, scope: int | None = None) -> None:
        sid = self.scope if scope is None else scope
        if sid == self.scope and name in self.scopes[sid].globals:
            sid = 0
        binding.line = self.same(binding.line, binding.line)
        bindings = self.scopes[sid].bindings
        found = bindings.get(name)
        # Tuples as the model keeps them: most names are bound once. A list from the second
        # binding on (appends, not copies), made a tuple when the module is done.
        if found is None:
            bindings[name] = (binding,)
        elif type(found) is tuple:
            bindings[name] = [*found, binding]  # type: ignore[assignment]
            self.unfinished.append((bindings, name, tuple))
        else:
            found.append(binding)  # type: ignore[attr-defined]

    def bind_target(self, target: ast.AST, kind: str, value: Ref | None, line: int,
                    annotation: Ref | None = None) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, Binding(kind, value, line, annotation))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind_target(elt, "other", None, line)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value, "other", None, line)
        elif isinstance(target, (ast.Attribute, ast.Subscript)) and value is not None:
            self.scopes[self.scope].attr_stores.append((self.ref(target), value, line))

    def _role(self, node: ast.AST | None, **role: object) -> None:
        if node is None:
            return
        awaited = False
        if isinstance(node, ast.Await):
            node, awaited = node.value, True
        if isinstance(node, ast.Call):
            entry = self.roles.setdefault(id(node), {})
            entry.update(role)
            if awaited:
                entry["awaited"] = True

    # ---- walk ------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        # Dispatch by type through a table: the walk visits every node of every module, and
        # a getattr on a built string per node was a visible share of a cold project run.
        kind = type(node)
        method = _DISPATCH.get(kind)
        if method is None:
            method = _DISPATCH[kind] = _method_for(kind)
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                self.visit(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)

    def visit_many(self, nodes: list) -> None:
        dispatch = _DISPATCH
        for node in nodes:
            kind = type(node)
            method = dispatch.get(kind)
            if method is None:
                method = dispatch[kind] = _method_for(kind)
            method(self, node)

    # Expressions with nothing to record of their own: their children, in `_fields` order
    # (what `generic_visit` does, without its per-field reflection; call ids are numbered
    # in walk order, so the order matters).
    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self.visit(node.slice)

    def visit_Starred(self, node: ast.Starred) -> None:
        self.visit(node.value)

    def visit_keyword(self, node: ast.keyword) -> None:
        self.visit(node.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.visit(node.left)
        self.visit(node.right)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.visit_many(node.values)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.visit(node.operand)

    def _visit_elts(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        self.visit_many(node.elts)

    visit_Tuple = visit_List = visit_Set = _visit_elts

    def visit_Dict(self, node: ast.Dict) -> None:
        self.visit_many([k for k in node.keys if k is not None])
        self.visit_many(node.values)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self.visit_many(node.values)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        self.visit(node.value)
        if node.format_spec is not None:
            self.visit(node.format_spec)

    def _enter(self, sid: int):
        saved = (self.scope, self.guard, self.in_finally, self.in_if, self.loop_var, self.in_loop,
                 self.finally_try_depth, self.with_depth, self.handler, self.test_depth, self.in_handler, self.branch,
                 self.nonblocking)
        self.scope, self.guard, self.in_finally, self.in_if, self.branch = sid, False, False, False, None
        self.nonblocking = False
        self.loop_var, self.in_loop, self.finally_try_depth, self.with_depth = None, False, 0, 0
        self.handler, self.test_depth, self.in_handler = (), 0, False
        return saved

    def _leave(self, saved) -> None:
        (self.scope, self.guard, self.in_finally, self.in_if, self.loop_var, self.in_loop,
         self.finally_try_depth, self.with_depth, self.handler, self.test_depth, self.in_handler, self.branch,
         self.nonblocking) = saved

    def _qualname(self, name: str) -> str:
        parent = self.scopes[self.scope]
        return f"{parent.qualname}.{name}" if parent.qualname else name

    def _params(self, args: ast.arguments) -> tuple[Param, ...]:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.AST | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        params = [Param(a.arg, self.ref(a.annotation, ann=True) if a.annotation else None,
                        self.ref(d) if d is not None else None) for a, d in zip(positional, defaults)]
        if args.vararg:
            params.append(Param(args.vararg.arg, None, None, "vararg"))
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            params.append(Param(a.arg, self.ref(a.annotation, ann=True) if a.annotation else None,
                                self.ref(d) if d is not None else None, "kwonly"))
        if args.kwarg:
            params.append(Param(args.kwarg.arg, None, None, "kwarg"))
        return tuple(params)

    def _visit_arguments(self, args: ast.arguments) -> None:
        for d in [*args.defaults, *args.kw_defaults]:
            if d is not None:
                self.visit(d)
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.visit_many(node.decorator_list)
        self._visit_arguments(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        sid = self._scope_id(node)
        scope = self.scopes[sid]
        scope.kind, scope.name, scope.qualname = "def", node.name, self._qualname(node.name)
        scope.parent = self.scope
        scope.line, scope.col, scope.end_line = node.lineno, node.col_offset, node.end_lineno or node.lineno
        scope.is_async = isinstance(node, ast.AsyncFunctionDef)
        scope.decorators = tuple(self.ref(d) for d in node.decorator_list)
        scope.params = self._params(node.args)
        scope.returns_ann = self.ref(node.returns, ann=True) if node.returns is not None else None
        self.bind(node.name, Binding("def", sid, node.lineno))
        if self.scopes[self.scope].kind == "class":
            self.scopes[self.scope].members[node.name] = sid
        saved = self._enter(sid)
        for i, p in enumerate(scope.params):
            self.bind(p.name, Binding("param", i, node.lineno, p.annotation))
        self.visit_many(node.body)
        self._leave(saved)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments(node.args)
        sid = self._scope_id(node)
        scope = self.scopes[sid]
        scope.kind, scope.name, scope.qualname = "lambda", "<lambda>", self._qualname("<lambda>")
        scope.parent = self.scope
        scope.line, scope.col, scope.end_line = node.lineno, node.col_offset, node.end_lineno or node.lineno
        scope.params = self._params(node.args)
        saved = self._enter(sid)
        for i, p in enumerate(scope.params):
            self.bind(p.name, Binding("param", i, node.lineno))
        self._role(node.body, stmt="return")
        scope.returns.append(self.ref(node.body))
        self.visit(node.body)
        self._leave(saved)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.visit_many(node.decorator_list)
        self.visit_many(node.bases)
        self.visit_many(node.keywords)
        sid = self._scope_id(node)
        scope = self.scopes[sid]
        scope.kind, scope.name, scope.qualname = "class", node.name, self._qualname(node.name)
        scope.parent = self.scope
        scope.line, scope.col, scope.end_line = node.lineno, node.col_offset, node.end_lineno or node.lineno
        scope.decorators = tuple(self.ref(d) for d in node.decorator_list)
        scope.bases = tuple(self.ref(b) for b in node.bases)
        self.bind(node.name, Binding("class", sid, node.lineno))
        saved = self._enter(sid)
        self.visit_many(node.body)
        self._leave(saved)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imports.append(alias.name)
            if alias.asname:
                self.bind(alias.asname, Binding("import", alias.name, node.lineno))
            else:
                root = alias.name.split(".", 1)[0]
                self.bind(root, Binding("import", root, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.module.split(".") if self.module else []
            drop = node.level - (1 if self.is_package else 0)
            if self.module and drop <= len(parts):
                package = parts[: len(parts) - drop] if drop else parts
                base = ".".join([*package, base] if base else package)
            else:
                base = "." * node.level + base
        if not base.startswith("."):
            self.imports.append(base)  # `from x import *` too: the names bind nothing here
        for alias in node.names:
            if alias.name == "*":
                continue
            dotted = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
            if not base.startswith("."):
                self.imports.append(dotted)  # `from . import routes`: maybe a submodule
            self.bind(alias.asname or alias.name, Binding("import", dotted, node.lineno))

    def visit_Global(self, node: ast.Global) -> None:
        self.scopes[self.scope].globals.update(node.names)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._role(node.value, stmt="assign", targets=tuple(self.ref(t) for t in node.targets))
        self.visit(node.value)
        value = self.ref(node.value)
        for target in node.targets:
            self.bind_target(target, "assign", value, node.lineno)
            if not isinstance(target, ast.Name):
                self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        annotation = self.ref(node.annotation, ann=True)
        value = None
        if node.value is not None:
            self._role(node.value, stmt="assign", targets=(self.ref(node.target),))
            self.visit(node.value)
            value = self.ref(node.value)
        self.bind_target(node.target, "assign", value, node.lineno, annotation)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.bind(node.target.id, Binding("other", None, node.lineno))
        else:
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._role(node.value, stmt="assign", targets=(self.ref(node.target),))
        self.visit(node.value)
        self.bind_target(node.target, "assign", self.ref(node.value), node.lineno)

    def visit_Expr(self, node: ast.Expr) -> None:
        self._role(node.value, stmt="expr")
        self.visit(node.value)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self._role(node.value, stmt="return")
            self.scopes[self.scope].returns.append(self.ref(node.value))
            self.visit(node.value)
        else:
            self.scopes[self.scope].returns.append(Ref("const", None))

    def _visit_yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        value = self.ref(node.value) if node.value is not None else None
        self.scopes[self.scope].yields.append(
            Yield(node.lineno, node.col_offset, self.finally_try_depth > 0, self.with_depth > 0, value,
                  node.end_lineno or node.lineno, node.end_col_offset or node.col_offset))
        if node.value is not None:
            self._role(node.value, stmt="yield")
            self.visit(node.value)

    visit_Yield = _visit_yield
    visit_YieldFrom = _visit_yield

    def visit_Raise(self, node: ast.Raise) -> None:
        self.scopes[self.scope].raises.append(
            Raise(node.lineno, node.col_offset, self.guard, node.exc is None, self.handler, _raised_name(node.exc)))
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    def visit_Await(self, node: ast.Await) -> None:
        self._role(node.value, awaited=True)
        if not isinstance(node.value, ast.Call):
            self.scopes[self.scope].awaits.append(self.ref(node.value))
        self.visit(node.value)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and not self.test_depth:
            loads = self.scopes[self.scope].loads
            name = node.id
            found = loads.get(name)
            # Packed as the model keeps them (`Scope.reads`); a name read often in one scope
            # grows a bytearray instead of copying, made bytes when the module is done.
            if found is None:
                loads[name] = pack_position(node.lineno, node.col_offset)
            elif type(found) is bytes and len(found) < 256:
                loads[name] = found + pack_position(node.lineno, node.col_offset)
            else:
                if type(found) is bytes:
                    found = loads[name] = bytearray(found)  # type: ignore[assignment]
                    self.unfinished.append((loads, name, bytes))
                found += pack_position(node.lineno, node.col_offset)
    def _visit_test(self, node: ast.AST) -> None:
        """A condition: names read only to be tested do not flow anywhere."""
        self.test_depth += 1
        self.visit(node)
        self.test_depth -= 1

    def visit_Compare(self, node: ast.Compare) -> None:
        for operand in (node.left, *node.comparators):
            if isinstance(operand, ast.Name):
                self._visit_test(operand)
            else:
                self.visit(operand)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._visit_test(node.test)
        self.visit(node.body)
        self.visit(node.orelse)

    def visit_Assert(self, node: ast.Assert) -> None:
        self._visit_test(node.test)
        if node.msg is not None:
            self.visit(node.msg)

    def visit_Try(self, node: ast.Try) -> None:
        saved_guard, saved_nonblocking = self.guard, self.nonblocking
        if any(_catches_broadly(h) for h in node.handlers):
            self.guard = True
        # `except BlockingIOError` (named, alone or in a tuple) is raised only by I/O in
        # non-blocking mode (EAGAIN): the calls this `try` guards are made on such an object.
        if any(h.type is not None and "BlockingIOError" in _handler_names(h) for h in node.handlers):
            self.nonblocking = True
        if node.finalbody:
            self.finally_try_depth += 1
        self.visit_many(node.body)
        if node.finalbody:
            self.finally_try_depth -= 1
        self.guard, self.nonblocking = saved_guard, saved_nonblocking
        saved_handler, saved_in_handler = self.handler, self.in_handler
        self.in_handler = True
        for handler in node.handlers:
            if handler.type is not None:
                self.visit(handler.type)
            if handler.name:
                self.bind(handler.name, Binding("other", None, handler.lineno))
            self.handler = _handler_names(handler)
            self.visit_many(handler.body)
        self.handler, self.in_handler = saved_handler, saved_in_handler
        self.visit_many(node.orelse)
        saved_finally = self.in_finally
        self.in_finally = True
        self.visit_many(node.finalbody)
        self.in_finally = saved_finally

    visit_TryStar = visit_Try

    def _visit_with(self, node: ast.With | ast.AsyncWith, kind: str) -> None:
        for item in node.items:
            self.scopes[self.scope].withs.append((self.ref(item.context_expr), kind == "asyncwith"))
            target = (self.ref(item.optional_vars),) if item.optional_vars is not None else ()
            self._role(item.context_expr, stmt=kind, targets=target)
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars, "with", self.ref(item.context_expr), node.lineno)
        self.with_depth += 1
        self.visit_many(node.body)
        self.with_depth -= 1

    def visit_With(self, node: ast.With) -> None:
        self._visit_with(node, "with")

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._visit_with(node, "asyncwith")

    def _visit_branching(self, node: ast.If | ast.While) -> None:
        self._visit_test(node.test)
        saved = self.in_if, self.branch
        self.in_if = True
        if isinstance(node, ast.If):
            text, otherwise, subject, when_set = self._condition(node.test)
            self.branch = (text, subject, when_set)
            self.visit_many(node.body)
            self.branch = (otherwise, subject, not when_set)
            self.visit_many(node.orelse)
        else:
            self.branch = None
            self.visit_many(node.body)
            self.visit_many(node.orelse)
        self.in_if, self.branch = saved

    def _condition(self, test: ast.expr) -> tuple[str, str, Ref | None, bool]:
        """The test as written and its negation (shown for the `else` branch), and its subject
        when it only asks whether a value is set."""
        text = _shortened(_text(test))
        when_set = True
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test, when_set = test.operand, False
        compared = False
        if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value is None and isinstance(test.ops[0], (ast.Is, ast.IsNot))):
            when_set = when_set == isinstance(test.ops[0], ast.IsNot)
            test, compared = test.left, True
        if isinstance(test, (ast.Name, ast.Attribute)):
            subject = self.ref(test)
            # `else` of `if db_engine is not None:` is `db_engine is None`, of `if not x:` is `x`
            shown = _shortened(_text(test))
            if compared:
                otherwise = f"{shown} is None" if when_set else f"{shown} is not None"
            else:
                otherwise = f"not {shown}" if when_set else shown
            return text, otherwise, (subject if subject.kind == "name" else None), when_set
        return text, f"not ({text})", None, True

    visit_If = _visit_branching
    visit_While = _visit_branching

    def visit_Match(self, node: ast.AST) -> None:
        """A `case` body is a branch like an `if` body, named by its pattern in messages
        (when `match kind: case 'qdrant'`)."""
        self.visit(node.subject)  # type: ignore[attr-defined]
        subject = _text(node.subject)  # type: ignore[attr-defined]
        saved = self.in_if, self.branch
        self.in_if = True
        for case in node.cases:  # type: ignore[attr-defined]
            self.visit(case.pattern)
            text = f"match {subject}: case {_pattern_text(case.pattern)}"
            if case.guard is not None:
                self.visit(case.guard)
                text += f" if {_text(case.guard)}"
            self.branch = (_shortened(text), None, True)
            self.visit_many(case.body)
        self.in_if, self.branch = saved

    def _bind_loop_target(self, target: ast.AST, iterable: Ref, line: int) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, Binding("loop", iterable, line))
        elif isinstance(target, (ast.Tuple, ast.List)):  # `for name, pool in pools.items()`
            for elt in target.elts:
                self._bind_loop_target(elt, iterable, line)
        else:
            self.bind_target(target, "other", None, line)

    def _visit_for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        iterable = self.ref(node.iter)
        self._bind_loop_target(node.target, iterable, node.lineno)
        saved = self.loop_var, self.in_loop
        self.loop_var, self.in_loop = iterable, True
        self.visit_many(node.body)
        self.visit_many(node.orelse)
        self.loop_var, self.in_loop = saved

    visit_For = _visit_for
    visit_AsyncFor = _visit_for

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self._bind_loop_target(node.target, self.ref(node.iter), getattr(node.iter, "lineno", 0))
        self.visit_many(node.ifs)

    def _visit_comprehension_expr(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        """Generators first, so calls in the element are known to run in a loop over the iterable."""
        self.visit_many(node.generators)
        saved = self.loop_var, self.in_loop
        self.loop_var, self.in_loop = self.ref(node.generators[-1].iter), True
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.loop_var, self.in_loop = saved

    visit_ListComp = _visit_comprehension_expr
    visit_SetComp = _visit_comprehension_expr
    visit_GeneratorExp = _visit_comprehension_expr
    visit_DictComp = _visit_comprehension_expr

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:  # only reached via match/odd trees
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    def visit_Call(self, node: ast.Call) -> None:
        cid = self._call_id(node)
        role = self.roles.pop(id(node), {})
        args, keywords = node.args, node.keywords
        # Only a call (or an awaited one) takes a role; most arguments are names and constants.
        for i, arg in enumerate(args):
            if isinstance(arg, ast.Starred):
                arg = arg.value
            if isinstance(arg, _ROLE_TAKERS):
                self._role(arg, parent=cid, parent_pos=i)
        for kw in keywords:
            if kw.arg is not None and isinstance(kw.value, _ROLE_TAKERS):
                self._role(kw.value, parent=cid, parent_pos=kw.arg)
        ref = self.ref
        lineno, col, same = node.lineno, node.col_offset, self.same
        lineno = same(lineno, lineno)
        end_line = node.end_lineno or lineno
        end_line = same(end_line, end_line)
        # Positional, in field order (dataclass keyword binding costs more, once per call site).
        call = Call(
            cid, lineno, col, end_line, node.end_col_offset or col,
            ref(node.func), self.scope, tuple([ref(a) for a in args]),
            ({kw.arg: ref(kw.value) for kw in keywords if kw.arg is not None} or EMPTY_MAP) if keywords else EMPTY_MAP,
            ((AWAITED if role.get("awaited") else 0) | (GUARDED if self.guard else 0)
             | (IN_FINALLY if self.in_finally else 0) | (IN_HANDLER if self.in_handler else 0)
             | (IN_IF if self.in_if else 0) | (IN_LOOP if self.in_loop else 0)
             | (STAR_KWARGS if keywords and any(kw.arg is None for kw in keywords) else 0)
             | (NONBLOCKING if self.nonblocking else 0)),
            role.get("parent", -1), role.get("parent_pos"), role.get("stmt", "other"),
            role.get("targets", ()), self.loop_var, self.branch,
        )
        self.calls[cid] = call
        self.scopes[self.scope].calls.append(cid)
        self.visit(node.func)
        self.visit_many(node.args)
        for kw in node.keywords:
            self.visit(kw.value)


# Nodes with nothing below them that the walk records: skipped without a call per child.
_LEAVES = (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
           ast.Pass, ast.Break, ast.Continue, ast.alias, ast.Nonlocal)


def _skip(builder: _Builder, node: ast.AST) -> None:
    return None


def _method_for(kind: type):
    # A visitor of its own wins (Name records reads); other leaves have nothing to record.
    method = getattr(_Builder, "visit_" + kind.__name__, None)
    if method is not None:
        return method
    return _skip if issubclass(kind, _LEAVES) else _Builder.generic_visit


_DISPATCH: dict[type, object] = {}


def build_module(tree: ast.Module, path: str, module: str = "", is_package: bool = False) -> ModuleModel:
    """Walk `tree` once and return its model."""
    builder = _Builder(path, module, is_package)
    builder.visit_many(tree.body)
    calls = builder.calls
    for values, name, final in builder.unfinished:
        values[name] = final(values[name])
    for scope in builder.scopes:
        scope.freeze()
    # Calls only seen inside string annotations or never visited keep no record.
    placeholder = Call(-1, 0, 0, 0, 0, OTHER, 0)
    return ModuleModel(path, module, is_package, builder.scopes,
                       [c if c is not None else placeholder for c in calls],
                       imports=tuple(dict.fromkeys(builder.imports)))


def _raised_name(node: ast.expr | None) -> str:
    """`raise NotImplementedError`, `raise NotImplementedError("...")`: the dotted class name."""
    if isinstance(node, ast.Call):
        node = node.func
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join((node.id, *reversed(parts)))


_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


def _pattern_text(pattern: ast.AST, depth: int = 0) -> str:
    """A `case` pattern for messages: values, `None`, alternatives, classes, `_`."""
    if depth > 4:
        return "..."
    kind = type(pattern).__name__
    if kind == "MatchValue":
        return _text(pattern.value)  # type: ignore[attr-defined]
    if kind == "MatchSingleton":
        return repr(pattern.value)  # type: ignore[attr-defined]
    if kind == "MatchOr":
        return " | ".join(_pattern_text(p, depth + 1) for p in pattern.patterns)  # type: ignore[attr-defined]
    if kind == "MatchClass":
        return f"{_text(pattern.cls)}(...)"  # type: ignore[attr-defined]
    if kind == "MatchAs":
        if pattern.pattern is not None:  # type: ignore[attr-defined]
            return _pattern_text(pattern.pattern, depth + 1)  # type: ignore[attr-defined]
        return pattern.name or "_"  # type: ignore[attr-defined]
    return "..."


def _text(node: ast.AST, depth: int = 0) -> str:
    """A short rendering of a condition for messages (`ast.unparse` costs ~10x more, on every
    `if` of every module)."""
    if depth > 6:
        return "..."
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_text(node.value, depth + 1)}.{node.attr}"
    if isinstance(node, ast.Constant):
        return repr(node.value) if not isinstance(node.value, str) or len(node.value) < 30 else "'...'"
    if isinstance(node, ast.Call):
        return f"{_text(node.func, depth + 1)}({'...' if node.args or node.keywords else ''})"
    if isinstance(node, ast.Subscript):
        return f"{_text(node.value, depth + 1)}[{_text(node.slice, depth + 1)}]"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _text(node.operand, depth + 1)
        return f"not ({inner})" if isinstance(node.operand, (ast.BoolOp, ast.Compare)) else f"not {inner}"
    if isinstance(node, ast.BoolOp):
        joiner = " and " if isinstance(node.op, ast.And) else " or "
        return joiner.join(f"({_text(v, depth + 1)})" if isinstance(v, ast.BoolOp) else _text(v, depth + 1)
                           for v in node.values)
    if isinstance(node, ast.Compare):
        parts = [_text(node.left, depth + 1)]
        for op, right in zip(node.ops, node.comparators):
            parts += [_OPS.get(type(op), "?"), _text(right, depth + 1)]
        return " ".join(parts)
    return "..."
