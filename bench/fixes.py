"""The fixes on the pinned corpus: what `check --diff --unsafe-fixes` would change, and whether
the patches apply and compile.

For each project: check it as one project, make every fix (safe and unsafe) the way the CLI
does, write the patch to OUT/<project>.patch, copy the files it touches to a scratch folder,
`git apply --check` the patch there, apply it and compile every patched file. Prints counts
per rule: fixable findings, fixed, dropped (with the reasons).

    python bench/fixes.py [--out DIR] [--only lnbits,open_webui] [-j N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import PINS, corpus_dir, source_dir  # noqa: E402

from fastapi_lifeguard.fixes import applies  # noqa: E402
from fastapi_lifeguard.fixes.project import fix_files  # noqa: E402
from fastapi_lifeguard.runner import check_paths  # noqa: E402
from fastapi_lifeguard.settings import Settings  # noqa: E402


def run(name: str, src: Path, out: Path, jobs: int) -> dict:
    start = time.perf_counter()
    here = os.getcwd()
    os.chdir(src)
    try:
        result = check_paths(["."], Settings(), jobs=jobs, keep_models=True)
        files = fix_files(result.findings, result.models, Settings(), unsafe=True)
    finally:
        os.chdir(here)
    fixable = Counter(f.code for f in result.findings if applies(f, True))
    fixed = Counter(f.code for file in files for f in file.fixed)
    dropped = Counter((f.code, why) for file in files for f, why in file.dropped)
    changed = [f for f in files if f.changed]
    patch = "".join(f.diff(os.path.normpath(f.path)) for f in changed)
    (out / f"{name}.patch").write_text(patch, encoding="utf-8")
    applied = compiled = True
    if changed:
        with tempfile.TemporaryDirectory() as scratch:
            for f in changed:
                target = Path(scratch) / os.path.normpath(f.path)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / f.path, target)
            check = subprocess.run(["git", "apply", "--check", str((out / f"{name}.patch").resolve())], cwd=scratch,
                                   capture_output=True, text=True)
            applied = check.returncode == 0
            if not applied:
                print(check.stderr, file=sys.stderr)
            else:
                subprocess.run(["git", "apply", str((out / f"{name}.patch").resolve())], cwd=scratch, check=True)
                for f in changed:
                    path = Path(scratch) / os.path.normpath(f.path)
                    try:
                        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
                    except SyntaxError as exc:
                        compiled = False
                        print(f"{name}: {f.path} does not compile after the patch: {exc}", file=sys.stderr)
                    if path.read_text(encoding=f.encoding) != f.new:
                        compiled = False
                        print(f"{name}: {f.path}: the applied patch differs from the fixed text", file=sys.stderr)
    return {"name": name, "fixable": fixable, "fixed": fixed, "dropped": dropped, "files": len(changed),
            "applies": applied, "compiles": compiled, "seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="where the patches go (default: fix-patches/ in the corpus folder)")
    parser.add_argument("--only", help="comma-separated project folders")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    root = corpus_dir()
    out = Path(args.out) if args.out else root / "fix-patches"
    out.mkdir(parents=True, exist_ok=True)
    by_folder = {p.folder: p for p in PINS}
    pins = [by_folder[name] for name in args.only.split(",")] if args.only else list(PINS)
    rows = [run(pin.folder, source_dir(root, pin), out, args.jobs) for pin in pins]
    codes = sorted({c for r in rows for c in r["fixable"]})
    print("| project | " + " | ".join(codes) + " | files | git apply --check | compiles | s |")
    print("|---|" + "---|" * (len(codes) + 4))
    for r in rows:
        cells = [f"{r['fixed'][c]}/{r['fixable'][c]}" for c in codes]
        print(f"| {r['name']} | " + " | ".join(cells) +
              f" | {r['files']} | {'yes' if r['applies'] else 'NO'} | {'yes' if r['compiles'] else 'NO'} | {r['seconds']:.0f} |")
    print("\ncells: fixed/fixable (safe and unsafe). Dropped, by reason:")
    dropped = Counter()
    for r in rows:
        dropped.update(r["dropped"])
    for (code, why), n in sorted(dropped.items()):
        print(f"- {code}: {n} × {why}")
    return 0 if all(r["applies"] and r["compiles"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
