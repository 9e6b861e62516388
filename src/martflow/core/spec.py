"""The ticket spec: find it in a description, parse and validate it, write it back as YAML."""

from __future__ import annotations

import difflib
import re
import textwrap
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import yaml

from martflow.core.models import Aggregate, ColumnRef, JoinSpec, Measure, SourceRef, TicketSpec
from martflow.core.safe_text import SCRIPT_JOINERS, describe_char, first_hidden
from martflow.errors import SpecError

MAX_SPEC_BYTES = 64 * 1024
"""Refuse YAML larger than this before parsing it (ticket text is untrusted)."""
MAX_IDENTIFIER = 63
"""Longest identifier (and derived model name) most warehouses keep without truncating."""
MAX_DASHBOARD = 200
KEYS = ("sources", "joins", "mart", "kind", "grain", "dimensions", "measures", "dashboard")
"""The keys allowed under ``martflow:``."""

_MAX_DEPTH = 16
_IDENT = re.compile(r"[a-z_][a-z0-9_]*")
_IDENT_RULE = "must be a lowercase identifier ([a-z_][a-z0-9_]*)"
# ASCII-only: with Unicode case folding, U+017F (long s) would match "s" in "sum".
_AGGREGATE = re.compile(
    r"[ \t]*(?P<func>count|sum|avg|min|max)[ \t]*\([ \t]*"
    r"(?:(?P<star>\*)|(?:(?P<distinct>distinct)[ \t]+)?(?P<table>\w+)\.(?P<column>\w+))"
    r"[ \t]*\)[ \t]*",
    re.ASCII | re.IGNORECASE,
)
_AGGREGATE_RULE = "is not an aggregate; use count|sum|avg|min|max(table.column)"
_MARTFLOW_KEY = re.compile(r"^martflow[ \t]*:", re.MULTILINE)
_BARE_SPEC = re.compile(r"\A\s*(?:---[ \t]*\n\s*)?martflow[ \t]*:")
_FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})[^`\n]*")
_WIKI_OPEN = re.compile(r"\{(code|noformat)(?::[^{}\n]{0,200})?\}")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


# -- finding the block -------------------------------------------------------------------


def extract_spec_text(description: str | dict[str, Any]) -> str | None:
    """Find the YAML block with a top-level ``martflow:`` key in a ticket description.

    Looks in markdown fences (```` ``` ````, ```` ```yaml ````, ``~~~``), Jira wiki
    ``{code...}...{code}`` and ``{noformat}...{noformat}`` blocks, and, for an Atlassian
    Document Format dict, its ``codeBlock`` nodes. A description that is itself YAML
    starting with ``martflow:`` counts too. Markdown fences are tried before wiki blocks
    (so a fence pasted inside ``{noformat}`` is found), each in document order.

    Returns:
        The block's text, dedented, or None when no block has ``martflow:``.
    """
    if isinstance(description, Mapping):
        blocks = list(_adf_blocks(description))
    elif isinstance(description, str):
        text = description.replace("\r\n", "\n").replace("\r", "\n")
        blocks = [*_fenced_blocks(text), *_wiki_blocks(text)]
        if not blocks and _BARE_SPEC.match(text):
            blocks = [text]
    else:
        return None
    for block in blocks:
        dedented = textwrap.dedent(block).strip("\n")
        if _MARTFLOW_KEY.search(dedented):
            return dedented + "\n"
    return None


def _fenced_blocks(text: str) -> Iterator[str]:
    """Markdown fenced code blocks; an unclosed fence runs to the end (as in CommonMark)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opener = _FENCE.fullmatch(lines[i])
        i += 1
        if not opener:
            continue
        indent, fence = len(opener.group(1)), opener.group(2)
        closer = re.compile(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*")
        body: list[str] = []
        while i < len(lines) and not closer.fullmatch(lines[i]):
            body.append(_strip_indent(lines[i], indent))
            i += 1
        i += 1  # past the closing fence
        yield "\n".join(body)


def _strip_indent(line: str, indent: int) -> str:
    stripped = line.lstrip(" ")
    return line[min(indent, len(line) - len(stripped)) :]


def _wiki_blocks(text: str) -> Iterator[str]:
    """Jira wiki ``{code:...}`` / ``{noformat}`` blocks."""
    unclosed: set[str] = set()
    pos = 0
    while match := _WIKI_OPEN.search(text, pos):
        kind = match.group(1)
        pos = match.end()
        # Once a kind has no closer after some point, no later opener has one either:
        # skipping them keeps hostile descriptions linear.
        if kind in unclosed:
            continue
        end = text.find("{" + kind + "}", match.end())
        if end < 0:
            unclosed.add(kind)
            continue
        yield text[match.end() : end]
        pos = end + len(kind) + 2


def _adf_blocks(doc: Mapping[str, Any]) -> Iterator[str]:
    """The text of every ADF ``codeBlock`` node, in document order."""
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        content = node.get("content")
        children = content if isinstance(content, list) else []
        if node.get("type") == "codeBlock":
            text = "".join(_adf_text(child) for child in children)
            yield text.replace("\r\n", "\n").replace("\r", "\n")
        else:
            stack.extend(reversed(children))


def _adf_text(node: Any) -> str:
    if not isinstance(node, Mapping):
        return ""
    if node.get("type") == "hardBreak":
        return "\n"
    text = node.get("text")
    return text if node.get("type") == "text" and isinstance(text, str) else ""


# -- parsing -----------------------------------------------------------------------------


class _Refused(yaml.MarkedYAMLError):
    """YAML that is valid but that a spec never needs."""


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that also refuses aliases, duplicate keys and deep nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                problem="anchors and aliases are not allowed", problem_mark=event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise _Refused(
                    problem=f"nested deeper than {_MAX_DEPTH} levels", problem_mark=event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    problem = f"duplicate key {_show(key_node.value)}"
                    raise _Refused(problem=problem, problem_mark=key_node.start_mark)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def parse_spec(text: str, *, source: str = "spec") -> TicketSpec:
    """Parse and validate a spec's YAML (a mapping with a top-level ``martflow:`` key).

    A bare grain column (``customer_id``) belongs to the FIRST table in ``sources``; the
    returned spec always carries the table.

    Args:
        text: the YAML, untrusted.
        source: where it came from ("specs/DEMO-1.yml", "the description of DEMO-1"),
            named in every error.

    Raises:
        SpecError: naming the first field at fault; ``problems`` lists all of them.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"{source}: the spec is {size} bytes; the limit is {MAX_SPEC_BYTES} (64 KiB)",
            field="martflow",
        )
    try:
        # A SafeLoader subclass: it constructs plain data only, like yaml.safe_load.
        data = yaml.load(text, Loader=_SpecLoader)  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        why = " ".join(", ".join(part for part in (exc.context, exc.problem) if part).split())
        raise SpecError(f"{source}: not valid YAML{where}: {why}", field="martflow") from None
    except yaml.YAMLError as exc:
        why = " ".join(str(exc).split())
        raise SpecError(f"{source}: not valid YAML: {why}", field="martflow") from None
    if not isinstance(data, dict) or "martflow" not in data:
        raise SpecError(f"{source}: no top-level martflow: key", field="martflow")
    problems = _Problems()
    spec = _Validator(problems).spec(data["martflow"])
    if spec is None or problems.items:
        raise problems.error(source)
    return spec


def load_spec(
    description: str | dict[str, Any], spec_file: Path | None, *, key: str = ""
) -> TicketSpec:
    """The ticket's spec: ``spec_file`` when it exists, else the block in ``description``.

    Raises:
        SpecError: when neither holds a spec, or the one found does not validate.
    """
    if spec_file is not None and spec_file.exists():
        return parse_spec(_read_spec_file(spec_file), source=str(spec_file))
    where = f"the description of {key}" if key else "the ticket description"
    text = extract_spec_text(description)
    if text is None:
        alternative = str(spec_file) if spec_file is not None else f"specs/{key or 'KEY'}.yml"
        raise SpecError(
            f"no martflow spec in {where} or {alternative}; add a ```yaml block with "
            f"martflow: to the description, or write {alternative}",
            field="martflow",
        )
    return parse_spec(text, source=where)


