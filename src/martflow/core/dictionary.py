"""A mart's data dictionary: what it is for, its grain, columns, tests and lineage.

Built from what dbt knows after the build (the manifest: descriptions, tests, parents)
and what the warehouse holds (the catalog: each column's type); rendered as Markdown
for the repository (``core.dictionary_render``) and as Confluence storage XHTML.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from martflow.core.naming import is_bare_name

DICTIONARY_DIR = PurePosixPath("docs/data-dictionary")
"""Where the dictionaries live, relative to the repository root."""
_MAX_MODEL_NAME = 127
"""Longer names would not make a portable file name."""


@dataclass(frozen=True)
class DictionaryColumn:
    """One column of the mart."""

    name: str
    data_type: str
    description: str = ""
    tests: tuple[str, ...] = ()
    pii: str = ""
    """Personal data: how staging treats it (``hash``, ``mask``; ``yes`` when unsaid)."""


@dataclass(frozen=True)
class LineageEntry:
    """One table or model upstream of the mart (the mart itself first)."""

    name: str
    kind: str
    """``model``, ``seed``, ``snapshot`` or ``source``."""
    relation: str
    parents: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataDictionary:
    """Everything a reader needs to use one mart."""

    model: str
    ticket_key: str
    purpose: str
    """The ticket's summary: untrusted text, escaped by every renderer."""
    relation: str
    grain: tuple[str, ...]
    columns: tuple[DictionaryColumn, ...]
    model_tests: tuple[str, ...] = ()
    lineage: tuple[LineageEntry, ...] = ()
    ticket_url: str = ""
    description: str = ""
    """The model's description in its YAML, when it says more than the purpose."""

    @property
    def title(self) -> str:
        """The page title: stable for a mart, so a page is found again by it."""
        return f"Data dictionary: {self.model}"

    @property
    def sources(self) -> list[LineageEntry]:
        """The raw tables (declared sources and seeds) the mart is built from."""
        return [e for e in self.lineage if e.kind in {"source", "seed"}]


def dictionary_path(model: str) -> PurePosixPath:
    """``docs/data-dictionary/<model>.md``; ``model`` must be a plain identifier.

    Raises:
        ValueError: the name is not an identifier (it would not stay in the folder).
    """
    if not is_bare_name(model, _MAX_MODEL_NAME):
        raise ValueError(f"{model!r} is not a model name")
    return DICTIONARY_DIR / f"{model}.md"


def content_hash(text: str) -> str:
    """The SHA-256 of rendered content: what a published page is compared by."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def from_model_docs(
    docs: Mapping[str, Any],
    *,
    ticket_key: str,
    purpose: str,
    grain: Sequence[str],
    ticket_url: str = "",
) -> DataDictionary:
    """A dictionary from the dbt worker's ``model_docs`` answer (manifest and catalog).

    The catalog decides which columns exist and their order and types; the manifest
    adds descriptions and tests (a documented column missing from the warehouse is left
    out: the table is the truth).
    """
    model = docs["model"]
    documented = {str(k).lower(): v for k, v in (model.get("columns") or {}).items()}
    tests: dict[str, list[str]] = {}
    model_tests: list[str] = []
    for test in model.get("tests") or []:
        column = str(test.get("column") or "").lower()
        (tests.setdefault(column, []) if column else model_tests).append(str(test["test"]))
    columns = []
    for entry in docs.get("catalog") or []:
        name = str(entry["name"])
        known = documented.get(name.lower(), {})
        declared_type = str(known.get("data_type") or "")
        pii = str(known.get("pii") or "")
        columns.append(
            DictionaryColumn(
                name=name,
                data_type=str(entry.get("data_type") or declared_type),
                description=_with_pii(str(known.get("description") or ""), pii),
                tests=tuple(sorted(set(tests.get(name.lower(), [])))),
                pii=pii,
            )
        )
    description = str(model.get("description") or "")
    return DataDictionary(
        model=str(model["name"]),
        ticket_key=ticket_key,
        purpose=purpose,
        relation=str(model.get("relation") or ""),
        grain=tuple(grain),
        columns=tuple(columns),
        model_tests=tuple(sorted(set(model_tests))),
        lineage=tuple(
            LineageEntry(
                name=str(e["name"]),
                kind=str(e["kind"]),
                relation=str(e.get("relation") or ""),
                parents=tuple(str(p) for p in e.get("parents") or []),
            )
            for e in docs.get("lineage") or []
        ),
        ticket_url=ticket_url,
        # The scaffolded description is "KEY: summary": the purpose again, said once.
        description="" if _restates(description, purpose, ticket_key) else description,
    )


def _with_pii(description: str, pii: str) -> str:
    """A PII column's description, saying so first (once)."""
    if not pii or "(PII" in description:
        return description
    how = "" if pii == "yes" else f", {pii}"
    return f"Personal data (PII{how}). {description}".strip()


def _restates(description: str, purpose: str, key: str) -> bool:
    text, said = description.strip(), purpose.strip()
    return text in {said, f"{key}: {said}"}


@dataclass(frozen=True)
class DictionaryPage:
    """A dictionary rendered for Confluence, as the outbox holds it until delivered."""

    model: str
    ticket_key: str
    title: str
    body: str
    """Storage-format XHTML."""

    @property
    def content_hash(self) -> str:
        """Compared with the hash kept in the page's property: Confluence rewrites bodies."""
        return content_hash(f"{self.title}\n{self.body}")

    @classmethod
    def of(cls, dictionary: DataDictionary, body: str) -> DictionaryPage:
        return cls(dictionary.model, dictionary.ticket_key, dictionary.title, body)

    def to_payload(self) -> str:
        return json.dumps(
            {
                "model": self.model,
                "ticket": self.ticket_key,
                "title": self.title,
                "body": self.body,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_payload(cls, payload: str) -> DictionaryPage:
        data = json.loads(payload)
        return cls(str(data["model"]), str(data["ticket"]), str(data["title"]), str(data["body"]))


@dataclass(frozen=True)
class PublishedPage:
    """Where a page is, and what publishing it did (created, updated or unchanged)."""

    page_id: str
    url: str
    action: str
