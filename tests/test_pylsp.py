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


def test_pylsp_flake8_publishes_lg101(tmp_path):
    path = tmp_path / "main.py"
    path.write_text(SOURCE)
    flake8 = Path(sys.executable).with_name("flake8")
    plugins = {
        "flake8": {"enabled": True, "select": ["LG"], **({"executable": str(flake8)} if flake8.exists() else {})},
        "pyflakes": {"enabled": False}, "pycodestyle": {"enabled": False}, "mccabe": {"enabled": False},
        "pylint": {"enabled": False}, "autopep8": {"enabled": False}, "yapf": {"enabled": False},
    }
    client = LspClient(tmp_path)
    try:
        deadline = time.monotonic() + TIMEOUT
        ident = client.send("initialize", {
            "processId": os.getpid(),
            "rootUri": tmp_path.as_uri(),
            "capabilities": {"textDocument": {"publishDiagnostics": {}}},
            "initializationOptions": {"pylsp": {"plugins": plugins}},
        }, request=True)
        reply = client.wait_for(lambda m: m.get("id") == ident, deadline)
        assert reply is not None and "result" in reply, "pylsp did not answer initialize"
        client.send("initialized", {})
        client.send("workspace/didChangeConfiguration", {"settings": {"pylsp": {"plugins": plugins}}})
        uri = path.as_uri()
        client.send("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}})

        def lg_diagnostics(message) -> bool:
            if message.get("method") != "textDocument/publishDiagnostics":
                return False
            params = message["params"]
            return params["uri"] == uri and any(d.get("code", "").startswith("LG") for d in params["diagnostics"])

        message = client.wait_for(lg_diagnostics, deadline)
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
