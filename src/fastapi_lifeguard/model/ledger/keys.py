"""Keys and uses: the names a resource is kept under, and every use of a name in the project.

Owns:
- `Key`, the name a value is kept under (a local of one scope, `app.state.x` of one app or of
  any app, another attribute name, a global), and `key_of_target`, which turns a store target
  into one;
- `Use` and the use index, built once per project (which scopes use each tail, `wild_releases`,
  `cancel_all`; a scope's uses are made when a key asks, `uses_at`, `uses_with_tail`):
  releases, arguments, stores, bindings, `with`, `await`, `yield`, `return`;
- matching a use to a key (`denotes`, `uses_of`) through local aliases and `getattr`, and which
  app an `x.state.name` belongs to (`state_app`);
- the ref helpers the other parts share (`parts`, `text`, `strip`, `is_none`, `not_none`).

It asks nothing of the other parts of the ledger; discovery, fate and holds build on it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

from ..fastapi import FastAPIModel
from ..project import Project
from ..records import Call, ModuleModel, Ref, Scope

# ("local", id(module), scope id, name) | ("state", name) | ("state", id(app), name) | ("attr", name)
# | ("global", name). `app.state` is keyed by its app when the code says which app it is.
Key = tuple


def parts(ref: Ref | None) -> tuple[str, ...] | None:
    if ref is None or ref.kind != "name":
        return None
    return (ref.base, *ref.attrs)  # type: ignore[return-value]


def text(ref: Ref | None) -> str:
    p = parts(ref)
    if p is not None:
        return ".".join(p)
    if ref is not None and ref.kind == "sub":
        return text(ref.base) + "[...]"
    return "…"


def strip(ref: Ref, n: int = 1) -> Ref:
    return Ref(ref.kind, ref.base, ref.attrs[:-n], ref.items, ref.op, ref.line, ref.col)


@dataclass(slots=True)
class Use:
    kind: str  # release | release-ref | loop-release | arg | store | bind | with | await | yield | return
    m: ModuleModel = field(repr=False)
    sid: int
    ref: Ref  # the value used (for releases: the receiver; for loop releases: the registry)
    call: Call | None = field(default=None, repr=False)
    extra: object = None  # method, argument position, store target or bound name


class Keys:
    """The keys-and-uses part of the `Ledger` (see the module docstring)."""

    # Set by `Ledger.__init__`.
    project: Project
    fastapi: FastAPIModel
    by_id: dict[int, ModuleModel]
    release_names: frozenset[str]

    def _init_keys(self) -> None:
        self._children: dict[int, dict[int, list[int]]] = {}
        self._aliases: dict[tuple[int, int, str], tuple[Ref, int]] = {}  # found aliases, by binding scope
        self._lifespan_owner: dict[tuple[int, int], set[int]] | None = None

    # ---- scopes ---------------------------------------------------------------------
    def children(self, m: ModuleModel) -> dict[int, list[int]]:
        found = self._children.get(id(m))
        if found is None:
            found = {}
            for scope in m.scopes[1:]:
                found.setdefault(scope.parent, []).append(scope.id)
            self._children[id(m)] = found
        return found

    def subtree(self, m: ModuleModel, sid: int) -> list[int]:
        out, todo = [], [sid]
        kids = self.children(m)
        while todo:
            s = todo.pop()
            out.append(s)
            todo.extend(kids.get(s, ()))
        return out

    @staticmethod
    def binding_scope(m: ModuleModel, sid: int, name: str) -> int | None:
        return m.binding_scope(sid, name)

    def alias(self, m: ModuleModel, sid: int, name: str) -> tuple[Ref, int] | None:
        """`c = app.state.client` / `c = getattr(app.state, "client")`: the expression `c` stands for.

        Worked out from the name's one binding each time (a few lookups); only the aliases
        found are kept, by binding scope: a cache of every name asked about (litellm: 154,135,
        2,731 of them aliases) cost ~20 MB."""
        bsid = self.binding_scope(m, sid, name)
        if bsid is None or bsid == 0:
            return None
        key = (id(m), bsid, name)
        result = self._aliases.get(key, _UNSET)
        if result is not _UNSET:
            return result  # type: ignore[return-value]
        bindings = not_none(m.scopes[bsid].bindings[name])
        if len(bindings) != 1 or bindings[0].kind != "assign" or not isinstance(bindings[0].value, Ref):
            return None
        value = self.getattr_ref(m, bindings[0].value)
        if value.kind != "name":
            return None
        result = self._aliases[key] = (value, bsid)
        return result

    def getattr_ref(self, m: ModuleModel, ref: Ref) -> Ref:
        """`getattr(x.state, "name", None)` read as `x.state.name`; other refs unchanged."""
        if ref.kind != "call":
            return ref
        call = m.calls[ref.base]
        if call.id < 0 or call.func.kind != "name" or call.func.base != "getattr" or call.func.attrs:
            return ref
        if len(call.args) < 2:
            return ref
        obj, name = call.args[0], call.args[1]
        if obj.kind == "name" and name.kind == "const" and isinstance(name.base, str):
            return Ref("name", obj.base, obj.attrs + (name.base,) + ref.attrs, line=ref.line, col=ref.col)
        return Ref("dynamic", line=ref.line, col=ref.col)

    def getattr_names(self, m: ModuleModel, sid: int, ref: Ref) -> list[Ref]:
        """`for name in ("redis", "db"): getattr(app.state, name)`: one ref per constant name."""
        call = m.calls[ref.base]
        if (call.id < 0 or call.func.kind != "name" or call.func.base != "getattr" or call.func.attrs
                or len(call.args) < 2 or call.args[0].kind != "name" or call.args[1].kind != "name"):
            return []
        name = call.args[1]
        bsid = self.binding_scope(m, sid, name.base)
        if bsid is None:
            return []
        bindings = m.scopes[bsid].bindings.get(name.base, ())
        if len(bindings) != 1 or bindings[0].kind != "loop" or not isinstance(bindings[0].value, Ref):
            return []
        seq = bindings[0].value
        if seq.kind != "seq" or not all(i.kind == "const" and isinstance(i.base, str) for i in seq.items):
            return []
        obj = call.args[0]
        return [Ref("name", obj.base, obj.attrs + (i.base,), line=ref.line, col=ref.col) for i in seq.items]

    def getter_result(self, m: ModuleModel, ref: Ref) -> Ref:
        """`get_client().aclose()`: a project function returning one named value stands for it."""
        call = m.calls[ref.base]
        if call.id < 0:
            return ref
        callee = self.project.callee(m, call)
        if callee.module is None or callee.scope < 0:
            return ref
        returns = [r for r in callee.module.scopes[callee.scope].returns if not is_none(r)]
        if len(returns) == 1 and returns[0].kind == "name":
            value = returns[0]
            return Ref("name", value.base, value.attrs + ref.attrs, line=ref.line, col=ref.col)
        return ref

    def resolved(self, m: ModuleModel, sid: int, ref: Ref, depth: int = 0) -> tuple[Ref, int]:
        """Follow local aliases of the root name (a few steps)."""
        ref = self.getattr_ref(m, ref) if ref.kind == "call" else ref
        while depth < 4 and ref.kind == "name":
            found = self.alias(m, sid, ref.base)
            if found is None:
                break
            value, sid = found
            ref = Ref("name", value.base, value.attrs + ref.attrs, line=ref.line, col=ref.col)
            depth += 1
        return ref, sid

    # ---- the use index ----------------------------------------------------------------
    def _index(self) -> None:
        """Which scopes use a name ending in each tail (`app.state.redis`: `redis`; a local
        alias `c = app.state.redis` is indexed under `c` and `redis`), and the releases no
        key can name (`wild_releases`, `cancel_all`), in one walk of every scope.

        The uses themselves are not kept: a project makes hundreds of thousands (litellm:
        281,554) and the ledger asks about a handful of keys (litellm: 12). A scope's uses are
        made again, once, when a key asks about it (`uses_at`); the order they come out in is
        the walk's: scope by scope, in module order, each scope's in order.

        Only a bare name can take another tail through its aliases: `x.a.b` ends in `b` and
        `x[...]` in the tail of `x` whatever `x` stands for (`resolved` replaces the root of a
        name and leaves an item as it is)."""
        self.wild_releases: list[Use] = []  # releases on a receiver we cannot name
        self.cancel_all: list[Use] = []  # `for t in asyncio.all_tasks(): t.cancel()`
        # A scope's number: its module's first number (in `_index_first`) plus its id.
        self._index_modules: list[ModuleModel] = []
        self._index_first: list[int] = []
        self._first_of: dict[int, int] = {}  # id(module) -> its first number
        self._scopes_of_tail: dict[str, array] = {}
        self._uses: dict[int, list[Use]] = {}  # scope number -> its uses, made when asked
        self._walking = True
        scopes_of_tail = self._scopes_of_tail
        first = 0
        for m in self.project.modules:
            self._index_modules.append(m)
            self._index_first.append(first)
            self._first_of[id(m)] = first
            for scope in m.scopes:
                uses = self._scope_uses(m, scope)
                if not uses:
                    continue
                number = first + scope.id
                for use in uses:
                    for t in self._tails(use):
                        found = scopes_of_tail.get(t)
                        if found is None:
                            scopes_of_tail[t] = array("I", (number,))
                        elif found[-1] != number:
                            found.append(number)
            first += len(m.scopes)
        self._walking = False

    def _tails(self, use: Use) -> tuple[str, ...]:
        """The tails a use is indexed under: what its name ends in, and for a bare name with a
        local alias, also what the alias's value ends in."""
        ref = use.ref
        if ref.kind != "name":
            t = _tail(ref)
            return () if t is None else (t,)
        if ref.attrs:
            return (ref.attrs[-1],)
        t = ref.base
        other = _tail(self.resolved(use.m, use.sid, ref)[0]) if self.alias(use.m, use.sid, t) is not None else None
        return (t, other) if other is not None and other != t else (t,)

    def uses_at(self, m: ModuleModel, sid: int) -> list[Use]:
        """The uses of one scope, in order; made once, so every key asking gets the same
        records. None for a module built after the index (as if it had no uses)."""
        first = self._first_of.get(id(m))
        return [] if first is None else self._uses_of_number(first + sid, m, sid)

    def _uses_of_number(self, number: int, m: ModuleModel, sid: int) -> list[Use]:
        uses = self._uses.get(number)
        if uses is None:
            uses = self._uses[number] = self._scope_uses(m, m.scopes[sid])
        return uses

    def uses_with_tail(self, tail: str):
        """Every use indexed under `tail`, in index order."""
        numbers = self._scopes_of_tail.get(tail)
        if not numbers:
            return
        modules, firsts = self._index_modules, self._index_first
        for number in numbers:
            at = bisect_right(firsts, number) - 1
            m = modules[at]
            for use in self._uses_of_number(number, m, number - firsts[at]):
                if tail in self._tails(use):
                    yield use

    def _scope_uses(self, m: ModuleModel, scope: Scope) -> list[Use]:
        """The uses of one scope, in order (every one a name or an item: `ref.kind` is "name"
        or "sub")."""
        sid = scope.id
        uses: list[Use] = []
        add = uses.append
        release_names = self.release_names
        calls = m.calls
        for cid in scope.calls:
            call = calls[cid]
            if call.id < 0:
                continue
            func = call.func
            if func.attrs and func.attrs[-1] in release_names and func.kind in ("name", "sub", "call"):
                receiver = strip(func)
                if receiver.kind == "call":
                    named = self.getattr_names(m, sid, receiver)
                    if named:
                        for ref in named:
                            add(Use("release", m, sid, ref, call, func.attrs[-1]))
                        continue
                    receiver = self.getattr_ref(m, receiver)
                    if receiver.kind == "call":
                        receiver = self.getter_result(m, receiver)
                if receiver.kind == "dynamic":
                    if self._walking:
                        self.wild_releases.append(Use("release", m, sid, receiver, call, func.attrs[-1]))
                elif receiver.kind in ("name", "sub"):
                    add(Use("release", m, sid, receiver, call, func.attrs[-1]))
                    looped = self._loop_release(m, sid, receiver, call, func.attrs[-1])
                    if looped is not None:
                        add(looped)
            if call.args:
                for pos, arg in enumerate(call.args):
                    kind = arg.kind  # `_arg_uses`, the common cases inline
                    if kind == "sub" or (kind == "name" and not (arg.attrs and arg.attrs[-1] in release_names)):
                        add(Use("arg", m, sid, arg, call, pos))
                    elif kind == "name" or kind in _BUILT:
                        self._arg_uses(m, sid, call, pos, arg, add)
            if call.kwargs:
                for pos, arg in call.kwargs.items():
                    self._arg_uses(m, sid, call, pos, arg, add)
        for target, value, _line in scope.attr_stores:
            for ref, contained in _flatten(value):
                if ref.kind in ("name", "sub"):
                    add(Use("store", m, sid, ref, None, (target, contained)))
        bindings_of = scope.bindings
        if bindings_of:
            for name, bindings in bindings_of.items():
                for b in bindings:
                    if b.kind in ("assign", "with") and isinstance(b.value, Ref):
                        for ref, contained in _flatten(b.value):
                            if ref.kind in ("name", "sub"):
                                add(Use("bind", m, sid, ref, None, (name, contained)))
            for name, bindings in bindings_of.items():
                for b in bindings:
                    if b.kind == "loop" and isinstance(b.value, Ref):
                        for ref, _contained in _flatten(b.value):
                            if ref.kind in ("name", "sub"):
                                # `for task in (self._a, self._b)` / `for pool in pools`: the loop
                                # variable holds each one in turn.
                                add(Use("bind", m, sid, ref, None, (name, False)))
        for ref, _is_async in scope.withs:
            if ref.kind in ("name", "sub"):
                add(Use("with", m, sid, ref))
        for ref in scope.awaits:
            if ref.kind in ("name", "sub"):
                add(Use("await", m, sid, ref))
        for y in scope.yields:
            if y.value is not None:
                for ref, contained in _flatten(y.value):
                    if ref.kind in ("name", "sub"):
                        add(Use("yield", m, sid, ref, None, contained))
        for ref in scope.returns:
            for ref2, _contained in _flatten(ref):
                if ref2.kind in ("name", "sub"):
                    add(Use("return", m, sid, ref2))
        return uses

    def _arg_uses(self, m: ModuleModel, sid: int, call: Call, pos, arg: Ref, add) -> None:
        """The uses an argument makes: a release method handed over (`release-ref`), or a
        name or item passed (`arg`), also inside literals and operators."""
        kind = arg.kind
        if kind in _BUILT:
            for ref, _contained in _flatten(arg):
                self._arg_uses(m, sid, call, pos, ref, add)
        elif kind == "name":
            if arg.attrs and arg.attrs[-1] in self.release_names:
                add(Use("release-ref", m, sid, strip(arg), call, arg.attrs[-1]))
            else:
                add(Use("arg", m, sid, arg, call, pos))
        elif kind == "sub":
            add(Use("arg", m, sid, arg, call, pos))

    def _loop_release(self, m: ModuleModel, sid: int, receiver: Ref, call: Call, method: str) -> Use | None:
        """`for pool in pools.values(): await pool.close()` releases what `pools` holds: the
        `loop-release` use to index (a loop over `asyncio.all_tasks()` goes to `cancel_all`)."""
        if receiver.kind != "name" or receiver.attrs:
            return None
        bsid = self.binding_scope(m, sid, receiver.base)
        if bsid is None:
            return None
        for b in m.scopes[bsid].bindings.get(receiver.base, ()):
            if b.kind == "loop" and isinstance(b.value, Ref):
                if method == "cancel" and b.value.kind == "call" and m.calls[b.value.base].id >= 0 \
                        and self.project.callee(m, m.calls[b.value.base]).target == "asyncio.all_tasks":
                    if self._walking:
                        self.cancel_all.append(Use("release", m, sid, receiver, call, method))
                    return None
                registry = self.registry_of(m, b.value)
                if registry is not None:
                    return Use("loop-release", m, sid, registry, call, method)
                return None
        return None

    def registry_of(self, m: ModuleModel, ref: Ref, depth: int = 0) -> Ref | None:
        """The collection a loop walks: `pools`, `pools.values()`, `list(pools.items())`."""
        if depth > 4:
            return None
        if ref.kind in ("name", "sub"):
            return ref
        if ref.kind != "call":
            return None
        call = m.calls[ref.base]
        if call.id < 0:
            return None
        func = call.func
        if func.kind == "name" and func.attrs and func.attrs[-1] in ("values", "items", "copy", "keys"):
            return strip(func)
        if func.kind == "name" and not func.attrs and func.base in ("list", "tuple", "sorted", "reversed", "set") and call.args:
            return self.registry_of(m, call.args[0], depth + 1)
        return None

    # ---- matching uses to keys ---------------------------------------------------------
    def key_of_target(self, m: ModuleModel, sid: int, ref: Ref) -> tuple[Key, bool] | None:
        """The key a value stored into `ref` is kept under, and whether `ref` is a registry item."""
        if ref.kind == "sub":
            inner = self.key_of_target(m, sid, ref.base)
            return (inner[0], True) if inner else None
        p = parts(ref)
        if p is None:
            return None
        if len(p) >= 2:
            if p[-2] == "state":
                app = self.state_app(m, sid, p)
                return (("state", p[-1]) if app is None else ("state", app, p[-1])), False
            return ("attr", p[-1]), False
        bsid = self.binding_scope(m, sid, p[0])
        if bsid is None or bsid == 0:
            return ("global", p[0]), False
        return ("local", id(m), bsid, p[0]), False

    def denotes(self, key: Key, use: Use, ref: Ref | None = None) -> str | None:
        """Does the used expression stand for the key ("exact") or an item of it ("item")?"""
        ref = use.ref if ref is None else ref
        if ref.kind == "sub":
            inner = self.denotes(key, use, ref.base)
            return "item" if inner else None
        if ref.kind != "name":
            return None
        m, sid = use.m, use.sid
        found = self._denotes(key, m, sid, ref)
        if found:
            return found
        if key[0] != "local":
            alias, asid = self.resolved(m, sid, ref)
            if alias is not ref and alias.kind == "name":
                return self._denotes(key, m, asid, alias)
        return None

    def _denotes(self, key: Key, m: ModuleModel, sid: int, ref: Ref) -> str | None:
        p = (ref.base, *ref.attrs)
        kind = key[0]
        if kind == "state":
            if len(p) < 2 or p[-2] != "state" or p[-1] != key[-1]:
                return None
            if len(key) == 3:
                app = self.state_app(m, sid, p)
                if app is not None and app != key[1]:
                    return None  # another app's `state`: its release is not this one's
            return "exact"
        if kind == "attr":
            return "exact" if len(p) >= 2 and p[-1] == key[1] else None
        if kind == "global":
            if len(p) == 1 and p[0] == key[1]:
                bsid = self.binding_scope(m, sid, p[0])
                return "exact" if bsid is None or bsid == 0 else None
            if len(p) == 2 and p[-1] == key[1]:
                bsid = self.binding_scope(m, sid, p[0])
                if bsid is not None and any(b.kind == "import" for b in m.scopes[bsid].bindings.get(p[0], ())):
                    return "exact"
            return None
        if kind == "local":
            if len(p) == 1 and p[0] == key[3] and id(m) == key[1]:
                return "exact" if self.binding_scope(m, sid, p[0]) == key[2] else None
        return None

    def uses_of(self, key: Key):
        if key[0] == "local":
            m = self.by_id[key[1]]
            for sid in self.subtree(m, key[2]):
                for use in self.uses_at(m, sid):
                    match = self.denotes(key, use)
                    if match:
                        yield use, match
            return
        for use in self.uses_with_tail(key[-1]):
            match = self.denotes(key, use)
            if match:
                yield use, match

    def state_app(self, m: ModuleModel, sid: int, p: tuple[str, ...]) -> int | None:
        """Which app `<x>.state.<name>` belongs to, when the code says: `x` names one app
        (`public.state.pool`), or is the first parameter of a lifespan given to one app only."""
        owner = p[:-2]
        if not owner:
            return None
        app = self.fastapi.app_of(m, sid, Ref("name", owner[0], owner[1:]))
        if app is not None:
            return id(app) if app.kind == "app" else None
        if len(owner) != 1:
            return None
        fsid = sid
        while fsid > 0 and m.scopes[fsid].kind == "lambda":
            fsid = m.scopes[fsid].parent
        scope = m.scopes[fsid]
        if scope.kind != "def" or not scope.params or scope.params[0].name != owner[0]:
            return None
        if m.binding_scope(sid, owner[0]) != fsid:
            return None
        apps = self._lifespan_apps().get((id(m), fsid), ())
        return next(iter(apps)) if len(apps) == 1 else None

    def _lifespan_apps(self) -> dict[tuple[int, int], set[int]]:
        """Lifespan function -> the apps created with `lifespan=` it (a shared lifespan: several)."""
        if self._lifespan_owner is None:
            owners: dict[tuple[int, int], set[int]] = {}
            for app in self.fastapi.apps:
                if app.kind != "app" or not self.fastapi.has_lifespan(app):
                    continue
                for value in self.fastapi.lifespan_values(app.module, app.call.scope, app.lifespan):
                    owners.setdefault((id(value[1]), value[2]), set()).add(id(app))
            self._lifespan_owner = owners
        return self._lifespan_owner


