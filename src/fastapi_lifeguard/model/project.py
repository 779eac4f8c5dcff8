"""Name and type resolution over one module or a whole project.

Every answer is computed on demand from the records and memoised, so a rule that asks
about a call pays once; nothing here walks an AST.

A *value* is a small tuple:
  ("ext", dotted)          something from a library (module, function, class)
  ("scope", module, sid)   a function or class defined in the project
  ("module", module)       a project module
  ("inst", type)           an object of a type (library dotted name or project class path)
  ("ann", module, sid, ref) an annotation alias (`SessionDep = Annotated[...]`)
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Callable

from ..catalogue import framework as fw
from ..catalogue import Lookups
from ..catalogue.libraries import ASYNC_NAMESPACES, LibraryModel, shipped
from ..catalogue.offload import OFFLOAD_WRAPPERS
from ..catalogue.types import DIVIDABLE_TYPES
from .records import Call, ModuleModel, Ref

_BUILTINS = frozenset(dir(builtins))
_LITERAL_TYPES = {"List": "builtins.list", "Set": "builtins.set", "Tuple": "builtins.tuple"}
_MAX_DEPTH = 12
# Resolution recurses once per link of an expression chain (`q.filter().filter()...`,
# `a + b + ...`), several frames a link; past this many links the value is unknown, where a
# 200-call chain used to exhaust Python's recursion limit.
_MAX_CHAIN = 100


def canonical(dotted: str, library: LibraryModel | None = None) -> str:
    """Apply the library model's type aliases to `dotted` or to its longest aliased prefix."""
    aliases = (library or shipped()).type_aliases
    hit = aliases.get(dotted)
    if hit is not None:
        return hit
    cut = dotted.rfind(".")
    while cut > 0:
        hit = aliases.get(dotted[:cut])
        if hit is not None:
            return hit + dotted[cut:]
        cut = dotted.rfind(".", 0, cut)
    return dotted


@dataclass(slots=True)
class Callee:
    target: str | None = None  # canonical dotted name of what is called
    recv_type: str | None = None  # for a method call on a known object: its type
    method: str | None = None
    nested: bool = False  # reached through attributes of an SDK client (`client.chat.completions`)
    module: ModuleModel | None = None  # a project function or class that is called
    scope: int = -1


_NO_CALLEE = Callee()
_UNSET = object()


