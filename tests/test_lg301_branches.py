"""LG301 names the branch a per-request client is built on when the code cannot decide it
(fixtures/lg3_per_request/lg301_branches.py)."""

import os

from fixtures_support import FIXTURES
from fastapi_lifeguard.runner import check_paths
from fastapi_lifeguard.settings import Settings


def test_undecidable_branch_is_named():
    path = os.path.join(FIXTURES, "lg3_per_request", "lg301_branches.py")
    messages = {f.line: f.message for f in check_paths([path], Settings()).findings if f.code == "LG301"}
    assert "client() → httpx.AsyncClient() (lg301_branches.py:41, when `self.timeout`)" in messages[83]
    assert "(lg301_branches.py:51, when `self.verify is not None`)" in messages[89]
    # an `else` is named by the negated test (agno 3.1.10 showed `db_engine is not None` for one)
    assert "(lg301_branches.py:63, when `self.pool is None`)" in messages[95]
    # a `case` body is named by its pattern
    assert "(lg301_branches.py:103, when `match kind: case 'remote' | 'cloud'`)" in messages[110]
