"""The YAML files: sources (merged into a hand-edited file), staging and mart properties.

Free text (ticket summary, warehouse names) enters YAML only here, as data, after
cookiecutter has rendered: built with ``yaml.safe_dump`` (or ruamel's round-trip dumper
for the merged sources file) and escaped with ``dbt_escape`` because dbt renders Jinja in
descriptions and names.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from typing import cast

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelYAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from martflow.core.models import ColumnRef
from martflow.core.naming import NOT_EMPTY_TEST, surrogate_key
from martflow.errors import ScaffoldError
from martflow.project_scaffold.blueprint import Blueprint
from martflow.project_scaffold.cleaning import Cleaning, accepted_values
from martflow.project_scaffold.el_metadata import LOADED_AT
from martflow.project_scaffold.naming import dbt_escape
from martflow.project_scaffold.pii import treatment_note
from martflow.project_scaffold.quality import null_rate_test
from martflow.project_scaffold.staging import StagedTable
from martflow.project_scaffold.yaml_comments import append_keeping_comments


def _round_trip(existing: str | None = None) -> YAML:
    """ruamel's round-trip YAML, indenting like ``existing`` does (dbt Labs' style if new)."""
    mapping, sequence, offset = 2, 4, 2
    if existing:
        with contextlib.suppress(RuamelYAMLError):
            # The guess measures list items: "  - name:" gives (4, 2), "- name:" (2, 0).
            _, sequence, offset = load_yaml_guess_indent(existing)
            mapping = sequence - offset if offset else sequence
    rt = YAML(typ="rt")
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    rt.width = 4096
    rt.preserve_quotes = True
    return rt


def sources_yaml(
    existing: str | None,
    path: str,
    source: str,
    schema: str,
    tables: Sequence[StagedTable],
    freshness_hours: tuple[int, int] = (24, 48),
) -> str:
    """The sources file with every table and column of ``tables`` present.

    An existing file is merged, not replaced: missing tables and columns are added, and
    everything else (comments, hand-added tables, tests, quoting) is kept. When nothing
    is missing the existing text is returned unchanged. A new table an EL tool landed gets
    its sync timestamp as ``loaded_at_field`` and a ``freshness`` block warning and
    erroring after ``freshness_hours``.
    """
    rt = _round_trip(existing)
    try:
        doc = rt.load(existing) if existing else None
    except RuamelYAMLError as exc:
        raise ScaffoldError(f"{path} is not valid YAML; fix or remove it: {exc}") from exc
    if doc is None:
        doc = CommentedMap([("version", 2), ("sources", CommentedSeq())])
    entries = doc.setdefault("sources", CommentedSeq()) if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ScaffoldError(f"{path}: expected a mapping with a 'sources' list")
    changed = existing is None
    entry = _named(entries, source)
    if entry is None:
        entry = CommentedMap([("name", source), ("schema", schema), ("tables", CommentedSeq())])
        append_keeping_comments(cast(CommentedSeq, entries), entry)
        changed = True
    table_entries = _list(entry, "tables", path)
    for table in tables:
        table_entry = _named(table_entries, table.ref.table)
        if table_entry is None:
            # Complete before appending, so comments after the list stay below all of it.
            names = [CommentedMap([("name", dbt_escape(c.raw))]) for c in table.columns]
            table_entry = CommentedMap([("name", table.ref.table)])
            if table.loader.synced:
                table_entry["config"] = _freshness(table.loader.synced, freshness_hours)
            table_entry["columns"] = CommentedSeq(names)
            append_keeping_comments(table_entries, table_entry)
            changed = True
        columns = _list(table_entry, "columns", path)
        for column in table.columns:
            if _named(columns, dbt_escape(column.raw)) is None:
                append_keeping_comments(columns, CommentedMap([("name", dbt_escape(column.raw))]))
                changed = True
    if not changed and existing is not None:
        return existing
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue()


def staging_models_yaml(
    existing: str | None,
    tables: Sequence[StagedTable],
    relationships: Sequence[tuple[ColumnRef, ColumnRef]],
    models: Mapping[str, str],
) -> str:
    """Descriptions of a source's staging models, with ``relationships`` on join keys.

    ``models`` maps every spec table (of any source) to its staging model. Several
    tickets share one source file: models of ``existing`` that this spec does not stage
    are kept, and tests already on a column of a restaged model are kept too.
    """
    entries: list[dict[str, object]] = []
    for table in tables:
        columns = []
        for column in table.columns:
            description = f'Source column "{column.raw}".'
            if column.name == LOADED_AT:
                description = f'When {table.loader.loader} synced the row ("{column.raw}").'
            description += cleaning_note(column.cleaning)
            if column.pii:
                description = treatment_note(column.pii, column.raw)
            entry: dict[str, object] = {
                "name": column.name,
                "description": dbt_escape(description),
            }
            if column.pii:
                entry["meta"] = pii_meta(column.pii)
            tests = [
                _relationship(models[one.table], one.column)
                for many, one in relationships
                if many.table == table.ref.table and many.column == column.name
            ]
            if column.cleaning.kind == "category" and column.cleaning.testable:
                tests.append(_accepted_values(column.cleaning))
            if tests:
                entry["data_tests"] = tests
            columns.append(entry)
        entries.append(
            {
                "name": table.model,
                "description": _staging_description(table),
                "columns": columns,
            }
        )
    return _dump({"version": 2, "models": _merge_models(existing, entries)})


def _staging_description(table: StagedTable) -> str:
    text = (
        f"{table.ref.name} with columns renamed to snake_case, text dates cast, "
        "and exact duplicate rows removed"
    )
    if table.dropped_pii:
        text += "; personal-data columns left out: " + ", ".join(table.dropped_pii)
    loader = table.loader
    if loader.deleted:
        text += f"; rows {loader.loader} marks as deleted ({loader.deleted}) are dropped"
    if loader.dropped:
        text += f"; {loader.loader}'s other bookkeeping columns are left out"
    return dbt_escape(text + ".")


def mart_models_yaml(
    blueprint: Blueprint,
    key: str,
    summary: str,
    config: Mapping[str, object] | None = None,
    max_null_rate: float | None = None,
    null_rates: Mapping[str, float | None] | None = None,
) -> str:
    """The mart's properties: the ticket as description, tests on the grain, and ``config``
    (its materialization, see ``materialization.mart_config``) when there is one.

    The mart is tested to have rows; each dimension and measure to be empty in at most
    ``max_null_rate`` of them (``null_rates`` overrides it by mart column; no test when
    neither gives a rate).
    """
    spec = blueprint.spec
    grain = blueprint.mart_grain()
    tests = ["unique", "not_null"] if len(grain) == 1 else ["not_null"]
    columns: list[dict[str, object]] = []
    for ref in spec.grain:
        columns.append(_column(blueprint.alias(ref), f"Grain: {ref}.", tests))
    if spec.time is not None:
        text = f"Grain: the {spec.time.grain} of {spec.time.column} (its first day)."
        columns.append(_column(spec.time.name, text, tests))
    if len(grain) > 1:
        key_description = "Surrogate key: md5 of the grain columns " + ", ".join(grain) + "."
        columns.append(_column(surrogate_key(spec.mart), key_description, ["unique", "not_null"]))
    for ref in spec.dimensions:
        if blueprint.alias(ref) not in grain:
            columns.append(_column(blueprint.alias(ref), f"Dimension: {ref}."))
    _mark_pii(blueprint, columns)
    for measure in spec.measures:
        text = f"Measure: {measure.expr}."
        if measure.rolling and spec.time is not None:
            text = (
                f"Measure: {measure.expr} over the last {measure.rolling} rows of each "
                f"series by {spec.time.name} ({measure.rolling} {spec.time.grain}s when "
                "every period has rows)."
            )
        columns.append(_column(measure.name, text))
    if spec.incremental is not None:
        alias = blueprint.alias(spec.incremental)
        if all(c["name"] != alias for c in columns):
            text = f"Incremental key: the newest {spec.incremental} of the row's inputs."
            columns.append(_column(alias, text))
    _cap_null_rates(columns, grain, max_null_rate, null_rates or {})
    model: dict[str, object] = {
        "name": spec.mart_model,
        "description": dbt_escape(f"{key}: {summary}"),
    }
    if config:
        model["config"] = dict(config)  # config.toml's own values: dbt may render them
    model["data_tests"] = [NOT_EMPTY_TEST]
    model["columns"] = columns
    return _dump({"version": 2, "models": [model]})


def pii_meta(mode: str) -> dict[str, object]:
    """The ``meta`` of a personal-data column: what the data dictionary shows."""
    return {"pii": True, "pii_treatment": mode}


def cleaning_note(cleaning: Cleaning) -> str:
    """What a cleaned column's description adds."""
    if cleaning.kind == "flag":
        return " Text flag read as a boolean."
    if cleaning.kind == "category":
        return " Category: trimmed and lower-cased."
    return ""