class Project:
    """The modules analysed together, and everything resolved about them."""

    def __init__(self, modules: list[ModuleModel],
                 context: Callable[[str], ModuleModel | None] | None = None,
                 library: LibraryModel | None = None) -> None:
        """`modules` are checked; `context(dotted)` may supply other modules that names
        resolve into, on demand, without checking them (pylint: the files imports lead to).
        `library`: what is known about third-party code (the shipped model plus user records).

        A module is a full model or, from a bounded store (store.py), a handle that loads
        its full model when asked for: both answer `.scopes`, `.calls`, `.path`, `.module`."""
        # Cold modules (model/lazy.py, issue 12) are named and imported like any other, but the
        # whole-project passes iterate `modules`: the hot ones, and each cold one once a name
        # resolved into it has built it (appended then, so a pass in progress sees it too).
        self.all_modules = list(modules)
        self.modules = [m for m in self.all_modules if not getattr(m, "cold", False)]
        self.library = library or shipped()
        self.by_name: dict[str, ModuleModel] = {}
        for m in self.all_modules:
            if getattr(m, "cold", False):
                m._on_build = self.modules.append
            # `x/__init__.py` beside `x.py`: Python imports the package, never the module
            # (letta's `schemas/providers.py`, which sorts first, is dead code).
            if m.module and (m.module not in self.by_name or m.is_package and not self.by_name[m.module].is_package):
                self.by_name[m.module] = m
        self._context = context
        self._names: dict[tuple[ModuleModel, int, str], object] = {}
        # Per module, a slot per call (a dict entry per call cost ~150 bytes: litellm has
        # hundreds of thousands of calls).
        self._callees: dict[ModuleModel, list[Callee | None]] = {}
        self._callee_objects: dict[tuple, Callee] = {}
        self._chains: dict[tuple[object, tuple[str, ...]], Callee] = {}
        self._results: dict[int, list] = {}
        self._self_attrs: dict[tuple[int, int, str], object] = {}
        self._subclasses: dict[tuple[int, int], list[tuple[ModuleModel, int]]] | None = None
        self._busy: set = set()
        self._depth = 0
        # Pure functions of a dotted name, asked for again and again (every call resolves its
        # callee's module and applies the aliases): memoised by the name.
        self._canonical: dict[str, str] = {}
        self._found_modules: dict[str, tuple[ModuleModel, tuple[str, ...]] | None] = {}
        self._offload_pos = Lookups(OFFLOAD_WRAPPERS)

    def canonical(self, dotted: str) -> str:
        hit = self._canonical.get(dotted)
        if hit is None:
            hit = self._canonical[dotted] = canonical(dotted, self.library)
        return hit

    # ---- modules -----------------------------------------------------------------
    def find_module(self, dotted: str) -> tuple[ModuleModel, tuple[str, ...]] | None:
        """The project module a dotted name is in, and the rest of the name (memoised; a name
        found in no module only without `context`, which may learn of more modules later)."""
        memo = self._found_modules
        found = memo.get(dotted, _UNSET)
        if found is _UNSET:
            found = self._find_module(dotted)
            if found is not None or self._context is None:
                memo[dotted] = found
        return found  # type: ignore[return-value]

    def _find_module(self, dotted: str) -> tuple[ModuleModel, tuple[str, ...]] | None:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            name = ".".join(parts[:cut])
            m = self.by_name.get(name)
            if m is None and self._context is not None:
                m = self._context(name)
                if m is not None:
                    self.by_name[name] = m
            if m is not None:
                return m, tuple(parts[cut:])
        return None

    def qualname(self, m: ModuleModel, sid: int) -> str:
        scope = m.scopes[sid]
        return f"{m.module}.{scope.qualname}" if m.module else scope.qualname

    # ---- names -------------------------------------------------------------------
    def resolve_name(self, m: ModuleModel, sid: int, name: str):
        scopes = m.scopes
        start = sid
        while sid >= 0:
            scope = scopes[sid]
            if name in scope.bindings and (sid == start or scope.kind != "class"):
                found = self._names.get((m, sid, name), _UNSET)  # `_resolve_bindings`' memo, inline
                return self._resolve_bindings(m, sid, name) if found is _UNSET else found
            sid = scope.parent
        if name in _BUILTINS:
            return ("ext", "builtins." + name)
        return None

    def _resolve_bindings(self, m: ModuleModel, sid: int, name: str):
        key = (m, sid, name)
        found = self._names.get(key, _UNSET)
        if found is not _UNSET:
            return found
        if key in self._busy or len(self._busy) > 200:
            return None
        self._busy.add(key)
        try:
            bindings = m.scopes[sid].bindings[name]
            useful = [b for b in bindings if not (b.kind == "assign" and _is_none(b.value) and b.annotation is None)]
            values = {self._resolve_binding(m, sid, b) for b in (useful or bindings)}
            result = values.pop() if len(values) == 1 else None
        finally:
            self._busy.discard(key)
        self._names[key] = result
        return result

    def _resolve_binding(self, m: ModuleModel, sid: int, b):
        kind = b.kind
        if kind == "import":
            return self.resolve_dotted(b.value)
        if kind in ("def", "class"):
            return ("scope", m, b.value)
        if kind == "assign":
            if b.value is None or _is_none(b.value):
                t = self.annotation_type(m, sid, b.annotation) if b.annotation is not None else None
                return ("inst", t) if t else None
            value = self.value_of(m, sid, b.value)
            if value is None and b.annotation is not None:
                t = self.annotation_type(m, sid, b.annotation)
                return ("inst", t) if t else None
            return value
        if kind == "with":
            return self.value_of(m, sid, b.value)
        if kind == "param":
            return self._param_value(m, sid, b.value)
        return None

    def _param_value(self, m: ModuleModel, sid: int, index: int):
        scope = m.scopes[sid]
        param = scope.params[index]
        parent = m.scopes[scope.parent] if scope.parent >= 0 else None
        if index == 0 and parent is not None and parent.kind == "class" and scope.kind == "def":
            decorators = {self.dotted_of(m, scope.parent, d) for d in scope.decorators}
            if "builtins.staticmethod" not in decorators:
                if "builtins.classmethod" in decorators:
                    return ("scope", m, parent.id)
                return ("inst", self.qualname(m, parent.id))
        if param.annotation is not None:
            t = self.annotation_type(m, scope.parent, param.annotation)
            if t:
                return ("inst", t)
        if param.default is not None and param.default.kind == "call":
            t = self.dependency_type(m, m.calls[param.default.base])
            if t:
                return ("inst", t)
        return None

    def resolve_dotted(self, dotted: str, depth: int = 0):
        found = self.find_module(dotted) if self.by_name else None
        if found is None:
            return ("ext", self.canonical(dotted))
        m, rest = found
        if not rest:
            return ("module", m)
        if depth > _MAX_DEPTH or rest[0] not in m.scopes[0].bindings:
            return None
        value = self._resolve_bindings(m, 0, rest[0])
        for attr in rest[1:]:
            value = self.member(value, attr)
        return value

    # ---- values of expressions ----------------------------------------------------
    def value_of(self, m: ModuleModel, sid: int, ref: Ref):
        if self._depth > _MAX_CHAIN:
            return None
        self._depth += 1
        try:
            return self._value_of(m, sid, ref)
        finally:
            self._depth -= 1

    def _value_of(self, m: ModuleModel, sid: int, ref: Ref):
        kind = ref.kind
        if kind == "name":
            value = self.resolve_name(m, sid, ref.base)
        elif kind == "call":
            call = m.calls[ref.base]
            if call.id < 0:
                return None
            t = self.result_type(m, call)
            value = ("inst", t) if t else None
        elif kind == "binop":
            left = self.value_of(m, sid, ref.base)
            value = left if ref.op == "Div" and left and left[0] == "inst" and left[1] in DIVIDABLE_TYPES else None
        elif kind == "sub":
            base = self.value_of(m, sid, ref.base)
            if base and base[0] == "inst":
                value = self.member(base, "[]")  # subscription: `client["db"]`
            elif base and base[0] == "ext" and base[1] in fw.ANNOTATED | fw.OPTIONAL:
                value = ("ann", m, sid, ref)
            elif base and base[0] == "ext" and base[1].rsplit(".", 1)[-1][:1].isupper():
                value = base  # a parametrised class: `ContextVar[str]("x")` builds a ContextVar
            else:
                value = None
        elif kind == "seq" and ref.op in _LITERAL_TYPES:
            value = ("inst", _LITERAL_TYPES[ref.op])
        elif kind == "dict":
            value = ("inst", "builtins.dict")
        else:
            return None
        for attr in ref.attrs:
            if value is None:
                return None
            value = self.member(value, attr)
        return value

    def member(self, value, attr: str):
        if value is None:
            return None
        kind = value[0]
        if kind == "ext":
            return ("ext", self.canonical(f"{value[1]}.{attr}"))
        if kind == "module":
            return self.resolve_dotted(f"{value[1].module}.{attr}")
        if kind == "scope":
            m, sid = value[1], value[2]
            if m.scopes[sid].kind == "class":
                found = self.class_member(m, sid, attr)
                if found is not None:
                    return ("scope", found[0], found[1])
            return None
        if kind == "inst":
            t = value[1]
            results = self.library.attribute_results
            hit = results.get((t, attr)) or results.get((t, "*"))
            if hit:
                return ("inst", hit)
            if t in self.library.nested:
                return value
            cls = self.resolve_dotted(t) if self.by_name else None
            if cls and cls[0] == "scope" and cls[1].scopes[cls[2]].kind == "class":
                # `self._publish` passed as a callable (a background task target): the bound method.
                found = self.class_member(cls[1], cls[2], attr)
                if found is not None and found[0].scopes[found[1]].kind == "def":
                    return ("scope", found[0], found[1])
                return self.self_attribute(cls[1], cls[2], attr)
        return None

    def class_member(self, m: ModuleModel, sid: int, attr: str, depth: int = 0):
        scope = m.scopes[sid]
        if attr in scope.members:
            return m, scope.members[attr]
        if depth > 5:
            return None
        for base in scope.bases:
            value = self.value_of(m, scope.parent, base)
            if value and value[0] == "scope" and value[1].scopes[value[2]].kind == "class":
                found = self.class_member(value[1], value[2], attr, depth + 1)
                if found:
                    return found
        return None

    def overrides(self, m: ModuleModel, sid: int) -> list[tuple[ModuleModel, int]]:
        """The methods of project subclasses that replace method `sid` (same name, deeper class)."""
        scope = m.scopes[sid]
        if scope.kind != "def" or scope.parent < 0 or m.scopes[scope.parent].kind != "class":
            return []
        subclasses = self._subclass_index()
        found = []
        todo, seen = list(subclasses.get((id(m), scope.parent), ())), set()
        while todo:
            cm, csid = todo.pop()
            if (id(cm), csid) in seen:
                continue
            seen.add((id(cm), csid))
            member = cm.scopes[csid].members.get(scope.name)
            if member is not None:
                found.append((cm, member))
            todo.extend(subclasses.get((id(cm), csid), ()))
        return found

    def _subclass_index(self) -> dict[tuple[int, int], list[tuple[ModuleModel, int]]]:
        """Project class -> its direct project subclasses, built once."""
        if self._subclasses is None:
            index: dict[tuple[int, int], list[tuple[ModuleModel, int]]] = {}
            for mod in self.modules:
                for cls in mod.scopes:
                    if cls.kind != "class":
                        continue
                    for base in cls.bases:
                        value = self.value_of(mod, cls.parent, base)
                        if value and value[0] == "scope" and value[1].scopes[value[2]].kind == "class":
                            index.setdefault((id(value[1]), value[2]), []).append((mod, cls.id))
            self._subclasses = index
        return self._subclasses

    def class_bases(self, m: ModuleModel, sid: int, depth: int = 0) -> set[str]:
        """External dotted names among a project class's bases, transitively."""
        found: set[str] = set()
        if depth > 5:
            return found
        scope = m.scopes[sid]
        for base in scope.bases:
            value = self.value_of(m, scope.parent, base)
            if value and value[0] == "ext":
                found.add(value[1])
            elif value and value[0] == "scope" and value[1].scopes[value[2]].kind == "class":
                found |= self.class_bases(value[1], value[2], depth + 1)
        return found

    def self_attribute(self, m: ModuleModel, class_sid: int, attr: str):
        """The value stored as `self.<attr>` by a method of the class (one kind of value only)."""
        key = (id(m), class_sid, attr)
        if key in self._self_attrs:
            return self._self_attrs[key]
        self._self_attrs[key] = None
        values = set()
        for method_sid in m.scopes[class_sid].members.values():
            method = m.scopes[method_sid]
            for target, value, _line in method.attr_stores:
                if target.kind == "name" and target.base == "self" and target.attrs == (attr,):
                    if not _is_none(value):
                        values.add(self.value_of(m, method_sid, value))
        result = values.pop() if len(values) == 1 else None
        self._self_attrs[key] = result
        return result

    def dotted_of(self, m: ModuleModel, sid: int, ref: Ref) -> str | None:
        """The dotted name an expression refers to (decorators, bases, arguments)."""
        if ref.kind == "call":
            return None
        value = self.value_of(m, sid, ref)
        if value is None:
            return None
        if value[0] == "ext":
            return value[1]
        if value[0] == "scope":
            return self.qualname(value[1], value[2])
        return None

    # ---- calls -------------------------------------------------------------------
    def callee(self, m: ModuleModel, call: Call) -> Callee:
        # The hottest question of the analysis (every pass asks it of every call): the module
        # itself keys its table (models and handles hash by identity).
        cid = call.id
        if cid < 0:
            return _NO_CALLEE
        table = self._callees.get(m)
        if table is None:
            table = self._callees[m] = [None] * len(m.calls)
        found = table[cid]
        if found is None:
            found = table[cid] = self._callee_by_shape(m, call)
        return found

    def _callee_by_shape(self, m: ModuleModel, call: Call) -> Callee:
        """`_callee`, shared by the calls of a dotted name whose root has one value (`json.dumps`
        in every module that imports json, `self.log.info` in every method of a class): what
        follows the root depends on its value and the attributes only. On litellm 120k calls
        asked from outside a resolution make 42k such chains.

        Shared only when asked outside any name resolution (no binding busy, no chain being
        followed): a callee worked out in the middle of a cycle may have been cut short by
        it, and is kept for its own call only, as before. From outside, the callee reads only
        memoised resolutions (names, attributes), so every call of the shape would get what
        the first got."""
        func = call.func
        if func.kind != "name" or self._busy or self._depth:
            return self._interned(self._callee(m, call))
        # The root's value: `value_of` of the bare name (resolve_name's walk, then the memo).
        name = func.base
        scopes = m.scopes
        sid = start = call.scope
        while sid >= 0:
            scope = scopes[sid]
            if name in scope.bindings and (sid == start or scope.kind != "class"):
                break
            sid = scope.parent
        if sid < 0:
            value = ("ext", "builtins." + name) if name in _BUILTINS else None
        else:
            value = self._names.get((m, sid, name), _UNSET)
            if value is _UNSET:
                self._depth += 1  # as `value_of` counts the link
                try:
                    value = self._resolve_bindings(m, sid, name)
                finally:
                    self._depth -= 1
        attrs = func.attrs
        try:
            found = self._chains.get((value, attrs))
        except TypeError:  # a value holding something unhashable: not shared
            return self._interned(self._callee_of(value, attrs))
        if found is None:
            found = self._chains[(value, attrs)] = self._interned(self._callee_of(value, attrs))
        return found

    def every_call_resolved(self) -> None:
        """Told once the callee of every call has its own slot (`callee`): the chains shared
        between calls (`_callee_by_shape`) could only save work on a call never asked about;
        they start again empty."""
        self._chains = {}

    def _interned(self, callee: Callee) -> Callee:
        """One object for equal callees (most calls name a few library functions)."""
        key = (callee.target, callee.recv_type, callee.method, callee.nested, id(callee.module), callee.scope)
        return self._callee_objects.setdefault(key, callee)

    def call_name(self, m: ModuleModel, call: Call) -> str | None:
        """The callee's dotted name, or `?.method` when only the method is known
        (`loop.run_in_executor` on a loop object of unknown type): catalogue `*.method`
        entries still match it."""
        target = self.callee(m, call).target
        if target is None and call.func.attrs:
            target = "?." + call.func.attrs[-1]
        return target

    def _callee(self, m: ModuleModel, call: Call) -> Callee:
        func = call.func
        attrs = func.attrs
        base = Ref(func.kind, func.base, (), func.items, func.op) if attrs else func
        return self._callee_of(self.value_of(m, call.scope, base), attrs)

    def _callee_of(self, value, attrs: tuple[str, ...]) -> Callee:
        """What is called: the value of the callee expression's root, then its attributes."""
        nested = False
        for attr in attrs[:-1]:
            if value is None:
                return _NO_CALLEE
            if value[0] == "inst" and value[1] in self.library.nested and not self.library.attribute_results.get((value[1], attr)):
                if attr in ASYNC_NAMESPACES:
                    return _NO_CALLEE  # `client.aio.…`: the async twin inside the sync client
                nested = True
            value = self.member(value, attr)
        if value is None:
            return _NO_CALLEE
        if not attrs:
            return self._call_of_value(value)
        method = attrs[-1]
        if value[0] == "inst":
            t = value[1]
            callee = Callee(self.canonical(f"{t}.{method}"), t, method, nested)
            cls = self.resolve_dotted(t) if self.by_name and not t.startswith("builtins.") else None
            if cls and cls[0] == "scope":
                found = self.class_member(cls[1], cls[2], method)
                if found:
                    callee.module, callee.scope = found
            return callee
        return self._call_of_value(self.member(value, method))

    def _call_of_value(self, value) -> Callee:
        if value is None:
            return _NO_CALLEE
        kind = value[0]
        if kind == "ext":
            return Callee(value[1])
        if kind == "scope":
            m, sid = value[1], value[2]
            callee = Callee(self.qualname(m, sid), module=m, scope=sid)
            if m.scopes[sid].kind == "class":
                init = self.class_member(m, sid, "__init__")
                callee.module, callee.scope = init if init else (None, -1)
            return callee
        if kind == "inst":
            t = value[1]
            return Callee(self.canonical(f"{t}.__call__"), t, "__call__")
        return _NO_CALLEE

    def result_type(self, m: ModuleModel, call: Call) -> str | None:
        """The type of the object a call returns, when the tables or annotations say."""
        if call.id < 0:
            return None  # a placeholder: no callee
        table = self._results.get(id(m))
        if table is None:
            table = self._results[id(m)] = [_UNSET] * len(m.calls)
        result = table[call.id]
        if result is not _UNSET:
            return result  # type: ignore[return-value]
        table[call.id] = None  # while it is worked out (a cycle): unknown
        result = table[call.id] = self._result_type(m, call)
        return result

    def _result_type(self, m: ModuleModel, call: Call) -> str | None:
        callee = self.callee(m, call)
        target = callee.target
        if target is None:
            return None
        if target == "sqlalchemy.orm.sessionmaker":
            cls = call.kwargs.get("class_")
            if cls is not None and self.dotted_of(m, call.scope, cls) == "sqlalchemy.ext.asyncio.AsyncSession":
                return "sqlalchemy.ext.asyncio.async_sessionmaker"
            return target
        hit = self.library.call_results.get(target)
        if hit:
            return hit
        if target == "builtins.next" and len(call.args) == 1 and call.args[0].kind == "call":
            # `db = next(get_db())`, `with next(get_db()) as db:`: the first value a project
            # generator yields (a yield-dependency called by hand, in a task or a script)
            inner = m.calls[call.args[0].base]
            gen = self.callee(m, inner) if inner.id >= 0 else None
            if gen is not None and gen.module is not None:
                scope = gen.module.scopes[gen.scope]
                if scope.kind == "def" and scope.is_generator and not scope.is_async:
                    return self._produced_type(gen.module, gen.scope)
            return None
        pos = self._offload_pos[target]
        if pos is not None and target != "asgiref.sync.sync_to_async" and len(call.args) > pos:
            # `await asyncio.to_thread(resolve_provider, ...)` gives what `resolve_provider` returns.
            value = self.value_of(m, call.scope, call.args[pos])
            if value and value[0] == "scope" and value[1].scopes[value[2]].kind == "def":
                fm, fsid = value[1], value[2]
                ann = fm.scopes[fsid].returns_ann
                return self.annotation_type(fm, fm.scopes[fsid].parent, ann) if ann is not None else None
        if target in self.library.classes:
            return target
        if callee.module is not None:
            scope = callee.module.scopes[callee.scope]
            if scope.name == "__init__":
                return self.qualname(callee.module, scope.parent)
            if scope.returns_ann is not None:
                return self.annotation_type(callee.module, scope.parent, scope.returns_ann)
        else:
            value = self.resolve_dotted(target) if self.by_name else None
            if value and value[0] == "scope" and value[1].scopes[value[2]].kind == "class":
                return target
        return None

    # ---- annotations and dependencies ---------------------------------------------
    def annotation_type(self, m: ModuleModel, sid: int, ref: Ref | None, depth: int = 0) -> str | None:
        """The one concrete type an annotation names (unwrapping Annotated, Optional, generators)."""
        if ref is None or depth > _MAX_DEPTH:
            return None
        kind = ref.kind
        if kind == "name":
            value = self.value_of(m, sid, ref)
            if value is None:
                return None
            if value[0] == "ext":
                return value[1]
            if value[0] == "scope" and value[1].scopes[value[2]].kind == "class":
                return self.qualname(value[1], value[2])
            if value[0] == "ann":
                return self.annotation_type(value[1], value[2], value[3], depth + 1)
            return None
        if kind == "sub":
            base = self.dotted_of(m, sid, ref.base)
            if base is None or not ref.items:
                return None
            if base in fw.ANNOTATED or base in fw.YIELD_WRAPPERS:
                return self.annotation_type(m, sid, ref.items[0], depth + 1)
            if base in fw.OPTIONAL:
                concrete = [i for i in ref.items if not _is_none(i)]
                return self.annotation_type(m, sid, concrete[0], depth + 1) if len(concrete) == 1 else None
            # A parametrised class (`dict[str, Any]`, `Dict[str, Any]`, `Repo[User]`) is an instance
            # of the class; not a typing form (`Type[X]` is the class itself, `Callable[...]`).
            value = self.value_of(m, sid, ref.base) if ref.base.kind == "name" else None
            if value is not None and value[0] == "scope" and value[1].scopes[value[2]].kind == "class":
                return self.qualname(value[1], value[2])
            if value is not None and value[0] == "ext":
                record = self.library.records.get(value[1])
                return value[1] if record is not None and record.kind == "class" else None
            return None
        if kind == "binop" and ref.op == "BitOr":
            sides = [s for s in (ref.base, *ref.items) if not _is_none(s)]
            return self.annotation_type(m, sid, sides[0], depth + 1) if len(sides) == 1 else None
        return None

    def depends_target(self, m: ModuleModel, call: Call):
        """For a `Depends(dep)`/`Security(dep)` call: the value of `dep`, else None."""
        if call.id < 0 or self.callee(m, call).target not in fw.DEPENDS:
            return None
        ref = call.args[0] if call.args else call.kwargs.get("dependency")
        if ref is None:
            return None
        return self.value_of(m, call.scope, ref)

    def dependency_type(self, m: ModuleModel, call: Call) -> str | None:
        dep = self.depends_target(m, call)
        if dep is None or dep[0] != "scope":
            return None
        dm, dsid = dep[1], dep[2]
        scope = dm.scopes[dsid]
        if scope.kind == "class":
            return self.qualname(dm, dsid)
        t = self.annotation_type(dm, scope.parent, scope.returns_ann)
        if t is None and scope.kind == "def" and (scope.returns_ann is None or scope.is_generator):
            t = self._produced_type(dm, dsid)
        return t

    def _produced_type(self, m: ModuleModel, sid: int) -> str | None:
        """An unannotated dependency (`def get_db(): db = SessionLocal(); yield db`): the one
        type every non-None yield (or return, for a plain function) gives. The parameter gets
        what FastAPI injects whether or not it is annotated."""
        scope = m.scopes[sid]
        refs = [y.value for y in scope.yields] if scope.is_generator else list(scope.returns)
        types = set()
        for ref in refs:
            if ref is None or _is_none(ref):
                continue
            value = self.value_of(m, sid, ref)
            types.add(value[1] if value and value[0] == "inst" else None)
        return types.pop() if len(types) == 1 else None

    def annotated_dependency(self, m: ModuleModel, sid: int, ref: Ref | None, depth: int = 0):
        """The `Depends(...)` call inside an `Annotated[...]` annotation (or alias), as (module, call)."""
        if ref is None or depth > _MAX_DEPTH:
            return None
        if ref.kind == "name":
            value = self.value_of(m, sid, ref)
            if value and value[0] == "ann":
                return self.annotated_dependency(value[1], value[2], value[3], depth + 1)
            return None
        if ref.kind == "sub" and self.dotted_of(m, sid, ref.base) in fw.ANNOTATED:
            for item in ref.items[1:]:
                if item.kind == "call" and m.calls[item.base].id >= 0:
                    call = m.calls[item.base]
                    if self.callee(m, call).target in fw.DEPENDS:
                        return m, call
        return None


def _is_none(ref) -> bool:
    return isinstance(ref, Ref) and ref.kind == "const" and ref.base is None
