"""LG401 names a raise that can happen: real I/O first, never an overridden abstract method
or a call that does not raise in practice (fixtures/lg4_background/lg401_evidence.py)."""

import os

from fixtures_support import FIXTURES
from fastapi_lifeguard.runner import check_paths
from fastapi_lifeguard.settings import Settings


def _messages():
    path = os.path.join(FIXTURES, "lg4_background", "lg401_evidence.py")
    return {f.line: f.message for f in check_paths([path], Settings()).findings if f.code == "LG401"}


def test_the_override_is_cited_not_the_abstract_method():
    messages = _messages()
    assert "(`CsvExporter.export()` at lg401_evidence.py:20, which reaches `open()` at lg401_evidence.py:25)" in messages[78]
    assert "(`SlackNotifier.notify()` at lg401_evidence.py:35, which reaches `requests.post()` at lg401_evidence.py:40)" in messages[79]


def test_raise_not_implemented_without_override_is_cited():
    assert "(`step()` at lg401_evidence.py:48, which reaches `raise` at lg401_evidence.py:45)" in _messages()[80]


def test_io_is_preferred_and_non_raising_calls_are_skipped():
    messages = _messages()
    assert "(`client.get()` at lg401_evidence.py:57)" in messages[86]
    assert "(`requests.post()` at lg401_evidence.py:64)" in messages[87]
    assert 88 not in messages  # only `task.cancel()`: nothing can raise


def test_a_release_is_not_cited_when_the_task_does_other_work():
    # fixtures/lg4_background/lg401_release_only.py: releases alone are not reported at all.
    path = os.path.join(FIXTURES, "lg4_background", "lg401_release_only.py")
    messages = {f.line: f.message for f in check_paths([path], Settings()).findings if f.code == "LG401"}
    assert "(`client.post()` at lg401_release_only.py:32)" in messages[83]
    assert "(`raise` at lg401_release_only.py:37)" in messages[84]
    assert "(`finish_request()` at lg401_release_only.py:70, which reaches `client.post()`" in messages[73]
    assert set(messages) == {73, 83, 84, 85}
