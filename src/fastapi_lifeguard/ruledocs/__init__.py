"""Rule documentation: one Markdown page per rule (`LG101.md`), shipped in the package.

`docs/rules/` in the repository points here, so the CLI, the docs and every finding's
URL show the same text.
"""

from __future__ import annotations

from importlib import resources

from ..codes import Rule, rule_url


def doc_text(rule: Rule) -> str:
    try:
        text = resources.files(__package__).joinpath(f"{rule.code}.md").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        text = f"# {rule.code} {rule.name}\n\n{rule.summary}.\n"
    return text if text.endswith("\n") else text + "\n"


def doc_url(rule: Rule) -> str:
    return rule_url(rule.code)
