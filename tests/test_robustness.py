"""Robustness: no input makes any frontend raise; unparsable input gives one LG001."""

from __future__ import annotations

from pathlib import Path

from fastapi_lifeguard.runner import check_paths
from fastapi_lifeguard.settings import Settings


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_helper_chain_across_three_modules(tmp_path):
    # Found on litellm: a helper's scope id was looked up in the caller's module
    # (IndexError when the callee's module has more scopes, a wrong name otherwise).
    deep = "import time\n" + "".join(f"def f{i}():\n    pass\n" for i in range(20))
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from fastapi import FastAPI\nfrom pkg.b import helper\napp = FastAPI()\n\n"
                    "@app.get('/')\nasync def route():\n    helper()\n",
        "pkg/b.py": "from pkg.c import deep\n\ndef helper():\n    deep()\n",
        "pkg/c.py": deep + "def deep():\n    time.sleep(1)\n",
    })
    result = check_paths([str(tmp_path)], Settings())
    assert [(Path(f.path).name, f.line, f.code) for f in result.findings] == [("a.py", 7, "LG102")]
    assert "sync `helper()` reaches" in result.findings[0].message
    assert result.findings[0].chain == ("helper()", "deep()", "time.sleep (c.py:43)")
