"""Blocking calls: canonical dotted name -> category (LG101, LG102, LG105).

A name is the import path a call resolves to after aliases (`from time import sleep as s`
gives `time.sleep`). `*.method` entries match that method on any receiver.
Sync *client objects* (a `requests.Session`, a SQLAlchemy `Session`) live in `clients.py`.
"""

from __future__ import annotations

# category -> (what it is, how to fix it)
CATEGORIES: dict[str, tuple[str, str]] = {
    "http": ("a synchronous HTTP request",
             "use a shared `httpx.AsyncClient` created in the lifespan and `await` it, "
             "or `await asyncio.to_thread(...)`"),
    "sleep": ("a blocking sleep", "use `await asyncio.sleep(...)`"),
    "subprocess": ("a subprocess call that waits",
                   "use `await asyncio.create_subprocess_exec(...)` or `await asyncio.to_thread(...)`"),
    "spawn": ("starting a process: fork and exec, without waiting for the child",
              "use `await asyncio.create_subprocess_exec(...)`, or `await asyncio.to_thread(...)`"),
    "file": ("synchronous file I/O",
             "use `aiofiles`/`anyio.Path`, or `await asyncio.to_thread(...)`"),
    "db": ("a synchronous database driver call",
           "use an async driver (asyncpg, psycopg async, aiosqlite, redis.asyncio, motor) "
           "or `await asyncio.to_thread(...)`; or make the route a plain `def`"),
    "sdk": ("a synchronous SDK/network call",
            "use the library's async client, or `await asyncio.to_thread(...)`"),
    "model": ("a model load from disk",
              "load it once in the lifespan (`await asyncio.to_thread(...)`) and keep it on `app.state`"),
    "input": ("`input()`, which waits for the console", "remove it from server code"),
    "socket": ("a blocking socket/DNS call",
               "use `asyncio.open_connection`/`loop.getaddrinfo`, or `await asyncio.to_thread(...)`"),
}

# Categories that wait on another machine: a chain of helpers ending in one of these is worth
# following further than one ending in a local file or a sleep (LG102, `MAX_NETWORK_DEPTH`).
NETWORK_CATEGORIES: frozenset[str] = frozenset({"http", "db", "sdk", "socket"})

# Calls that load a model from disk: blocking on the loop (LG101) and, per request, a
# resource built again and again (LG301, catalogue/factories.py).
MODEL_LOADERS: tuple[str, ...] = (
    "joblib.load", "torch.load", "*.from_pretrained", "sentence_transformers.SentenceTransformer",
    "transformers.pipeline", "keras.models.load_model", "tensorflow.keras.models.load_model", "spacy.load",
)

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

BLOCKING_CALLS: dict[str, str] = {
    **{f"requests.{verb}": "http" for verb in _HTTP_VERBS},
    **{f"requests.api.{verb}": "http" for verb in _HTTP_VERBS},
    **{f"httpx.{verb}": "http" for verb in _HTTP_VERBS},
    "httpx.stream": "http",
    "urllib.request.urlopen": "http",
    "urllib.request.urlretrieve": "http",
    "urllib3.request": "http",
    "time.sleep": "sleep",
    "subprocess.run": "subprocess",
    "subprocess.call": "subprocess",
    "subprocess.check_call": "subprocess",
    "subprocess.check_output": "subprocess",
    "subprocess.getoutput": "subprocess",
    "subprocess.getstatusoutput": "subprocess",
    "subprocess.Popen": "spawn",
    "os.system": "subprocess",
    "os.popen": "subprocess",
    **{f"os.{name}": "subprocess" for name in (
        "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
        "wait", "waitpid", "wait3", "wait4", "waitid")},
    "os.posix_spawn": "spawn",
    "os.posix_spawnp": "spawn",
    "builtins.open": "file",
    "io.open": "file",
    "os.fdopen": "file",
    "codecs.open": "file",
    **{f"pathlib.Path.{m}": "file" for m in (
        "read_text", "read_bytes", "write_text", "write_bytes", "open")},
    **{f"shutil.{m}": "file" for m in (
        "copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree",
        "make_archive", "unpack_archive")},
    "psycopg2.connect": "db",
    "psycopg.connect": "db",
    "pymysql.connect": "db",
    "MySQLdb.connect": "db",
    "sqlite3.connect": "db",
    "mysql.connector.connect": "db",
    "smtplib.SMTP": "sdk",
    "smtplib.SMTP_SSL": "sdk",
    "ftplib.FTP": "sdk",
    "ftplib.FTP_TLS": "sdk",
    "socket.create_connection": "socket",
    "socket.getaddrinfo": "socket",
    "socket.gethostbyname": "socket",
    "socket.gethostbyname_ex": "socket",
    "socket.gethostbyaddr": "socket",
    **{name: "model" for name in MODEL_LOADERS},
    "pickle.load": "model",
    "dill.load": "model",
    "builtins.input": "input",
}

# Calls that only open a file object: the blocking part is what is done with it afterwards.
# When every use of the object is handed to an offloader (`await asyncio.to_thread(f.read)`),
# the open itself is one local syscall and is not reported.
FILE_OPENERS: frozenset[str] = frozenset({
    "builtins.open", "io.open", "os.fdopen", "codecs.open", "pathlib.Path.open",
})

# Catalogued calls that return at once when an argument is one of these names:
# name -> (position, keyword, names). `os.waitpid(pid, os.WNOHANG)` polls; `open(os.devnull)`
# opens no file on disk. Flags combined with `|` count.
NON_BLOCKING_WITH: dict[str, tuple[int, str, frozenset[str]]] = {
    "os.waitpid": (1, "options", frozenset({"os.WNOHANG"})),
    "os.wait3": (0, "options", frozenset({"os.WNOHANG"})),
    "os.wait4": (1, "options", frozenset({"os.WNOHANG"})),
    "os.waitid": (2, "options", frozenset({"os.WNOHANG"})),
    "builtins.open": (0, "file", frozenset({"os.devnull"})),
    "io.open": (0, "file", frozenset({"os.devnull"})),
}

# One local file opened, read or written: short and bounded, the usual way settings, manifests
# and markers are loaded while the app starts. LG105 does not report these in lifespans and
# startup/shutdown code (no request is waiting yet); a network call, a sleep, a subprocess, a
# model load or a whole-tree copy/removal there still is. Under traffic LG101/LG102 report them.
SINGLE_FILE_IO: frozenset[str] = FILE_OPENERS | frozenset({
    f"pathlib.Path.{m}" for m in ("read_text", "read_bytes", "write_text", "write_bytes")
})