def _mark_pii(blueprint: Blueprint, columns: list[dict[str, object]]) -> None:
    """Mart columns taken from a personal-data column carry its meta and a note."""
    by_name = {c["name"]: c for c in columns}
    for ref, alias in blueprint.selected:
        staged = blueprint.table(ref.table).column(ref.column)
        entry = by_name.get(alias)
        if staged is None or not staged.pii or entry is None:
            continue
        entry["meta"] = pii_meta(staged.pii)
        note = dbt_escape(f" Personal data (PII, {staged.pii}ed in staging).")
        entry["description"] = f"{entry['description']}{note}"


def _accepted_values(cleaning: Cleaning) -> dict[str, object]:
    # Values are data: dbt_escape keeps them out of Jinja; doubled quotes keep them text.
    values = [dbt_escape(v) for v in accepted_values(cleaning)]
    test: dict[str, object] = {"arguments": {"values": values}}
    if cleaning.sampled:
        test["config"] = {"severity": "warn"}  # found in a sample: a new value may be fine
    return {"accepted_values": test}


def _cap_null_rates(
    columns: list[dict[str, object]],
    grain: Sequence[str],
    default: float | None,
    overrides: Mapping[str, float | None],
) -> None:
    """Adds the null-rate test to every non-grain column that has a rate."""
    for column in columns:
        name = str(column["name"])
        rate = overrides.get(name, default)
        tests = column.get("data_tests")
        tests = list(tests) if isinstance(tests, list) else []
        if name in grain or rate is None or "not_null" in tests:
            continue
        column["data_tests"] = [*tests, null_rate_test(rate)]