def _read_spec_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(
                f"{path}: the spec is {path.stat().st_size} bytes; the limit is "
                f"{MAX_SPEC_BYTES} (64 KiB)",
                field="martflow",
            )
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not UTF-8 text", field="martflow") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}", field="martflow") from None


def spec_to_yaml(spec: TicketSpec) -> str:
    """The spec as ``specs/KEY.yml`` text; ``parse_spec`` of it gives the same spec back."""
    return yaml.safe_dump(
        {"martflow": spec.to_dict()},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=10_000,
    )


# -- validation --------------------------------------------------------------------------


class _Problems:
    """Every problem found, in document order, as (field path, reason)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, reason: str) -> None:
        self.items.append((path, reason))

    def error(self, source: str) -> SpecError:
        lines = [f"{path}: {reason}" for path, reason in self.items]
        more = len(lines) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        return SpecError(f"{source}: {lines[0]}{suffix}", field=self.items[0][0], problems=lines)


class _Validator:
    """Turns the mapping under ``martflow:`` into a TicketSpec, collecting problems."""

    def __init__(self, problems: _Problems) -> None:
        self.p = problems
        self.tables: dict[str, SourceRef] | None = None  # None: sources invalid, skip checks

    def spec(self, body: object) -> TicketSpec | None:
        if not isinstance(body, dict):
            self.p.add("martflow", _type_reason(body, "a mapping with sources, mart, grain, ..."))
            return None
        for key in body:
            if key not in KEYS:
                self.p.add("martflow", _unknown_key(key, KEYS))
        sources = self.sources(body.get("sources"))
        joins = self.joins(body.get("joins"))
        mart = self.mart(body.get("mart"))
        kind = "fact" if body.get("kind") is None else body["kind"]
        if kind not in ("fact", "dimension"):
            self.p.add("martflow.kind", f"{_describe(kind)} must be fact or dimension")
        grain = self.columns(body.get("grain"), "martflow.grain", required=True)
        if joins is not None and self.tables and len(self.tables) > 1:
            first = next(iter(self.tables))
            base = grain[0].table if grain and grain[0].table in self.tables else first
            self.connected(joins, base)
        dimensions = self.columns(body.get("dimensions"), "martflow.dimensions")
        self.outputs_unique(grain, dimensions)
        measures = self.measures(body.get("measures"), kind, grain, dimensions)
        dashboard = self.dashboard(body.get("dashboard"))
        if self.p.items:
            return None
        return TicketSpec(
            sources=tuple(sources),
            mart=mart,
            kind=kind,
            grain=tuple(grain),
            joins=tuple(joins or ()),
            dimensions=tuple(dimensions),
            measures=tuple(measures),
            dashboard=dashboard,
        )

    def sources(self, value: object) -> list[SourceRef]:
        path = "martflow.sources"
        items = self.list_of(value, path, "a list like [shop.orders, shop.customers]", True)
        refs: list[SourceRef] = []
        ok = items is not None
        for i, item in enumerate(items or []):
            ref = self.source(item, f"{path}[{i}]")
            if ref is None:
                ok = False
            elif (seen := next((r for r in refs if r.table == ref.table), None)) is not None:
                self.p.add(
                    f"{path}[{i}]",
                    f'table "{ref.table}" is already listed as {seen.name}; table names must be '
                    "unique across sources (joins refer to tables by name)",
                )
                ok = False
            else:
                refs.append(ref)
        if ok:
            self.tables = {r.table: r for r in refs}
        return refs

    def source(self, item: object, path: str) -> SourceRef | None:
        if not isinstance(item, str):
            self.p.add(path, _type_reason(item, "text like shop.orders"))
            return None
        parts = item.strip().split(".")
        if len(parts) == 1:  # a model or seed of the project, selected with ref()
            if reason := _ident_reason(parts[0], "model or seed"):
                self.p.add(path, reason)
                return None
            return SourceRef("", parts[0])
        if len(parts) != 2:
            self.p.add(
                path,
                f"{_show(item)} must be source.table (e.g. shop.orders) or the name of a "
                "model or seed (e.g. stg_orders)",
            )
            return None
        source, table = parts
        reasons = [r for r in (_ident_reason(source, "source"), _ident_reason(table, "table")) if r]
        if not reasons and "__" in source:
            reasons.append(
                f'source "{source}" must not contain "__" (it separates source and table '
                "in stg_<source>__<table>)"
            )
        model = f"stg_{source}__{table}"
        if not reasons and len(model) > MAX_IDENTIFIER:
            reasons.append(_too_long_model(model))
        for reason in reasons:
            self.p.add(path, reason)
        return None if reasons else SourceRef(source, table)

    def joins(self, value: object) -> list[JoinSpec] | None:
        path = "martflow.joins"
        items = self.list_of(value, path, 'a list like ["orders.customer_id = customers.id"]')
        joins: list[JoinSpec] = []
        for i, item in enumerate(items or []):
            join = self.join(item, f"{path}[{i}]")
            if join is None:
                continue
            pair = {(join.left.table, join.left.column), (join.right.table, join.right.column)}
            if any(
                {(j.left.table, j.left.column), (j.right.table, j.right.column)} == pair
                for j in joins
            ):
                self.p.add(f"{path}[{i}]", f"{_show(item)} repeats an earlier join")
                continue
            joins.append(join)
        return joins if items is not None else None

    def join(self, item: object, path: str) -> JoinSpec | None:
        shape = 'must be "table.column = table.column"'
        if not isinstance(item, str):
            self.p.add(path, _type_reason(item, 'text like "a.col = b.col"'))
            return None
        sides = item.split("=")
        if len(sides) != 2:
            self.p.add(path, f"{_show(item)} {shape}")
            return None
        left = self.column(sides[0].strip(), path, bare_table=None)
        right = self.column(sides[1].strip(), path, bare_table=None)
        if left is None or right is None:
            return None
        if left.table == right.table:
            self.p.add(path, f'joins table "{left.table}" to itself; self joins are not supported')
            return None
        return JoinSpec(left, right)

    def connected(self, joins: list[JoinSpec], base: str) -> None:
        """Every input must be reachable by joins from ``base``, the grain's table."""
        assert self.tables is not None
        names = list(self.tables)
        reached, frontier = {base}, [base]
        while frontier:
            table = frontier.pop()
            for j in joins:
                for a, b in ((j.left.table, j.right.table), (j.right.table, j.left.table)):
                    if a == table and b not in reached:
                        reached.add(b)
                        frontier.append(b)
        for table in names:
            if table not in reached:
                self.p.add(
                    "martflow.joins",
                    f'table "{table}" is not joined to {base} (the grain\'s table); add a '
                    f'join like "{base}.<column> = {table}.<column>"',
                )

    def mart(self, value: object) -> str:
        path = "martflow.mart"
        if value is None:
            self.p.add(path, "is required: the mart's name, e.g. customer_orders")
            return ""
        reason = _ident_reason(value, "")
        if reason is None and isinstance(value, str):
            if value.startswith(("fct_", "dim_")):
                reason = (
                    f"{_show(value)} must not start with fct_ or dim_; martflow adds the prefix"
                )
            elif len(model := f"int_{value}__joined") > MAX_IDENTIFIER:
                reason = _too_long_model(model)
        if reason:
            self.p.add(path, reason)
            return ""
        return str(value)

    def columns(self, value: object, path: str, required: bool = False) -> list[ColumnRef]:
        example = "a list like [customer_id]" if required else "a list like [customers.first_name]"
        items = self.list_of(value, path, example, required)
        first = next(iter(self.tables), "") if self.tables else ""
        refs: list[ColumnRef] = []
        for i, item in enumerate(items or []):
            ref = self.column(item, f"{path}[{i}]", bare_table=first if required else None)
            if ref is None:
                continue
            if ref in refs:
                self.p.add(f"{path}[{i}]", f'"{ref}" is listed twice')
                continue
            refs.append(ref)
        return refs

    def column(self, item: object, path: str, bare_table: str | None) -> ColumnRef | None:
        """A ``table.column`` (or a bare ``column`` when ``bare_table`` is given)."""
        shape = "table.column" if bare_table is None else "column or table.column"
        if not isinstance(item, str):
            self.p.add(path, _type_reason(item, f"text like {shape}"))
            return None
        parts = item.strip().split(".")
        if len(parts) == 1 and bare_table is not None:
            if reason := _ident_reason(parts[0], "column"):
                self.p.add(path, reason)
            # An empty bare_table means the sources are invalid, already reported.
            return ColumnRef(bare_table, parts[0]) if bare_table and not reason else None
        if len(parts) != 2:
            self.p.add(path, f"{_show(item)} must be {shape}")
            return None
        table, column = parts
        reasons = [r for r in (_ident_reason(table, "table"), _ident_reason(column, "column")) if r]
        if not reasons:
            reasons.append(self.table_reason(table))
        for reason in filter(None, reasons):
            self.p.add(path, reason)
        return None if any(reasons) else ColumnRef(table, column)

    def table_reason(self, table: str) -> str:
        if self.tables is None or table in self.tables:
            return ""
        return f'table "{table}" is not among the sources ({", ".join(self.tables)})'

    def outputs_unique(self, grain: list[ColumnRef], dimensions: list[ColumnRef]) -> None:
        """Grain and dimension columns become the mart's columns, so their names must differ."""
        seen = {g.column: "grain" for g in grain}
        for i, dim in enumerate(dimensions):
            if dim.column in seen:
                self.p.add(
                    f"martflow.dimensions[{i}]",
                    f'column "{dim.column}" is already a {seen[dim.column]} column; '
                    "the mart's column names must be unique",
                )
            seen.setdefault(dim.column, "dimension")

    def measures(
        self, value: object, kind: object, grain: list[ColumnRef], dims: list[ColumnRef]
    ) -> list[Measure]:
        path = "martflow.measures"
        items = self.list_of(value, path, 'a list like [{name: order_count, expr: "count(*)"}]')
        # Measure names become mart columns next to the grain and dimension columns.
        taken = {d.column: "a dimension column" for d in dims}
        taken.update({g.column: "a grain column" for g in grain})
        result: list[Measure] = []
        for i, item in enumerate(items or []):
            if (measure := self.measure(item, f"{path}[{i}]", taken)) is not None:
                result.append(measure)
        if kind == "fact" and items is not None and not items:
            self.p.add(
                path, 'a fact needs at least one measure, e.g. {name: row_count, expr: "count(*)"}'
            )
        return result

    def measure(self, item: object, path: str, taken: dict[str, str]) -> Measure | None:
        if not isinstance(item, dict):
            self.p.add(path, _type_reason(item, '{name: ..., expr: "count(*)"}'))
            return None
        for key in item:
            if key not in ("name", "expr"):
                self.p.add(path, _unknown_key(key, ("name", "expr")))
        name = item.get("name")
        reason = "is required" if name is None else _ident_reason(name, "")
        if reason is None and str(name) in taken:
            reason = (
                f'"{name}" is already {taken[str(name)]}; measure names must be unique and '
                "differ from grain and dimension columns"
            )
        if reason:
            self.p.add(f"{path}.name", reason)
        else:
            taken[str(name)] = "the name of another measure"
        parsed = self.aggregate(item.get("expr"), f"{path}.expr")
        if parsed is None or reason:
            return None
        function, column, distinct = parsed
        return Measure(str(name), cast(Aggregate, function), column, distinct)

    def aggregate(self, expr: object, path: str) -> tuple[str, ColumnRef | None, bool] | None:
        if expr is None:
            self.p.add(path, 'is required, e.g. "sum(payments.amount)"')
            return None
        if not isinstance(expr, str):
            self.p.add(path, _type_reason(expr, 'text like "sum(payments.amount)"'))
            return None
        match = _AGGREGATE.fullmatch(expr)
        func = match.group("func").lower() if match else ""
        if match is None or (match.group("star") and func != "count"):
            self.p.add(path, f"{_show(expr)} {_AGGREGATE_RULE}")
            return None
        if match.group("star"):
            return func, None, False
        column = self.column(f"{match.group('table')}.{match.group('column')}", path, None)
        if column is None:
            return None
        return func, column, match.group("distinct") is not None

    def dashboard(self, value: object) -> str:
        path = "martflow.dashboard"
        if value is None:
            return ""
        if not isinstance(value, str):
            self.p.add(path, _type_reason(value, "text (quote it)"))
            return ""
        if any(ch in _LINE_BREAKS for ch in value):
            self.p.add(path, "must be a single line")
        elif bad := first_hidden(value, SCRIPT_JOINERS):
            self.p.add(
                path,
                f"must not contain control or invisible characters (found {describe_char(bad)})",
            )
        elif len(value) > MAX_DASHBOARD:
            self.p.add(path, f"is {len(value)} characters; the limit is {MAX_DASHBOARD}")
        return value

    def list_of(
        self, value: object, path: str, example: str, required: bool = False
    ) -> list[Any] | None:
        """``value`` when it is a list (non-empty when required); None after a problem."""
        if value is None:
            if required:
                self.p.add(path, f"is required: {example}")
                return None
            return []
        if not isinstance(value, list):
            self.p.add(path, _type_reason(value, example))
            return None
        if required and not value:
            self.p.add(path, f"must not be empty: {example}")
            return None
        return value


