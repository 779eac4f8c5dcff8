"""The pylint plugin through pylint's own functional-test format (`pylint.testutils`).

Each `tests/functional/<first letter>/<name>.py` carries `# [symbol]` markers; the `.txt`
next to it is pylint's expected output (symbol, line, column, end, object, text,
confidence). A test that needs options has a `.rc` of its own (it must load the plugin).
A new rule needs one more `.py`/`.txt` pair, nothing else; to (re)write the `.txt` files:

    LIFEGUARD_UPDATE_FUNCTIONAL=1 python -m pytest tests/test_pylint_functional.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytest.importorskip("pylint")

from pylint.testutils import LintModuleTest, lint_module_test  # noqa: E402
from pylint.testutils.functional import (  # noqa: E402
    LintModuleOutputUpdate,
    get_functional_test_files_from_directory,
)

from fastapi_lifeguard.pylint_plugin import BY_CODE_SYMBOL  # noqa: E402
from fastapi_lifeguard.rules import RULE_MODULES  # noqa: E402

FUNCTIONAL = Path(__file__).parent / "functional"
TESTS = get_functional_test_files_from_directory(FUNCTIONAL)
UPDATE = bool(os.environ.get("LIFEGUARD_UPDATE_FUNCTIONAL"))


@pytest.mark.parametrize("test_file", TESTS, ids=lambda t: t.base)
def test_functional(test_file, monkeypatch):
    # Tests without their own .rc use ours: the plugin loaded, only its messages on.
    monkeypatch.setattr(lint_module_test, "PYLINTRC", FUNCTIONAL / "pylintrc")
    lint_test = (LintModuleOutputUpdate if UPDATE else LintModuleTest)(test_file)
    lint_test.setUp()
    lint_test.runTest()


def test_every_implemented_rule_has_a_functional_test():
    marked = set()
    for path in FUNCTIONAL.rglob("*.py"):
        for match in re.finditer(r"#\s*\[([a-z0-9,\s-]+)\]", path.read_text(encoding="utf-8")):
            marked.update(s.strip() for s in match.group(1).split(","))
    implemented = {code for module in RULE_MODULES for code in module.CODES}
    missing = sorted(f"{code} ({BY_CODE_SYMBOL[code]})" for code in implemented if BY_CODE_SYMBOL[code] not in marked)
    assert not missing, f"add a tests/functional/<letter>/<symbol>.py with `# [symbol]` markers for {missing}"
