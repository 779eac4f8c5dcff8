"""The `fastapi-lifeguard` command: exit codes, subcommands, options, errors without tracebacks."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastapi_lifeguard import __version__, cli
from fastapi_lifeguard.cli import main
from fastapi_lifeguard.codes import RULES, rule_url

BLOCKING = textwrap.dedent("""\
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/")
    async def index():
        time.sleep(1)
        return {}


    @app.get("/again")
    async def again():
        time.sleep(2)
        return {}
""")
CLEAN = "import asyncio\n\n\nasync def index():\n    await asyncio.sleep(1)\n"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def proj(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(BLOCKING)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def test_exit_codes(proj):
    assert run("check", "--no-cache", "clean.py")[0] == 0
    code, out, _ = run("check", "--no-cache", ".")
    assert code == 1 and out.count("LG101") == 2
    assert run("check", "--no-cache", "--exit-zero", ".")[0] == 0
    assert run("check", "--no-cache", "nope.py")[0] == 2


def test_default_path_is_cwd(proj):
    code, out, _ = run("check", "--no-cache")
    assert code == 1 and out.startswith("app.py:10:5: LG101 ")


def test_statistics(proj):
    code, out, _ = run("check", "--no-cache", "--statistics", ".")
    assert code == 1 and out == "    2\tLG101\tblocking-call-in-async\n"
    code, out, _ = run("check", "--no-cache", "--statistics", "--output-format", "json", ".")
    assert json.loads(out) == [{"code": "LG101", "name": "blocking-call-in-async", "count": 2}]


def test_output_file(proj):
    code, out, _ = run("check", "--no-cache", "--output-format", "sarif", "-o", "reports/lifeguard.sarif", ".")
    assert code == 1 and out == ""
    log = json.loads((proj / "reports" / "lifeguard.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 2


def test_noqa_is_honoured(proj):
    (proj / "app.py").write_text(BLOCKING.replace("time.sleep(1)", "time.sleep(1)  # noqa: LG101"))
    code, out, _ = run("check", "--no-cache", ".")
    assert code == 1 and out.count("LG101") == 1


def test_unparsable_file_is_lg001_not_a_traceback(proj):
    (proj / "bad.py").write_text("async def f(:\n")
    code, out, err = run("check", "--no-cache", "bad.py")
    assert code == 1 and out.startswith("bad.py:1:") and " LG001 cannot parse: " in out and err == ""
    (proj / "latin.py").write_bytes(b"x = '\xe9'\n")
    code, out, _ = run("check", "--no-cache", "latin.py")
    assert "LG001" in out


def test_internal_error_is_one_line_exit_2(proj, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(cli, "check_paths", boom)
    monkeypatch.delenv("FASTAPI_LIFEGUARD_DEBUG", raising=False)
    code, out, err = run("check", "--no-cache", ".")
    assert code == 2 and out == ""
    assert err.startswith("fastapi-lifeguard: internal error: RuntimeError: engine exploded")
    assert err.count("\n") == 1
    monkeypatch.setenv("FASTAPI_LIFEGUARD_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["check", "--no-cache", "."])


def test_usage_errors_exit_2(proj):
    assert run()[0] == 2
    code, _, err = run("check", "--output-format", "xml", ".")
    assert code == 2 and "invalid choice" in err
    code, _, err = run("check", "-j", "-3", ".")
    assert code == 2 and "-j" in err
    code, _, err = run("frobnicate")
    assert code == 2


def test_version():
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"fastapi-lifeguard {__version__}"


def test_quiet_prints_findings_only(proj):
    code, out, err = run("check", "-q", ".")
    assert code == 1 and err == "" and out.count("LG101") == 2


def test_no_progress_or_summary_when_stderr_is_not_a_terminal(proj):
    code, _, err = run("check", "--no-cache", "-j", "2", ".")
    assert code == 1 and err == ""


def test_progress_only_after_a_delay(capsys, monkeypatch):
    progress = cli._Progress()
    progress("parsing", 1, 10)  # too early: nothing
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(cli._Progress, "DELAY", 0.0)
    progress = cli._Progress()
    progress("parsing", 10, 10)
    progress.clear()
    err = capsys.readouterr().err
    assert "parsing 10/10 files" in err and err.endswith("\r\x1b[K")


# --- rules / rule ---------------------------------------------------------------------------

def test_rules_lists_every_rule():
    code, out, _ = run("rules")
    listed = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and listed == [r.code for r in RULES if r.code != "LG001"]
    assert "LG205 cleanup-not-guaranteed" in out and "(off by default)" in out


def test_rules_json():
    code, out, _ = run("rules", "--output-format", "json")
    data = json.loads(out)
    assert code == 0 and [d["code"] for d in data] == [r.code for r in RULES if r.code != "LG001"]
    for item, rule in zip(data, [r for r in RULES if r.code != "LG001"]):
        assert item["name"] == rule.name and item["summary"] == rule.summary
        assert item["severity"] == rule.severity and item["default"] == rule.default
        assert item["url"] == rule_url(rule.code)
        assert item["explanation"].startswith(f"# {rule.name} ({rule.code})")


def test_rule_prints_its_doc():
    code, out, _ = run("rule", "LG201")
    assert code == 0 and out.startswith("# startup-resource-not-closed (LG201)") and "## Why is this bad?" in out
    assert run("rule", "lg201")[1] == out
    assert run("rule", "startup-resource-not-closed")[1] == out
    code, out, _ = run("rule", "LG201", "--output-format", "json")
    assert json.loads(out)["code"] == "LG201"


def test_unknown_rule():
    code, _, err = run("rule", "LG999")
    assert code == 2 and "unknown rule 'LG999'" in err


# --- cache directory --------------------------------------------------------------------------

def test_cache_dir_defaults_beside_the_config(proj):
    (proj / "sub").mkdir()
    (proj / "sub" / "pyproject.toml").write_text("[tool.fastapi-lifeguard]\n")
    (proj / "sub" / "x.py").write_text(BLOCKING)
    run("check", "sub")
    assert (proj / "sub" / ".lifeguard_cache" / "CACHEDIR.TAG").exists()
    assert not (proj / ".lifeguard_cache").exists()
    run("check", "app.py")
    assert (proj / ".lifeguard_cache").is_dir()


def test_clean(proj):
    run("check", ".")
    assert (proj / ".lifeguard_cache").is_dir()
    assert run("clean")[0] == 0
    assert not (proj / ".lifeguard_cache").exists()
    (proj / "notacache").mkdir()
    assert run("clean", "--cache-dir", "notacache")[0] == 2  # never removes what it did not make
    assert (proj / "notacache").is_dir()


def test_console_script(proj):
    """The installed entry point, in a real process: exit code and output."""
    script = Path(sys.executable).with_name("fastapi-lifeguard")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fastapi_lifeguard.cli"]
    done = subprocess.run([*command, "check", "--no-cache", "app.py"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("LG101") == 2 and done.stderr == ""
