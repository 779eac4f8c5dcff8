"""The records one walk of a module leaves behind; rules read these, never the AST.

Records hold positions and small expression shapes (`Ref`), not AST nodes, so a module's
model is cheap to keep, compare, pickle and cache.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import NamedTuple


class Ref(NamedTuple):
    """The shape of an expression, enough to resolve what it names.

    kind: "name" (base = root name, attrs = the dotted rest), "call" (base = call id),
    "binop" (base = left Ref, op), "sub" (base = Ref, items = index Refs), "const" (base =
    value), "lambda" (base = scope id), "seq" (items; op = "List"/"Tuple"/"Set"), "dict" (items = keys then values),
    "other".

    A NamedTuple: models hold hundreds of thousands of these, and tuples are the cheapest
    immutable, hashable records Python builds and pickles.
    """

    kind: str
    base: object = None
    attrs: tuple[str, ...] = ()
    items: tuple["Ref", ...] = ()
    op: str = ""
    line: int = 0
    col: int = 0

    def dotted(self) -> str | None:
        if self.kind != "name":
            return None
        return ".".join((self.base, *self.attrs))  # type: ignore[arg-type]


OTHER = Ref("other")


class _EmptyMap(dict):
    """The one empty mapping every model shares (a call's `kwargs`, a scope's `members`...):
    most records have none, and an empty dict per record was ~5% of a model. Read-only, and
    pickled by name, so an unpickled model shares it too."""

    __slots__ = ()

    def _frozen(self, *args, **kwargs):
        raise TypeError("the shared empty mapping of a model is read-only")

    __setitem__ = __delitem__ = setdefault = update = pop = popitem = clear = __ior__ = _frozen  # type: ignore

    def __reduce__(self) -> str:
        return "EMPTY_MAP"


class _EmptyNames(frozenset):
    """The one empty name set every model shares (a scope's `globals`), pickled by name."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "NO_NAMES"


EMPTY_MAP: dict = _EmptyMap()
NO_NAMES: frozenset[str] = _EmptyNames()

# A scope's `loads`: per name, its (line, col) pairs packed as unsigned 32-bit ints, in order.
_POSITION = struct.Struct("<II")
pack_position = _POSITION.pack


# `Call.flags`: eight yes/no facts in one int (a slot each was ~20% of a Call's size).
AWAITED, GUARDED, IN_FINALLY, IN_HANDLER, IN_IF, IN_LOOP, STAR_KWARGS, NONBLOCKING = (1 << n for n in range(8))


def _flag(bit: int, doc: str) -> property:
    return property(lambda self: bool(self.flags & bit), doc=doc)


@dataclass(slots=True)
class Call:
    id: int
    line: int
    col: int
    end_line: int
    end_col: int
    func: Ref
    scope: int
    args: tuple[Ref, ...] = ()
    kwargs: dict[str, Ref] = field(default_factory=lambda: EMPTY_MAP)  # EMPTY_MAP when none
    flags: int = 0  # AWAITED | GUARDED | ...: read them as the properties below
    parent: int = -1  # the call this one is an argument of
    parent_pos: int | str | None = None  # its position there (index or keyword)
    stmt: str = "other"  # expr | assign | return | with | asyncwith | yield | other
    targets: tuple[Ref, ...] = ()  # assignment targets when stmt == "assign"
    loop_var: Ref | None = None  # the innermost `for` loop's iterable, when in a loop
    # The innermost `if` branch the call is on: (the test as written, its subject when the test
    # is `x`, `not x`, `x is None`, `x is not None`, whether the branch runs when the subject is
    # set). `else` branches flip the last item. None outside an `if` (or inside a `while`).
    branch: tuple[str, Ref | None, bool] | None = None

    awaited = _flag(AWAITED, "awaited where it is made")
    guarded = _flag(GUARDED, "inside a try whose handler catches Exception")
    in_finally = _flag(IN_FINALLY, "inside a `finally` block")
    in_handler = _flag(IN_HANDLER, "inside an `except` block (error paths: one-shot reports, not services)")
    in_if = _flag(IN_IF, "inside an if/while body (memoisation checks, conditional cleanup)")
    in_loop = _flag(IN_LOOP, "inside a loop body or a comprehension")
    star_kwargs = _flag(STAR_KWARGS, "`f(**options)`: keywords not written out")
    nonblocking = _flag(NONBLOCKING, "inside a try whose handler catches BlockingIOError: I/O in non-blocking mode")


@dataclass(slots=True)
class Param:
    name: str
    annotation: Ref | None
    default: Ref | None
    kind: str = "arg"  # arg | vararg | kwonly | kwarg


@dataclass(slots=True)
class Binding:
    kind: str  # import | assign | param | def | class | with | loop | other
    value: object = None  # import: dotted; assign/with: Ref; loop: the iterable's Ref; param: index; def/class: scope id
    line: int = 0
    annotation: Ref | None = None


@dataclass(slots=True)
class Yield:
    line: int
    col: int
    in_finally_try: bool  # inside the body of a try that has a finally
    in_with: bool  # inside a with/async with body
    value: Ref | None = None
    end_line: int = 0  # end of the yield expression: calls before it run before the yield
    end_col: int = 0


@dataclass(slots=True)
class Raise:
    line: int
    col: int
    guarded: bool
    bare: bool = False  # `raise` with no exception: re-raises the one being handled
    handler: tuple[str, ...] = ()  # names caught by the innermost enclosing `except` clause
    exc: str = ""  # the raised class as written (`NotImplementedError`, `errors.Missing`), when a name


@dataclass(slots=True)
class Scope:
    """A function, lambda, class body or the module itself (id 0).

    The builder fills lists, dicts and sets, then `freeze` makes the finished record compact
    (read-only tuples, shared empty containers, packed `loads`): a project's models are most of
    a run's memory. Read `loads` through `reads`.
    """

    id: int
    kind: str  # module | def | lambda | class
    name: str
    qualname: str
    parent: int
    line: int = 0
    col: int = 0
    end_line: int = 0
    is_async: bool = False
    decorators: tuple[Ref, ...] = ()
    params: tuple[Param, ...] = ()
    returns_ann: Ref | None = None
    bases: tuple[Ref, ...] = ()  # classes
    # Lists, dicts and sets while the builder fills them; tuples, frozensets, dicts of tuples
    # (or the shared empty ones) once frozen.
    members: dict[str, int] = field(default_factory=dict)  # classes: method name -> scope id
    calls: list[int] = field(default_factory=list)
    yields: list[Yield] = field(default_factory=list)
    returns: list[Ref] = field(default_factory=list)
    raises: list[Raise] = field(default_factory=list)
    bindings: dict[str, tuple[Binding, ...]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    attr_stores: list[tuple[Ref, Ref, int]] = field(default_factory=list)  # (target, value, line)
    # Where each name is read, except in tests (`if x`, `x is None`): a use that no other record
    # explains lets a value escape (LG2 precision). Packed (`freeze`): read it with `reads`.
    loads: dict[str, bytes] = field(default_factory=dict)
    withs: list[tuple[Ref, bool]] = field(default_factory=list)  # (context expression, async)
    awaits: list[Ref] = field(default_factory=list)  # awaited expressions that are not calls

    @property
    def is_generator(self) -> bool:
        return bool(self.yields)

    def reads(self, name: str) -> tuple[tuple[int, int], ...]:
        """Where `name` is read in this scope, as (line, col), in walk order (`loads`)."""
        packed = self.loads.get(name)
        return tuple(_POSITION.iter_unpack(packed)) if packed else ()  # type: ignore[arg-type]

    def freeze(self) -> None:
        """The finished record: lists become tuples, empty containers the shared ones. The
        builder leaves `bindings` as tuples and `loads` packed already (a pass over every name
        here was ~5% of a build)."""
        # Most scopes leave most of these empty: `()` and the shared empties without a call.
        self.members = self.members or EMPTY_MAP
        self.calls = tuple(self.calls) if self.calls else ()  # type: ignore[assignment]
        self.yields = tuple(self.yields) if self.yields else ()  # type: ignore[assignment]
        self.returns = tuple(self.returns) if self.returns else ()  # type: ignore[assignment]
        self.raises = tuple(self.raises) if self.raises else ()  # type: ignore[assignment]
        self.bindings = self.bindings or EMPTY_MAP
        self.globals = frozenset(self.globals) if self.globals else NO_NAMES  # type: ignore[assignment]
        self.attr_stores = tuple(self.attr_stores) if self.attr_stores else ()  # type: ignore[assignment]
        self.loads = self.loads or EMPTY_MAP
        self.withs = tuple(self.withs) if self.withs else ()  # type: ignore[assignment]
        self.awaits = tuple(self.awaits) if self.awaits else ()  # type: ignore[assignment]


@dataclass(slots=True, eq=False)
class ModuleModel:
    path: str
    module: str  # dotted module name, "" when unknown
    is_package: bool
    scopes: list[Scope]
    calls: list[Call]
    error: str | None = None
    error_line: int = 1
    error_col: int = 0
    # The modules its import statements name (relative ones resolved; `from x import y` gives
    # `x` and `x.y`): the edges of the project's import graph.
    imports: tuple[str, ...] = ()

    def scope_of(self, call: Call) -> Scope:
        return self.scopes[call.scope]

    def behind_cache(self, call: Call, kept_on_objects: bool = False, by_key: bool = True,
                     tested: bool = False) -> bool:
        """A call behind a once-only guard on a cache the function returns: it runs when the
        cache is empty or stale, not on every call. The function returns the cache and makes the
        call inside an `if` (`if stamp != _seen: ...`) or after an early `return CACHE`.

        The cache is a `global` the function declares; with `kept_on_objects` also a value it
        stores on an object that outlives the call and returns (`return self._fernet` after
        `self._fernet = ...`, `return issuer.doc` after `issuer.doc = ...`), never a local; and,
        with `by_key`, an item of one (`return self._models[key]` after `self._models[key] = ...`:
        filled once per key, so a first call for each key still makes it). With `tested`, a call
        inside an `if` counts for a value kept on an object only when that `if` asks whether it is
        unset (`if self._key is None:`, `if not self._key:`), not any `if` (`if q:`).
        """
        if call.stmt == "return":
            return False  # `if fresh: return Client()`: handed back, not what the cache keeps
        scope = self.scopes[call.scope]
        globals_ = [r for r in scope.returns if r.kind == "name" and not r.attrs and r.base in scope.globals]
        kept: list[Ref] = []
        if kept_on_objects:
            stored = {_shape(target) for target, _value, _line in scope.attr_stores}
            kinds = ("name", "sub") if by_key else ("name",)
            kept = [r for r in scope.returns if r.kind in kinds and _shape(r) in stored and _kept_beyond_call(scope, r)]
        cached = globals_ + kept
        if not cached:
            return False
        if call.in_if and (globals_ or not tested):
            return True
        if call.in_if and call.branch is not None:
            _text, subject, when_set = call.branch
            if subject is not None and not when_set and _shape(subject) in {_shape(r) for r in kept}:
                return True
        first = min(cached, key=lambda r: (r.line, r.col))
        return len(scope.returns) >= 2 and (first.line, first.col) < (call.line, call.col)

    def binding_scope(self, sid: int, name: str) -> int | None:
        """The scope whose binding `name` refers to when read in `sid` (None: builtin or unbound)."""
        start = sid
        while sid >= 0:
            scope = self.scopes[sid]
            if name in scope.globals:
                return 0
            if (scope.kind != "class" or sid == start) and name in scope.bindings:
                return sid
            sid = scope.parent
        return None


def _pickled_by_constructor(cls: type) -> None:
    """Pickle a record as its class and field values, unpickled by one constructor call: a
    slotted dataclass's own __setstate__ sets each field from Python, about twice as slow, and
    a model is tens of thousands of records (the cache, `-j` workers and the store unpickle them)."""
    values = attrgetter(*(f.name for f in fields(cls)))

    def __reduce__(self):
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]


for _record in (Call, Param, Binding, Yield, Raise, Scope, ModuleModel):
    _pickled_by_constructor(_record)


def _shape(ref: Ref) -> tuple:
    """What a stored or returned place names, without positions: `self._models[<any key>]`."""
    if ref.kind == "sub" and isinstance(ref.base, Ref):
        return ("sub", _shape(ref.base))
    return (ref.kind, ref.base if ref.kind == "name" else None, ref.attrs)


def _kept_beyond_call(scope: Scope, ref: Ref) -> bool:
    """An attribute or item of a parameter, a global or a module-level object; not of a local
    the function makes (`d = {}; d[k] = ...; return d[k]` is rebuilt on every call)."""
    while ref.kind == "sub" and isinstance(ref.base, Ref):
        ref = ref.base
    if ref.kind != "name":
        return False
    if ref.base in scope.globals:
        return True
    return all(b.kind == "param" for b in scope.bindings.get(ref.base, ()))  # none: module level
