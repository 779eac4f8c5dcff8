"""LG102 names the helper from the module that defines it (project mode crossed modules)."""

import os

from fixtures_support import FIXTURES
from fastapi_lifeguard.runner import check_paths
from fastapi_lifeguard.settings import Settings


def test_chain_messages_name_the_called_helpers():
    folder = os.path.join(FIXTURES, "projects", "chain")
    messages = {(os.path.basename(f.path), f.line): f.message for f in check_paths([folder], Settings()).findings
                if f.code == "LG102"}
    assert "sync `fetch_rate()`" in messages[("main.py", 14)]
    assert "convert() → fetch_rate() → requests.get" in messages[("main.py", 19)]
    assert "rate_via_module() → fetch_rate()" in messages[("main.py", 20)]
    assert "latest() → fetch_rate()" in messages[("main.py", 21)]
