"""Fixes, byte for byte: each `tests/data/fixes/<rule>_*.py` fixed with the CLI must equal its
`.py.fixed` twin, compile, and re-check without the findings the fixes apply to.

A fixture whose docstring says "(unsafe" is fixed with `--unsafe-fixes`; `--fix` alone must
then leave it untouched. Regenerate the expected files after an intended change with
UPDATE_FIXES=1 (and read the diff).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tokenize
from pathlib import Path

import pytest

from fastapi_lifeguard.cli import main
from fastapi_lifeguard.fixes import applies
from fastapi_lifeguard.runner import check_paths
from fastapi_lifeguard.settings import Settings

DATA = Path(__file__).parent / "data" / "fixes"
PAIRS = sorted(DATA.glob("*.py"))


def _unsafe(path: Path) -> bool:
    return "(unsafe" in path.read_text(encoding="utf-8").splitlines()[0]


def _comments(text: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]


def _fix(path: Path, *flags: str) -> int:
    return main(["check", "--isolated", "--no-cache", "-q", *flags, str(path)])


def test_every_fixable_rule_has_a_pair():
    from fastapi_lifeguard.fixes import FIXES

    assert len(PAIRS) >= len(FIXES)
    for path in PAIRS:
        assert Path(f"{path}.fixed").exists() or os.environ.get("UPDATE_FIXES"), f"missing {path.name}.fixed"


@pytest.mark.parametrize("source", PAIRS, ids=[p.stem for p in PAIRS])
def test_fix_pair(source: Path, tmp_path: Path):
    work = tmp_path / source.name
    shutil.copyfile(source, work)
    unsafe = _unsafe(source)
    before = check_paths([str(work)], Settings()).findings
    assert any(applies(f, unsafe) for f in before), "the fixture has nothing to fix"
    _fix(work, "--fix", *(["--unsafe-fixes"] if unsafe else []))
    fixed = work.read_text(encoding="utf-8")
    expected = Path(f"{source}.fixed")
    if os.environ.get("UPDATE_FIXES"):
        expected.write_text(fixed, encoding="utf-8")
    assert fixed == expected.read_text(encoding="utf-8")
    compile(fixed, str(work), "exec")
    after = check_paths([str(work)], Settings()).findings
    assert not [f for f in after if applies(f, unsafe)], after
    # Every comment of the original is still there (the removed registrations' ones move along).
    assert sorted(_comments(source.read_text(encoding="utf-8"))) == sorted(_comments(fixed))


@pytest.mark.parametrize("source", [p for p in PAIRS if _unsafe(p)], ids=lambda p: p.stem)
def test_unsafe_fixes_need_the_flag(source: Path, tmp_path: Path):
    work = tmp_path / source.name
    shutil.copyfile(source, work)
    _fix(work, "--fix")
    assert work.read_bytes() == source.read_bytes()


def test_diff_prints_and_exits_1_without_writing(tmp_path: Path, capsys):
    work = tmp_path / "app.py"
    shutil.copyfile(DATA / "lg101_sleep.py", work)
    assert _fix(work, "--diff") == 1
    out = capsys.readouterr().out
    assert out.startswith(f"--- a/{work}".replace(os.sep, "/")) or "--- a/" in out
    assert "+    await asyncio.sleep( seconds )  # the finding" in out
    assert work.read_bytes() == (DATA / "lg101_sleep.py").read_bytes()
    assert _fix(work, "--fix") == 0  # fixed, and nothing else to report
    assert _fix(work, "--diff") == 0  # nothing left to change


def test_overlapping_fixes_are_applied_in_rounds(tmp_path: Path):
    work = tmp_path / "app.py"
    work.write_text(
        "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/')\nasync def index(u: str):\n    return requests.get(requests.get(u).text).json()\n",
        encoding="utf-8")
    _fix(work, "--fix", "--unsafe-fixes")
    text = work.read_text(encoding="utf-8")
    assert ("(await asyncio.to_thread(requests.get, (await asyncio.to_thread(requests.get, u)).text)).json()"
            in text), text
    assert text.startswith("import asyncio\n")


def test_a_fix_that_breaks_the_file_is_dropped_and_reported(tmp_path: Path, monkeypatch, capsys):
    from fastapi_lifeguard.fixes import lg1

    work = tmp_path / "app.py"
    shutil.copyfile(DATA / "lg101_sleep.py", work)
    monkeypatch.setattr(lg1, "asyncio_sleep", lambda ctx, finding: ctx.source + "\ndef (:\n")
    assert _fix(work, "--fix") == 1
    assert work.read_bytes() == (DATA / "lg101_sleep.py").read_bytes()
    assert "fix not applied: the fixed file would not compile" in capsys.readouterr().err


def test_a_fix_that_leaves_the_finding_is_dropped(tmp_path: Path, monkeypatch, capsys):
    from fastapi_lifeguard.fixes import lg1

    work = tmp_path / "app.py"
    shutil.copyfile(DATA / "lg101_sleep.py", work)
    monkeypatch.setattr(lg1, "asyncio_sleep", lambda ctx, finding: ctx.source.replace('"waited"', '"slept"'))
    _fix(work, "--fix")
    assert work.read_bytes() == (DATA / "lg101_sleep.py").read_bytes()
    assert "re-checking the fixed file still shows the finding" in capsys.readouterr().err


def test_fix_only_and_show_fixes(tmp_path: Path, capsys):
    work = tmp_path / "app.py"
    shutil.copyfile(DATA / "lg202_await.py", work)
    assert _fix(work, "--fix-only", "--show-fixes") == 0
    out = capsys.readouterr().out
    assert "Fixed 2 findings:" in out and "2 × LG202 (cleanup-not-awaited)" in out
    assert LG202_LEFT not in out  # --fix-only reports no findings


LG202_LEFT = "make the function `async def`"


def test_json_fix_has_ruffs_shape(tmp_path: Path, capsys):
    work = tmp_path / "app.py"
    shutil.copyfile(DATA / "lg202_await.py", work)
    main(["check", "--isolated", "--no-cache", "--output-format", "json", str(work)])
    items = json.loads(capsys.readouterr().out)
    fixes = [i["fix"] for i in items if i["fix"]]
    assert len(fixes) == 2
    assert fixes[0] == {"applicability": "safe", "message": "Add `await`", "edits": [
        {"content": "await ", "location": {"row": 14, "column": 9}, "end_location": {"row": 14, "column": 9}}]}
    assert [i["fix"] for i in items if "make the function" in i["message"]] == [None]


def test_json_fixes_parse_each_file_once(tmp_path: Path, capsys, monkeypatch):
    """Two fixable findings in one file: one libcst parse serves both (a parse per finding made
    `--output-format json` on litellm 8 x slower than the analysis, proxy_server.py has 22)."""
    from fastapi_lifeguard.fixes import engine

    parsed = []
    real = engine.Context.__init__

    def counting(self, source):
        parsed.append(len(source))
        real(self, source)

    monkeypatch.setattr(engine.Context, "__init__", counting)
    work = tmp_path / "app.py"
    shutil.copyfile(DATA / "lg202_await.py", work)
    main(["check", "--isolated", "--no-cache", "--output-format", "json", str(work)])
    items = json.loads(capsys.readouterr().out)
    assert len([i for i in items if i["fix"]]) == 2
    assert len(parsed) == 1


def test_json_fixes_keep_one_files_parse_at_a_time(tmp_path: Path, capsys, monkeypatch):
    """A file's libcst parse is dropped once its findings are done: a context costs ~4 KB a line
    (litellm's proxy_server.py: ~90 MB), so keeping every file's until the end grows with the tree."""
    import gc
    import weakref

    from fastapi_lifeguard.fixes import engine

    alive = []
    real = engine.Context.__init__

    def counting(self, source):
        gc.collect()
        alive.append(sum(1 for ref in made if ref() is not None))
        made.append(weakref.ref(self))
        real(self, source)

    made: list = []
    monkeypatch.setattr(engine.Context, "__init__", counting)
    for name in ("a.py", "b.py", "c.py"):
        shutil.copyfile(DATA / "lg202_await.py", tmp_path / name)
    main(["check", "--isolated", "--no-cache", "--output-format", "json", str(tmp_path)])
    items = json.loads(capsys.readouterr().out)
    assert len([i for i in items if i["fix"]]) == 6
    assert alive == [0, 0, 0]


def test_summary_counts_fixable_and_hidden_fixes():
    from fastapi_lifeguard.cli import summary
    from fastapi_lifeguard.output import locate

    findings = check_paths([str(DATA / "lg101_to_thread.py"), str(DATA / "lg101_sleep.py")], Settings()).findings
    text = summary(locate(findings, {}), 2)
    assert text.splitlines() == ["Found 6 findings in 2 files.",
                                 "[*] 3 fixable with the `--fix` option (3 hidden fixes can be enabled with the "
                                 "`--unsafe-fixes` option)."]


def test_add_noqa_merges_with_existing_comments(tmp_path: Path):
    work = tmp_path / "app.py"
    work.write_text(
        "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\nasync def index():\n"
        "    time.sleep(1)  # noqa: E501\n    time.sleep(2)  # slow on purpose\n    time.sleep(3)  # noqa\n"
        "    time.sleep(\n        4)\n    return {}\n", encoding="utf-8")
    assert main(["check", "--isolated", "--no-cache", "--add-noqa", str(work)]) == 0
    lines = work.read_text(encoding="utf-8").splitlines()
    assert lines[8] == "    time.sleep(1)  # noqa: E501, LG101"
    assert lines[9] == "    time.sleep(2)  # slow on purpose  # noqa: LG101"
    assert lines[10] == "    time.sleep(3)  # noqa"
    assert lines[11] == "    time.sleep(  # noqa: LG101"
    assert main(["check", "--isolated", "--no-cache", str(work)]) == 0


def test_checking_never_loads_libcst():
    import subprocess
    import sys

    code = ("import sys; from fastapi_lifeguard.cli import main; "
            f"main(['check', '--isolated', '--no-cache', '-q', {str(DATA / 'lg206_lifespan.py')!r}]); "
            "print('libcst' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr


def test_rule_pages_say_how_safe_their_fix_is():
    from fastapi_lifeguard.codes import BY_CODE
    from fastapi_lifeguard.ruledocs import doc_text

    fixable = {"LG101", "LG102", "LG104", "LG105", "LG202", "LG203", "LG206", "LG207", "LG208", "LG211", "LG401"}
    for code, rule in BY_CODE.items():
        assert ("## Fix safety" in doc_text(rule)) == (code in fixable), code


def test_fix_without_libcst_says_which_extra(tmp_path: Path, monkeypatch, capsys):
    from fastapi_lifeguard import cli

    work = tmp_path / "app.py"
    shutil.copyfile(DATA / "lg101_sleep.py", work)
    monkeypatch.setattr(cli, "_have_libcst", lambda: False)
    assert _fix(work, "--fix") == 2
    assert "pip install 'fastapi-lifeguard[fix]'" in capsys.readouterr().err
    assert work.read_bytes() == (DATA / "lg101_sleep.py").read_bytes()
