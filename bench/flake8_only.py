"""Run flake8 with only the named plugins: `python bench/flake8_only.py LG -- [flake8 args]`.

flake8 runs every installed plugin on every file whatever `--select` says (it filters the
reports, not the checks), and pycodestyle and pyflakes are always installed. To time one
plugin against another in the same interpreter, with the same flake8 and the same files,
this driver drops every other checker from plugin discovery; the reporters stay. An empty
name list (`""`) leaves no checker at all: flake8's own cost (reading, tokenizing, building
logical lines, parsing the tree it hands to plugins), the baseline of the comparison.

With `-j` > 1 the workers must inherit the filtered plugins, which only `fork` guarantees
(flake8 re-discovers plugins in a spawned worker); elsewhere this driver refuses to run in
parallel.
"""

from __future__ import annotations

import multiprocessing
import sys

from flake8.main.cli import main as flake8_main
from flake8.plugins import finder


def keep_only(names: set[str]) -> None:
    discover = finder.find_plugins

    def find_plugins(cfg, opts):
        return [p for p in discover(cfg, opts)
                if p.entry_point.group == "flake8.report" or p.entry_point.name in names]

    finder.find_plugins = find_plugins


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print("usage: flake8_only.py NAMES -- [flake8 args]  (NAMES: comma-separated entry-point names, or '')",
              file=sys.stderr)
        return 2
    names = {n for n in argv[0].split(",") if n}
    args = argv[2:]
    if "fork" in multiprocessing.get_all_start_methods():
        multiprocessing.set_start_method("fork", force=True)
    elif not any(a in ("-j1", "--jobs=1") for a in args) and "1" not in args:
        print("flake8_only.py: parallel runs need the fork start method; pass -j1", file=sys.stderr)
        return 2
    keep_only(names)
    return flake8_main(args) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
