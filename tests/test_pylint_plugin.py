"""The pylint plugin: registration next to every pylint checker and extension, the message
id scheme, options from the command line and config files, pragmas, cross-module analysis."""

from __future__ import annotations

import os
import re
import textwrap
from collections import defaultdict

import pytest

pytest.importorskip("pylint")

from fixtures_support import FIXTURES, settings_key, single_fixtures  # noqa: E402
from pylint import checkers, extensions  # noqa: E402
from pylint.lint import PyLinter  # noqa: E402
from pylint_support import (PLUGIN, batches, default_symbols, lifeguard_by_file, run_pylint,  # noqa: E402
                            settings_args)

from fastapi_lifeguard.codes import BY_CODE, RULES  # noqa: E402
from fastapi_lifeguard.pylint_plugin import BY_CODE_SYMBOL, message_id  # noqa: E402
from fastapi_lifeguard.rules import RULE_MODULES  # noqa: E402

IMPLEMENTED = sorted({code for module in RULE_MODULES for code in module.CODES})

# Checker ids pylint keeps for itself inside the plugin range, and those of known plugins.
TAKEN_IDS = {"55", "56", "60", "61", "62", "63", "90", "51", "64"}


def _full_linter() -> PyLinter:
    linter = PyLinter()
    checkers.initialize(linter)
    extensions.initialize(linter)  # every optional extension shipped with pylint
    linter.load_plugin_modules([PLUGIN])
    return linter


# ---- registration and message ids ---------------------------------------------------------

def test_consistent_with_every_pylint_checker_and_extension():
    linter = _full_linter()
    owners = defaultdict(set)
    for checker in linter.get_checkers():
        checker.check_consistency()  # one checker id per checker
        for message in checker.messages:
            if not message.shared:
                owners[message.msgid[1:3]].add(checker.name)
    # Registering already refused duplicate msgids and symbols; the checker id is ours alone.
    ours = [c for c in linter.get_checkers() if c.name == "fastapi-lifeguard"]
    assert len(ours) == 1
    assert owners["57"] == {"fastapi-lifeguard"}
    assert "57" not in TAKEN_IDS


def test_one_message_per_rule_with_the_rule_name_and_code():
    linter = _full_linter()
    numbers = set()
    for rule in RULES:
        msgid = message_id(rule)
        (definition,) = linter.msgs_store.get_message_definitions(msgid)
        assert definition.symbol == BY_CODE_SYMBOL[rule.code]
        assert definition.symbol == rule.name or rule.code == "LG001"
        assert definition.msg.startswith(rule.code + " ")
        assert msgid[0] == ("E" if rule.severity == "error" else "W")
        assert definition.default_enabled == rule.default
        assert msgid[1:] not in numbers
        numbers.add(msgid[1:])


def test_message_ids_are_stable():
    """Released ids never change (module docstring); a few pinned here."""
    pinned = {"LG001": "E5701", "LG101": "E5721", "LG102": "E5722", "LG105": "W5725",
              "LG201": "W5741", "LG205": "W5745", "LG209": "E5749", "LG301": "W5761",
              "LG401": "W5781", "LG403": "E5783"}
    for code, msgid in pinned.items():
        assert message_id(BY_CODE[code]) == msgid


def test_lg001_does_not_take_pylints_syntax_error():
    assert BY_CODE_SYMBOL["LG001"] == "lifeguard-syntax-error"


def test_default_off_rules_are_off_in_pylint():
    linter = _full_linter()
    linter.load_default_plugins()
    for rule in RULES:
        assert linter.is_message_enabled(message_id(rule)) == rule.default, rule.code


# ---- pragmas ------------------------------------------------------------------------------

