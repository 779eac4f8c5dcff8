"""The library model: loading, merging, user records from every frontend, messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastapi_lifeguard.catalogue import factories, libraries
from fastapi_lifeguard.catalogue.libraries import RecordError, load, parse_record, shipped
from fastapi_lifeguard.engine import check_source
from fastapi_lifeguard.options import settings_from_mapping
from fastapi_lifeguard.settings import ConfigError

DATA = Path(libraries.DATA)


def test_shipped_data_loads_and_is_well_formed():
    derived = json.loads((DATA / "derived.json").read_text())
    assert derived["schema"] == libraries.SCHEMA
    names = [r["name"] for r in derived["records"]]
    assert names == sorted(names) and len(names) == len(set(names)), "derived.json: sorted, one record per name"
    model = shipped()
    assert model is shipped(), "loaded once per process"
    for name, record in model.records.items():
        assert name == record.name
        assert not record.async_release - set(record.release), name
        for alt in (record.async_alt,):
            assert not alt or alt.isidentifier() or alt in model.records or "." in alt, name


def test_curated_names_are_unique():
    text = (DATA / "curated.toml").read_text()
    names = [line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith("name = ")]
    assert len(names) == len(set(names))


def test_every_pool_kind_has_words():
    assert set(factories.KINDS) == set(libraries.POOLS)


def test_curated_replaces_derived(tmp_path):
    (tmp_path / "derived.json").write_text(json.dumps({"schema": 1, "derived_from": {"acme": "1.0"}, "records": [
        {"name": "acme.fetch", "dist": "acme", "kind": "function", "blocks": "network"},
        {"name": "acme.parse", "dist": "acme", "kind": "function", "blocks": "cpu"},
    ]}))
    (tmp_path / "curated.toml").write_text(textwrap.dedent("""\
        [[records]]
        name = "acme.parse"
        dist = "acme"
        kind = "function"
        why = "pure Python on a small string: not worth a thread"
    """))
    model = load(str(tmp_path))
    assert model.derived_from == {"acme": "1.0"}
    assert set(model.blocking) == {"acme.fetch"}


def test_aliases_rename_types_but_not_functions():
    model = shipped()
    assert model.type_aliases["sqlmodel.Session"] == "sqlalchemy.orm.Session"
    assert "requests.api.get" not in model.type_aliases
    assert "requests.api.get" in model.blocking


@pytest.mark.parametrize("data, expected", [
    ({"kind": "class"}, "needs a dotted `name`"),
    ({"name": "a.b", "kind": "module"}, "kind must be one of"),
    ({"name": "a.b", "blocks": "slow"}, "blocks must be one of"),
    ({"name": "a.B", "kind": "class", "io_methods": {"get": "fast"}}, "io_methods.get must be one of"),
    ({"name": "a.B", "kind": "class", "release": "close"}, "release must be a list of names"),
    ({"name": "a.B", "kind": "class", "release": ["close"], "async_release": ["aclose"]}, "subset of release"),
    ({"name": "a.B", "kind": "class", "pool": "socket"}, "pool must be one of"),
    ({"name": "a.B", "kind": "class", "returns": {"x": 3}}, "returns must be"),
    ({"name": "a.b", "colour": "red"}, "unknown key 'colour'"),
    ({"name": "a.B", "kind": "class", "io_methods": {"dump": "disk"}, "optional_file": {"save": "path"}},
     "optional_file names 'save', which is not in io_methods"),
    ({"name": "a.B", "kind": "class", "io_methods": {"dump": "disk"}, "optional_file": {"dump": 0}},
     "optional_file must be a table"),
])
def test_bad_records_say_what_is_wrong(data, expected):
    with pytest.raises(RecordError, match=expected):
        parse_record(data)


def test_io_methods_star_and_exceptions():
    record = parse_record({"name": "a.C", "kind": "class", "io_methods": {"*": "network", "hash": "cpu"},
                           "non_io_methods": ["close"]})
    assert record.io("get") == "network" and record.io("hash") == "cpu"
    assert record.io("close") is None and record.io("_private") is None


ROUTE = textwrap.dedent("""\
    from fastapi import FastAPI
    from huggingface_hub import InferenceClient
    import hashlib

    app = FastAPI()
    hf = InferenceClient()


    @app.post("/chat")
    async def chat():
        hashlib.pbkdf2_hmac("sha256", b"p", b"s", 1000)
        return hf.chat_completion(messages=[])
""")

HF = [{"name": "huggingface_hub.InferenceClient", "kind": "class", "io_methods": {"chat_completion": "network"},
       "async_alt": "huggingface_hub.AsyncInferenceClient"}]


def test_messages_name_the_library_and_the_alternative():
    settings = settings_from_mapping({"libraries": json.dumps(HF)})
    messages = {f.code: f.message for f in check_source(ROUTE, "app.py", settings)}
    assert messages["LG103"] == ("`hf.chat_completion()` (huggingface_hub InferenceClient, network) blocks the event loop "
                                 "in async route `chat`; use `AsyncInferenceClient` and `await` it")
    assert "(hashlib, CPU-bound)" in messages["LG101"]
    # without the record the call is unknown: the model, not the rule, knows the SDK
    assert "LG103" not in {f.code for f in check_source(ROUTE, "app.py")} or "huggingface_hub.InferenceClient" in shipped().clients


PDF = textwrap.dedent("""\
    import io
    from fastapi import FastAPI
    from pypdf import PdfReader, PdfWriter

    app = FastAPI()


    @app.post("/pdf")
    async def pdf(path: str, data: bytes):
        reader = PdfReader(path)
        in_memory = PdfReader(io.BytesIO(data))
        writer = PdfWriter()
        buffer = io.BytesIO()
        writer.write(buffer)
        writer.write(path + ".out")
        return reader, in_memory, buffer
