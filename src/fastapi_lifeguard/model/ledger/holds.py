"""What names hold: every value stored under a global, `app.state.x` or attribute name in the
project, and the resource type an expression is known to hold (`type_of`, LG202;
`stores_any_app`, LG302).
"""

from __future__ import annotations

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
        self._stores: dict[Key, list[tuple[ModuleModel, Call | None]]] | None = None
        self._stores_any: dict[Key, list[tuple[ModuleModel, Call | None]]] | None = None

    # ---- types of what names hold (LG202) ---------------------------------------------------
    def stores(self) -> dict[Key, list[tuple[ModuleModel, Call | None]]]:
        """Everything stored under a global, `app.state.x` or attribute name anywhere in the
        project: the call that made each value, or None for a value that is not a call."""
        if self._stores is None:
            stores: dict[Key, list[tuple[ModuleModel, Call | None]]] = {}
            for m in self.project.modules:
                for call in m.calls:
                    if call.id < 0 or call.stmt != "assign" or len(call.targets) != 1:
                        continue
                    found = self.key_of_target(m, call.scope, call.targets[0])
                    if found is not None and not found[1]:
                        stores.setdefault(found[0], []).append((m, call))
                # Anything else stored under the same name makes its type unknown; a local
                # made by one call (`async with Client() as client: app.state.http = client`)
                # stands for that call.
                for scope in m.scopes:
                    for target, value, _line in scope.attr_stores:
                        if value.kind != "call" and not is_none(value):
                            found = self.key_of_target(m, scope.id, target)
                            if found is not None and not found[1]:
                                stores.setdefault(found[0], []).append((m, self._made_by(m, scope.id, value)))
                for name, bindings in m.scopes[0].bindings.items():
                    for b in bindings:
                        value = b.value if isinstance(b.value, Ref) else None
                        if b.kind != "assign" or value is None or value.kind not in ("call", "const"):
                            if b.kind not in ("def", "class"):
                                stores.setdefault(("global", name), []).append((m, None))
            self._stores = stores
        return self._stores

    def stores_any_app(self) -> dict[Key, list[tuple[ModuleModel, Call | None]]]:
        """`stores()` with `app.state.x` merged across apps: what `request.app.state.x` may hold
        when the request's app is not known."""
        if self._stores_any is None:
            merged: dict[Key, list[tuple[ModuleModel, Call | None]]] = {}
            for key, made in self.stores().items():
                merged.setdefault(_type_key(key), []).extend(made)
            self._stores_any = merged
        return self._stores_any

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
            for m, call in self.stores_any_app().get(key, ()):
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
