"""What names hold: every value stored under a global, `app.state.x` or attribute name in the
project, and the resource type an expression is known to hold (`type_of`, LG202;
`stores_any`, LG302).
"""

from __future__ import annotations

from array import array

from ...catalogue import lifecycle as lc
from ..records import Call, ModuleModel, Ref
from .discovery import Discovery
from .keys import Key, is_none, not_none, parts


class Holds(Discovery):
    """The what-names-hold part of the `Ledger` (see the module docstring)."""

    # Set by `Ledger.__init__`.
    resource_types: dict[str, lc.ResourceType]

    def _init_holds(self) -> None:
        self._types: dict[Key, set[str]] = {}
        # Which modules store something under a name ending in each tail (`_store_index`), the
        # modules as they were when first asked, and what each key asked about holds.
        self._store_tails: dict[str, array] | None = None
        self._store_modules: list[ModuleModel] = []
        self._tail_stores: dict[str, dict[Key, list[tuple[ModuleModel, Call | None]]]] = {}
        self._stores_any: dict[Key, list[tuple[ModuleModel, Call | None]]] = {}

    # ---- types of what names hold (LG202) ---------------------------------------------------
    def stores_any(self, key: Key) -> list[tuple[ModuleModel, Call | None]]:
        """Everything stored under `key` anywhere in the project (`app.state.x` merged across
        apps, `_type_key`: what `request.app.state.x` may hold when the request's app is not
        known): the call that made each value, or None for a value that is not a call. Grouped
        by the exact key, in the order the keys first occur in the project; each group in
        project order.

        Worked out per key when asked, from the modules that store under its tail only: every
        store of the project, listed up front, cost 26 MB on litellm and 86 MB on the pinned
        corpus, for the handful of keys LG202 and LG302 ask about."""
        found = self._stores_any.get(key)
        if found is None:
            found = self._stores_any[key] = [
                made for exact, group in self._stores_of_tail(key[-1]).items() if _type_key(exact) == key
                for made in group]
        return found

    def _stores_of_tail(self, tail: str) -> dict[Key, list[tuple[ModuleModel, Call | None]]]:
        """Every store under a key ending in `tail`, by exact key in the order the keys first
        occur: one walk of the modules storing under it, for every key asked with that tail."""
        found = self._tail_stores.get(tail)
        if found is None:
            found = self._tail_stores[tail] = {}
            numbers = self._store_index().get(tail, ())
            modules = self._store_modules
            for number in numbers:
                for exact, made in self._module_stores(modules[number]):
                    if exact[-1] == tail:
                        found.setdefault(exact, []).append(made)
        return found

    def _store_index(self) -> dict[str, array]:
        """Tail -> the numbers of the modules storing under a key that ends in it, from one walk
        of every store of the project when first asked (as `stores()` walked them: working out
        a key may build a cold module, `state_app`, and the walk then reaches it too, since
        `project.modules` grows as it goes). Only the module numbers are kept."""
        if self._store_tails is None:
            tails: dict[str, array] = {}
            walked = self._store_modules
            for m in self.project.modules:  # grows while it is walked
                number = len(walked)
                walked.append(m)
                for key, _made in self._module_stores(m):
                    numbers = tails.get(key[-1])
                    if numbers is None:
                        tails[key[-1]] = array("I", (number,))
                    elif numbers[-1] != number:
                        numbers.append(number)
            self._store_tails = tails
        return self._store_tails

    def _module_stores(self, m: ModuleModel):
        """(key, (module, the call that made the value or None)) of every store in `m`, in order:
        assignments of one call, then anything else stored under an attribute or `app.state`
        name (a local made by one call, `async with Client() as client: app.state.http =
        client`, stands for that call), then module-level names bound otherwise (imports,
        loops...), which make the type unknown."""
        for call in m.calls:
            if call.id < 0 or call.stmt != "assign" or len(call.targets) != 1:
                continue
            found = self.key_of_target(m, call.scope, call.targets[0])
            if found is not None and not found[1]:
                yield found[0], (m, call)
        for scope in m.scopes:
            for target, value, _line in scope.attr_stores:
                if value.kind != "call" and not is_none(value):
                    found = self.key_of_target(m, scope.id, target)
                    if found is not None and not found[1]:
                        yield found[0], (m, self._made_by(m, scope.id, value))
        for name, bindings in m.scopes[0].bindings.items():
            for b in bindings:
                value = b.value if isinstance(b.value, Ref) else None
                if b.kind != "assign" or value is None or value.kind not in ("call", "const"):
                    if b.kind not in ("def", "class"):
                        yield ("global", name), (m, None)

    def _made_by(self, m: ModuleModel, sid: int, ref: Ref) -> Call | None:
        """The one call a plain local was bound to (`x = F()`, `with F() as x`), else None."""
        if ref.kind != "name" or ref.attrs:
            return None
        bsid = self.binding_scope(m, sid, ref.base)
        if bsid is None or bsid == 0:
            return None
        bindings = not_none(m.scopes[bsid].bindings.get(ref.base, ()))
        if len(bindings) != 1 or bindings[0].kind not in ("assign", "with") or not isinstance(bindings[0].value, Ref):
            return None
        value = bindings[0].value
        if value.kind != "call" or value.attrs or m.calls[value.base].id < 0:
            return None
        return m.calls[value.base]

    def key_types(self, key: Key) -> set[str]:
        """What type a name may hold: the resource type (or "?") of every assignment of it
        anywhere. Worked out per key when asked (LG202 asks about the receivers of release
        calls only): typing every store of the project up front kept a resource record for
        each one (litellm: +41 MB, 0.45 s)."""
        types = self._types.get(key)
        if types is None:
            types = set()
            for m, call in self.stores_any(key):
                resource = self.resource_of_call(m, call) if call is not None else None
                types.add(resource.rtype.name if resource else "?")
            self._types[key] = types
        return types

    def type_of(self, m: ModuleModel, sid: int, ref: Ref) -> lc.ResourceType | None:
        """The resource type an expression is known to hold, or None."""
        ref, rsid = self.resolved(m, sid, ref)
        if ref.kind == "call" and not ref.attrs:
            call = m.calls[ref.base]
            res = self.resource_of_call(m, call) if call.id >= 0 else None
            return res.rtype if res else None
        p = parts(ref)
        if p is None:
            return None
        value = self.project.value_of(m, rsid, ref)
        if value and value[0] == "inst":
            hit = self.resource_types.get(value[1])
            if hit is not None:
                return hit
        found = self.key_of_target(m, rsid, ref)
        if found is None or found[1]:
            return None
        key = found[0]
        if key[0] == "local":
            bindings = m.scopes[key[2]].bindings.get(key[3], ())
            names = set()
            for b in bindings:
                if b.kind in ("assign", "with") and isinstance(b.value, Ref) and b.value.kind == "call":
                    call = m.calls[b.value.base]
                    res = self.resource_of_call(m, call) if call.id >= 0 else None
                    names.add(res.rtype.name if res else "?")
                elif b.kind != "assign" or not is_none(b.value):
                    names.add("?")
        else:
            names = self.key_types(_type_key(key))
        if len(names) == 1:
            name = next(iter(names))
            return self.resource_types.get(name) or self._user_type(name)
        return None

    def _user_type(self, name: str) -> lc.ResourceType | None:
        for rtype in self.factories.values():
            if rtype.name == name:
                return rtype
        return None


# ---- helpers --------------------------------------------------------------------------------
def _type_key(key: Key) -> Key:
    """What a name may hold is judged across apps: `app.state.client` of any app (LG202)."""
    return ("state", key[-1]) if key[0] == "state" else key
