"""Rendering a LintReport for people, scripts and CI (human, json, github, junit, sarif)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from martflow.core.reports import LintReport, LintViolation
from martflow.errors import UsageError

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report: LintReport, fmt: str, *, paths: Sequence[str] = ()) -> str:
    """The report in ``fmt``: one of ``FORMATS``.

    Args:
        report: what the linter found.
        fmt: the output format.
        paths: every linted file, when known; junit then lists clean files by name.

    Raises:
        UsageError: for an unknown format.
    """
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise UsageError(f"unknown lint format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return renderer(report, paths)


def _by_file(violations: Sequence[LintViolation]) -> dict[str, list[LintViolation]]:
    grouped: dict[str, list[LintViolation]] = {}
    for v in violations:
        grouped.setdefault(v.path, []).append(v)
    return grouped


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _human(report: LintReport, paths: Sequence[str]) -> str:
    lines = [f"{v.path}:{v.line}:{v.column}: {v.code} {v.description}" for v in report.violations]
    if report.violations:
        files = len(_by_file(report.violations))
        summary = f"{_plural(len(report.violations), 'violation')} in {_plural(files, 'file')}"
    else:
        summary = f"All {_plural(report.files, 'file')} clean"
    if report.changed:
        summary += f" ({report.fixed} fixed in {_plural(len(report.changed), 'changed file')})"
    elif report.fixed:
        summary += f" ({report.fixed} fixed)"
    return "\n".join([*fixed_file_lines(report), *lines, summary]) + "\n"


def fixed_file_lines(report: LintReport) -> list[str]:
    """One ``fixed: PATH`` line per file a fix rewrote."""
    return [f"fixed: {path}" for path in report.changed]


def _json(report: LintReport, paths: Sequence[str]) -> str:
    document: dict[str, object] = {
        "files": report.files,
        "violations": [v.to_json() for v in report.violations],
    }
    if report.changed:
        document["fixed"] = report.fixed
        document["changed"] = list(report.changed)
    return json.dumps(document, indent=2) + "\n"


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: LintReport, paths: Sequence[str]) -> str:
    lines = [
        f"::error file={_github_property(v.path)},line={v.line},col={v.column},"
        f"title={_github_property(v.code)}::{_github_data(v.description)}"
        for v in report.violations
    ]
    return "".join(line + "\n" for line in lines)


def _junit(report: LintReport, paths: Sequence[str]) -> str:
    import xml.etree.ElementTree as ET  # only this format needs it: not on every lint's path

    grouped = _by_file(report.violations)
    names = sorted({*paths, *grouped})
    unnamed_clean = max(0, report.files - len(names))
    tests = len(names) + (1 if unnamed_clean else 0)
    suites = ET.Element("testsuites", name="sqlfluff")
    suite = ET.SubElement(
        suites, "testsuite", name="sqlfluff", tests=str(tests), failures=str(len(grouped))
    )
    suite.set("errors", "0")
    suites.set("tests", str(tests))
    suites.set("failures", str(len(grouped)))
    for name in names:
        case = ET.SubElement(suite, "testcase", classname="sqlfluff", name=name, file=name)
        found = grouped.get(name)
        if found:
            failure = ET.SubElement(
                case, "failure", type="lint", message=_plural(len(found), "violation")
            )
            failure.text = "\n".join(
                f"{v.line}:{v.column}: {v.code} {v.description}" for v in found
            )
    if unnamed_clean:
        # The report counts clean files without naming them: one passing case stands for them.
        ET.SubElement(
            suite, "testcase", classname="sqlfluff", name=_plural(unnamed_clean, "clean file")
        )
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _sarif(report: LintReport, paths: Sequence[str]) -> str:
    codes = sorted({v.code for v in report.violations})
    index = {code: i for i, code in enumerate(codes)}
    results = [
        {
            "ruleId": v.code,
            "ruleIndex": index[v.code],
            "level": "error",
            "message": {"text": v.description},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": v.path},
                        # SARIF lines and columns start at 1.
                        "region": {"startLine": max(1, v.line), "startColumn": max(1, v.column)},
                    }
                }
            ],
        }
        for v in report.violations
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sqlfluff",
                        "informationUri": "https://sqlfluff.com",
                        "rules": [{"id": code} for code in codes],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


_RENDERERS: dict[str, Callable[[LintReport, Sequence[str]], str]] = {
    "human": _human,
    "json": _json,
    "github": _github,
    "junit": _junit,
    "sarif": _sarif,
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)
"""Every format ``render`` knows, in the order the CLI lists them."""
