"""Arguments and call shapes that change whether a catalogued blocking call blocks (LG101, LG105).

Which calls block, and why, is the library model (`catalogue/libraries.py`: records with
`blocks`, classes with `connects` or `io_methods`). Names are the import paths calls resolve to.
"""

from __future__ import annotations

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

# In-memory file objects: a catalogued 'disk' call whose file argument (the first positional
# one, else a keyword) is one of these reads or writes memory, not a file: `img.save(buf)` with
# `buf = io.BytesIO()`, `Image.open(io.BytesIO(data))`, `pd.read_csv(io.StringIO(text))`,
# `PdfWriter.write(buf)`. The types are library records (curated `io.BytesIO`, `io.StringIO`).
IN_MEMORY_FILES: frozenset[str] = frozenset({"io.BytesIO", "io.StringIO"})

# Kernel pseudo-filesystems: a 'disk' call whose file argument is a string starting with one of
# these reads what the kernel generates in memory, not a disk (`open("/sys/fs/cgroup/memory.current")`,
# `/proc/meminfo`; docling-serve 1.38.2's memory endpoint, 2 false positives). procfs and sysfs
# (Linux Documentation/filesystems/proc.rst, sysfs.rst) have no backing store.
PSEUDO_FILE_PREFIXES: tuple[str, ...] = ("/proc/", "/sys/")
