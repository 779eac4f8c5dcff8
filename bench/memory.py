"""Memory of a whole-project check: full models kept in a bounded store (model/store.py).

    python bench/memory.py ~/.cache/fastapi-lifeguard-corpus/src/litellm [--capacity N | --keep]

One process, the CLI's path without the cache (`check --no-cache -j1`): parse and model every
file, keep each as the store keeps it, then analyse. Prints CPU seconds of each phase, RSS
after building, the store's compressed bytes and loads, and the peak RSS. Without
`--capacity` every model stays loaded (the CLI's default); `--keep` hands the models to the
analysis directly (the design before the store), for comparison. RSS is reliable on a busy machine; CPU seconds mostly are; wall time is not
printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from fastapi_lifeguard.engine import build, gc_paused, module_name, parse  # noqa: E402
from fastapi_lifeguard.findings import Finding  # noqa: E402
from fastapi_lifeguard.model import store as store_mod  # noqa: E402
from fastapi_lifeguard.runner import analyse_built, discover, keep, read  # noqa: E402
from fastapi_lifeguard.settings import Settings  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # Linux: KB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--capacity", type=int, default=None, help="full models loaded at once (default: unbounded)")
    parser.add_argument("--keep", action="store_true", help="pin every full model (the design before the store)")
    args = parser.parse_args()
    files = discover([args.root])
    store = store_mod.ModelStore(args.capacity)
    values = []
    lines = 0
    with gc_paused():
        start = time.process_time()
        for path in files:
            data = read(path)
            lines += data.count(b"\n")
            module, is_package = module_name(path)
            tree = parse(data, path)
            value = tree if isinstance(tree, Finding) else build(tree, path, module, is_package)
            del tree
            values.append(value if args.keep else keep(store, value))
            del value
        built = time.process_time() - start
        blobs = sum(len(v._blob) for v in values if isinstance(v, store_mod.ModuleHandle) and v._blob)
        after_build = rss_mb()
        start = time.process_time()
        _, findings = analyse_built(values, Settings())
        analysed = time.process_time() - start
    design = "models given directly" if args.keep else f"store, capacity {store.capacity or 'unbounded'}"
    print(f"files {len(files)}  lines {lines}  design {design}")
    print(f"parse+build+store {built:.1f} s CPU   RSS after build {after_build:.0f} MB   stored bytes {blobs / 1e6:.0f} MB")
    print(f"analyse {analysed:.1f} s CPU   dropped {store.dropped}   loaded again {store.loads}   RSS after analyse {rss_mb():.0f} MB")
    print(f"peak RSS {peak_mb():.0f} MB   findings {len(findings)}")


if __name__ == "__main__":
    main()
