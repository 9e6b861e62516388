"""A strict reader from TOML tables to typed config sections (frozen dataclasses).

Why not pydantic: every command and the TUI's first frame read config.toml, and importing
pydantic and building its models took longer than Textual's whole start-up (issue 16). The
schema stays typed and documented (dataclass fields with attribute docstrings); this module
checks TOML data against it strictly: no coercion ("30" is not a number, 1 is not a
boolean), unknown keys name the nearest valid one, and the first problem is one line.

(Constraints are plain classes, not dataclasses: creating a dataclass costs start-up time.)

Field types understood: str, bool, int, float, Literal[...], X | None, list[T],
dict[str, T], Any, a nested section, and Annotated[T, constraint, ...] with the
constraints below. A section checks one field further with ``@validates("field")`` on a
classmethod that returns the value or raises ValueError with the reason.

Sections derive from `Section`, which offers the part of pydantic's model interface the
rest of martflow uses (`model_validate`, `model_dump`, `model_fields` with each field's
annotation, default and docstring, `model_extra`), spelled the same so code and tests
written against the schema read as they did when it was pydantic. docs/configuration.md
says why the schema is not pydantic.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, NamedTuple, TypeVar, Union

S = TypeVar("S")


class SchemaError(ValueError):
    """One problem in the data: where (section path and key) and what."""

    def __init__(self, loc: tuple[str, ...], problem: str) -> None:
        section, key = ".".join(loc[:-1]), loc[-1] if loc else ""
        self.where = f"[{section}] {key}" if section else key
        self.problem = problem
        super().__init__(f"{self.where}: {problem}")


class Finite:
    """A number that is neither infinite nor NaN."""

    def problem(self, value: Any) -> str | None:
        return None if math.isfinite(value) else "input should be a finite number"


class Above:
    """A number greater than ``limit``."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def problem(self, value: Any) -> str | None:
        return None if value > self.limit else f"input should be greater than {self.limit:g}"


class AtLeast:
    """A list with at least ``items`` entries."""

    def __init__(self, items: int) -> None:
        self.items = items

    def problem(self, value: Any) -> str | None:
        if len(value) >= self.items:
            return None
        return f"list should have at least {self.items} item{'s' * (self.items != 1)}"


EXTRA = "extra"
"""Field metadata key: this dict field takes the keys the section does not declare."""


class FieldInfo(NamedTuple):
    """One field of a section: its type (constraints stripped), default and docstring."""

    annotation: Any
    default: Any
    description: str | None


class _ModelFields:
    """``Section.model_fields``: computed on first use (it reads the source's docstrings)."""

    def __get__(self, instance: object, owner: type) -> dict[str, FieldInfo]:
        cache = owner.__dict__.get("_model_fields_cache")
        if cache is None:
            cache = _field_infos(owner)
            # mypy: the cache is set on the section class itself, which declares no such field
            owner._model_fields_cache = cache  # type: ignore[attr-defined]
        return cache


class Section:
    """Base of a config section (a frozen dataclass); see the module docstring."""

    model_fields = _ModelFields()

    @classmethod
    def model_validate(cls: type[S], data: object) -> S:
        """The section from a TOML table, checked strictly; SchemaError names the problem."""
        return read_section(cls, data)

    def model_dump(self) -> dict[str, Any]:
        """Field name -> value, nested sections as dicts."""
        # mypy: every Section subclass is a dataclass, which the base class cannot declare
        return dataclasses.asdict(self)  # type: ignore[call-overload]


def validates(field_name: str) -> Callable[[Any], Any]:
    """Mark a classmethod ``(cls, value) -> value`` (raising ValueError) as a field's check."""

    def mark(method: Any) -> Any:
        method.__func__.validates = field_name
        return method

    return mark