def _pragma_cases(tmp_path):
    """Per implemented rule, one fixture line it is reported on, silenced two ways."""
    cases = []
    for code in IMPLEMENTED:
        fixture = next(f for f in single_fixtures() if any(c == code for _, c in f.expected))
        line = min(n for n, c in fixture.expected if c == code)
        symbol = BY_CODE_SYMBOL[code]
        with open(fixture.path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        target = lines[line - 1]
        marker = re.search(r"#\s*error:.*$", target)
        assert marker, (fixture.name, line)
        same_line = list(lines)
        same_line[line - 1] = target[: marker.start()] + f"# pylint: disable={symbol}"
        indent = re.match(r"\s*", target).group(0)
        next_line = lines[: line - 1] + [f"{indent}# pylint: disable-next={symbol}"] + lines[line - 1:]
        for kind, text, at, shift in (("disable", same_line, line, 0), ("disable_next", next_line, line + 1, 1)):
            path = tmp_path / f"{code.lower()}_{kind}.py"
            path.write_text("\n".join(text) + "\n", encoding="utf-8")
            others = {(n + (shift if n >= line else 0), c) for n, c in fixture.expected if (n, c) != (line, code)}
            cases.append((str(path), code, at, others, fixture))
    return cases


def test_disable_pragmas_silence_every_message(tmp_path):
    cases = _pragma_cases(tmp_path)
    by_settings = defaultdict(list)
    for case in cases:
        by_settings[settings_key(case[4])].append(case)
    for key, group in by_settings.items():
        settings = dict(key)
        selected = tuple(c.strip() for c in settings.get("select", "").split(",") if c.strip())
        args = [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=" + ",".join(default_symbols(selected)),
                *settings_args({k: v for k, v in settings.items() if k != "select"})]
        found = {}
        for batch in batches([c[0] for c in group]):
            found.update(lifeguard_by_file(run_pylint(batch, args)))
        for path, code, line, others, _ in group:
            got = found.get(os.path.abspath(path), set())
            assert (line, code) not in got, f"{os.path.basename(path)}: pragma ignored"
            assert others <= got, f"{os.path.basename(path)}: lost {sorted(others - got)}"


# ---- options ------------------------------------------------------------------------------

APP = textwrap.dedent('''\
    import legacy_sdk
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/")
    async def route():
        legacy_sdk.fetch_all()
        return legacy_sdk.offload(legacy_sdk.fetch_all())
''')


def _project(tmp_path, config_name: str, config: str):
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / config_name).write_text(textwrap.dedent(config), encoding="utf-8")
    return str(tmp_path / "app.py")


def _codes(messages):
    return sorted((m["line"], m["symbol"], m["message"].split(" ", 1)[0]) for m in messages)


def test_options_on_the_command_line(tmp_path):
    path = _project(tmp_path, "unused.cfg", "")
    messages = run_pylint([path], [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=fastapi-lifeguard",
                                   "--lifeguard-blocking-calls=legacy_sdk.fetch_all=use the async SDK",
                                   "--lifeguard-offload-wrappers=legacy_sdk.offload=0",
                                   "--lifeguard-fastapi-version=0.110"])
    assert _codes(messages) == [(9, "blocking-call-in-async", "LG101"), (10, "offload-called-not-passed", "LG104")]
    assert "use the async SDK" in messages[0]["message"]


def test_options_from_pyproject(tmp_path):
    path = _project(tmp_path, "pyproject.toml", f'''\
        [tool.pylint.main]
        load-plugins = ["{PLUGIN}"]

        [tool.pylint."messages control"]
        disable = ["all"]
        enable = ["fastapi-lifeguard"]

        [tool.pylint.fastapi-lifeguard]
        lifeguard-fastapi-version = "0.115"
        lifeguard-offload-wrappers = ["legacy_sdk.offload=0"]

        [tool.pylint.fastapi-lifeguard.lifeguard-blocking-calls]
        "legacy_sdk.fetch_all" = "use the async SDK"
    ''')
    messages = run_pylint([path], [], cwd=str(tmp_path), rcfile=True)
    assert _codes(messages) == [(9, "blocking-call-in-async", "LG101"), (10, "offload-called-not-passed", "LG104")]
    assert "use the async SDK" in messages[0]["message"]


def test_options_from_pylintrc(tmp_path):
    path = _project(tmp_path, ".pylintrc", f'''\
        [MAIN]
        load-plugins={PLUGIN}

        [MESSAGES CONTROL]
        disable=all
        enable=blocking-call-in-async

        [FASTAPI-LIFEGUARD]
        lifeguard-blocking-calls=legacy_sdk.render,
                                 legacy_sdk.fetch_all=use the async SDK
    ''')
    messages = run_pylint([path], [], cwd=str(tmp_path), rcfile=True)
    assert _codes(messages) == [(9, "blocking-call-in-async", "LG101"), (10, "blocking-call-in-async", "LG101")]


