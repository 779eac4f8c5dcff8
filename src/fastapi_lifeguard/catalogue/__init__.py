"""Catalogues: what the rules know about libraries, kept as data apart from the logic.

Users extend them from configuration (`blocking-calls`, `resource-factories`,
`offload-wrappers`, `background-task-guards`); see `settings.py`.
"""


def lookup(table: dict, target: str | None):
    """A catalogue entry for a dotted name: exact, else a `*.method` entry for its last part."""
    if target is None:
        return None
    hit = table.get(target)
    if hit is None and "." in target:
        hit = table.get("*." + target.rsplit(".", 1)[1])
    return hit


class Lookups(dict):
    """`lookup` in one table that does not change, memoised by name: `table_lookups[target]`.

    The analysis asks the same few tables about the same names for every call it looks at
    (a call's name decides whether it is a loop runner, an offloader, a blocking call...)."""

    __slots__ = ("table",)

    def __init__(self, table: dict) -> None:
        super().__init__()
        self.table = table

    def __missing__(self, target: str | None):
        hit = self[target] = lookup(self.table, target)
        return hit
