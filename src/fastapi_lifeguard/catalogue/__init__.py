"""Catalogues: what the rules know about libraries, kept as data apart from the logic.

Users extend them from configuration (`blocking-calls`, `resource-factories`,
`offload-wrappers`, `background-task-guards`); see `settings.py`.
"""