def test_a_bad_option_is_a_usage_error(tmp_path):
    import subprocess
    import sys

    path = _project(tmp_path, "unused.cfg", "")
    proc = subprocess.run([sys.executable, "-m", "pylint", "--rcfile=" + os.devnull, f"--load-plugins={PLUGIN}",
                           "--lifeguard-fastapi-version=new", path], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 32
    assert "fastapi-lifeguard: pylint option --lifeguard-fastapi-version: expected a version" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---- cross-module analysis ----------------------------------------------------------------

def _write(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_cross_module_helper_dependency_and_fallbacks(tmp_path):
    _write(tmp_path, {
        "shop/__init__.py": "",
        "shop/clients.py": '''\
            import requests
            import time


            def fetch(url):
                return requests.get(url).json()


            def pause():
                time.sleep(1)
            ''',
        "shop/services.py": '''\
            from .clients import fetch


            def price(item):
                return fetch(f"https://prices.example.com/{item}")
            ''',
        "shop/deps.py": '''\
            from typing import Iterator

            from sqlalchemy.orm import Session


            def get_db() -> Iterator[Session]:
                db = Session()
                try:
                    yield db
                finally:
                    db.close()
            ''',
        "shop/broken.py": "def oops(:\n",
        "shop/main.py": '''\
            from fastapi import Depends, FastAPI

            from . import clients
            from .broken import oops
            from .deps import get_db
            from .services import price
            from .missing import nowhere
            import shop.clients as aliased

            app = FastAPI()


            @app.get("/price")
            async def read_price(item: str, db=Depends(get_db)):
                clients.pause()
                aliased.pause()
                oops()
                nowhere()
                db.execute("select 1")
                return price(item)
            ''',
    })
    main = str(tmp_path / "shop" / "main.py")
    messages = [m for m in run_pylint([main], [f"--load-plugins={PLUGIN}", "--disable=all",
                                                "--enable=fastapi-lifeguard"])]
    assert _codes(messages) == [
        (15, "blocking-call-via-helper", "LG102"),
        (16, "blocking-call-via-helper", "LG102"),
        (19, "blocking-sync-client-in-async", "LG103"),
        (20, "blocking-call-via-helper", "LG102"),
    ]
    assert "price() → fetch() → requests.get (clients.py:6)" in messages[-1]["message"]
    assert all(m["obj"] == "read_price" for m in messages)


def test_a_package_shadows_the_module_of_the_same_name(tmp_path):
    """`shop/helpers/__init__.py` beside `shop/helpers.py`: Python (and astroid) import the
    package, so its helpers are the ones that block; the module is never imported."""
    _write(tmp_path, {
        "shop/__init__.py": "",
        "shop/helpers.py": '''\
            import requests


            def fetch(url):
                return requests.get(url).json()


            def wait():
                return None
            ''',
        "shop/helpers/__init__.py": '''\
            import time


            def fetch(url):
                return url


            def wait():
                time.sleep(1)
            ''',
        "shop/main.py": '''\
            from fastapi import FastAPI

            from .helpers import fetch, wait

            app = FastAPI()


            @app.get("/")
            async def handler():
                wait()
                return fetch("https://example.com")
            ''',
    })
    main = str(tmp_path / "shop" / "main.py")
    messages = run_pylint([main], [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=fastapi-lifeguard"])
    assert _codes(messages) == [(10, "blocking-call-via-helper", "LG102")]


def test_single_file_when_imports_do_not_resolve(tmp_path):
    """Third-party and standard-library modules are never modelled: only project files."""
    _write(tmp_path, {"solo.py": '''\
        import json
        import time

        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/")
        async def route():
            time.sleep(1)
            return json.dumps({})
        '''})
    messages = run_pylint([str(tmp_path / "solo.py")], [f"--load-plugins={PLUGIN}", "--disable=all",
                                                         "--enable=fastapi-lifeguard"])
    assert _codes(messages) == [(11, "blocking-call-in-async", "LG101")]


def test_stdin_is_checked_from_the_given_text(tmp_path):
    """`--from-stdin` (what editor integrations use): the buffer, not the file on disk."""
    import subprocess
    import sys

    path = tmp_path / "buffer.py"
    path.write_text("async def f():\n    pass\n", encoding="utf-8")
    buffer = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    proc = subprocess.run([sys.executable, "-m", "pylint", "--rcfile=" + os.devnull, f"--load-plugins={PLUGIN}",
                           "--disable=all", "--enable=fastapi-lifeguard", "--output-format=json2",
                           "--from-stdin", str(path)], input=buffer, capture_output=True, text=True, timeout=120)
    import json

    messages = json.loads(proc.stdout)["messages"]
    assert _codes(messages) == [(5, "blocking-call-in-async", "LG101")]


def test_namespace_package_through_source_roots(tmp_path):
    """A package without __init__.py is found the way pylint finds it (--source-roots)."""
    _write(tmp_path, {
        "src/svc/helpers.py": '''\
            import time


            def wait():
                time.sleep(1)
            ''',
        "src/svc/main.py": '''\
            from fastapi import FastAPI
            from svc.helpers import wait

            app = FastAPI()


            @app.get("/")
            async def handler():
                wait()
            ''',
    })
    main = str(tmp_path / "src" / "svc" / "main.py")
    args = [f"--load-plugins={PLUGIN}", "--disable=all", "--enable=fastapi-lifeguard"]
    assert _codes(run_pylint([main], args + [f"--source-roots={tmp_path / 'src'}"])) == [
        (9, "blocking-call-via-helper", "LG102")]
    assert _codes(run_pylint([main], args)) == []  # not importable as `svc`: single-file result


def test_cross_module_failure_falls_back_to_single_file(tmp_path, monkeypatch):
    """Whatever goes wrong while following imports, the file's own findings still come."""
    from pylint.lint import Run
    from pylint.reporters import CollectingReporter

    from fastapi_lifeguard import pylint_plugin

    def broken(self, dotted):
        raise RuntimeError("resolver bug")

    monkeypatch.setattr(pylint_plugin.ModelCache, "by_name", broken)
    _write(tmp_path, {"pkg/__init__.py": "", "pkg/util.py": "def helper():\n    return 1\n",
                      "pkg/app.py": '''\
        import time

        from pkg.util import helper


        async def handler():
            helper()
            time.sleep(1)
        '''})
    reporter = CollectingReporter()
    Run(["--rcfile=" + os.devnull, "--persistent=n", f"--load-plugins={PLUGIN}", "--disable=all",
         "--enable=fastapi-lifeguard", str(tmp_path / "pkg" / "app.py")], reporter=reporter, exit=False)
    assert [(m.line, m.symbol) for m in reporter.messages] == [(8, "blocking-call-in-async")]


def test_docs_list_every_message():
    docs = os.path.join(os.path.dirname(FIXTURES), "docs", "pylint.md")
    with open(docs, encoding="utf-8") as handle:
        text = handle.read()
    for rule in RULES:
        assert re.search(rf"\| {message_id(rule)} \| `{BY_CODE_SYMBOL[rule.code]}`.*\| {rule.code} \|", text), rule.code


def _run_in_process(args):
    from pylint.lint import Run
    from pylint.reporters import CollectingReporter

    reporter = CollectingReporter()
    Run(["--rcfile=" + os.devnull, "--persistent=n", f"--load-plugins={PLUGIN}", "--disable=all",
         "--enable=fastapi-lifeguard", *args], reporter=reporter, exit=False)
    return reporter.messages


def test_each_file_is_modelled_once_per_run(monkeypatch):
    """The chain project with the project view off (imports followed through astroid): main
    imports three siblings that pylint visits too; five files, five parses, however many
    modules import them."""
    from fastapi_lifeguard import pylint_plugin

    built = []
    real = pylint_plugin._model

    def counting(data, path, module, is_package):
        built.append(os.path.relpath(path, FIXTURES))
        return real(data, path, module, is_package)

    monkeypatch.setattr(pylint_plugin, "_model", counting)
    chain = os.path.join(FIXTURES, "projects", "chain", "app")
    messages = _run_in_process(["--lifeguard-project=off", chain])
    assert sorted(built) == sorted(set(built)) and len(built) == 5, built
    assert {m.symbol for m in messages} == {"blocking-call-via-helper", "blocking-sync-client-in-async"}


def test_lg001_when_the_engine_cannot_model_a_file(tmp_path, monkeypatch):
    from fastapi_lifeguard import pylint_plugin
    from fastapi_lifeguard.findings import Finding

    monkeypatch.setattr(pylint_plugin, "build",
                        lambda tree, path, module, is_package: Finding(path, 1, 0, "LG001", "cannot parse: too deep"))
    path = tmp_path / "deep.py"
    path.write_text("x = 1\n", encoding="utf-8")
    messages = _run_in_process([str(path)])
    assert [(m.msg_id, m.symbol, m.msg) for m in messages] == [
        ("E5701", "lifeguard-syntax-error", "LG001 cannot parse: too deep")]