# -- messages ----------------------------------------------------------------------------


def _ident_reason(value: object, what: str) -> str | None:
    """Why ``value`` is not an identifier, or None when it is one."""
    label = f"{what} " if what else ""
    if not isinstance(value, str):
        return f"{label}{_IDENT_RULE}, not {_kind(value)}".lstrip()
    if len(value) > MAX_IDENTIFIER:
        return f"{label}{_show(value)} is {len(value)} characters; the limit is {MAX_IDENTIFIER}"
    if _IDENT.fullmatch(value):
        return None
    hint = ""
    if odd := next((ch for ch in value if not ch.isascii()), None):
        hint = f"; it contains U+{ord(odd):04X} {unicodedata.name(odd, 'an unnamed character')}"
    return f"{label}{_show(value)} {_IDENT_RULE}{hint}"


def _too_long_model(model: str) -> str:
    return f"makes the model name {model} {len(model)} characters; the limit is {MAX_IDENTIFIER}"


def _unknown_key(key: object, allowed: tuple[str, ...]) -> str:
    if isinstance(key, str) and (close := difflib.get_close_matches(key, allowed, n=1)):
        return f'unknown key {_show(key)}; did you mean "{close[0]}"?'
    return f"unknown key {_describe(key)}; expected one of {', '.join(allowed)}"


def _type_reason(value: object, expected: str) -> str:
    if value is None:
        return f"is empty; expected {expected}"
    return f"must be {expected}, not {_kind(value)}"


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/on/off as booleans; quote it)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _describe(value: object) -> str:
    return _show(value) if isinstance(value, str) else _kind(value)


def _show(value: str, limit: int = 60) -> str:
    """``value`` quoted on one line: shortened, with unprintable characters escaped."""
    text = value if len(value) <= limit else value[:limit] + "…"
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'
