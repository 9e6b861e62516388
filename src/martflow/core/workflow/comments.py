"""What martflow tells the PM after each step, as neutral documents (one function per message).

Each function returns a ``Document``; a caller that has more to say appends to it
(``comment + document(paragraph(...))``). Names of models, branches, files and commits
are code spans, so every tracker shows them as code.
"""

from __future__ import annotations

from collections.abc import Sequence

from martflow.core.document import (
    CodeBlock,
    Document,
    PartLike,
    Parts,
    bullets,
    code,
    document,
    link,
    paragraph,
    parts,
    strong,
    table,
)
from martflow.core.reports import BuildReport, LintViolation, NodeResult

MAX_ROWS = 50
"""The most dbt nodes a build comment lists in its table."""
MAX_QUERIES = 3
"""The most failing checks whose query a build comment shows."""
_FAILING = frozenset({"error", "fail", "runtime error"})


def started(branch: str) -> Document:
    return document(paragraph("martflow started work on this ticket on branch ", code(branch), "."))


def scaffolded(models: Sequence[str], warnings: Sequence[str] = ()) -> Document:
    return document(
        paragraph("martflow scaffolded the models for this ticket:"),
        bullets(code(m) for m in models),
        *(paragraph(f"Note: {warning}") for warning in warnings),
    )


def lint_clean(files: int, fixed: int) -> Document:
    done = f", {fixed} fixed" if fixed else ""
    return document(paragraph(f"martflow linted {files} models with sqlfluff: clean{done}."))


def lint_failed(violations: Sequence[LintViolation], listed: int) -> Document:
    count = len(violations)
    items: list[Parts] = [
        parts(code(f"{v.path}:{v.line}:{v.column}"), " ", code(v.code), f" {v.description}")
        for v in violations[:listed]
    ]
    comment = document(
        paragraph("martflow lint found ", strong(f"{count} sqlfluff violations"), ":"),
        bullets(items),
    )
    if count > listed:
        comment += document(paragraph(f"(and {count - listed} more)"))
    return comment


def built(report: BuildReport, summary: str) -> Document:
    """The build's verdict and a table of every node with its status."""
    failures = report.failures
    if failures:
        names: list[PartLike] = []
        for index, node in enumerate(failures[:5]):
            names.extend([", " if index else "", code(node.name)])
        head = paragraph(
            "martflow build ", strong("failed"), f": {len(failures)} failing (", *names, ")."
        )
    else:
        head = paragraph("martflow build ", strong("passed"), f": {summary}.")
    nodes = report.nodes[:MAX_ROWS]
    comment = document(head, table(("node", "type", "status", "seconds"), map(_node_row, nodes)))
    if len(report.nodes) > MAX_ROWS:
        comment += document(paragraph(f"(and {len(report.nodes) - MAX_ROWS} more nodes)"))
    return comment + _checks(report)


def _checks(report: BuildReport) -> Document:
    """Every data check in words with its result (tests, then the sources' freshness); a
    failing one with its rows' count and the query showing them."""
    checks = [n for n in (*report.nodes, *report.freshness) if n.check][:MAX_ROWS]
    if not checks:
        return document()
    passed = sum(1 for n in checks if n.status == "pass")
    rows = [(parts(n.check), _verdict(n)) for n in checks]
    result = document(
        paragraph(f"Data checks: {passed} of {len(checks)} passed."),
        table(("check", "result"), rows),
    )
    for node in [n for n in checks if n.query][:MAX_QUERIES]:
        lead = "The rows failing" if node.resource_type == "test" else "To look at"
        result += document(paragraph(f"{lead} '{node.check}':"), CodeBlock(node.query, "sql"))
    return result


def _verdict(node: NodeResult) -> Parts:
    text = verdict(node)
    return parts(strong(text)) if node.status in _FAILING or node.status == "warn" else parts(text)


def verdict(node: NodeResult) -> str:
    """A check's result in words: ``pass``, ``fail: 3 rows``, ``error: last synced 3 days ago``."""
    if node.status in _FAILING or node.status == "warn":
        found = node.detail or (f"{node.failures:,} rows" if node.failures is not None else "")
        return f"{node.status}: {found}" if found else node.status
    return node.status


def documented(path: str, columns: int, page_queued: bool) -> Document:
    """The data dictionary was written (and its Confluence page is on its way)."""
    page = " Its Confluence page is linked from this ticket once published." if page_queued else ""
    return document(
        paragraph(
            f"martflow wrote the data dictionary of {columns} columns to ", code(path), f".{page}"
        )
    )


def committed(sha: str, files: int, pushed_to: str | None) -> Document:
    where: list[PartLike] = [" and pushed to ", code(pushed_to)] if pushed_to else []
    return document(paragraph(f"martflow committed {files} files as ", code(sha), *where, "."))


def published(dashboard: str, location: str) -> Document:
    target = link(location, location) if location.startswith(("https://", "http://")) else None
    return document(
        paragraph(f"martflow published the dashboard '{dashboard}': ", target or code(location))
    )


def step_failed(step: str, title: str, message: str) -> Document:
    return document(paragraph(f"martflow: the {step} step failed. {title}: {message}"))


def spec_invalid(problems: Sequence[str]) -> Document:
    return document(
        paragraph("martflow cannot work on this ticket yet: its spec does not validate."),
        bullets(problems),
        paragraph(
            "Please fix the martflow YAML block in the description (or ",
            code("specs/KEY.yml"),
            "); the pipeline picks it up on the next run.",
        ),
    )


def spec_posted(key: str, yaml_text: str) -> Document:
    return document(
        paragraph(f"Spec for {key} (", code(f"specs/{key}.yml"), "):"),
        CodeBlock(yaml_text.rstrip("\n"), "yaml"),
    )


def _node_row(node: NodeResult) -> tuple[Parts, ...]:
    status = strong(node.status) if node.status in _FAILING else node.status
    return (parts(code(node.name)), parts(node.resource_type), parts(status), parts(_secs(node)))


def _secs(node: NodeResult) -> str:
    return f"{node.execution_time:.2f}"
