"""Rendering lint reports: every format is parsed back, not grepped."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from martflow.core.lint_format import FORMATS, render
from martflow.core.reports import LintReport, LintViolation
from martflow.errors import UsageError

DIRTY = LintReport(
    files=3,
    violations=(
        LintViolation("models/a.sql", 1, 1, "CP01", "Keywords must be lower case."),
        LintViolation("models/a.sql", 4, 7, "LT01", "Unnecessary trailing whitespace."),
        LintViolation("models/b.sql", 2, 3, "PRS", "Line 2, Position 3: Found unparsable section"),
    ),
)
CLEAN = LintReport(files=2)


def test_human_lists_each_violation_then_a_summary() -> None:
    lines = render(DIRTY, "human").splitlines()
    assert lines == [
        "models/a.sql:1:1: CP01 Keywords must be lower case.",
        "models/a.sql:4:7: LT01 Unnecessary trailing whitespace.",
        "models/b.sql:2:3: PRS Line 2, Position 3: Found unparsable section",
        "3 violations in 2 files",
    ]


def test_human_clean_and_singular_and_fixed() -> None:
    assert render(CLEAN, "human") == "All 2 files clean\n"
    one = LintReport(files=1, violations=DIRTY.violations[:1], fixed=4)
    assert render(one, "human").splitlines()[-1] == "1 violation in 1 file (4 fixed)"


def test_json_has_exactly_the_design_shape() -> None:
    document = json.loads(render(DIRTY, "json"))
    assert set(document) == {"files", "violations"}
    assert document["files"] == 3
    assert document["violations"][2] == {
        "path": "models/b.sql",
        "line": 2,
        "column": 3,
        "code": "PRS",
        "description": "Line 2, Position 3: Found unparsable section",
    }
    assert json.loads(render(CLEAN, "json")) == {"files": 2, "violations": []}


def test_github_workflow_commands_escape_properties_and_data() -> None:
    report = LintReport(
        files=1,
        violations=(
            LintViolation("models/x,y:z.sql", 3, 9, "AL05", "100% bad\r\nreally: yes, bad"),
        ),
    )
    assert render(report, "github") == (
        "::error file=models/x%2Cy%3Az.sql,line=3,col=9,title=AL05"
        "::100%25 bad%0D%0Areally: yes, bad\n"
    )
    assert render(CLEAN, "github") == ""
    assert render(DIRTY, "github").count("::error ") == 3


def test_junit_is_valid_xml_with_one_testcase_per_file() -> None:
    paths = ["models/a.sql", "models/b.sql", "models/c.sql"]
    root = ET.fromstring(render(DIRTY, "junit", paths=paths))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert sorted(cases) == paths
    assert cases["models/c.sql"].find("failure") is None
    failure = cases["models/a.sql"].find("failure")
    assert failure is not None
    assert failure.get("message") == "2 violations"
    assert "4:7: LT01 Unnecessary trailing whitespace." in (failure.text or "")


def test_junit_without_paths_still_counts_clean_files() -> None:
    suite = ET.fromstring(render(DIRTY, "junit")).find("testsuite")
    assert suite is not None
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == ["models/a.sql", "models/b.sql", "1 clean file"]
    assert suite.get("tests") == "3"
    assert len(list(ET.fromstring(render(CLEAN, "junit")).iter("testcase"))) == 1


def test_sarif_is_a_minimal_valid_2_1_0_log() -> None:
    document = json.loads(render(DIRTY, "sarif"))
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == ["CP01", "LT01", "PRS"]
    assert len(run["results"]) == 3
    result = run["results"][1]
    assert rules[result["ruleIndex"]] == result["ruleId"] == "LT01"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "models/a.sql"
    assert location["region"] == {"startLine": 4, "startColumn": 7}
    assert json.loads(render(CLEAN, "sarif"))["runs"][0]["results"] == []


def test_unknown_format_is_a_usage_error_listing_the_valid_ones() -> None:
    with pytest.raises(UsageError) as caught:
        render(DIRTY, "xml")
    for fmt in FORMATS:
        assert fmt in str(caught.value)
    assert "'xml'" in str(caught.value)
