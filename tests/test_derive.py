"""tools/derive_libraries.py: each source signal on a tiny synthetic SDK (tests/data/derive/),
and (opt-in, `-m derive`) the shipped derived.json reproduced from the pinned wheels."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import derive_libraries as derive  # noqa: E402

SYNTHETIC = os.path.join(ROOT, "tests", "data", "derive")


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    pins = [derive.Pin("syncsdk", "0", surface=["syncsdk", "syncsdk.cloud", "syncsdk.cloud.aio"])]
    text = derive.derive(pins, {"syncsdk": derive.sources_of_tree(SYNTHETIC)})
    data = json.loads(text)
    assert data["derived_from"] == {"syncsdk": "0"}
    return {r["name"]: r for r in data["records"]}


def test_output_is_stable_and_sorted(records):
    pins = [derive.Pin("syncsdk", "0", surface=["syncsdk", "syncsdk.cloud", "syncsdk.cloud.aio"])]
    sources = derive.sources_of_tree(SYNTHETIC)
    first = derive.derive(pins, sources)
    assert first == derive.derive(pins, dict(reversed(list(sources.items()))))
    assert list(records) == sorted(records)


def test_records_parse_with_the_loader(records):
    libraries = pytest.importorskip("fastapi_lifeguard.catalogue.libraries")
    for record in records.values():
        libraries.parse_record(record)


def test_class_twin_and_public_name(records):
    client = records["syncsdk.Client"]
    assert client["async_alt"] == "syncsdk.AsyncClient"
    assert client["aliases"] == ["syncsdk._client.Client"]
    assert client["dist"] == "syncsdk"


def test_reach_through_self_calls_and_typed_attributes(records):
    # chat -> BaseClient._request -> self._send -> self._session.request (a requests.Session)
    io = records["syncsdk.Client"]["io_methods"]
    assert io["chat"] == "network"
    assert io["wait_ready"] == "sleep"
    assert io["export"] == "disk"
    assert io["run_tool"] == "subprocess"
    assert "with_options" not in io and "bucket" not in io and "close" not in io


def test_a_sleep_beside_an_async_twin_is_a_retry_around_network(records):
    # search reaches only time.sleep (its transport is picked at run time) and AsyncClient.search
    # is its twin; Models.poll, a namespace of a client with a twin, the same: network, as for
    # Elasticsearch, stripe and google-genai. wait_ready, a sleep with no twin, stays a sleep.
    io = records["syncsdk.Client"]["io_methods"]
    assert io["search"] == "network"
    assert io["poll"] == "network"
    assert io["pages"] == "network"  # the twin class has it too, as a plain def
    assert io["wait_ready"] == "sleep"


def test_reach_through_function_handed_to_a_wrapper(records):
    assert records["syncsdk.Blob"]["io_methods"] == {"upload_from_string": "network"}


def test_nested_resources_are_owned_attributes_only(records):
    client = records["syncsdk.Client"]
    assert client["nested"] is True and client["io_methods"]["list"] == "network"
    # `bucket.client` is a back-reference handed in, not part of the bucket
    assert "io_methods" not in records["syncsdk.Bucket"]


def test_returns_from_annotation_and_constructor(records):
    assert records["syncsdk.Client"]["returns"] == {"bucket": "syncsdk.Bucket"}  # return Bucket(...)
    assert records["syncsdk.Bucket"]["returns"] == {"blob": "syncsdk.Blob"}  # -> "Blob"
    assert records["syncsdk.make_bucket"]["returns"] == "syncsdk.Bucket"


def test_module_function_reach_and_twin(records):
    fetch = records["syncsdk.fetch_report"]
    assert fetch["blocks"] == "network" and fetch["async_alt"] == "syncsdk.afetch_report"
    assert "syncsdk.parse_payload" not in records
    assert "syncsdk.afetch_report" not in records


def test_method_twins(records):
    store = records["syncsdk.Store"]
    assert store["io_methods"] == {"query": "network"}
    assert store["async_alt"] == "aquery"


def test_aio_namespace_twin_marks_untyped_calls(records):
    # send_message goes through an untyped stub: the async twin in `.aio` is the evidence
    queue = records["syncsdk.cloud.QueueClient"]
    assert queue["io_methods"] == {"send_message": "network"}
    assert queue["async_alt"] == "syncsdk.cloud.aio.QueueClient"


def test_release_methods_and_pools(records):
    client = records["syncsdk.Client"]
    assert client["release"] == ["close"] and "async_release" not in client
    assert client["pool"] == "sdk"
    async_client = records["syncsdk.AsyncClient"]
    assert async_client["release"] == ["aclose"] and async_client["async_release"] == ["aclose"]
    assert async_client["pool"] == "sdk" and "io_methods" not in async_client


def test_pins_are_exact_and_hashed():
    pins = derive.read_pins()
    assert len({p.name for p in pins if p.role != "support"}) >= 60
    for pin in pins:
        assert pin.version and all(c.isdigit() or c == "." for c in pin.version), pin.name
        assert len(pin.sha256) == 64, f"{pin.name}: no sha256 (run derive_libraries.py --record-hashes)"


def test_shipped_data_names_the_pinned_versions():
    with open(derive.OUTPUT, encoding="utf-8") as handle:
        shipped = json.load(handle)
    assert shipped["derived_from"] == {p.name: p.version for p in derive.read_pins()}


@pytest.mark.derive
def test_shipped_data_is_reproduced_from_the_pins():
    """Downloads the pinned wheels (cached) and derives again: byte for byte the shipped file."""
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "derive_libraries.py"), "--check"],
                          capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_twin_outside_the_surface_is_named_by_its_aio_spelling():
    # Without `syncsdk.cloud.aio` in the surface the twin has no public name of its own: the
    # advice names it where users import it, not by its private module (azure's
    # `aio._blob_client_async.BlobClient` became `azure.storage.blob.aio.BlobClient`).
    pins = [derive.Pin("syncsdk", "0", surface=["syncsdk", "syncsdk.cloud"])]
    data = json.loads(derive.derive(pins, {"syncsdk": derive.sources_of_tree(SYNTHETIC)}))
    queue = {r["name"]: r for r in data["records"]}["syncsdk.cloud.QueueClient"]
    assert queue["async_alt"] == "syncsdk.cloud.aio.QueueClient"