def read_section(cls: type[S], data: object, loc: tuple[str, ...] = ()) -> S:
    """An instance of the section ``cls`` from a TOML table, or SchemaError."""
    if not isinstance(data, dict):
        raise SchemaError(loc, f"input should be a table, got {_shown(data)}")
    hints = _hints(cls)
    # mypy: sections are dataclasses; the generic ``type[S]`` cannot say so
    fields = [f for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
    extra = next((f.name for f in fields if f.metadata.get(EXTRA)), None)
    names = [f.name for f in fields if f.name != extra]
    checks = _checks(cls)
    values: dict[str, Any] = {}
    if extra is not None:
        values[extra] = {k: v for k, v in data.items() if k not in names}
    for name in names:
        if name in data:
            value = _read(hints[name], data[name], (*loc, name))
            for check in checks.get(name, ()):
                try:
                    value = check(value)
                except ValueError as exc:
                    raise SchemaError((*loc, name), str(exc)) from None
            values[name] = value
    for key in data:
        if key not in names and extra is None:
            near = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
            hint = f"did you mean '{near[0]}'?" if near else f"valid: {', '.join(names)}"
            raise SchemaError((*loc, key), f"unknown key ({hint})")
    return cls(**values)


def section_fields(cls: type) -> dict[str, Any]:
    """Field name -> resolved type of a section (Annotated stripped)."""
    return {name: _strip(tp) for name, tp in _hints(cls).items()}


def _field_infos(cls: type) -> dict[str, FieldInfo]:
    docs = _attribute_docstrings(cls)
    infos = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get(EXTRA):
            continue
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        infos[f.name] = FieldInfo(_strip(_hints(cls)[f.name]), default, docs.get(f.name))
    return infos


def _attribute_docstrings(cls: type) -> dict[str, str]:
    """Field name -> the string literal right after its assignment in the class body."""
    import ast  # only `config init` and the docs read docstrings: not at start-up
    import inspect
    import itertools
    import textwrap

    try:
        body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    except (OSError, TypeError, SyntaxError):
        return {}
    docs: dict[str, str] = {}
    statements = body.body if isinstance(body, ast.ClassDef) else []
    for statement, after in itertools.pairwise(statements):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(after.value.value)
    return docs


_NOUNS = {str: "string", bool: "boolean", int: "integer", float: "number"}
_HINTS = {
    bool: " (write true or false, without quotes)",
    float: " (write a number, without quotes)",
    int: " (write a whole number, without quotes)",
}


def _read(tp: Any, value: Any, loc: tuple[str, ...]) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        read = _read(args[0], value, loc)
        for constraint in tp.__metadata__:
            problem = constraint.problem(read)
            if problem:
                raise SchemaError(loc, f"{problem}, got {_shown(value)}")  # as written
        return read
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if value is None or len(options) != 1:
            raise SchemaError(loc, f"unsupported type {tp!r}")  # TOML has no null
        return _read(options[0], value, loc)
    if origin is Literal:
        if any(value == a and type(value) is type(a) for a in args):
            return value
        shown = [repr(a) for a in args]
        expected = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        raise SchemaError(loc, f"input should be {expected}, got {_shown(value)}")
    if origin is list:
        if not isinstance(value, list):
            raise SchemaError(loc, f"input should be a valid list, got {_shown(value)}")
        return [_read(args[0], item, loc) for item in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(loc, f"input should be a table, got {_shown(value)}")
        return {k: _read(args[1], v, (*loc, k)) for k, v in value.items()}
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        if isinstance(tp, type) and isinstance(value, tp):  # built already, as pydantic accepts
            return value
        # mypy: is_dataclass() narrows to an instance or a class; here it is a class
        return read_section(tp, value, loc)  # type: ignore[arg-type]
    if tp in _NOUNS:
        return _scalar(tp, value, loc)
    raise SchemaError(loc, f"unsupported type {tp!r}")


def _scalar(tp: type, value: Any, loc: tuple[str, ...]) -> Any:
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, tp) and (tp is bool or not isinstance(value, bool)):
        return value
    hint = _HINTS.get(tp, "") if isinstance(value, str | int) else ""
    raise SchemaError(loc, f"input should be a valid {_NOUNS[tp]}, got {_shown(value)}{hint}")


def _shown(value: Any) -> str:
    return "a table" if isinstance(value, dict) else repr(value)


def _strip(tp: Any) -> Any:
    return typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp


_HINT_CACHE: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINT_CACHE:
        _HINT_CACHE[cls] = typing.get_type_hints(cls, include_extras=True)
    return _HINT_CACHE[cls]


def _checks(cls: type) -> dict[str, list[Callable[[Any], Any]]]:
    found: dict[str, list[Callable[[Any], Any]]] = {}
    for klass in reversed(cls.__mro__):
        for attribute in vars(klass).values():
            method = getattr(attribute, "__func__", None)
            name = getattr(method, "validates", None)
            if name:
                found.setdefault(name, []).append(attribute.__get__(None, cls))
    return found
