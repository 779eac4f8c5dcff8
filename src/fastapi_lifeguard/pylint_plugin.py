"""pylint frontend: `pylint --load-plugins=fastapi_lifeguard.pylint_plugin`.

One checker, `fastapi-lifeguard`, with one message per rule in `codes.RULES`; the engine
finds everything, this module only translates findings into pylint messages.

Message ids (stable: a released id never changes meaning)
----------------------------------------------------------
All ids use pylint's plugin checker id 57 (pylint itself takes 55, 56, 60-63 and 90,
pylint-django 51, pylint-pytest 64). The last two digits come from the rule code
`LG<f><nn>` as ``f * 20 + nn``, so each family has twenty slots::

    LG001 -> E5701    LG101 -> E5721    LG201 -> W5741    LG301 -> W5761    LG401 -> W5781
                      LG105 -> W5725    LG209 -> E5749                      LG403 -> E5783

For the first nine rules of a family the last digit is the rule's last digit. The letter
is the rule's severity: E for "error", W for "warning" (editors colour them so). Families
0-4 with numbers 00-19 fit; a rule outside that range fails `message_id()` loudly and
needs a new decision here, never a renumbering.

The symbol is the rule's name (`blocking-call-in-async`) and the text starts with the LG
code, so a finding reads the same in flake8, the CLI and pylint. LG001's name,
`syntax-error`, is pylint's own E0001, so it is `lifeguard-syntax-error` here: pylint
reports real syntax errors itself and never visits such a module; LG001 only appears when
the engine cannot model a file pylint could parse (too deeply nested). A file astroid
cannot parse but the engine can (Python 3.14's `except A, B:` and t-strings on an older
Python, see `backport`) gets E0001 from pylint and this checker's findings next to it
(`LifeguardChecker.visit_unparsed`). Rules that are off by default (LG205) are disabled
by default here too; `--enable=<symbol>` turns them on.

Cross-module analysis
---------------------
flake8 and the CLI in single-file mode see one module. Here the module's imports are
followed, on demand, as the engine resolves names: a top-level package is located with
astroid's module finder (pylint's sys.path, source roots, namespace packages), its
submodules in its folder; when a name leads to a Python source file of the project (not
the standard library, not site-packages), that file is modelled too, so a helper,
dependency or background task defined in another module resolves to its body (LG102
through helpers, LG103 through an imported dependency's type, ...). Those modules only
serve resolution (`engine.analyse(..., context=...)`); findings are reported for the
module pylint is visiting. What only the other direction tells (this function is a route
because another file registers it) stays with the CLI's project mode. Each file is parsed
and modelled once per run and reused when pylint visits it. Anything that fails there
(module not found, unreadable, not parseable) leaves that name unresolved, as in
single-file mode; a failure of the cross-module analysis as a whole falls back to
single-file analysis, never a crash.
"""

from __future__ import annotations

import os
import sys
import tokenize
from typing import TYPE_CHECKING, Any

from pylint.checkers import BaseChecker
from pylint.utils import FileState

from . import index as project_index
from .codes import RULES, Rule, rule_url
from .config import project_settings
from .engine import analyse, build, gc_paused, module_name, parse
from .findings import Finding
from .model.records import ModuleModel
from .config import with_project_libraries
from .options import PLUGIN_OPTIONS, settings_from_mapping
from .settings import ConfigError, Settings

if TYPE_CHECKING:
    from astroid import nodes
    from pylint.lint import PyLinter

CHECKER_ID = "57"

# Names that pylint itself already owns (`syntax-error` is E0001).
_SYMBOL_OVERRIDES = {"LG001": "lifeguard-syntax-error"}


def message_id(rule: Rule) -> str:
    """`LG<f><nn>` -> `<E|W>57<f*20+nn>` (see the module docstring)."""
    family, number = int(rule.code[2]), int(rule.code[3:])
    if not (0 <= family <= 4 and 0 <= number <= 19):
        raise ValueError(f"{rule.code} does not fit the pylint message id scheme (families 0-4, numbers 00-19)")
    letter = "E" if rule.severity == "error" else "W"
    return f"{letter}{CHECKER_ID}{family * 20 + number:02d}"


def symbol(rule: Rule) -> str:
    return _SYMBOL_OVERRIDES.get(rule.code, rule.name)


def _messages() -> dict[str, tuple]:
    msgs: dict[str, tuple] = {}
    for rule in RULES:
        options: dict[str, Any] = {}
        if not rule.default:
            options["default_enabled"] = False
        description = f"{rule.code}: {rule.summary}. See {rule_url(rule.code)}"
        msgs[message_id(rule)] = (f"{rule.code} %s", symbol(rule), description, options)
    return msgs


