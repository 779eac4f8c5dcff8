"""Type flow the library records cannot say: operators.

What calls, attributes and subscriptions give (`storage.Client().bucket()` gives a `Bucket`,
`MongoClient()["db"]` a `Database`), type aliases and the types tracked at all are records of
the library model (`catalogue/libraries.py`, `returns` and `aliases`).
"""

from __future__ import annotations

# Types whose `/` operator gives the same type.
DIVIDABLE_TYPES: frozenset[str] = frozenset({"pathlib.Path"})