def grain_key(blueprint: Blueprint) -> str:
    """The mart column identifying a row: the grain column, or the surrogate key of several."""
    grain = blueprint.mart_grain()
    return grain[0] if len(grain) == 1 else surrogate_key(blueprint.spec.mart)


def grain_tests(blueprint: Blueprint) -> tuple[str, ...]:
    """dbt's names of the ``unique`` tests ``mart_models_yaml`` puts on the grain."""
    return (f"unique_{blueprint.spec.mart_model}_{grain_key(blueprint)}",)


def _merge_models(existing: str | None, ours: list[dict[str, object]]) -> list[object]:
    try:
        doc = yaml.safe_load(existing) if existing else None
    except yaml.YAMLError:
        doc = None  # not ours any more: the plan reports it as a conflict
    old = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(old, list):
        return list(ours)
    by_name = {m["name"]: m for m in ours}
    merged: list[object] = []
    for entry in old:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name in by_name:
            merged.append(_keep_tests(entry, by_name.pop(name)))
        else:
            merged.append(entry)
    return merged + list(by_name.values())


def _keep_tests(old: dict[str, object], new: dict[str, object]) -> dict[str, object]:
    """``new`` with the column tests ``old`` had and ``new`` lacks."""
    old_columns = old.get("columns")
    old_by_name = (
        {c.get("name"): c for c in old_columns or [] if isinstance(c, dict)}
        if isinstance(old_columns, list)
        else {}
    )
    new_columns = new["columns"]
    for column in new_columns if isinstance(new_columns, list) else []:
        previous = old_by_name.get(column["name"], {})
        old_tests = previous.get("data_tests") if isinstance(previous, dict) else None
        if isinstance(old_tests, list):
            tests = list(column.get("data_tests", []))
            tests += [t for t in old_tests if t not in tests]
            column["data_tests"] = tests
    return new


def _freshness(synced: str, hours: tuple[int, int]) -> CommentedMap:
    """dbt >= 1.10 takes ``loaded_at_field`` and ``freshness`` under a table's ``config``."""
    warn, error = hours
    return CommentedMap(
        [
            ("loaded_at_field", synced),
            (
                "freshness",
                CommentedMap(
                    [
                        ("warn_after", CommentedMap([("count", warn), ("period", "hour")])),
                        ("error_after", CommentedMap([("count", error), ("period", "hour")])),
                    ]
                ),
            ),
        ]
    )


def _list(entry: CommentedMap, key: str, path: str) -> CommentedSeq:
    """``entry[key]`` as a list, created if missing or empty."""
    if entry.get(key) is None:
        entry[key] = CommentedSeq()
    if not isinstance(entry[key], list):
        raise ScaffoldError(f"{path}: {key!r} of {entry.get('name')!r} is not a list")
    return entry[key]


def _column(name: str, description: str, tests: Sequence[str] = ()) -> dict[str, object]:
    entry: dict[str, object] = {"name": name, "description": dbt_escape(description)}
    if tests:
        entry["data_tests"] = list(tests)
    return entry


def _relationship(model: str, field: str) -> dict[str, object]:
    # dbt >= 1.10 takes generic test arguments under ``arguments``.
    return {"relationships": {"arguments": {"to": f"ref('{model}')", "field": field}}}


def _named(entries: object, name: str) -> CommentedMap | None:
    if not isinstance(entries, list):
        return None
    found = next((e for e in entries if isinstance(e, dict) and e.get("name") == name), None)
    return found if isinstance(found, CommentedMap) else None


def _dump(data: dict[str, object]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)