MSGS = _messages()
BY_CODE_SYMBOL = {rule.code: symbol(rule) for rule in RULES}


def _options() -> tuple[tuple[str, dict[str, Any]], ...]:
    out = []
    for option in PLUGIN_OPTIONS:
        if option.is_list:
            spec = {"default": (), "type": "csv", "metavar": "<name=value,...>" if option.kind in ("mapping", "positions")
                    else "<name,...>", "help": option.help}
        else:
            spec = {"default": "", "type": "string", "metavar": "<on|off>" if option.kind == "switch" else "<version>",
                    "help": option.help}
        out.append((f"lifeguard-{option.name}", spec))
    return tuple(out)


def _option_values(config: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for option in PLUGIN_OPTIONS:
        value = getattr(config, f"lifeguard_{option.name.replace('-', '_')}", None)
        if value in (None, "", (), []):
            continue
        if option.kind in ("mapping", "positions"):
            # pylint turns a TOML table {name = "advice"} into "name:advice" items.
            value = [item if "=" in item or ":" not in item else item.replace(":", "=", 1) for item in value]
        values[option.name] = value
    return values


# ---- the files imports lead to ---------------------------------------------------------

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)
_THIRD_PARTY_DIRS = frozenset({"site-packages", "dist-packages"})


def _astroid_spec(dotted: str):
    from astroid import MANAGER

    try:
        return MANAGER.file_from_module_name(dotted, None)
    except Exception:  # AstroidImportError, or whatever a finder raises: unresolved
        return None


def _project_file(location: str | None) -> str | None:
    if not location or not location.endswith(".py"):
        return None
    if _THIRD_PARTY_DIRS.intersection(os.path.normpath(location).split(os.sep)):
        return None
    return location


def _locate_top(top: str) -> tuple[str, str | None] | None:
    """Where top-level module `top` is, found the way pylint finds modules (sys.path, source
    roots): ("package", its __init__.py), ("module", file), ("namespace", None), or None
    when it is not project code (standard library, site-packages, not found, compiled)."""
    from astroid.modutils import spec

    if not top or top in _STDLIB:
        return None
    found = _astroid_spec(top)
    if found is None:
        return None
    if found.type == spec.ModuleType.PY_NAMESPACE:
        return "namespace", None
    path = _project_file(found.location) if found.type == spec.ModuleType.PY_SOURCE else None
    if path is None:
        return None
    return ("package" if os.path.basename(path) == "__init__.py" else "module"), path


def _find_in_package(package_init: str, rest: list[str]) -> str | None:
    """`top.a.b` below a regular package `top`: `a/b/__init__.py` or else `a/b.py` in its folder
    (a package shadows a module of the same name, for Python as for astroid).

    Equivalent to astroid's search inside a regular package, without its per-lookup cost
    (it re-reads every `__init__.py` on the way to detect old-style namespace packages)."""
    folder = os.path.dirname(package_init)
    for part in rest[:-1]:
        folder = os.path.join(folder, part)
        if not os.path.isdir(folder):
            return None
    base = os.path.join(folder, rest[-1])
    for candidate in (os.path.join(base, "__init__.py"), base + ".py"):
        if os.path.isfile(candidate):
            return candidate
    return None