""")


def test_file_calls_say_disk_and_skip_in_memory_buffers():
    # corpus triage (skyvern, cognee): PdfReader said "network", PdfWriter.write "subprocess",
    # and writing into an io.BytesIO was reported as file I/O.
    found = sorted((f.line, f.code, f.message.split(" blocks ")[0]) for f in check_source(PDF, "app.py"))
    assert found == [(10, "LG101", "`pypdf.PdfReader` (pypdf PdfReader, disk)"),
                     (15, "LG103", "`writer.write()` (pypdf PdfWriter, disk)")]


LITELLM = """\
import litellm
from fastapi import FastAPI

app = FastAPI()


@app.post("/chat")
async def chat(q: str):
    text = litellm.text_completion(model="gpt-4o", prompt=q)
    return litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": text}])
"""


def test_litellm_calls_say_network():
    # The pin derives litellm's retry sleep only (its provider handlers are outside the pin's
    # include list): the curated records say network, as litellm/llms/custom_httpx shows.
    found = sorted((f.line, f.message.split(" in async route")[0]) for f in check_source(LITELLM, "app.py"))
    assert found == [(9, "`litellm.text_completion` (litellm, network) blocks the event loop"),
                     (10, "`litellm.completion` (litellm, network) blocks the event loop")]


def test_bad_library_option_is_a_config_error():
    with pytest.raises(ConfigError, match="libraries: library 'x.y': blocks must be one of"):
        settings_from_mapping({"libraries": '[{"name": "x.y", "blocks": "slow"}]'})
    with pytest.raises(ConfigError, match="libraries: expected a JSON array"):
        settings_from_mapping({"libraries": "[{"})


PYPROJECT = textwrap.dedent("""\
    [tool.fastapi-lifeguard]

    [[tool.fastapi-lifeguard.libraries]]
    name = "acme.Client"
    kind = "class"
    io_methods = { fetch = "network" }
    pool = "sdk"
    async_alt = "acme.AsyncClient"

    [[tool.fastapi-lifeguard.libraries]]
    name = "acme.ping"
    blocks = "network"
""")
APP = textwrap.dedent("""\
    import acme
    from fastapi import FastAPI

    app = FastAPI()
    shared = acme.Client()


    @app.get("/")
    async def route():
        acme.ping()
        shared.fetch()
        return acme.Client()
""")
EXPECTED = [(10, "LG101"), (11, "LG103"), (12, "LG301")]


def _project(tmp_path: Path, pyproject: str = PYPROJECT) -> Path:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", *argv], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)


def _codes(text: str, marker: str = ": ") -> list[tuple[int, str]]:
    found = []
    for line in text.splitlines():
        if "LG" in line and line.startswith("app.py:"):
            row = int(line.split(":")[1])
            code = next(word for word in line.replace(":", " ").split() if word.startswith("LG") and word[2:].isdigit())
            if code != "LG302":  # main's shared-client rule: not what this test is about
                found.append((row, code))
    return sorted(found)


def test_pyproject_records_reach_every_frontend(tmp_path):
    project = _project(tmp_path)
    cli = _run(project, "fastapi_lifeguard.cli", "check", "--no-cache", "app.py")
    assert _codes(cli.stdout) == EXPECTED, cli.stderr
    flake8 = _run(project, "flake8", "--select=LG", "app.py")
    assert _codes(flake8.stdout) == EXPECTED, flake8.stderr
    pylint = _run(project, "pylint", "--load-plugins=fastapi_lifeguard.pylint_plugin", "--disable=all",
                  "--enable=fastapi-lifeguard", "--msg-template={path}:{line}:{column}: {msg}", "app.py")
    assert _codes(pylint.stdout) == EXPECTED, pylint.stderr
    # the CLI's --isolated reads no configuration: without the records nothing is known
    assert _codes(_run(project, "fastapi_lifeguard.cli", "check", "--no-cache", "--isolated", "app.py").stdout) == []


def test_bad_pyproject_record_is_one_line_exit_2(tmp_path):
    project = _project(tmp_path, PYPROJECT.replace('blocks = "network"', 'blocks = "slow"'))
    cli = _run(project, "fastapi_lifeguard.cli", "check", "--no-cache", "app.py")
    assert cli.returncode == 2
    lines = cli.stderr.strip().splitlines()
    assert len(lines) == 1 and "[tool.fastapi-lifeguard] libraries: library 'acme.ping': blocks must be one of" in lines[0]
    pylint = _run(project, "pylint", "--load-plugins=fastapi_lifeguard.pylint_plugin", "--disable=all",
                  "--enable=fastapi-lifeguard", "app.py")
    assert pylint.returncode == 32 and "library 'acme.ping': blocks must be one of" in pylint.stderr


def test_model_is_loaded_lazily():
    code = ("import fastapi_lifeguard.engine, fastapi_lifeguard.flake8_plugin, fastapi_lifeguard.cli\n"
            "from fastapi_lifeguard.catalogue.libraries import shipped\n"
            "print(shipped.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "0", out.stderr


def test_libraries_command_lists_the_model(tmp_path, monkeypatch, capsys):
    from fastapi_lifeguard.cli import main

    project = _project(tmp_path)
    monkeypatch.chdir(project)
    assert main(["libraries", "acme"]) == 0
    out = capsys.readouterr().out
    assert "acme.Client (class, ?): io_methods fetch (network); pool sdk; async_alt acme.AsyncClient" in out
    assert main(["libraries", "--isolated", "acme"]) == 0
    assert capsys.readouterr().out.startswith("0 records")
    assert main(["libraries", "--output-format", "json", "hashlib.pbkdf2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["blocks"] for r in data["records"]] == ["cpu"]
