"""What makes a module "hot": source text a rule can start from (issue 12, the lazy cold path).

A project run (`check <dir>`, more than one module) builds the full model only of modules whose
source bytes contain one of these markers; the others ("cold") are parsed (LG001) and kept as a
stand-in (path, dotted name, import edges) whose model is built when name resolution reaches it
(a sync helper a coroutine calls, a startup helper, a base class). Every rule starts from a
coroutine, a FastAPI/Starlette object or registration, a loop runner or an offload call: a module
with none of them in its text gives a rule nothing to start from, only something to reach.

The test is on bytes, anywhere in the file (comments and strings too: a false "hot" only costs a
build), so the decision is the same cold, from the cache, and in every `-j` worker.
"""

from __future__ import annotations

import re

# (literal anchors, a regex confirming a hit or None, case-insensitive anchors, why). A file is
# hot when an anchor occurs in it (found by `bytes.find`, ~GB/s) and the regex, if any, confirms:
# one alternation regex over every file cost 2.4 s CPU on litellm (3,135 files), the anchors
# ~0.1 s.
_RELEASE = (b"close", b"aclose", b"dispose", b"disconnect", b"shutdown", b"terminate", b"wait_closed",
            b"cancel", b"stop", b"drain", b"flush", b"__aexit__", b"__exit__")
HOT_MARKERS: tuple[tuple[tuple[bytes, ...], bytes | None, bool, str], ...] = (
    ((b"async",), rb"\basync\b", False,
     "`async def`/`async with`/`async for`: a coroutine, the start of every LG1xx/LG4xx check"),
    ((b"await",), rb"\bawait\b", False, "an await: code that runs on the loop"),
    ((b"fastapi", b"starlette"), None, True,
     "apps, routers, Depends, BackgroundTasks, middleware, run_in_threadpool (any spelling: `FastAPI`)"),
    ((b"asyncio", b"anyio", b"trio", b"uvloop", b"asgiref"), rb"\b(?:asyncio|anyio|trio|uvloop|asgiref)\b", False,
     "loop runners and offload wrappers: a sync module calling `asyncio.run(coro())` is a caller of a "
     "coroutine (LOOP_RUNNERS), `to_thread`/`create_task`/`sync_to_async` hand functions to a loop"),
    ((b"run_until_complete", b"run_in_executor", b"to_thread", b"run_in_threadpool", b"sync_to_async",
      b"async_to_sync"), None, False,
     "`*.run_until_complete`/`*.run_in_executor` on any receiver (LOOP_RUNNERS, OFFLOAD_WRAPPERS)"),
    ((b"@",), rb"@\s*[\w.]+\.(?:get|post|put|patch|delete|options|head|trace|api_route|route|websocket|websocket_route)\b",
     False, "route decorators on any object (`@router.get(`): an endpoint, wherever its router came from"),
    ((b"include_router", b"add_api_route", b"add_route", b"add_api_websocket_route", b"add_websocket_route"), None, False,
     "route and router registrations on any object (ADD_ROUTE_METHODS)"),
    ((b"add_event_handler", b"on_event", b"add_middleware", b"lifespan"), None, False,
     "startup/shutdown handlers, middleware, lifespans: contexts the ledger and LG2xx start from"),
    ((b".mount",), rb"\.mount\s*\(", False, "mounted apps, whose lifespan and startup handlers never run (LG209)"),
    ((b"BackgroundTask", b"add_task"), None, False, "background tasks (LG4xx)"),
    ((b"Depends", b"Security"), rb"\b(?:Depends|Security)\b", False,
     "dependencies, also when re-exported by a project module"),
    (tuple(b"." + name for name in _RELEASE), rb"\.(?:" + b"|".join(_RELEASE) + rb")\b", False,
     "release methods (lifecycle.GENERIC_RELEASE and the library records' `release`): the ledger counts a "
     "release, or a release handed on (`atexit.register(client.close)`), anywhere in the project, and LG202 "
     "reports an async release not awaited in any function (test_markers_cover_release_names checks the list)"),
    ((b"import_module", b"__import__"), None, False,
     "dynamic imports (DYNAMIC_IMPORTS): edges of the server's import closure that need the module's calls"),
)

_COMPILED = tuple((anchors, re.compile(confirm) if confirm else None, nocase) for anchors, confirm, nocase, _why in HOT_MARKERS)


def is_hot(data: bytes) -> bool:
    """Does the source text hold a marker a rule can start from?"""
    lowered = None
    for anchors, confirm, nocase in _COMPILED:
        text = data
        if nocase:
            text = lowered = data.lower() if lowered is None else lowered
        if any(anchor in text for anchor in anchors) and (confirm is None or confirm.search(text) is not None):
            return True
    return False
