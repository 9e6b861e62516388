"""The strict config reader: no coercion, constraints, nested sections, one-line problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pytest

from martflow.config_schema import Above, AtLeast, Finite, SchemaError, read_section, validates


@dataclass(frozen=True)
class Inner:
    name: str = "x"
    """A name."""


@dataclass(frozen=True)
class Outer:
    flag: bool = False
    count: int = 1
    seconds: Annotated[float, Finite(), Above(0)] = 30
    mode: Literal["a", "b", "c"] = "a"
    maybe: Literal["x", "y"] | None = None
    names: Annotated[list[str], AtLeast(1)] = field(default_factory=lambda: ["n"])
    table: dict[str, str] = field(default_factory=dict)
    anything: dict[str, Any] = field(default_factory=dict)
    inner: Inner = Inner()
    code: str = "OK"

    @validates("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        if not value.isupper():
            raise ValueError("must be upper-case")
        return value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"flag": "yes"}, "flag: input should be a valid boolean, got 'yes' (write true or false"),
        ({"flag": 1}, "flag: input should be a valid boolean, got 1 (write true or false"),
        ({"count": True}, "count: input should be a valid integer, got True"),
        ({"count": 1.5}, "count: input should be a valid integer, got 1.5"),
        ({"seconds": "30"}, "seconds: input should be a valid number, got '30' (write a number"),
        ({"seconds": True}, "seconds: input should be a valid number, got True"),
        ({"seconds": float("inf")}, "seconds: input should be a finite number, got inf"),
        ({"seconds": float("nan")}, "seconds: input should be a finite number, got nan"),
        ({"seconds": 0}, "seconds: input should be greater than 0, got 0"),
        ({"mode": "d"}, "mode: input should be 'a', 'b' or 'c', got 'd'"),
        ({"maybe": "z"}, "maybe: input should be 'x' or 'y', got 'z'"),
        ({"names": "n"}, "names: input should be a valid list, got 'n'"),
        ({"names": []}, "names: list should have at least 1 item, got []"),
        ({"names": ["a", 2]}, "names: input should be a valid string, got 2"),
        ({"table": {"k": 1}}, "[table] k: input should be a valid string, got 1"),
        ({"inner": "x"}, "inner: input should be a table, got 'x'"),
        ({"inner": {"nme": "y"}}, "[inner] nme: unknown key (did you mean 'name'?)"),
        ({"inner": {"zzz": "y"}}, "[inner] zzz: unknown key (valid: name)"),
        ({"flg": True}, "flg: unknown key (did you mean 'flag'?)"),
        ({"code": "low"}, "code: must be upper-case"),
    ],
)
def test_a_bad_value_is_one_problem_naming_its_key(data, message):
    with pytest.raises(SchemaError) as error:
        read_section(Outer, data)
    assert str(error.value).startswith(message), str(error.value)


def test_good_values_are_kept_and_defaults_fill_the_rest():
    data = {
        "flag": True,
        "seconds": 5,
        "mode": "c",
        "maybe": "y",
        "names": ["p", "q"],
        "table": {"k": "v"},
        "anything": {"deep": {"x": [1]}},
        "inner": {"name": "z"},
    }
    read = read_section(Outer, data)
    assert read == Outer(
        flag=True,
        seconds=5.0,
        mode="c",
        maybe="y",
        names=["p", "q"],
        table={"k": "v"},
        anything={"deep": {"x": [1]}},
        inner=Inner("z"),
    )
    assert isinstance(read.seconds, float)
    assert read_section(Outer, {}) == Outer()


def test_a_nested_section_may_be_given_built() -> None:
    inner = Inner(name="y")
    assert read_section(Outer, {"inner": inner}).inner is inner
