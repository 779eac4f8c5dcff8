"""FastAPI/Starlette names the model recognises (SPEC §2), after alias resolution."""

from __future__ import annotations

APP_TYPES: frozenset[str] = frozenset({"fastapi.FastAPI"})  # Starlette aliased to it in types.py
ROUTER_TYPES: frozenset[str] = frozenset({"fastapi.APIRouter"})

DEPENDS: frozenset[str] = frozenset({
    "fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security",
    "fastapi.param_functions.Depends", "fastapi.param_functions.Security",
})
ANNOTATED: frozenset[str] = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
OPTIONAL: frozenset[str] = frozenset({"typing.Optional", "typing.Union"})
# Generic wrappers whose first argument is what a dependency yields.
YIELD_WRAPPERS: frozenset[str] = frozenset({
    f"{mod}.{name}" for mod in ("typing", "collections.abc")
    for name in ("Generator", "Iterator", "Iterable", "AsyncGenerator", "AsyncIterator", "AsyncIterable",
                 "Awaitable", "Coroutine")
})

ROUTE_METHODS: frozenset[str] = frozenset({
    "get", "post", "put", "patch", "delete", "options", "head", "trace", "api_route", "route",
})
WEBSOCKET_METHODS: frozenset[str] = frozenset({"websocket", "websocket_route"})
ADD_ROUTE_METHODS: dict[str, str] = {  # method -> context of its endpoint argument
    "add_api_route": "route", "add_route": "route",
    "add_api_websocket_route": "websocket", "add_websocket_route": "websocket",
}

ASYNC_CONTEXT_MANAGERS: frozenset[str] = frozenset({
    "contextlib.asynccontextmanager", "contextlib2.asynccontextmanager",
})
SYNC_CONTEXT_MANAGERS: frozenset[str] = frozenset({"contextlib.contextmanager", "contextlib2.contextmanager"})
CACHE_DECORATORS: frozenset[str] = frozenset({
    "functools.lru_cache", "functools.cache", "functools.cached_property",
    "async_lru.alru_cache", "cachetools.cached", "cachetools.func.ttl_cache", "cachetools.func.lru_cache",
})
STATIC_METHOD: frozenset[str] = frozenset({"builtins.staticmethod"})

BACKGROUND_TASKS: str = "fastapi.BackgroundTasks"
BACKGROUND_TASK: frozenset[str] = frozenset({"starlette.background.BackgroundTask", "fastapi.BackgroundTask"})
MIDDLEWARE_BASES: frozenset[str] = frozenset({
    "starlette.middleware.base.BaseHTTPMiddleware", "fastapi.middleware.base.BaseHTTPMiddleware",
})

# Decorators that only wrap or describe a function. Any other decorator (`@sio.on("msg")`,
# `@scheduler.job`, a project `@register`) may hand the coroutine to a framework that calls it
# in the server's loop, so LG101/LG103 keep reporting it even when no call to it is seen.
WRAPPING_DECORATOR_PREFIXES: tuple[str, ...] = (
    "builtins.", "abc.", "functools.", "typing.", "typing_extensions.", "contextlib.",
)
