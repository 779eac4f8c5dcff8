"""The resource ledger behind LG201, LG202 and LG204.

For every application: which resources and tasks its startup code makes (lifespans before
`yield`, startup handlers, and the helpers only they call), where each is kept (a local, the
yielded state, `app.state.x`, another attribute, a global, a registry), and whether anything
releases it: a release method on any name it is kept under (paired across functions and
modules through the attribute or global name), `async with`, `AsyncExitStack`, `closing`,
a loop over its registry, a callback registered with its bound release method, or a project
helper that releases what it is given.

Precision first: a resource handed to code we cannot see (a library call, a container we do
not track, a return to an unknown caller, a read no record explains) counts as released.
Nothing here walks an AST: uses are read from the records of `model/records.py`.

One `Ledger` object, written in parts, one module per concern; each part builds on the ones
before it:
- `keys.py`: keys and uses (the names a value is kept under, the index of every use of a
  name, matching a use to a key);
- `discovery.py`: resource discovery (which functions run at startup and shutdown, what a
  call makes);
- `fate.py`: fate and settlement (what becomes of a value; the entries and their verdicts);
- `holds.py`: what names hold (the resource type behind a name, for LG202 and LG302).
This module puts them together and builds them in order: roles, the use index, the entries.
"""

from __future__ import annotations

from ...catalogue import lifecycle as lc
from ..fastapi import FastAPIModel
from ..project import Project
from .discovery import Resource
from .fate import ESCAPED, RELEASED, Entry, Fate
from .holds import Holds
from .keys import Key, Use, parts, text

__all__ = ["ESCAPED", "RELEASED", "Entry", "Key", "Ledger", "Resource", "Use", "parts", "text"]


class Ledger(Fate, Holds):
    def __init__(self, project: Project, fastapi: FastAPIModel, user_factories: dict[str, str] | None = None) -> None:
        self.project = project
        self.fastapi = fastapi
        library = project.library
        self.resource_types = library.resource_types
        self.factories: dict[str, lc.ResourceType] = {
            name: library.resource_types[t] for name, t in library.resource_factories.items()
        }
        self.release_names: frozenset[str] = lc.GENERIC_RELEASE | library.all_release
        for name, advice in (user_factories or {}).items():
            self.factories[name] = lc.user_type(name, advice)
        self.by_id = {id(m): m for m in project.all_modules}
        self._init_keys()
        self._init_discovery()
        self._init_fate()
        self._init_holds()
        self._roles()
        self._index()
        self._collect()
