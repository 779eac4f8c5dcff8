"""The rule table: every code, its stable name, summary and defaults, kept as data.

Frontends and docs read this table; rule modules only decide *where* a finding goes.
A code is never reused once released.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    module: str  # the rules/ module that implements it
    default: bool = True
    severity: str = "warning"  # "error" or "warning": pylint letter, SARIF level


RULES: tuple[Rule, ...] = (
    Rule("LG001", "syntax-error", "the file cannot be parsed, so it was not checked", "engine", severity="error"),
    # Event loop
    Rule("LG101", "blocking-call-in-async", "a blocking call runs directly in a coroutine and stalls the event loop", "lg1_event_loop", severity="error"),
    Rule("LG102", "blocking-call-via-helper", "a coroutine calls a sync helper that reaches a blocking call", "lg1_event_loop", severity="error"),
    Rule("LG103", "blocking-sync-client-in-async", "an I/O method of a sync client (Session, requests.Session, redis.Redis, ...) is called in a coroutine", "lg1_event_loop", severity="error"),
    Rule("LG104", "offload-called-not-passed", "a function is called, not passed, to a thread offloader: it runs on the loop", "lg1_event_loop", severity="error"),
    Rule("LG105", "blocking-call-at-startup", "a blocking call in a lifespan or startup/shutdown handler stalls the loop while starting or stopping", "lg1_event_loop"),
    # Application lifecycle
    Rule("LG201", "startup-resource-not-closed", "a resource made at startup is never released at shutdown", "lg2_lifecycle"),
    Rule("LG202", "cleanup-not-awaited", "an async cleanup is called without await: the coroutine never runs", "lg2_lifecycle", severity="error"),
    Rule("LG203", "event-handler-ignored", "a startup/shutdown handler is registered on an app or router that has lifespan=: it never runs", "lg2_lifecycle", severity="error"),
    Rule("LG204", "startup-task-not-cancelled", "a task started at startup is neither kept nor cancelled at shutdown", "lg2_lifecycle"),
    Rule("LG205", "cleanup-not-guaranteed", "cleanup after a bare yield is skipped when startup fails or the lifespan is cancelled", "lg2_lifecycle", default=False),
    Rule("LG206", "on-event-deprecated", "on_event/add_event_handler is deprecated: use a lifespan", "lg2_lifecycle"),
    Rule("LG207", "cached-coroutine", "lru_cache/cache on an async def caches the coroutine: the second await raises", "lg2_lifecycle", severity="error"),
    Rule("LG208", "lifespan-not-async", "lifespan= is given a @contextmanager function: startup fails with TypeError", "lg2_lifecycle", severity="error"),
    Rule("LG209", "mounted-lifespan-ignored", "a mounted app's lifespan or startup handlers never run", "lg2_lifecycle", severity="error"),
    Rule("LG210", "router-event-runs-twice", "a startup/shutdown handler on an included router runs once per inclusion level plus one (FastAPI >= 0.113)", "lg2_lifecycle"),
    Rule("LG211", "add-event-handler-removed", "app.add_event_handler no longer exists on Starlette >= 1.0: importing the module raises AttributeError", "lg2_lifecycle", severity="error"),
    # Per-request resources
    Rule("LG301", "resource-created-per-request", "a client, pool, engine or model is built per request instead of once at startup", "lg3_per_request"),
    Rule("LG302", "resource-not-injected", "a route uses a shared client, pool, engine or model directly instead of through Depends: tests cannot override it", "lg3_per_request", default=False),
    # Background tasks
    Rule("LG401", "background-task-unguarded", "a background task can raise with nothing to catch it: the error is lost and later tasks are skipped", "lg4_background"),
    Rule("LG402", "background-task-closed-resource", "a background task gets a value from a yield dependency that is closed before the task runs", "lg4_background", severity="error"),
    Rule("LG403", "background-tasks-never-run", "a BackgroundTasks() made in a handler is never attached to a response: its tasks never run", "lg4_background", severity="error"),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
DEFAULT_OFF: frozenset[str] = frozenset(rule.code for rule in RULES if not rule.default)
# The real files, not docs/rules/ (a symlink to them): GitHub does not follow a symlinked
# directory inside a URL, so a link through docs/rules/ would be a 404.
DOCS_URL = "https://github.com/fastapi-lifeguard/fastapi-lifeguard/blob/main/src/fastapi_lifeguard/ruledocs/{code}.md"


def rule_url(code: str) -> str:
    return DOCS_URL.format(code=code)
