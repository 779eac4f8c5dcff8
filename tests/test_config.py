"""`[tool.fastapi-lifeguard]`: discovery, --config, --isolated, every key, every error."""

from __future__ import annotations

import contextlib
import io
import json
import textwrap
from pathlib import Path

import pytest

from fastapi_lifeguard.cli import main
from fastapi_lifeguard.config import find_config, load_config
from fastapi_lifeguard.settings import ConfigError

BLOCKING = textwrap.dedent("""\
    import time

    from fastapi import FastAPI

    import legacy

    app = FastAPI()


    @app.get("/")
    async def index():
        time.sleep(1)
        legacy.fetch("x")
        return {}
""")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def codes_of(*argv: str) -> list[tuple[str, str]]:
    code, out, err = run("check", "--no-cache", "--output-format", "json", *argv)
    assert code in (0, 1), err
    return sorted((Path(d["filename"]).as_posix(), d["code"]) for d in json.loads(out))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture()
def tree(tmp_path, monkeypatch):
    """repo/pyproject.toml (no section), repo/svc/pyproject.toml (section), repo/svc/app/main.py."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'outer'\n")
    write(tmp_path / "repo" / "svc" / "app" / "main.py", BLOCKING)
    return tmp_path / "repo"


# --- discovery ------------------------------------------------------------------------------

def test_nearest_pyproject_with_the_section_wins(tree):
    svc = write(tree / "svc" / "pyproject.toml", '[tool.fastapi-lifeguard]\nignore = ["LG101"]\n')
    assert find_config([str(tree / "svc" / "app" / "main.py")]) == str(svc)
    assert codes_of(str(tree / "svc" / "app")) == []


def test_pyproject_without_the_section_is_skipped(tree):
    outer = write(tree.parent / "pyproject.toml", '[tool.fastapi-lifeguard]\nignore = ["LG1"]\n')
    # repo/pyproject.toml has no section: discovery goes on to the one above it.
    assert find_config([str(tree / "svc" / "app")]) == str(outer)
    assert codes_of(str(tree / "svc")) == []


def test_no_config_means_defaults(tree):
    assert find_config([str(tree / "svc")]) is None
    assert [c for _, c in codes_of(str(tree / "svc"))] == ["LG101"]


def test_discovery_starts_from_the_common_directory_of_all_paths(tree):
    write(tree / "svc" / "pyproject.toml", '[tool.fastapi-lifeguard]\nignore = ["LG101"]\n')
    write(tree / "svc" / "other" / "x.py", "x = 1\n")
    paths = [str(tree / "svc" / "app" / "main.py"), str(tree / "svc" / "other" / "x.py")]
    assert find_config(paths) == str(tree / "svc" / "pyproject.toml")


def test_config_names_a_file(tree, tmp_path):
    write(tree / "svc" / "pyproject.toml", '[tool.fastapi-lifeguard]\nignore = ["LG101"]\n')
    other = write(tmp_path / "strict.toml", 'select = ["LG1"]\n')  # a dedicated file: keys at top level
    assert [c for _, c in codes_of(str(tree / "svc"), "--config", str(other))] == ["LG101"]
    named = write(tmp_path / "elsewhere" / "pyproject.toml", '[tool.fastapi-lifeguard]\nignore = ["LG1"]\n')
    assert codes_of(str(tree / "svc"), "--config", str(named)) == []


def test_isolated_ignores_configuration(tree):
    write(tree / "svc" / "pyproject.toml", '[tool.fastapi-lifeguard]\nignore = ["LG101"]\nselect = ["XX"]\n')
    assert [c for _, c in codes_of(str(tree / "svc"), "--isolated")] == ["LG101"]


def test_command_line_selection_overrides_config(tree):
    write(tree / "svc" / "pyproject.toml", '[tool.fastapi-lifeguard]\nselect = ["LG2"]\n')
    assert codes_of(str(tree / "svc")) == []
    assert [c for _, c in codes_of(str(tree / "svc"), "--select", "LG1")] == ["LG101"]
    assert [c for _, c in codes_of(str(tree / "svc"), "--extend-select", "LG101")] == ["LG101"]
    assert codes_of(str(tree / "svc"), "--select", "LG1", "--ignore", "LG101") == []


# --- every key ------------------------------------------------------------------------------

def test_all_keys_load(tmp_path):
    path = write(tmp_path / "pyproject.toml", """\
        [tool.fastapi-lifeguard]
        select = ["LG1", "LG2"]
        extend-select = ["LG205"]
        ignore = ["LG206"]
        exclude = ["migrations", "scripts/*.py"]
        fastapi-version = "0.110"
        blocking-calls = { "legacy.fetch" = "use legacy.afetch" }
        resource-factories = { "myapp.clients.make" = "make it once in the lifespan" }
        offload-wrappers = { "myapp.threads.run" = 1 }
        background-task-guards = ["myapp.tasks.logged"]
        report-unserved = true

        [tool.fastapi-lifeguard.per-file-ignores]
        "tests/*" = ["LG1"]
        "conftest.py" = ["LG301"]
    """)
    s = load_config(str(path))
    assert s.select == ("LG1", "LG2") and s.extend_select == ("LG205",) and s.ignore == ("LG206",)
    assert s.fastapi_version == (0, 110)
    assert s.blocking_calls == {"legacy.fetch": "use legacy.afetch"}
    assert s.resource_factories == {"myapp.clients.make": "make it once in the lifespan"}
    assert s.offload_wrappers == {"myapp.threads.run": 1}
    assert s.background_task_guards == ("myapp.tasks.logged",)
    assert s.report_unserved is True and s.project is True
    # Patterns with a "/" are anchored at the config's directory; bare names match anywhere.
    assert s.exclude == ("migrations", f"{tmp_path.as_posix()}/scripts/*.py")
    assert s.per_file_ignores == {f"{tmp_path.as_posix()}/tests/*": ("LG1",), "conftest.py": ("LG301",)}
    assert s.enabled("LG205") and not s.enabled("LG206") and not s.enabled("LG301")


def test_report_unserved_from_config_and_command_line(tree):
    # A CLI command's coroutine: silent by default, a library check with the setting or the flag.
    write(tree / "svc" / "app" / "cli.py", """\
        from pathlib import Path

        import typer

        cli = typer.Typer()


        @cli.command()
        async def provision(path: str):
            Path(path).read_text()
    """)
    cli_file = "repo/svc/app/cli.py"  # relative to the working directory (the fixture chdirs)
    assert (cli_file, "LG101") not in codes_of(str(tree / "svc"))
    assert (cli_file, "LG101") in codes_of("--report-unserved", str(tree / "svc"))
    write(tree / "svc" / "pyproject.toml", "[tool.fastapi-lifeguard]\nreport-unserved = true\n")
    assert (cli_file, "LG101") in codes_of(str(tree / "svc"))


def test_blocking_calls_reach_the_engine(tree):
    write(tree / "svc" / "pyproject.toml", """\
        [tool.fastapi-lifeguard]
        blocking-calls = { "legacy.fetch" = "use legacy.afetch" }
    """)
    assert [c for _, c in codes_of(str(tree / "svc"))] == ["LG101", "LG101"]
    code, out, _ = run("check", "--no-cache", str(tree / "svc"))
    assert "use legacy.afetch" in out


def test_per_file_ignores_are_relative_to_the_config(tree, monkeypatch):
    write(tree / "svc" / "pyproject.toml", """\
        [tool.fastapi-lifeguard.per-file-ignores]
        "app/main.py" = ["LG101"]
    """)
    write(tree / "svc" / "other" / "app" / "main.py", BLOCKING)
    monkeypatch.chdir(tree / "svc" / "other")  # the cwd does not change what the pattern means
    # svc/app/main.py is ignored; svc/other/app/main.py (shown relative to the cwd) is not.
    assert codes_of(str(tree / "svc")) == [("app/main.py", "LG101")]


def test_exclude_relative_to_the_config_and_by_name(tree, monkeypatch):
    write(tree / "svc" / "generated" / "client.py", BLOCKING)
    write(tree / "svc" / "app" / "migrations" / "m1.py", BLOCKING)
    write(tree / "svc" / "pyproject.toml", '[tool.fastapi-lifeguard]\nexclude = ["generated/", "migrations"]\n')
    monkeypatch.chdir(tree / "svc" / "app")
    assert codes_of(str(tree / "svc")) == [("main.py", "LG101")]
    # A file named explicitly (pre-commit passes each one) still honours exclude.
    assert codes_of(str(tree / "svc" / "generated" / "client.py")) == []
    # Also after a directory was walked in the same run.
    both = codes_of(str(tree / "svc" / "app"), str(tree / "svc" / "generated" / "client.py"))
    assert both == [("main.py", "LG101")]


def test_cli_exclude_options(tree, monkeypatch):
    monkeypatch.chdir(tree / "svc")
    write(tree / "svc" / "gen" / "x.py", BLOCKING)
    assert len(codes_of(".")) == 2
    assert codes_of(".", "--exclude", "gen") == [("app/main.py", "LG101")]
    assert codes_of(".", "--extend-exclude", "app/*,gen") == []


# --- every error: one line, exit 2 ----------------------------------------------------------

BAD_CONFIGS = {
    "unknown key": ('selekt = ["LG1"]', "selekt: unknown option"),
    "bad code in select": ('select = ["LG999"]', "select: unknown rule code or prefix 'LG999'"),
    "bad prefix in ignore": ('ignore = ["E501"]', "ignore: unknown rule code or prefix 'E501'"),
    "bad code in extend-select": ('extend-select = ["LGX"]', "extend-select: unknown rule code"),
    "select not a list": ("select = 5", "select: expected a list of rule codes"),
    "select items not strings": ("select = [101]", "select: expected a list of rule codes"),
    "per-file-ignores not a table": ('per-file-ignores = ["x"]', "per-file-ignores: expected a table"),
    "per-file-ignores bad code": ('per-file-ignores = { "tests/*" = ["F401"] }', "unknown rule code or prefix 'F401'"),
    "exclude not a list": ("exclude = 3", "exclude: expected a list of strings"),
    "exclude items not strings": ("exclude = [1]", "exclude: expected strings"),
    "fastapi-version as a float": ("fastapi-version = 0.110", 'fastapi-version: write the version as a string'),
    "fastapi-version garbage": ('fastapi-version = "new"', "fastapi-version: expected a version like 0.115"),
    "fastapi-version wrong type": ("fastapi-version = true", "fastapi-version: expected a version string"),
    "blocking-calls bad name": ('blocking-calls = { "not a name" = "x" }', "blocking-calls: 'not a name' is not a dotted name"),
    "blocking-calls not a table": ("blocking-calls = 1", "blocking-calls: expected a list of strings"),
    "resource-factories bad value": ('resource-factories = { "a.b" = [1] }', "resource-factories: value for 'a.b' must be a string"),
    "offload-wrappers not a number": ('offload-wrappers = { "a.run" = "first" }', "offload-wrappers: position of 'a.run' must be a number"),
    "offload-wrappers negative": ('offload-wrappers = { "a.run" = -1 }', "offload-wrappers: position of 'a.run' must be 0 or more"),
    "background-task-guards bad name": ('background-task-guards = ["my-app.guard"]', "background-task-guards: 'my-app.guard' is not a dotted name"),
}


@pytest.mark.parametrize("body,expected", list(BAD_CONFIGS.values()), ids=list(BAD_CONFIGS))
def test_bad_config_is_one_line_exit_2(tmp_path, monkeypatch, body, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "app.py", "x = 1\n")
    write(tmp_path / "pyproject.toml", f"[tool.fastapi-lifeguard]\n{body}\n")
    code, out, err = run("check", "--no-cache", ".")
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("fastapi-lifeguard: error: ") and "pyproject.toml: [tool.fastapi-lifeguard] " in err
    assert expected in err


@pytest.mark.parametrize("text,expected", [
    ("[tool.fastapi-lifeguard\nselect = 1\n", "invalid TOML"),
    ('[tool]\nfastapi-lifeguard = 5\n', "[tool.fastapi-lifeguard] must be a table"),
    ('tool = "x"\n', "[tool] must be a table"),
])
def test_broken_files_are_one_line_exit_2(tmp_path, monkeypatch, text, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "app.py", "x = 1\n")
    path = tmp_path / "cfg" / "pyproject.toml"
    path.parent.mkdir()
    path.write_text(text)
    code, _, err = run("check", "--no-cache", "--config", str(path), ".")
    assert code == 2 and err.count("\n") == 1 and expected in err, err


def test_invalid_toml_found_by_discovery_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "app.py", "x = 1\n")
    (tmp_path / "pyproject.toml").write_text("[project\n")
    code, _, err = run("check", "--no-cache", ".")
    assert code == 2 and "pyproject.toml: invalid TOML" in err and err.count("\n") == 1


def test_missing_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("check", "--config", str(tmp_path / "nope.toml"), ".")
    assert code == 2 and "nope.toml: no such file" in err and err.count("\n") == 1
    code, _, err = run("check", "--config", str(tmp_path), ".")
    assert code == 2 and "is a directory" in err


@pytest.mark.parametrize("argv,expected", [
    (["--select", "LG1,BOGUS"], "--select: unknown rule code or prefix 'BOGUS'"),
    (["--ignore", "W"], "--ignore: unknown rule code or prefix 'W'"),
    (["--extend-select", "LG7777"], "--extend-select: unknown rule code"),
    (["--fastapi-version", "soon"], "--fastapi-version: expected a version like 0.115"),
])
def test_bad_command_line_values(tmp_path, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "app.py", "x = 1\n")
    code, _, err = run("check", "--no-cache", *argv, ".")
    assert code == 2 and err.count("\n") == 1 and expected in err, err


def test_load_config_raises_config_error(tmp_path):
    path = write(tmp_path / "pyproject.toml", "[tool.fastapi-lifeguard]\nnope = 1\n")
    with pytest.raises(ConfigError, match="nope: unknown option"):
        load_config(str(path))
