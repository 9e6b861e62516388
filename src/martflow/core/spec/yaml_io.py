"""Read a spec's YAML safely (untrusted ticket text) and write a spec back as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml

from martflow.core.models import TicketSpec
from martflow.core.spec.extract import extract_spec_text
from martflow.core.spec.messages import _show
from martflow.core.spec.validation import validate_spec
from martflow.errors import SpecError

MAX_SPEC_BYTES = 64 * 1024
"""Refuse YAML larger than this before parsing it (ticket text is untrusted)."""
_MAX_DEPTH = 16


class _Refused(yaml.MarkedYAMLError):
    """YAML that is valid but that a spec never needs."""


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that also refuses aliases, duplicate keys and deep nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # mypy: PyYAML's stubs leave peek_event untyped
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = cast("yaml.Mark", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(problem="anchors and aliases are not allowed", problem_mark=mark)
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise _Refused(problem=f"nested deeper than {_MAX_DEPTH} levels", problem_mark=mark)
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
    return validate_spec(data["martflow"], source)


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
