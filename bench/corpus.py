"""The pinned benchmark corpus: six FastAPI-heavy projects, as the sources of their wheels.

    python bench/corpus.py            # download what is missing, unpack, print the folders
    python bench/corpus.py --triage   # the triage tier instead (TRIAGE_PINS, bench/triage.md)
    python bench/corpus.py --scale    # everything `bench/speed.py --scale` reads: the six, the
                                      # triage tier and SCALE_PINS (sglang)
    python bench/corpus.py --dir D    # another cache folder (default: $LIFEGUARD_CORPUS,
                                      # else ~/.cache/fastapi-lifeguard-corpus)

Layout of the cache folder:  wheels/<wheel files>  and  src/<project>/ (one unpacked wheel
each, e.g. src/litellm/litellm/...). Running it again does nothing when everything is there:
a wheel already in wheels/ is not downloaded again, a project whose unpacked folder holds
its `.dist-info/RECORD` is not unpacked again, and unpacking goes to a scratch folder that is
renamed into place only when complete. Wheels whose file name is listed in `SHA256` must
match that digest (pip picks the litellm wheel by platform; other platforms get a wheel this
table does not know, which is reported and used).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ENV = "LIFEGUARD_CORPUS"
DEFAULT_DIR = Path.home() / ".cache" / "fastapi-lifeguard-corpus"


@dataclass(frozen=True)
class Pin:
    name: str  # distribution name as on PyPI
    version: str

    @property
    def folder(self) -> str:
        """Wheel-style normalised name: the wheel file prefix and the folder under src/."""
        return self.name.replace("-", "_").lower()

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


PINS = (
    Pin("litellm", "1.110.2"),
    Pin("open-webui", "0.12.4"),
    Pin("prefect", "3.9.1"),
    Pin("langflow-base", "1.13.0"),
    Pin("lnbits", "1.6.2"),
    Pin("mlflow", "3.18.0"),
)
# The fresh-triage tier (issue 13): FastAPI apps outside the six, read by hand once. Not
# downloaded unless asked for (`--triage`, or by name); about 130 MB of wheels.
TRIAGE_PINS = (
    Pin("apache-airflow-core", "3.3.2"),
    Pin("argilla-server", "2.8.0"),
    Pin("arize-phoenix", "20.26.1"),
    Pin("chainlit", "2.12.0"),
    Pin("dstack", "0.22.5"),
    Pin("feast", "0.67.0"),
    Pin("freqtrade", "2026.9"),
    Pin("lightrag-hku", "1.5.7"),
    Pin("mcpo", "0.0.20"),
    Pin("xinference", "4.1.0"),
    Pin("zenml", "0.98.0"),
)
# The scale tier (issue 12): a big tree beyond the six and the triage tier, for
# `bench/speed.py --scale` only. sglang ships per-Python, per-platform wheels (cp311, x86_64
# here); xinference, the other big tree of the scaling table, is in TRIAGE_PINS.
SCALE_PINS = (
    Pin("sglang", "0.5.23"),
)
ALL_PINS = (*PINS, *TRIAGE_PINS, *SCALE_PINS)
BY_NAME = {key: p for p in ALL_PINS for key in (p.name, p.folder)}

SHA256 = {
    "litellm-1.110.2-cp310-abi3-manylinux_2_28_x86_64.whl": "9d94d1c7d524b6fd10c14f9c8c6c4f0ac31705f9964ac59dcfd8337c046d8917",
    "open_webui-0.12.4-py3-none-any.whl": "02e9caba96234db3fa17a92e56163b3f7f2b8ca8227fa886b85c178d696483f6",
    "prefect-3.9.1-py3-none-any.whl": "0c662e26e971b617993eed1f3d02fb8bc3c2dd47bee521b495f6e4dfeb38ae74",
    "langflow_base-1.13.0-py3-none-any.whl": "e15db23e16cf27d6d1ac8fcc5030cf25ad3a04356a9581862b4e97de739dd3a2",
    "lnbits-1.6.2-py3-none-any.whl": "25649a8b40f58e30e19aa9bb3c391a92b26e47cf9f028818fcab10b38a849339",
    "mlflow-3.18.0-py3-none-any.whl": "be7d84ba0d0b12392f5b53260cdb3e6d7b7ef4b80c29da90a89b5a1f6db7102f",
    # TRIAGE_PINS
    "apache_airflow_core-3.3.2-py3-none-any.whl": "99258922bccec15be4700ff89f3c942b8acd93407e263c287ce863e671bb3c50",
    "argilla_server-2.8.0-py3-none-any.whl": "e21a5c979ef6536fca634dc957469daca8fb09440c39b2fbeefb223459cc61e0",
    "arize_phoenix-20.26.1-py3-none-any.whl": "dd318844cba1d7021d8accaa995b7f3716d559eab4afb549dfb1017dd51bab56",
    "chainlit-2.12.0-py3-none-any.whl": "17cbd2c408f775a123892984bf9170674b5c81a01f7a8af278912e2786253ffc",
    "dstack-0.22.5-py3-none-any.whl": "e83cd6b7161f379ed173c012cd4d4149d1c395af6abf1dae61a9143f78e3cd04",
    "feast-0.67.0-py3-none-any.whl": "98667313ae7663f3312174590461e28081112f46d982710867d4b97e0b0f2c66",
    "freqtrade-2026.9-py3-none-any.whl": "3cc4432381b83ec35000bff6b76f494fa3ec7d1681c7a45c04667dc063789fac",
    "lightrag_hku-1.5.7-py3-none-any.whl": "895b81d94ca447afc6290c0e049d339f6caed46fbf29e4324f6db987046c6fcb",
    "mcpo-0.0.20-py3-none-any.whl": "ed2d7dd943fc250c68b3cfd2f6277803cde28b47686d3ac4d00dfbd4cce20885",
    "xinference-4.1.0-py3-none-any.whl": "40dd71d79e85a86f85c0d8b435fe51111fcf2c09227350d4a452229709528f2d",
    "zenml-0.98.0-py3-none-any.whl": "801ffbe1821bd48dfc03c9fd5519f5a7d4387d86b3d48d08bd2057dfcde5ad30",
    # SCALE_PINS
    "sglang-0.5.23-cp311-cp311-manylinux_2_34_x86_64.whl": "00b3cd5b265ac76c64185fbb6b95424f324ddd9f428d0306b77bc9db9d859937",
}


class CorpusError(Exception):
    pass


def corpus_dir(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else DEFAULT_DIR


def source_dir(root: Path, pin: Pin) -> Path:
    return root / "src" / pin.folder


def _wheel(root: Path, pin: Pin) -> Path | None:
    found = sorted((root / "wheels").glob(f"{pin.folder}-{pin.version}-*.whl"))
    return found[0] if found else None


def _unpacked(root: Path, pin: Pin) -> bool:
    return (source_dir(root, pin) / f"{pin.folder}-{pin.version}.dist-info" / "RECORD").is_file()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(root: Path, pins: list[Pin]) -> None:
    wheels = root / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--dest", str(wheels), *(p.spec for p in pins)]
    print("$ " + " ".join(command), file=sys.stderr)
    if subprocess.run(command, check=False).returncode != 0:
        raise CorpusError("pip download failed")


def _check_digest(wheel: Path) -> None:
    expected = SHA256.get(wheel.name)
    if expected is None:
        print(f"note: no pinned digest for {wheel.name} (another platform's wheel?); using it", file=sys.stderr)
        return
    actual = _sha256(wheel)
    if actual != expected:
        raise CorpusError(f"{wheel}: sha256 {actual}, expected {expected}; delete it and run again")


def _unpack(root: Path, pin: Pin, wheel: Path) -> None:
    target = source_dir(root, pin)
    scratch = target.with_name(f".{pin.folder}.partial")
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(scratch)
    if target.exists():  # another version, or an interrupted older layout
        shutil.rmtree(target)
    os.replace(scratch, target)


def ensure(root: Path, pins: list[Pin] | tuple[Pin, ...] = PINS, offline: bool = False) -> dict[str, Path]:
    """Make every pinned project available under root/src; return name -> folder."""
    missing = [p for p in pins if not _unpacked(root, p) and _wheel(root, p) is None]
    if missing:
        if offline:
            raise CorpusError("missing and --offline: " + ", ".join(p.spec for p in missing))
        _download(root, missing)
    folders = {}
    for pin in pins:
        if not _unpacked(root, pin):
            wheel = _wheel(root, pin)
            if wheel is None:
                raise CorpusError(f"no wheel for {pin.spec} in {root / 'wheels'}")
            _check_digest(wheel)
            print(f"unpacking {wheel.name}", file=sys.stderr)
            _unpack(root, pin, wheel)
        folders[pin.name] = source_dir(root, pin)
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help=f"cache folder (default: ${ENV}, else {DEFAULT_DIR})")
    parser.add_argument("--offline", action="store_true", help="never download; fail if something is missing")
    parser.add_argument("--triage", action="store_true",
                        help="the triage tier (TRIAGE_PINS, bench/triage.md) instead of the six")
    parser.add_argument("--scale", action="store_true",
                        help="every tier: the six, TRIAGE_PINS and SCALE_PINS (bench/speed.py --scale)")
    parser.add_argument("projects", nargs="*", help="only these projects (default: all six, or the triage tier)")
    args = parser.parse_args(argv)
    try:
        pins = [BY_NAME[name] for name in args.projects] if args.projects else list(
            ALL_PINS if args.scale else TRIAGE_PINS if args.triage else PINS)
    except KeyError as exc:
        parser.error(f"unknown project {exc.args[0]!r}; pinned: {', '.join(p.name for p in ALL_PINS)}")
    root = corpus_dir(args.dir)
    try:
        folders = ensure(root, pins, args.offline)
    except CorpusError as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 1
    for name, folder in folders.items():
        count = sum(1 for _ in folder.rglob("*.py"))
        print(f"{name:<14} {BY_NAME[name].version:<8} {count:>5} .py  {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
