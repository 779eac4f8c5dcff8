"""What makes a module "hot": source text a rule can start from (issue 12, the lazy cold path).

A project run (`check <dir>`, more than one module) builds the full model only of modules whose
source bytes contain one of these markers; the others ("cold") are parsed (LG001) and kept as a
stand-in (path, dotted name, import edges) whose model is built when name resolution reaches it
(a sync helper a coroutine calls, a startup helper, a base class). Every rule starts from a
coroutine, a FastAPI/Starlette object or registration, a loop runner or an offload call: a module
with none of them in its text gives a rule nothing to start from, only something to reach.

The test is on bytes, anywhere in the file (comments and strings too: a false "hot" only costs a
build), so the decision is the same cold, from the cache, and in every `-j` worker. Each entry is
(pattern, why it is there); patterns are bytes regexes joined into one alternation.
"""

from __future__ import annotations

import re

HOT_MARKERS: tuple[tuple[bytes, str], ...] = (
    (rb"\basync\b", "`async def`/`async with`/`async for`: a coroutine, the start of every LG1xx/LG4xx check"),
    (rb"\bawait\b", "an await: code that runs on the loop"),
    (rb"(?i:fastapi|starlette)", "apps, routers, Depends, BackgroundTasks, middleware, run_in_threadpool"),
    (rb"\b(?:asyncio|anyio|trio|uvloop|asgiref)\b",
     "loop runners and offload wrappers: a sync module calling `asyncio.run(coro())` is a caller of a "
     "coroutine (LOOP_RUNNERS), `to_thread`/`create_task`/`sync_to_async` hand functions to a loop"),
    (rb"run_until_complete|run_in_executor|to_thread|run_in_threadpool|sync_to_async|async_to_sync",
     "`*.run_until_complete`/`*.run_in_executor` on any receiver (LOOP_RUNNERS, OFFLOAD_WRAPPERS)"),
    (rb"@\s*[\w.]+\.(?:get|post|put|patch|delete|options|head|trace|api_route|route|websocket|websocket_route)\b",
     "route decorators on any object (`@router.get(`): an endpoint, wherever its router came from"),
    (rb"include_router|add_api_route|add_route|add_api_websocket_route|add_websocket_route",
     "route and router registrations on any object (ADD_ROUTE_METHODS)"),
    (rb"add_event_handler|on_event|add_middleware|\.mount\s*\(|\blifespan\b",
     "startup/shutdown handlers, middleware, mounted apps, lifespans: contexts the ledger starts from"),
    (rb"BackgroundTasks?\b|add_task", "background tasks (LG4xx)"),
    (rb"\bDepends\b|\bSecurity\b", "dependencies, also when re-exported by a project module"),
    (rb"\.(?:close|aclose|dispose|disconnect|shutdown|terminate|wait_closed|cancel|stop|drain|flush|__aexit__|__exit__)\b",
     "release methods (lifecycle.GENERIC_RELEASE and the library records' `release`): the ledger counts a "
     "release, or a release handed on (`atexit.register(client.close)`), anywhere in the project, and LG202 "
     "reports an async release not awaited in any function (tests/test_markers_cover_release_names checks the list)"),
    (rb"import_module|__import__",
     "dynamic imports (DYNAMIC_IMPORTS): edges of the server's import closure that need the module's calls"),
)

HOT = re.compile(b"|".join(b"(?:" + pattern + b")" for pattern, _why in HOT_MARKERS))


def is_hot(data: bytes) -> bool:
    """Does the source text hold a marker a rule can start from?"""
    return HOT.search(data) is not None