class ModelCache:
    """Models of the files met during one pylint run, each parsed and built once."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, str], ModuleModel | None] = {}
        self._names: dict[str, ModuleModel | None] = {}
        self._tops: dict[str, tuple[str, str | None] | None] = {}

    def model(self, path: str, module: str, is_package: bool, data: bytes | None = None) -> ModuleModel | Finding:
        """The model of a file on disk (cached), or of `data` when given (not cached: stdin)."""
        key = (os.path.normcase(os.path.abspath(path)), module)
        if data is None:
            cached = self._models.get(key)
            if cached is not None:
                return cached
            with open(path, "rb") as handle:
                data = handle.read()
            result = _model(data, path, module, is_package)
            if isinstance(result, ModuleModel):
                self._models[key] = result
            return result
        return _model(data, path, module, is_package)

    def by_name(self, dotted: str) -> ModuleModel | None:
        """The model of project module `dotted`, or None (not found, not project code, broken)."""
        if dotted in self._names:
            return self._names[dotted]
        result = None
        path = self._location(dotted)
        if path is not None:
            try:
                model = self.model(path, dotted, os.path.basename(path) == "__init__.py")
            except (OSError, RecursionError, MemoryError):
                model = None
            result = model if isinstance(model, ModuleModel) else None
        self._names[dotted] = result
        return result

    def _location(self, dotted: str) -> str | None:
        parts = dotted.split(".")
        top = parts[0]
        if top not in self._tops:
            self._tops[top] = _locate_top(top)
        found = self._tops[top]
        if found is None:
            return None
        kind, path = found
        if len(parts) == 1:
            return path
        if kind == "package":
            return _find_in_package(path, parts[1:])
        if kind == "namespace":
            found_spec = _astroid_spec(dotted)
            return _project_file(found_spec.location) if found_spec is not None else None
        return None  # a plain module has no submodules


def _model(data: bytes, path: str, module: str, is_package: bool) -> ModuleModel | Finding:
    tree = parse(data, path)
    if isinstance(tree, Finding):
        return tree
    return build(tree, path, module, is_package)


# ---- the checker ------------------------------------------------------------------------

class LifeguardChecker(BaseChecker):
    """FastAPI resource-lifecycle rules (the fastapi-lifeguard engine)."""

    name = "fastapi-lifeguard"
    msgs = MSGS
    options = _options()

    def __init__(self, linter: PyLinter) -> None:
        super().__init__(linter)
        self._settings = Settings()
        self._values: dict[str, Any] = {}
        self._cache = ModelCache()

    def read_settings(self) -> None:
        try:
            self._values = _option_values(self.linter.config)
            self._settings = settings_from_mapping(self._values, source="pylint option --lifeguard-")
        except ConfigError as exc:
            # What pylint does with an option it cannot parse: one line, usage error (32).
            print(f"fastapi-lifeguard: {exc}", file=sys.stderr)
            sys.exit(32)

    def open(self) -> None:
        """Start of a run (in each worker with -j): options, and no models of a previous run."""
        self.read_settings()
        self._cache = ModelCache()
        project_index.reset()

    def visit_module(self, node: nodes.Module) -> None:
        path = node.file
        if not path:
            return
        with gc_paused():
            findings = self._findings(node, path)
        for finding in findings:
            self._report(node, finding)

    def _findings(self, node: nodes.Module, path: str) -> list[Finding]:
        stdin = node.file_bytes
        data = None
        if stdin is not None:
            data = stdin.encode(node.file_encoding or "utf-8") if isinstance(stdin, str) else stdin
        root = project_index.find_root(path) if self._settings.project else None
        if root is not None:
            try:
                settings, configured = project_settings(root, self._values, "pylint option --lifeguard-")
            except ConfigError as exc:
                print(f"fastapi-lifeguard: {exc}", file=sys.stderr)
                sys.exit(32)
            if settings.project:
                found = project_index.findings_for(path, data, settings, root=root) or []
                if configured:  # the project's table deselects codes for `check`: the same here
                    found = [f for f in found if f.code == "LG001" or settings.enabled(f.code, os.path.abspath(path))]
                return found
        return self._alone(path, data)

    def _alone(self, path: str, data: bytes | None) -> list[Finding]:
        """The file without its project: imports followed through astroid (see the docstring)."""
        module, is_package = module_name(path)
        try:
            if data is not None:
                model = self._cache.model(path, module, is_package, data)
            else:
                model = self._cache.model(path, module, is_package)
        except OSError as exc:
            return [Finding(path, 1, 0, "LG001", f"cannot read: {exc.strerror or exc}")]
        if isinstance(model, Finding):
            return [model]
        return self._analyse(model)

    def _analyse(self, model: ModuleModel) -> list[Finding]:
        try:
            settings = with_project_libraries(self._settings, model.path)
        except ConfigError as exc:
            print(f"fastapi-lifeguard: {exc}", file=sys.stderr)
            sys.exit(32)
        try:
            findings = analyse([model], settings, context=self._cache.by_name)
        except Exception:  # pylint: disable=broad-exception-caught
            # A module the imports led to confused the resolver: this file alone still counts.
            findings = analyse([model], settings)
        return [f for f in findings if f.path == model.path]

    def visit_unparsed(self, path: str, modname: str, data: str | None) -> None:
        """A file astroid could not parse (pylint reported E0001 and visits nothing in it).

        The engine reads Python 3.14 code on older Pythons (`backport`): such a file is
        analysed from its text, and its findings reported against a module built from the
        engine's tree, with the file's `# pylint: disable=...` pragmas applied as usual.
        A file the engine cannot parse either gets nothing more: E0001 already says it.
        """
        module, is_package = module_name(path)
        raw = data.encode("utf-8") if data is not None else None
        with gc_paused():
            try:
                model = self._cache.model(path, module, is_package, raw)
            except OSError:
                return
            if not isinstance(model, ModuleModel):
                return
            findings = self._analyse(model)
            if not findings:
                return
            node = _module_node(raw if raw is not None else _read(path), path, modname, is_package)
        if node is None:
            return
        linter = self.linter
        saved = linter.file_state, linter._ignore_file  # pylint: disable=protected-access
        try:
            linter.file_state = FileState(modname, linter.msgs_store, node)
            linter.process_tokens(_tokens(node))
            if not linter._ignore_file:  # pylint: disable=protected-access
                for finding in findings:
                    self._report(node, finding)
        finally:
            linter.file_state, linter._ignore_file = saved  # pylint: disable=protected-access

    def _report(self, module: nodes.Module, finding: Finding) -> None:
        self.add_message(
            BY_CODE_SYMBOL[finding.code],
            node=_node_at(module, finding),
            line=finding.line,
            col_offset=finding.col,
            end_lineno=finding.end_line or None,
            end_col_offset=finding.end_col if finding.end_line else None,
            args=(finding.message,),
        )


def _node_at(module: nodes.Module, finding: Finding) -> nodes.NodeNG:
    """The innermost astroid node around a finding (pylint takes the `obj` column from it)."""
    here = (finding.line, finding.col)
    node = module
    while True:
        inner = None
        for child in node.get_children():
            start = (child.lineno or 0, child.col_offset or 0)
            end = (child.end_lineno or 0, child.end_col_offset or 0)
            if child.lineno is not None and start <= here <= end:
                inner = child
                break
        if inner is None:
            return node
        node = inner


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _module_node(data: bytes, path: str, modname: str, is_package: bool) -> nodes.Module | None:
    """An astroid module of the engine's tree, for messages (`obj`, pragmas); not cached in
    astroid's manager, so the rest of pylint's run sees the file exactly as before."""
    from astroid import MANAGER, nodes as astroid_nodes
    from astroid.rebuilder import TreeRebuilder

    tree = parse(data, path)
    if isinstance(tree, Finding):
        return None
    try:
        node = TreeRebuilder(MANAGER).visit_module(tree, modname, os.path.abspath(path), is_package)
    except Exception:  # pylint: disable=broad-exception-caught
        # An astroid that builds modules differently: the findings still go out, without `obj`.
        node = astroid_nodes.Module(modname, file=os.path.abspath(path), path=[os.path.abspath(path)])
    node.file_bytes = data  # what was analysed (stdin included): the pragmas are read from it
    return node


def _tokens(node: nodes.Module) -> list[tokenize.TokenInfo]:
    """The file's tokens for pylint's pragma reader; none (no pragmas) when they do not tokenize."""
    try:
        with node.stream() as stream:
            return list(tokenize.tokenize(stream.readline))
    except Exception:  # pylint: disable=broad-exception-caught
        return []


def _install_unparsed_hook() -> None:
    """Let the checker see files astroid cannot parse.

    pylint builds every module with astroid before any checker runs, and drops a file whose
    build fails after reporting E0001: no checker hook exists for it. `PyLinter.get_ast`
    (used by serial and `-j` runs alike) is wrapped once per process; for linters without
    this checker it does nothing more than before.
    """
    from pylint.lint import PyLinter

    original = PyLinter.get_ast
    if getattr(original, "lifeguard_wrapped", False):
        return

    def get_ast(self: PyLinter, filepath: str, modname: str, data: str | None = None):
        module = original(self, filepath, modname, data)
        if module is None and filepath:
            for checker in self.get_checkers():
                if isinstance(checker, LifeguardChecker):
                    try:
                        checker.visit_unparsed(filepath, modname, data)
                    except Exception:  # pylint: disable=broad-exception-caught
                        # Outside any checker hook, an error here would end pylint's whole run;
                        # the file already has pylint's E0001.
                        pass
                    break
        return module

    get_ast.lifeguard_wrapped = True  # type: ignore[attr-defined]
    PyLinter.get_ast = get_ast  # type: ignore[method-assign]


def register(linter: PyLinter) -> None:
    linter.register_checker(LifeguardChecker(linter))
    _install_unparsed_hook()


def load_configuration(linter: PyLinter) -> None:
    """pylint's hook once options are parsed: a bad value stops the run before any file."""
    for checker in linter.get_checkers():
        if isinstance(checker, LifeguardChecker):
            checker.read_settings()
