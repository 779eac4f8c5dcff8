"""Editors: pylsp with its flake8 plugin publishes LG diagnostics for an open document.

A real `pylsp` over stdio, spoken to in LSP JSON-RPC: initialize, open a document with
`time.sleep` in an `async def` route, wait for textDocument/publishDiagnostics.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pylsp  # noqa: F401 - a test dependency: fail loudly when it is missing

SOURCE = textwrap.dedent("""\
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/")
    async def index():
        time.sleep(1)
        return {"ok": True}
""")
TIMEOUT = 60.0


class LspClient:
    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "pylsp"], cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, method: str, params: dict, request: bool = False) -> int | None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        ident = None
        if request:
            self.next_id += 1
            ident = message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()
        return ident

    def wait_for(self, predicate, deadline: float):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                return None
            if predicate(message):
                return message

    def close(self) -> None:
        try:
            ident = self.send("shutdown", {}, request=True)
            self.wait_for(lambda m: m.get("id") == ident, time.monotonic() + 5)
            self.send("exit", {})
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


PLUGINS = {
    "pyflakes": {"enabled": False}, "pycodestyle": {"enabled": False}, "mccabe": {"enabled": False},
    "pylint": {"enabled": False}, "autopep8": {"enabled": False}, "yapf": {"enabled": False},
}


def _start(root: Path) -> LspClient:
    """A pylsp on `root` with only its flake8 plugin, selecting LG, initialised."""
    flake8 = Path(sys.executable).with_name("flake8")
    plugins = {**PLUGINS, "flake8": {"enabled": True, "select": ["LG"],
                                     **({"executable": str(flake8)} if flake8.exists() else {})}}
    client = LspClient(root)
    ident = client.send("initialize", {
        "processId": os.getpid(),
        "rootUri": root.as_uri(),
        "capabilities": {"textDocument": {"publishDiagnostics": {}}},
        "initializationOptions": {"pylsp": {"plugins": plugins}},
    }, request=True)
    reply = client.wait_for(lambda m: m.get("id") == ident, time.monotonic() + TIMEOUT)
    assert reply is not None and "result" in reply, "pylsp did not answer initialize"
    client.send("initialized", {})
    client.send("workspace/didChangeConfiguration", {"settings": {"pylsp": {"plugins": plugins}}})
    return client


def _diagnostics_for(uri: str, lg: bool, version: int | None = None):
    """A predicate: diagnostics published for `uri` (of that document version, when given: pylsp
    also clears a closed document's diagnostics, with no version), with (lg) or without (not lg)
    an LG code."""
    def match(message) -> bool:
        if message.get("method") != "textDocument/publishDiagnostics" or message["params"]["uri"] != uri:
            return False
        if version is not None and message["params"].get("version") != version:
            return False
        return lg == any(d.get("code", "").startswith("LG") for d in message["params"]["diagnostics"])
    return match


def test_pylsp_flake8_publishes_lg101(tmp_path):
    path = tmp_path / "main.py"
    path.write_text(SOURCE)
    client = _start(tmp_path)
    try:
        deadline = time.monotonic() + TIMEOUT
        uri = path.as_uri()
        client.send("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}})
        message = client.wait_for(_diagnostics_for(uri, lg=True), deadline)
        assert message is not None, "no LG diagnostic published within the timeout"
        diagnostics = message["params"]["diagnostics"]
        (lg101,) = [d for d in diagnostics if d.get("code") == "LG101"]
        assert lg101["source"] == "flake8"
        assert "time.sleep" in lg101["message"]
        assert lg101["range"]["start"] == {"line": 9, "character": 4}  # 0-based: line 10, col 5
        # Only our plugin: pyflakes and pycodestyle are off.
        assert all(d.get("code", "").startswith("LG") for d in diagnostics)
    finally:
        client.close()


ROUTE = textwrap.dedent("""\
    from fastapi import FastAPI

    from shop.services import convert

    app = FastAPI()


    @app.get("/convert")
    async def convert_route(amount: float):
        return convert(amount)
""")
SERVICES = "from shop.clients import fetch_rate\n\n\ndef convert(amount):\n    return amount * fetch_rate()\n"
CLIENTS = "import requests\n\n\ndef fetch_rate():\n    return requests.get('https://rates').json()['EUR']\n"


def test_pylsp_sees_the_project_and_follows_helper_edits(tmp_path):
    """The route's blocking call is two helpers away in other modules (SPEC §5): the diagnostic
    arrives on the open route file; once the helper stops blocking on disk, re-opening the route
    file clears it."""
    root = tmp_path / "proj"
    (root / "shop").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "services.py").write_text(SERVICES)
    (root / "shop" / "clients.py").write_text(CLIENTS)
    route = root / "shop" / "main.py"
    route.write_text(ROUTE)
    uri = route.as_uri()
    client = _start(root)
    try:
        client.send("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": ROUTE}})
        message = client.wait_for(_diagnostics_for(uri, lg=True, version=1), time.monotonic() + TIMEOUT)
        assert message is not None, "no LG diagnostic published within the timeout"
        (lg102,) = message["params"]["diagnostics"]
        assert lg102["code"] == "LG102" and "convert() → fetch_rate() → requests.get" in lg102["message"]
        assert lg102["range"]["start"] == {"line": 9, "character": 11}

        (root / "shop" / "clients.py").write_text("def fetch_rate():\n    return 1.1\n")
        client.send("textDocument/didClose", {"textDocument": {"uri": uri}})
        client.send("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": 2, "text": ROUTE}})
        message = client.wait_for(_diagnostics_for(uri, lg=False, version=2), time.monotonic() + TIMEOUT)
        assert message is not None, "the LG102 diagnostic stayed after the helper was fixed"
    finally:
        client.close()
