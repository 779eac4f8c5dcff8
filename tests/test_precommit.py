"""The pre-commit hook, proven end to end with `pre-commit try-repo`.

try-repo needs a committed repository: the test copies this checkout (tracked files plus
uncommitted changes, the way `git ls-files` sees them) into a temporary repository and commits
it there, then runs the hook on a small project with a blocking call in an async route.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
APP = textwrap.dedent("""\
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/")
    async def index():
        time.sleep(1)
        return {"ok": True}
""")


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull}
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_hook_definition():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook, fixing = hooks
    assert fixing["id"] == "fastapi-lifeguard-fix"
    assert fixing["entry"] == "fastapi-lifeguard check --fix"
    assert fixing["require_serial"] is True and fixing["types"] == ["python"]
    assert any(dep.startswith("libcst") for dep in fixing["additional_dependencies"])
    assert hook["id"] == "fastapi-lifeguard"
    assert hook["entry"] == "fastapi-lifeguard check"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert hook["require_serial"] is True


def _snapshot(dest: Path) -> None:
    """This checkout as it is now (committed or not, ignored files left out), committed in `dest`."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        target = dest / rel
        if not source.exists() and not source.is_symlink():  # deleted but not yet committed
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "snapshot", cwd=dest)


def test_try_repo_reports_the_blocking_call(tmp_path):
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    _snapshot(hook_repo)

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "ok.py").write_text("import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n")
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)

    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    env.pop("FASTAPI_LIFEGUARD_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "fastapi-lifeguard",
                           "--all-files", "--verbose"], cwd=project, capture_output=True, text=True, env=env,
                          timeout=540)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # the hook failed because of the finding
    assert "fastapi-lifeguard" in output and "Failed" in output, output
    assert "app.py:10:5: LG101 [*] `time.sleep`" in output, output
    assert "ok.py" not in output.split("Failed", 1)[1], output
    # The hook wrote its cache in the project, invisible to git.
    assert (project / ".lifeguard_cache" / ".gitignore").exists()
    assert ".lifeguard_cache" not in git("status", "--porcelain", "--untracked-files=all", cwd=project)

    # The fixing variant writes the safe fix; pre-commit fails the run because a file changed.
    fixed = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "fastapi-lifeguard-fix",
                            "--all-files", "--verbose"], cwd=project, capture_output=True, text=True, env=env,
                           timeout=540)
    output = fixed.stdout + fixed.stderr
    assert fixed.returncode == 1, output
    assert "files were modified by this hook" in output, output
    assert "    await asyncio.sleep(1)" in (project / "app.py").read_text(), output

HELPERS = textwrap.dedent("""\
    import requests


    def rate(currency):
        return load(f"https://rates.internal/{currency}")


    def load(url):
        return requests.get(url, timeout=5).json()["rate"]
""")
ROUTES = textwrap.dedent("""\
    from fastapi import APIRouter

    from shop.helpers import rate

    router = APIRouter()


    @router.get("/price")
    async def price(amount: float):
        return {"price": amount}
""")


def test_try_repo_on_changed_files_follows_unchanged_helpers(tmp_path):
    """pre-commit passes only the changed route file; the blocking call sits in an unchanged
    helper module, two calls away. The hook reports it on the route, as `check .` would."""
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    _snapshot(hook_repo)

    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    (project / "shop" / "__init__.py").write_text("")
    (project / "shop" / "helpers.py").write_text(HELPERS)
    (project / "shop" / "routes.py").write_text(ROUTES)
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "start", cwd=project)
    # The change: the route now converts through the helper module, which stays unchanged.
    (project / "shop" / "routes.py").write_text(ROUTES.replace('{"price": amount}', '{"price": amount * rate("EUR")}'))
    git("add", "shop/routes.py", cwd=project)

    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    env.pop("FASTAPI_LIFEGUARD_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "fastapi-lifeguard",
                           "--verbose"], cwd=project, capture_output=True, text=True, env=env, timeout=540)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "shop/routes.py:10:31: LG102 sync `rate()`" in output, output
    assert "rate() → load() → requests.get (helpers.py:9)" in output, output
    # Only the changed file was given: the helper module itself is not reported on.
    assert "shop/helpers.py:" not in output, output
    # The same finding as the whole project in one run.
    whole = subprocess.run([sys.executable, "-m", "fastapi_lifeguard.cli", "check", "--no-cache", "."], cwd=project,
                           capture_output=True, text=True, timeout=120)
    assert "shop/routes.py:10:31: LG102" in whole.stdout, whole.stdout + whole.stderr
