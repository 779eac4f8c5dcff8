"""Every rule has a ruff-shaped doc page, shipped in the package and linked from its findings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fastapi_lifeguard.codes import DOCS_URL, RULES, Rule, rule_url
from fastapi_lifeguard.engine import check_source
from fastapi_lifeguard.options import SHARED_OPTIONS
from fastapi_lifeguard.ruledocs import doc_text
from fastapi_lifeguard.rules import RULE_MODULES
from fastapi_lifeguard.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "src" / "fastapi_lifeguard" / "ruledocs"
SECTIONS = ["What it does", "Why is this bad?", "Example", "Use instead", "Options", "References"]
IMPLEMENTED = {code for module in RULE_MODULES for code in module.CODES} | {"LG001"}


def sections(text: str) -> dict[str, str]:
    return dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.S | re.M))


def python_block(body: str) -> str:
    match = re.search(r"```python\n(.*?)```", body, re.S)
    assert match, "no ```python block"
    return match.group(1)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_has_a_complete_page(rule: Rule):
    path = DOCS / f"{rule.code}.md"
    assert path.is_file(), f"write {path.relative_to(REPO)}"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {rule.name} ({rule.code})\n")
    headings = re.findall(r"^## (.+)$", text, re.M)
    # ruff's sections, in ruff's order; a page may add its own (e.g. "Not reported") between them.
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    body = sections(text)
    for name in SECTIONS:
        assert body[name].strip(), f"{rule.code}: empty section {name!r}"
    assert re.search(r"\[[^\]]+\]\(https://[^)]+\)", body["References"]), "References need links"
    if rule.code != "LG001":  # its example is a syntax error on purpose
        ast.parse(python_block(body["Example"]))
    ast.parse(python_block(body["Use instead"]))
    if not rule.default:
        assert "off" in text.split("\n## ")[0].lower(), "say that it is off by default, and how to enable it"
    # The CLI prints exactly the page (from package data).
    assert doc_text(rule) == text


@pytest.mark.parametrize("rule", [r for r in RULES if r.code in IMPLEMENTED], ids=lambda r: r.code)
def test_examples_match_the_rule(rule: Rule):
    """The Example triggers the rule and Use instead does not (for rules implemented here)."""
    body = sections((DOCS / f"{rule.code}.md").read_text(encoding="utf-8"))
    settings = Settings(extend_select=(rule.code,))
    found = {f.code for f in check_source(python_block(body["Example"]), "example.py", settings)}
    assert rule.code in found
    fixed = {f.code for f in check_source(python_block(body["Use instead"]), "example.py", settings)}
    assert rule.code not in fixed


def test_no_stray_pages():
    pages = {p.stem for p in DOCS.glob("*.md")}
    assert pages == {r.code for r in RULES}


def test_docs_rules_is_the_same_directory():
    link = REPO / "docs" / "rules"
    assert link.is_symlink(), "docs/rules must stay a symlink to the packaged pages (one source of truth)"
    assert link.resolve() == DOCS.resolve()


def test_rule_urls_point_at_the_real_files():
    # Not through the docs/rules symlink: GitHub does not follow symlinked directories in URLs.
    prefix = DOCS_URL.split("{code}")[0]
    repo_path = re.sub(r"^https://github\.com/[^/]+/[^/]+/blob/[^/]+/", "", prefix)
    for rule in RULES:
        url = rule_url(rule.code)
        assert url.startswith(prefix) and url.endswith(f"{rule.code}.md")
        target = REPO / repo_path / f"{rule.code}.md"
        assert target.is_file() and not target.is_symlink()


def test_every_option_is_documented_somewhere():
    text = "".join((DOCS / f"{r.code}.md").read_text(encoding="utf-8") for r in RULES)
    for option in SHARED_OPTIONS:
        assert f"`{option.name}`" in text, option.name
