"""The spec's governance keys: ``pii`` (personal data columns) and ``clean`` (switches).

``pii: [customers.email, customers.phone]`` names input columns holding personal data;
staging hashes, masks or drops them (``[scaffold] pii``). ``clean: false`` turns off the
cleaning staging generates from a profile of the data (flags to booleans, categories
trimmed and lower-cased); ``clean: {customers.status: false}`` turns it off per column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from martflow.core.models import ColumnRef
from martflow.core.spec.messages import _describe, _Problems, _type_reason

CLEAN_EXAMPLE = "false, or a mapping like {customers.status: false}"


class ColumnReader(Protocol):
    """What the spec validator offers: its problems, and reading ``table.column`` lists."""

    p: _Problems

    def columns(self, value: object, path: str, required: bool = False) -> list[ColumnRef]: ...
    def column(self, item: object, path: str, bare_table: str | None) -> ColumnRef | None: ...


@dataclass(frozen=True)
class Governance:
    """What the spec says about personal data and cleaning."""

    pii: tuple[ColumnRef, ...] = ()
    unclean: tuple[ColumnRef, ...] = ()
    clean: bool = True


def governance(reader: ColumnReader, body: dict[str, object]) -> Governance:
    """The ``pii`` and ``clean`` keys of a spec body, problems added to the reader's."""
    pii = reader.columns(body.get("pii"), "martflow.pii")
    value = body.get("clean")
    path = "martflow.clean"
    if value is None or value is True:
        return Governance(tuple(pii))
    if value is False:
        return Governance(tuple(pii), clean=False)
    if not isinstance(value, dict):
        reader.p.add(path, _type_reason(value, CLEAN_EXAMPLE))
        return Governance(tuple(pii))
    unclean: list[ColumnRef] = []
    for key, switch in value.items():
        ref = reader.column(key, f"{path}.{_describe(key)}", bare_table=None)
        if not isinstance(switch, bool):
            reader.p.add(f"{path}.{_describe(key)}", f"{_describe(switch)} must be true or false")
            continue
        if ref is not None and not switch:
            unclean.append(ref)
    return Governance(tuple(pii), tuple(unclean))