# ---- helpers --------------------------------------------------------------------------------
def is_none(ref) -> bool:
    return isinstance(ref, Ref) and ref.kind == "const" and ref.base is None


def not_none(bindings) -> list:
    """Bindings other than `x = None` (the placeholder before a startup assignment)."""
    return [b for b in bindings if not (b.kind == "assign" and is_none(b.value))]


_UNSET = object()
_BUILT = frozenset({"seq", "dict", "binop"})  # what `_flatten` looks inside


def _tail(ref: Ref) -> str | None:
    if ref.kind == "sub" and isinstance(ref.base, Ref):
        return _tail(ref.base)
    if ref.kind == "name":
        return ref.attrs[-1] if ref.attrs else ref.base  # type: ignore[return-value]
    return None


def _flatten(ref: Ref | None, contained: bool = False):
    """The expressions a value is built from; `contained` once inside a literal or an operator."""
    if ref is None:
        return
    if ref.kind in ("seq", "dict"):
        items = ref.items[len(ref.items) // 2:] if ref.kind == "dict" else ref.items
        for item in items:
            yield from _flatten(item, True)
    elif ref.kind == "binop":
        yield from _flatten(ref.base, True)  # type: ignore[arg-type]
        for item in ref.items:
            yield from _flatten(item, True)
    else:
        yield ref, contained
