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
