"""Where coroutines run outside the server: command-line entry points and fresh event loops.

A coroutine that only ever runs in an event loop of its own (a CLI command, `asyncio.run(main())`
in a script) makes nobody wait when it blocks: no request shares that loop (LG1xx stay silent).
"""

from __future__ import annotations

# Callables that start a new event loop and run a coroutine to completion: name -> position of
# the coroutine (`asyncio.run(main())`) or coroutine function (`anyio.run(main, arg)`).
# `*.method` entries match that method on any receiver (`loop.run_until_complete(main())`: a
# running loop refuses it, so the loop is one the caller owns).
LOOP_RUNNERS: dict[str, int] = {
    "asyncio.run": 0,
    "asyncio.Runner.run": 0,
    "anyio.run": 0,
    "trio.run": 0,
    "uvloop.run": 0,
    "*.run_until_complete": 0,
}

# Decorators that make a function a command-line command; the CLI framework runs an `async def`
# command with its own `asyncio.run`.
CLI_COMMANDS: frozenset[str] = frozenset({
    "typer.Typer.command", "typer.Typer.callback",
    "cyclopts.App.command", "cyclopts.App.default",
    "click.command", "click.group", "click.Group.command", "click.Group.group",
    "asyncclick.command", "asyncclick.group", "asyncclick.Group.command", "asyncclick.Group.group",
})

# `@group.command()` where `group` is itself a function decorated as a CLI group
# (`@click.group() def db(): ...`): these methods of it register a command.
CLI_GROUP_METHODS: frozenset[str] = frozenset({"command", "group"})

# Modules pytest collects and runs on its own event loop (pytest-asyncio, anyio's plugin): the
# default `python_files = ["test_*.py", "*_test.py"]` of `_pytest/python.py`, and `conftest.py`
# for fixtures. Shell-style patterns on the file's base name.
PYTEST_MODULES: tuple[str, ...] = ("test_*.py", "*_test.py", "conftest.py")

# Calls that import a module by name at run time: name -> (position of the module name, position
# and keyword of the package a relative name is resolved against, or None). A name written as a
# string, or as a module-level constant (`_SANDBOX: Final = "pkg.sandbox"` then
# `importlib.import_module(_SANDBOX)` in a PEP 562 `__getattr__`), is an import edge of the
# server's import closure like `import pkg.sandbox`. Names computed at run time (a registry of
# `"module:Class"` strings) are not followed.
DYNAMIC_IMPORTS: dict[str, tuple[int, tuple[int, str] | None]] = {
    "importlib.import_module": (0, (1, "package")),
    "builtins.__import__": (0, None),
}
