"""
Unit tests for adyn.types: the exact DynamoDB wire form of every column type, loading it back, rejecting what
DynamoDB cannot hold, and the JSON-safe and plain forms.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
from typing import Any
from uuid import UUID as PyUUID

import pendulum
import pytest

import adyn
from adyn.exceptions import InvalidStoredValue, InvalidValue
from adyn.types import (
    JSON,
    URL,
    UUID,
    Binary,
    Boolean,
    Date,
    DateTime,
    Dict,
    Dynamic,
    DynamicList,
    DynamicMap,
    Email,
    Enum,
    Float,
    Integer,
    IPAddress,
    List,
    Map,
    Number,
    Set,
    String,
    Timedelta,
    Timestamp,
    Type,
)
from tests.strategies import Address, Color, Level

D = decimal.Decimal
UTC = datetime.timezone.utc
PARIS = pendulum.timezone("Europe/Paris")
MINUS_5 = datetime.timezone(datetime.timedelta(hours=-5))
A_UUID = PyUUID("12345678-1234-5678-1234-567812345678")


class Point(String):
    """
    The custom type from the types module docstring: a tuple (x, y) stored as the string "x,y".
    """

    python_type = tuple

    def dynamo_dump(self, value: Any) -> str:
        return f"{value[0]},{value[1]}"

    def dynamo_load(self, value: Any) -> Any:
        x, y = value.split(",")
        return (int(x), int(y))


class Lower(String):
    """
    A custom string type overriding only dynamo_dump: stores lower-cased text.
    """

    def dynamo_dump(self, value: str) -> str:
        return value.lower()


class Upper(String):
    """
    A custom string type overriding only validate: accepts upper-case text only.
    """

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not value.isupper():
            raise InvalidValue("not upper case", value=value)


class Mixed(enum.Enum):
    """
    An enum whose values are neither all str nor all int.
    """

    ONE = 1
    TWO = "two"


def shape(value: Any) -> Any:
    """
    `value` with the type of every scalar made explicit, so ``1``, ``1.0``, ``True`` and ``Decimal(1)`` differ.
    """
    if isinstance(value, dict):
        return ("dict", {k: shape(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", [shape(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset((type(v), v) for v in value))
    return (type(value), value)


# -- dump: exact wire dicts -----------------------------------------------------------------------------------------

DUMP_CASES = [
    # String
    pytest.param(String(), "hello", {"S": "hello"}, id="String"),
    pytest.param(String(), "", {"S": ""}, id="String-empty"),
    pytest.param(String(), "héllo ✓ 日本", {"S": "héllo ✓ 日本"}, id="String-unicode"),
    # Integer
    pytest.param(Integer(), 0, {"N": "0"}, id="Integer-zero"),
    pytest.param(Integer(), -42, {"N": "-42"}, id="Integer-negative"),
    pytest.param(Integer(), 10**38 - 1, {"N": "9" * 38}, id="Integer-38-digits"),
    pytest.param(Integer(), -(10**38 - 1), {"N": "-" + "9" * 38}, id="Integer-38-digits-negative"),
    pytest.param(Integer(), 10**40, {"N": "1" + "0" * 40}, id="Integer-10e40"),
    # Float
    pytest.param(Float(), 1.5, {"N": "1.5"}, id="Float"),
    pytest.param(Float(), -0.1, {"N": "-0.1"}, id="Float-negative"),
    pytest.param(Float(), 0.0, {"N": "0.0"}, id="Float-zero"),
    pytest.param(Float(), 1e-130, {"N": "1e-130"}, id="Float-smallest"),
    pytest.param(Float(), 1e125, {"N": "1e+125"}, id="Float-large"),
    pytest.param(Float(), 5, {"N": "5.0"}, id="Float-int"),
    # Number
    pytest.param(Number(), D("1.50"), {"N": "1.50"}, id="Number-keeps-spelling"),
    pytest.param(Number(), D("-3.14159"), {"N": "-3.14159"}, id="Number-negative"),
    pytest.param(Number(), 7, {"N": "7"}, id="Number-int"),
    pytest.param(Number(), D("1E-130"), {"N": "1E-130"}, id="Number-1E-130"),
    pytest.param(Number(), D("9.99E+125"), {"N": "9.99E+125"}, id="Number-9.99E+125"),
    pytest.param(Number(), D("1" * 38), {"N": "1" * 38}, id="Number-38-digits"),
    pytest.param(Number(), D("1" + "0" * 50), {"N": "1" + "0" * 50}, id="Number-trailing-zeros"),
    pytest.param(Number(), D("0E-200"), {"N": "0E-200"}, id="Number-zero-any-exponent"),
    # Boolean
    pytest.param(Boolean(), True, {"BOOL": True}, id="Boolean-true"),
    pytest.param(Boolean(), False, {"BOOL": False}, id="Boolean-false"),
    # Binary
    pytest.param(Binary(), b"\x00\xffab", {"B": b"\x00\xffab"}, id="Binary"),
    pytest.param(Binary(), b"", {"B": b""}, id="Binary-empty"),
    pytest.param(Binary(), bytearray(b"ab"), {"B": b"ab"}, id="Binary-bytearray"),
    pytest.param(Binary(), memoryview(b"ab"), {"B": b"ab"}, id="Binary-memoryview"),
    # UUID
    pytest.param(UUID(), A_UUID, {"S": "12345678-1234-5678-1234-567812345678"}, id="UUID"),
    # DateTime
    pytest.param(
        DateTime(),
        datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        {"S": "2026-01-02T03:04:05.000000+00:00"},
        id="DateTime-stdlib-utc",
    ),
    pytest.param(
        DateTime(),
        pendulum.datetime(2026, 1, 2, 3, 4, 5, 123456),
        {"S": "2026-01-02T03:04:05.123456+00:00"},
        id="DateTime-pendulum-utc",
    ),
    pytest.param(
        DateTime(),
        pendulum.datetime(2026, 1, 2, 4, 4, 5, tz="Europe/Paris"),
        {"S": "2026-01-02T03:04:05.000000+00:00"},
        id="DateTime-pendulum-paris",
    ),
    pytest.param(
        DateTime(),
        datetime.datetime(2026, 1, 1, 22, 4, 5, 7, tzinfo=MINUS_5),
        {"S": "2026-01-02T03:04:05.000007+00:00"},
        id="DateTime-stdlib-offset",
    ),
    pytest.param(
        DateTime(),
        datetime.datetime(2026, 7, 2, 5, 4, 5, tzinfo=PARIS),
        {"S": "2026-07-02T03:04:05.000000+00:00"},
        id="DateTime-stdlib-paris-summer",
    ),
    pytest.param(
        DateTime(timezone="Europe/Paris"),
        datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        {"S": "2026-01-02T03:04:05.000000+00:00"},
        id="DateTime-column-zone-irrelevant",
    ),
    pytest.param(
        DateTime(),
        datetime.datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC),
        {"S": "0005-01-02T03:04:05.000000+00:00"},
        id="DateTime-fixed-width-year",
    ),
    # Date
    pytest.param(Date(), datetime.date(2026, 1, 2), {"S": "2026-01-02"}, id="Date-stdlib"),
    pytest.param(Date(), pendulum.Date(2026, 1, 2), {"S": "2026-01-02"}, id="Date-pendulum"),
    pytest.param(Date(), datetime.date(5, 1, 2), {"S": "0005-01-02"}, id="Date-fixed-width-year"),
    # Timestamp
    pytest.param(
        Timestamp(), datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), {"N": "1767323045"}, id="Timestamp"
    ),
    pytest.param(
        Timestamp(),
        pendulum.datetime(2026, 1, 2, 4, 4, 5, tz="Europe/Paris"),
        {"N": "1767323045"},
        id="Timestamp-paris",
    ),
    pytest.param(
        Timestamp(),
        datetime.datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC),
        {"N": "1767323045"},
        id="Timestamp-floors-microseconds",
    ),
    pytest.param(
        Timestamp(),
        datetime.datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
        {"N": "-1"},
        id="Timestamp-floors-before-epoch",
    ),
    pytest.param(
        Timestamp(),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        {"N": "253402300799"},
        id="Timestamp-floors-far-future",
    ),
    pytest.param(Timestamp(), datetime.datetime(1970, 1, 1, tzinfo=UTC), {"N": "0"}, id="Timestamp-epoch"),
    # Timedelta
    pytest.param(Timedelta(), datetime.timedelta(0), {"N": "0"}, id="Timedelta-zero"),
    pytest.param(Timedelta(), datetime.timedelta(seconds=1.5), {"N": "1.5"}, id="Timedelta-fraction"),
    pytest.param(
        Timedelta(),
        datetime.timedelta(seconds=1, microseconds=1),
        {"N": "1.000001"},
        id="Timedelta-microsecond",
    ),
    pytest.param(Timedelta(), datetime.timedelta(seconds=10), {"N": "10"}, id="Timedelta-ten-seconds"),
    pytest.param(Timedelta(), datetime.timedelta(seconds=100), {"N": "100"}, id="Timedelta-round-seconds"),
    pytest.param(Timedelta(), datetime.timedelta(days=1), {"N": "86400"}, id="Timedelta-day"),
    pytest.param(
        Timedelta(), datetime.timedelta(microseconds=-1), {"N": "-0.000001"}, id="Timedelta-negative-micro"
    ),
    pytest.param(Timedelta(), datetime.timedelta(days=-1), {"N": "-86400"}, id="Timedelta-negative-day"),
    pytest.param(
        Timedelta(),
        datetime.timedelta(hours=-1, seconds=0.25),
        {"N": "-3599.75"},
        id="Timedelta-negative-fraction",
    ),
    pytest.param(Timedelta(), datetime.timedelta.max, {"N": "86399999999999.999999"}, id="Timedelta-max"),
    pytest.param(Timedelta(), datetime.timedelta.min, {"N": "-86399999913600"}, id="Timedelta-min"),
    # Enum
    pytest.param(Enum(Color), Color.RED, {"S": "red"}, id="Enum-str-value"),
    pytest.param(Enum(Level), Level.MID, {"N": "5"}, id="Enum-int-value"),
    pytest.param(Enum(Level, by="name"), Level.MID, {"S": "MID"}, id="Enum-by-name"),
    pytest.param(Enum(Color, by="name"), Color.RED, {"S": "RED"}, id="Enum-str-by-name"),
    # JSON
    pytest.param(
        JSON(),
        {"b": 1, "a": [1, 2.5, None, True, "é"]},
        {"S": '{"a":[1,2.5,null,true,"\\u00e9"],"b":1}'},
        id="JSON-compact-sorted",
    ),
    pytest.param(JSON(), [], {"S": "[]"}, id="JSON-list"),
    pytest.param(JSON(), "x", {"S": '"x"'}, id="JSON-string"),
    pytest.param(JSON(), None, {"S": "null"}, id="JSON-null"),
    # validated strings
    pytest.param(Email(), "ada@example.com", {"S": "ada@example.com"}, id="Email"),
    pytest.param(Email(), "a.b+c@sub.example.co.uk", {"S": "a.b+c@sub.example.co.uk"}, id="Email-plus"),
    pytest.param(URL(), "https://example.com/x?y=1", {"S": "https://example.com/x?y=1"}, id="URL-https"),
    pytest.param(URL(), "http://localhost:8000", {"S": "http://localhost:8000"}, id="URL-http-port"),
    pytest.param(URL(schemes=("ftp",)), "ftp://example.com/f", {"S": "ftp://example.com/f"}, id="URL-ftp"),
    pytest.param(IPAddress(), "192.168.0.1", {"S": "192.168.0.1"}, id="IPAddress-v4"),
    pytest.param(IPAddress(), "::1", {"S": "::1"}, id="IPAddress-v6"),
    pytest.param(IPAddress(version=4), "10.0.0.1", {"S": "10.0.0.1"}, id="IPAddress-only-v4"),
    pytest.param(IPAddress(version=6), "2001:db8::1", {"S": "2001:db8::1"}, id="IPAddress-only-v6"),
    # Set
    pytest.param(Set(String), {"b", "c", "a"}, {"SS": ["a", "b", "c"]}, id="Set-String-sorted"),
    pytest.param(Set(String()), frozenset({"x"}), {"SS": ["x"]}, id="Set-String-frozenset"),
    pytest.param(Set(Integer), {2, 10, 1}, {"NS": ["1", "10", "2"]}, id="Set-Integer-sorted-wire"),
    pytest.param(Set(Number), {D("1.5"), 3}, {"NS": ["1.5", "3"]}, id="Set-Number"),
    pytest.param(Set(Binary), {b"b", b"a"}, {"BS": [b"a", b"b"]}, id="Set-Binary-sorted"),
    pytest.param(Set(UUID), {A_UUID}, {"SS": ["12345678-1234-5678-1234-567812345678"]}, id="Set-UUID"),
    pytest.param(Set(Enum(Level)), {Level.HIGH, Level.LOW}, {"NS": ["1", "10"]}, id="Set-Enum"),
    pytest.param(Set(String), set(), None, id="Set-empty-is-absent"),
    pytest.param(Set(Integer), frozenset(), None, id="Set-empty-frozenset-is-absent"),
    # List
    pytest.param(List(Integer), [3, 1, 3], {"L": [{"N": "3"}, {"N": "1"}, {"N": "3"}]}, id="List-Integer"),
    pytest.param(List(String), ("a",), {"L": [{"S": "a"}]}, id="List-tuple"),
    pytest.param(List(String), [], {"L": []}, id="List-empty"),
    pytest.param(List(Set(String)), [{"b", "a"}], {"L": [{"SS": ["a", "b"]}]}, id="List-Set"),
    pytest.param(
        List(List(Boolean)), [[True], []], {"L": [{"L": [{"BOOL": True}]}, {"L": []}]}, id="List-nested"
    ),
    # Dict
    pytest.param(
        Dict(Integer), {"a": 1, "b": 2}, {"M": {"a": {"N": "1"}, "b": {"N": "2"}}}, id="Dict-Integer"
    ),
    pytest.param(Dict(Integer), {"a": 1, "gone": None}, {"M": {"a": {"N": "1"}}}, id="Dict-None-skipped"),
    pytest.param(
        Dict(Set(String)), {"a": set(), "b": {"x"}}, {"M": {"b": {"SS": ["x"]}}}, id="Dict-empty-set-skipped"
    ),
    pytest.param(Dict(String), {}, {"M": {}}, id="Dict-empty"),
    # Map
    pytest.param(
        Map(Address),
        Address(street="Main", zip=75001, tags={"b", "a"}),
        {"M": {"street": {"S": "Main"}, "z": {"N": "75001"}, "tags": {"SS": ["a", "b"]}}},
        id="Map-full",
    ),
    pytest.param(Map(Address), Address(street=""), {"M": {"street": {"S": ""}}}, id="Map-absent-values"),
    pytest.param(
        List(Map(Address)),
        [Address(street="a"), Address(street="b", zip=1)],
        {"L": [{"M": {"street": {"S": "a"}}}, {"M": {"street": {"S": "b"}, "z": {"N": "1"}}}]},
        id="List-Map",
    ),
    # custom types
    pytest.param(Point(), (1, 2), {"S": "1,2"}, id="Custom-Point"),
    pytest.param(Set(Point), {(3, 4), (1, 2)}, {"SS": ["1,2", "3,4"]}, id="Custom-Point-in-Set"),
    pytest.param(List(Point), [(1, 2)], {"L": [{"S": "1,2"}]}, id="Custom-Point-in-List"),
    pytest.param(Lower(), "ABC", {"S": "abc"}, id="Custom-dynamo_dump-override"),
    pytest.param(Upper(), "ABC", {"S": "ABC"}, id="Custom-validate-override"),
]


@pytest.mark.parametrize(("type_", "value", "expected"), DUMP_CASES)
def test_dump(type_: Type[Any], value: Any, expected: Any) -> None:
    """Each type dumps a valid value to its exact DynamoDB AttributeValue (None for an empty set)."""
    assert expected == type_.dump(value)


# -- Dynamic dump ---------------------------------------------------------------------------------------------------

DYNAMIC_DUMP_CASES = [
    pytest.param(None, {"NULL": True}, id="None"),
    pytest.param(True, {"BOOL": True}, id="True"),
    pytest.param(False, {"BOOL": False}, id="False"),
    pytest.param("x", {"S": "x"}, id="str"),
    pytest.param("", {"S": ""}, id="str-empty"),
    pytest.param(7, {"N": "7"}, id="int"),
    pytest.param(10**40, {"N": "1" + "0" * 40}, id="int-10e40"),
    pytest.param(1.5, {"N": "1.5"}, id="float"),
    pytest.param(D("1.50"), {"N": "1.50"}, id="Decimal"),
    pytest.param(b"\x00b", {"B": b"\x00b"}, id="bytes"),
    pytest.param(bytearray(b"ab"), {"B": b"ab"}, id="bytearray"),
    pytest.param([1, "a"], {"L": [{"N": "1"}, {"S": "a"}]}, id="list"),
    pytest.param((1,), {"L": [{"N": "1"}]}, id="tuple"),
    pytest.param({"a": {"b": None}}, {"M": {"a": {"M": {"b": {"NULL": True}}}}}, id="dict-nested"),
    pytest.param({"b", "a"}, {"SS": ["a", "b"]}, id="set-str"),
    pytest.param({2, 10, D("1.5")}, {"NS": ["1.5", "10", "2"]}, id="set-numbers"),
    pytest.param(frozenset({b"b", b"a"}), {"BS": [b"a", b"b"]}, id="set-bytes"),
]


@pytest.mark.parametrize(
    "type_", [pytest.param(Dynamic(), id="Dynamic"), pytest.param(DynamicList(), id="DynamicList")]
)
@pytest.mark.parametrize(("value", "expected"), DYNAMIC_DUMP_CASES)
def test_dynamic_dump(type_: Dynamic, value: Any, expected: Any) -> None:
    """An untyped value dumps to the AttributeValue its Python type maps to (wrapped in L for DynamicList)."""
    if isinstance(type_, DynamicList):
        expected, value = {"L": [expected]}, [value]
    assert expected == type_.dump(value)


def test_dynamic_map_dump() -> None:
    """DynamicMap dumps a dict of mixed values to one M AttributeValue."""
    value = {"n": 1, "s": "x", "l": [None, True], "ss": {"a"}, "d": D("0.5")}
    expected = {
        "M": {
            "n": {"N": "1"},
            "s": {"S": "x"},
            "l": {"L": [{"NULL": True}, {"BOOL": True}]},
            "ss": {"SS": ["a"]},
            "d": {"N": "0.5"},
        }
    }
    assert expected == DynamicMap().dump(value)


def test_dynamic_dump_value() -> None:
    """Dynamic.dump_value returns the wire value inside the AttributeValue."""
    expected = ["1", "2"]
    assert expected == Dynamic().dump_value({2, 1})


# -- load -----------------------------------------------------------------------------------------------------------

LOAD_CASES = [
    pytest.param(String(), {"S": "hello"}, "hello", id="String"),
    pytest.param(String(), {"S": ""}, "", id="String-empty"),
    pytest.param(Integer(), {"N": "-42"}, -42, id="Integer"),
    pytest.param(Integer(), {"N": "9" * 38}, 10**38 - 1, id="Integer-38-digits"),
    pytest.param(Integer(), {"N": "1E+2"}, 100, id="Integer-exponent"),
    pytest.param(Integer(), {"N": "2.0"}, 2, id="Integer-integral-decimal"),
    pytest.param(Float(), {"N": "1.5"}, 1.5, id="Float"),
    pytest.param(Float(), {"N": "3"}, 3.0, id="Float-from-integer-text"),
    pytest.param(Float(), {"N": "1E-130"}, 1e-130, id="Float-exponent"),
    pytest.param(Number(), {"N": "1.50"}, D("1.50"), id="Number"),
    pytest.param(Number(), {"N": "1E-130"}, D("1E-130"), id="Number-exponent"),
    pytest.param(Boolean(), {"BOOL": True}, True, id="Boolean-true"),
    pytest.param(Boolean(), {"BOOL": False}, False, id="Boolean-false"),
    pytest.param(Binary(), {"B": b"\x00hello"}, b"\x00hello", id="Binary-bytes"),
    pytest.param(Binary(), {"B": "AGhlbGxv"}, b"\x00hello", id="Binary-base64-text"),
    pytest.param(Binary(), {"B": ""}, b"", id="Binary-base64-empty"),
    pytest.param(UUID(), {"S": "12345678-1234-5678-1234-567812345678"}, A_UUID, id="UUID"),
    pytest.param(Date(), {"S": "2026-01-02"}, pendulum.Date(2026, 1, 2), id="Date"),
    pytest.param(Timedelta(), {"N": "1.5"}, datetime.timedelta(seconds=1.5), id="Timedelta"),
    pytest.param(
        Timedelta(), {"N": "-0.000001"}, datetime.timedelta(microseconds=-1), id="Timedelta-negative"
    ),
    pytest.param(Timedelta(), {"N": "8.64E+4"}, datetime.timedelta(days=1), id="Timedelta-exponent"),
    pytest.param(Timedelta(), {"N": "0"}, datetime.timedelta(0), id="Timedelta-zero"),
    pytest.param(Enum(Color), {"S": "green"}, Color.GREEN, id="Enum-str-value"),
    pytest.param(Enum(Level), {"N": "10"}, Level.HIGH, id="Enum-int-value"),
    pytest.param(Enum(Level, by="name"), {"S": "LOW"}, Level.LOW, id="Enum-by-name"),
    pytest.param(JSON(), {"S": '{"a":[1,2.5,null,true]}'}, {"a": [1, 2.5, None, True]}, id="JSON"),
    pytest.param(Email(), {"S": "ada@example.com"}, "ada@example.com", id="Email"),
    pytest.param(URL(), {"S": "https://example.com"}, "https://example.com", id="URL"),
    pytest.param(IPAddress(), {"S": "::1"}, "::1", id="IPAddress"),
    pytest.param(Set(String), {"SS": ["a", "b"]}, {"a", "b"}, id="Set-String"),
    pytest.param(Set(Integer), {"NS": ["10", "2"]}, {2, 10}, id="Set-Integer"),
    pytest.param(Set(Number), {"NS": ["1.50"]}, {D("1.50")}, id="Set-Number"),
    pytest.param(Set(Binary), {"BS": [b"a", b"b"]}, {b"a", b"b"}, id="Set-Binary-bytes"),
    pytest.param(Set(Binary), {"BS": ["YQ==", "Yg=="]}, {b"a", b"b"}, id="Set-Binary-base64-text"),
    pytest.param(List(Integer), {"L": [{"N": "3"}, {"N": "1"}]}, [3, 1], id="List"),
    pytest.param(List(Binary), {"L": [{"B": "YQ=="}]}, [b"a"], id="List-Binary-base64"),
    pytest.param(Dict(Integer), {"M": {"a": {"N": "1"}}}, {"a": 1}, id="Dict"),
    pytest.param(
        Map(Address),
        {"M": {"street": {"S": "Main"}, "z": {"N": "75001"}, "tags": {"SS": ["a"]}}},
        Address(street="Main", zip=75001, tags={"a"}),
        id="Map",
    ),
    pytest.param(Map(Address), {"M": {"street": {"S": "x"}}}, Address(street="x"), id="Map-missing-defaults"),
    pytest.param(Point(), {"S": "1,2"}, (1, 2), id="Custom-Point"),
    pytest.param(Set(Point), {"SS": ["1,2", "3,4"]}, {(1, 2), (3, 4)}, id="Custom-Point-in-Set"),
]


@pytest.mark.parametrize(("type_", "wire", "expected"), LOAD_CASES)
def test_load(type_: Type[Any], wire: Any, expected: Any) -> None:
    """Each type loads its AttributeValue to the exact Python value (and Python type)."""
    assert shape(expected) == shape(type_.load(wire))


def test_load_map_gives_document_with_empty_set_default() -> None:
    """A Map loads an item missing its set column with the column's default (an empty set)."""
    loaded = Map(Address).load({"M": {"street": {"S": "x"}}})
    assert (Address, "x", None, set()) == (type(loaded), loaded.street, loaded.zip, loaded.tags)


@pytest.mark.parametrize(
    "type_",
    [
        pytest.param(Set(String), id="SS"),
        pytest.param(Set(Integer), id="NS"),
        pytest.param(Set(Binary), id="BS"),
    ],
)
def test_set_missing_loads_as_empty_set(type_: Set[Any]) -> None:
    """An absent set attribute loads as an empty set, the inverse of an empty set dumping as absent."""
    missing = type_.load_missing()
    assert (set, set()) == (type(missing), missing)


@pytest.mark.parametrize(
    "type_",
    [
        pytest.param(String(), id="String"),
        pytest.param(Integer(), id="Integer"),
        pytest.param(List(String), id="List"),
        pytest.param(Dict(String), id="Dict"),
        pytest.param(Map(Address), id="Map"),
        pytest.param(Dynamic(), id="Dynamic"),
    ],
)
def test_missing_loads_as_none(type_: Type[Any]) -> None:
    """An absent attribute of any non-set type loads as None."""
    assert type_.load_missing() is None


DYNAMIC_LOAD_CASES = [
    pytest.param({"NULL": True}, None, id="NULL"),
    pytest.param({"BOOL": True}, True, id="BOOL"),
    pytest.param({"S": "x"}, "x", id="S"),
    pytest.param({"N": "7"}, 7, id="N-int"),
    pytest.param({"N": "-0"}, 0, id="N-negative-zero-int"),
    pytest.param({"N": "1" + "0" * 40}, 10**40, id="N-big-int"),
    pytest.param({"N": "1.50"}, D("1.50"), id="N-decimal"),
    pytest.param({"N": "1E+2"}, D("1E+2"), id="N-exponent-decimal"),
    pytest.param({"B": b"\x00b"}, b"\x00b", id="B-bytes"),
    pytest.param({"B": "AGI="}, b"\x00b", id="B-base64-text"),
    pytest.param({"SS": ["a", "b"]}, {"a", "b"}, id="SS"),
    pytest.param({"NS": ["1", "2.5"]}, {1, D("2.5")}, id="NS"),
    pytest.param({"BS": ["YQ==", b"b"]}, {b"a", b"b"}, id="BS"),
    pytest.param({"L": [{"N": "1"}, {"NULL": True}]}, [1, None], id="L"),
    pytest.param(
        {"M": {"a": {"M": {"b": {"L": [{"N": "0.5"}]}}}, "c": {"BOOL": False}}},
        {"a": {"b": [D("0.5")]}, "c": False},
        id="M-nested",
    ),
]


@pytest.mark.parametrize(("wire", "expected"), DYNAMIC_LOAD_CASES)
def test_dynamic_load(wire: Any, expected: Any) -> None:
    """Dynamic loads every DynamoDB type; numbers load as int when integral in form, else as Decimal."""
    assert shape(expected) == shape(Dynamic().load(wire))


def test_dynamic_map_and_list_load() -> None:
    """DynamicMap loads an M and DynamicList loads an L into plain dicts and lists."""
    assert shape({"a": [1, "x"]}) == shape(DynamicMap().load({"M": {"a": {"L": [{"N": "1"}, {"S": "x"}]}}}))
    assert shape([D("1.5"), {"k": None}]) == shape(
        DynamicList().load({"L": [{"N": "1.5"}, {"M": {"k": {"NULL": True}}}]})
    )


# -- dates and times ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "expected_iso", "expected_zone"),
    [
        pytest.param(DateTime(), "2026-01-02T03:04:05.123456+00:00", "UTC", id="UTC"),
        pytest.param(DateTime(timezone="utc"), "2026-01-02T03:04:05.123456+00:00", "UTC", id="utc-lowercase"),
        pytest.param(DateTime(timezone=UTC), "2026-01-02T03:04:05.123456+00:00", "UTC", id="stdlib-utc"),
        pytest.param(
            DateTime(timezone="Europe/Paris"), "2026-01-02T04:04:05.123456+01:00", "Europe/Paris", id="Paris"
        ),
        pytest.param(
            DateTime(timezone="Asia/Tokyo"), "2026-01-02T12:04:05.123456+09:00", "Asia/Tokyo", id="Tokyo"
        ),
        pytest.param(
            DateTime(timezone=MINUS_5), "2026-01-01T22:04:05.123456-05:00", "UTC-05:00", id="fixed-offset"
        ),
    ],
)
def test_datetime_loads_in_column_timezone(type_: DateTime, expected_iso: str, expected_zone: str) -> None:
    """DateTime loads as a pendulum.DateTime converted into the column's timezone."""
    loaded = type_.load({"S": "2026-01-02T03:04:05.123456+00:00"})
    assert (pendulum.DateTime, expected_iso, expected_zone) == (
        type(loaded),
        loaded.isoformat(),
        str(loaded.tzinfo),
    )


def test_datetime_loads_other_offsets_as_utc() -> None:
    """A stored DateTime written with a non-UTC offset (by another program) loads as the same instant in UTC."""
    loaded = DateTime().load({"S": "2026-01-02T05:04:05+02:00"})
    assert (pendulum.DateTime, "2026-01-02T03:04:05+00:00") == (type(loaded), loaded.isoformat())


@pytest.mark.parametrize(
    ("type_", "expected_iso"),
    [
        pytest.param(Timestamp(), "2026-01-02T03:04:05+00:00", id="UTC"),
        pytest.param(Timestamp(timezone="Europe/Paris"), "2026-01-02T04:04:05+01:00", id="Paris"),
    ],
)
def test_timestamp_loads_in_column_timezone(type_: Timestamp, expected_iso: str) -> None:
    """Timestamp loads epoch seconds as a pendulum.DateTime in the column's timezone."""
    loaded = type_.load({"N": "1767323045"})
    assert (pendulum.DateTime, expected_iso) == (type(loaded), loaded.isoformat())


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), id="stdlib-utc"),
        pytest.param(datetime.datetime(2026, 1, 1, 22, 4, 5, tzinfo=MINUS_5), id="stdlib-offset"),
        pytest.param(pendulum.datetime(2026, 1, 2, 4, 4, 5, tz="Europe/Paris"), id="pendulum-paris"),
    ],
)
def test_datetime_accepts_any_aware_datetime(value: datetime.datetime) -> None:
    """DateTime dumps stdlib and pendulum aware datetimes alike and loads the same instant as a pendulum.DateTime."""
    loaded = DateTime().load(DateTime().dump(value))  # type: ignore[arg-type]
    assert (pendulum.DateTime, value) == (type(loaded), loaded)


# -- rejected values --------------------------------------------------------------------------------------------------


class _NotAType:
    pass


INVALID_VALUE_CASES = [
    pytest.param(String(), 5, "expected str, got int", id="String-int"),
    pytest.param(String(), b"x", "expected str, got bytes", id="String-bytes"),
    pytest.param(Integer(), True, "expected int, got bool", id="Integer-bool"),
    pytest.param(Integer(), 1.0, "expected int, got float", id="Integer-float"),
    pytest.param(Integer(), "1", "expected int, got str", id="Integer-str"),
    pytest.param(Integer(), 10**40 + 1, "38 significant digits", id="Integer-41-significant-digits"),
    pytest.param(Integer(), 10**38 + 1, "38 significant digits", id="Integer-39-significant-digits"),
    pytest.param(Integer(), 10**126, "38 significant digits", id="Integer-too-large"),
    pytest.param(Float(), float("nan"), "NaN or infinity", id="Float-nan"),
    pytest.param(Float(), float("inf"), "NaN or infinity", id="Float-inf"),
    pytest.param(Float(), float("-inf"), "NaN or infinity", id="Float-minus-inf"),
    pytest.param(Float(), True, "expected float, got bool", id="Float-bool"),
    pytest.param(Float(), D("1.5"), "expected float or int, got Decimal", id="Float-Decimal"),
    pytest.param(Float(), 5e-324, "38 significant digits", id="Float-too-small"),
    pytest.param(Float(), 1e300, "38 significant digits", id="Float-too-large"),
    pytest.param(Float(), 10**400, "38 significant digits", id="Float-int-beyond-float"),
    pytest.param(Number(), D("NaN"), "NaN or infinity", id="Number-nan"),
    pytest.param(Number(), D("sNaN"), "NaN or infinity", id="Number-snan"),
    pytest.param(Number(), D("-Infinity"), "NaN or infinity", id="Number-inf"),
    pytest.param(Number(), D("1E-131"), "38 significant digits", id="Number-1E-131"),
    pytest.param(Number(), D("1E+126"), "38 significant digits", id="Number-1E+126"),
    pytest.param(Number(), D("1" * 39), "38 significant digits", id="Number-39-digits"),
    pytest.param(Number(), D("1." + "1" * 38), "38 significant digits", id="Number-39-digits-fraction"),
    pytest.param(Number(), 1.5, "expected Decimal or int, got float", id="Number-float"),
    pytest.param(Number(), False, "expected Decimal, got bool", id="Number-bool"),
    pytest.param(Boolean(), 1, "expected bool, got int", id="Boolean-int"),
    pytest.param(Boolean(), "true", "expected bool, got str", id="Boolean-str"),
    pytest.param(Binary(), "YQ==", "expected bytes or bytearray or memoryview, got str", id="Binary-str"),
    pytest.param(UUID(), "12345678-1234-5678-1234-567812345678", "expected UUID, got str", id="UUID-str"),
    pytest.param(DateTime(), datetime.datetime(2026, 1, 2), "naive datetime", id="DateTime-naive"),
    pytest.param(DateTime(), pendulum.naive(2026, 1, 2), "naive datetime", id="DateTime-pendulum-naive"),
    pytest.param(DateTime(), datetime.date(2026, 1, 2), "expected datetime, got date", id="DateTime-date"),
    pytest.param(DateTime(), "2026-01-02T03:04:05+00:00", "expected datetime, got str", id="DateTime-str"),
    pytest.param(
        DateTime(), datetime.time(3, 4, tzinfo=UTC), "expected datetime, got time", id="DateTime-aware-time"
    ),
    pytest.param(
        DateTime(),
        datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5))),
        "outside the datetimes UTC can represent",
        id="DateTime-before-year-1-in-UTC",
    ),
    pytest.param(
        DateTime(),
        datetime.datetime(9999, 12, 31, 23, tzinfo=MINUS_5),
        "outside the datetimes UTC can represent",
        id="DateTime-after-year-9999-in-UTC",
    ),
    pytest.param(Date(), datetime.datetime(2026, 1, 2, tzinfo=UTC), "got a datetime", id="Date-datetime"),
    pytest.param(Date(), pendulum.datetime(2026, 1, 2), "got a datetime", id="Date-pendulum-datetime"),
    pytest.param(Date(), "2026-01-02", "expected date, got str", id="Date-str"),
    pytest.param(Timestamp(), datetime.datetime(2026, 1, 2), "naive datetime", id="Timestamp-naive"),
    pytest.param(Timestamp(), 1767323045, "expected datetime, got int", id="Timestamp-int"),
    pytest.param(Timedelta(), 1.5, "expected timedelta, got float", id="Timedelta-float"),
    pytest.param(Enum(Color), "red", "expected Color, got str", id="Enum-value-not-member"),
    pytest.param(Enum(Color), Level.LOW, "expected Color, got Level", id="Enum-other-enum"),
    pytest.param(JSON(), float("nan"), "not JSON-serialisable", id="JSON-nan"),
    pytest.param(JSON(), {1, 2}, "not JSON-serialisable", id="JSON-set"),
    pytest.param(JSON(), {"a": object}, "not JSON-serialisable", id="JSON-object"),
    pytest.param(Email(), "ada@example", "not an email address", id="Email-no-tld"),
    pytest.param(Email(), "ada example@x.com", "not an email address", id="Email-space"),
    pytest.param(Email(), "ada@@example.com", "not an email address", id="Email-double-at"),
    pytest.param(Email(), "example.com", "not an email address", id="Email-no-at"),
    pytest.param(Email(), "", "not an email address", id="Email-empty"),
    pytest.param(Email(), 5, "expected str, got int", id="Email-int"),
    pytest.param(URL(), "ftp://example.com", "not an absolute http/https URL", id="URL-scheme"),
    pytest.param(URL(), "example.com/x", "not an absolute http/https URL", id="URL-relative"),
    pytest.param(URL(), "https://", "not an absolute http/https URL", id="URL-no-host"),
    pytest.param(URL(), "https://exa mple.com", "not an absolute http/https URL", id="URL-space"),
    pytest.param(URL(), "http://[::1", "not a URL", id="URL-unparseable"),
    pytest.param(URL(schemes=("ftp",)), "https://example.com", "not an absolute ftp URL", id="URL-only-ftp"),
    pytest.param(IPAddress(), "999.1.1.1", "not an IP address", id="IPAddress-v4-out-of-range"),
    pytest.param(IPAddress(), "localhost", "not an IP address", id="IPAddress-name"),
    pytest.param(IPAddress(), "", "not an IP address", id="IPAddress-empty"),
    pytest.param(IPAddress(version=4), "::1", "not an IPv4 address", id="IPAddress-v6-as-v4"),
    pytest.param(IPAddress(version=6), "10.0.0.1", "not an IPv6 address", id="IPAddress-v4-as-v6"),
    pytest.param(Set(String), ["a"], "expected set or frozenset, got list", id="Set-list"),
    pytest.param(Set(Integer), {True}, "expected int, got bool", id="Set-bad-element"),
    pytest.param(Set(Integer), {10**40 + 1}, "38 significant digits", id="Set-number-limits"),
    pytest.param(List(Integer), [1, None], "a list cannot hold None", id="List-None"),
    pytest.param(List(Set(String)), [set()], "a list cannot hold an empty set", id="List-empty-set"),
    pytest.param(List(Integer), {1}, "expected list or tuple, got set", id="List-set"),
    pytest.param(List(Integer), ["1"], "expected int, got str", id="List-bad-element"),
    pytest.param(Dict(Integer), {1: 1}, "map keys must be str", id="Dict-int-key"),
    pytest.param(Dict(Integer), {"a": "1"}, "expected int, got str", id="Dict-bad-value"),
    pytest.param(Dict(Integer), [("a", 1)], "expected dict, got list", id="Dict-list"),
    pytest.param(Map(Address), {"street": "x"}, "expected Address, got dict", id="Map-dict"),
    pytest.param(Point(), "1,2", "expected tuple, got str", id="Custom-Point-str"),
    pytest.param(Upper(), "abc", "not upper case", id="Custom-validate-override"),
    pytest.param(Dynamic(), set(), "empty set inside a document", id="Dynamic-empty-set"),
    pytest.param(Dynamic(), {1, "a"}, "only strings, only numbers or only bytes", id="Dynamic-mixed-set"),
    pytest.param(Dynamic(), {True}, "only strings, only numbers or only bytes", id="Dynamic-bool-set"),
    pytest.param(Dynamic(), _NotAType(), "cannot store a _NotAType", id="Dynamic-object"),
    pytest.param(Dynamic(), float("nan"), "NaN or infinity", id="Dynamic-nan"),
    pytest.param(Dynamic(), D("Infinity"), "NaN or infinity", id="Dynamic-decimal-inf"),
    pytest.param(Dynamic(), 10**40 + 1, "38 significant digits", id="Dynamic-int-limits"),
    pytest.param(DynamicMap(), [1], "expected dict, got list", id="DynamicMap-list"),
    pytest.param(DynamicList(), {"a": 1}, "expected list, got dict", id="DynamicList-dict"),
]


@pytest.mark.parametrize(("type_", "value", "reason"), INVALID_VALUE_CASES)
def test_dump_rejects_invalid_value(type_: Type[Any], value: Any, reason: str) -> None:
    """Dumping a value the type cannot store raises InvalidValue whose message gives the reason and the value."""
    with pytest.raises(InvalidValue) as caught:
        type_.dump(value)
    message = str(caught.value)
    assert reason in message
    assert f"(value: {caught.value.value!r:.200})" in message


@pytest.mark.parametrize(
    ("type_", "value", "bad"),
    [
        pytest.param(Integer(), 10**40 + 1, 10**40 + 1, id="Integer"),
        pytest.param(DateTime(), datetime.datetime(2026, 1, 2), datetime.datetime(2026, 1, 2), id="DateTime"),
        pytest.param(Dict(Integer), {7: 1}, 7, id="Dict-key"),
        pytest.param(Dynamic(), {"a": [{"b": 2.5, 8: 1}]}, 8, id="Dynamic-nested-key"),
    ],
)
def test_invalid_value_carries_offending_value(type_: Type[Any], value: Any, bad: Any) -> None:
    """InvalidValue.value is the offending value itself, and the message quotes its repr."""
    with pytest.raises(InvalidValue) as caught:
        type_.dump(value)
    assert (bad, True) == (caught.value.value, str(caught.value).endswith(f"(value: {bad!r})"))


def test_invalid_value_message_exact() -> None:
    """The InvalidValue message reads '<reason> (value: <repr>)' when no model or column is known."""
    with pytest.raises(InvalidValue) as caught:
        Integer().dump(True)
    expected = "expected int, got bool (value: True)"
    assert expected == str(caught.value)


def test_map_invalid_column_names_document_and_column() -> None:
    """A bad value inside a Map's document raises InvalidValue naming the document class and column."""
    with pytest.raises(InvalidValue) as caught:
        Map(Address).dump(Address(street=5))  # type: ignore[arg-type]
    expected = ("Address.street: expected str, got int (value: 5)", Address, "street")
    assert expected == (str(caught.value), caught.value.model, caught.value.column)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(InvalidValue("x", value=1), id="InvalidValue"),
        pytest.param(InvalidStoredValue("x", value=1), id="InvalidStoredValue"),
    ],
)
def test_value_errors_are_value_errors_and_adyn_errors(error: Exception) -> None:
    """InvalidValue and InvalidStoredValue are both ValueError and adyn.AdynError, so either catch works."""
    assert isinstance(error, ValueError)
    assert isinstance(error, adyn.AdynError)


def test_invalid_value_is_caught_as_value_error() -> None:
    """A dump failure can be caught with a plain `except ValueError`."""
    with pytest.raises(ValueError, match=r"naive datetime"):
        DateTime().dump(datetime.datetime(2026, 1, 2))


INVALID_STORED_CASES = [
    # the wrong DynamoDB type
    pytest.param(String(), {"N": "1"}, "expected a DynamoDB S value", id="String-from-N"),
    pytest.param(Integer(), {"S": "x"}, "expected a DynamoDB N value", id="Integer-from-S"),
    pytest.param(Float(), {"S": "1.5"}, "expected a DynamoDB N value", id="Float-from-S"),
    pytest.param(Number(), {"S": "1.5"}, "expected a DynamoDB N value", id="Number-from-S"),
    pytest.param(Boolean(), {"S": "true"}, "expected a DynamoDB BOOL value", id="Boolean-from-S"),
    pytest.param(Binary(), {"S": "YQ=="}, "expected a DynamoDB B value", id="Binary-from-S"),
    pytest.param(UUID(), {"B": b"x"}, "expected a DynamoDB S value", id="UUID-from-B"),
    pytest.param(DateTime(), {"N": "1"}, "expected a DynamoDB S value", id="DateTime-from-N"),
    pytest.param(Date(), {"N": "1"}, "expected a DynamoDB S value", id="Date-from-N"),
    pytest.param(Timestamp(), {"S": "1"}, "expected a DynamoDB N value", id="Timestamp-from-S"),
    pytest.param(Timedelta(), {"S": "1"}, "expected a DynamoDB N value", id="Timedelta-from-S"),
    pytest.param(Enum(Color), {"N": "1"}, "expected a DynamoDB S value", id="Enum-from-N"),
    pytest.param(JSON(), {"M": {}}, "expected a DynamoDB S value", id="JSON-from-M"),
    pytest.param(Set(String), {"S": "a"}, "expected a DynamoDB SS value", id="Set-from-S"),
    pytest.param(Set(Integer), {"SS": ["1"]}, "expected a DynamoDB NS value", id="Set-NS-from-SS"),
    pytest.param(List(String), {"M": {}}, "expected a DynamoDB L value", id="List-from-M"),
    pytest.param(Dict(String), {"L": []}, "expected a DynamoDB M value", id="Dict-from-L"),
    pytest.param(Map(Address), {"S": "x"}, "expected a DynamoDB M value", id="Map-from-S"),
    pytest.param(Point(), {"N": "1"}, "expected a DynamoDB S value", id="Custom-from-N"),
    pytest.param(DynamicMap(), {"L": []}, "expected a DynamoDB M value", id="DynamicMap-from-L"),
    pytest.param(DynamicList(), {"M": {}}, "expected a DynamoDB L value", id="DynamicList-from-M"),
    pytest.param(Integer(), None, "expected a DynamoDB N value", id="Integer-from-None"),
    pytest.param(String(), "x", "expected a DynamoDB S value", id="String-from-bare-str"),
    # the right DynamoDB type, but a value the type cannot load
    pytest.param(Integer(), {"N": "1.5"}, "'1.5' is not an integer", id="Integer-fraction"),
    pytest.param(Integer(), {"N": "x"}, "cannot load as Integer()", id="Integer-garbage"),
    pytest.param(Float(), {"N": "x"}, "cannot load as Float()", id="Float-garbage"),
    pytest.param(Number(), {"N": "x"}, "cannot load as Number()", id="Number-garbage"),
    pytest.param(Boolean(), {"BOOL": "true"}, "expected a bool, got str", id="Boolean-str"),
    pytest.param(Binary(), {"B": "not base64!"}, "cannot load as Binary()", id="Binary-bad-base64"),
    pytest.param(Binary(), {"B": 5}, "expected bytes or a base64 string, got int", id="Binary-int"),
    pytest.param(UUID(), {"S": "nope"}, "cannot load as UUID()", id="UUID-garbage"),
    pytest.param(DateTime(), {"S": "2026-01-02T03:04:05"}, "has no UTC offset", id="DateTime-naive-text"),
    pytest.param(
        DateTime(), {"S": "yesterday"}, "cannot load as DateTime(timezone='UTC')", id="DateTime-garbage"
    ),
    pytest.param(Date(), {"S": "2026-13-01"}, "cannot load as Date()", id="Date-garbage"),
    pytest.param(Timestamp(), {"N": "1.5"}, "'1.5' is not an integer", id="Timestamp-fraction"),
    pytest.param(
        Timedelta(), {"N": "0.0000001"}, "more precision than microseconds", id="Timedelta-nanoseconds"
    ),
    pytest.param(Timedelta(), {"N": "1E+20"}, "cannot load as Timedelta()", id="Timedelta-overflow"),
    pytest.param(Enum(Color), {"S": "purple"}, "'purple' is not a member of Color", id="Enum-unknown-value"),
    pytest.param(Enum(Level), {"N": "2"}, "'2' is not a member of Level", id="Enum-unknown-int"),
    pytest.param(
        Enum(Level, by="name"), {"S": "low"}, "'low' is not a member of Level", id="Enum-unknown-name"
    ),
    pytest.param(JSON(), {"S": "{"}, "cannot load as JSON()", id="JSON-bad-text"),
    pytest.param(Set(Integer), {"NS": ["1", "x"]}, "cannot load as Set(Integer())", id="Set-bad-element"),
    pytest.param(List(Integer), {"L": [{"S": "1"}]}, "expected a DynamoDB N value", id="List-bad-element"),
    pytest.param(Dict(Integer), {"M": {"a": {"S": "1"}}}, "expected a DynamoDB N value", id="Dict-bad-value"),
    pytest.param(Map(Address), {"M": {"street": {"N": "1"}}}, "Address.street", id="Map-bad-column"),
    pytest.param(Point(), {"S": "x"}, "cannot load as Point()", id="Custom-garbage"),
    pytest.param(Dynamic(), {}, "cannot load", id="Dynamic-empty"),
    pytest.param(Dynamic(), {"X": 1}, "unknown DynamoDB type 'X'", id="Dynamic-unknown-type"),
    pytest.param(Dynamic(), {"S": "a", "N": "1"}, "exactly one key", id="Dynamic-two-keys"),
    pytest.param(Dynamic(), {"N": "x"}, "cannot load", id="Dynamic-bad-number"),
    pytest.param(Dynamic(), {"L": [{"B": "!"}]}, "cannot load", id="Dynamic-nested-bad-base64"),
    pytest.param(Dynamic(), None, "cannot load", id="Dynamic-None"),
]


@pytest.mark.parametrize(("type_", "wire", "reason"), INVALID_STORED_CASES)
def test_load_rejects_invalid_stored_value(type_: Type[Any], wire: Any, reason: str) -> None:
    """Loading a wrong-typed or malformed AttributeValue raises InvalidStoredValue naming the reason and the value."""
    with pytest.raises(InvalidStoredValue) as caught:
        type_.load(wire)
    message = str(caught.value)
    assert reason in message
    assert f"(value: {caught.value.value!r:.200})" in message


def test_invalid_stored_value_message_exact() -> None:
    """The InvalidStoredValue message names the expected DynamoDB type and quotes the stored value."""
    with pytest.raises(InvalidStoredValue) as caught:
        Integer().load({"S": "x"})
    expected = ("expected a DynamoDB N value (value: {'S': 'x'})", {"S": "x"})
    assert expected == (str(caught.value), caught.value.value)


# -- construction errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: Enum(Mixed), "Enum(Mixed) needs all-str or all-int values", id="Enum-mixed-values"
        ),
        pytest.param(
            lambda: Set(Boolean), "a set holds S, N or B values, not Boolean()", id="Set-of-Boolean"
        ),
        pytest.param(lambda: Set(List(String)), "a set holds S, N or B values", id="Set-of-List"),
        pytest.param(lambda: Map(dict), "Map() takes an adyn Document or Model class", id="Map-of-dict"),
    ],
)
def test_invalid_type_construction(build: Any, message: str) -> None:
    """A type that cannot exist (a set of booleans, an enum of mixed values, ...) raises TypeError when built."""
    with pytest.raises(TypeError) as caught:
        build()
    assert message in str(caught.value)


def test_enum_by_name_allows_mixed_values() -> None:
    """An enum of mixed value types is storable by name."""
    type_ = Enum(Mixed, by="name")
    expected = ({"S": "TWO"}, Mixed.ONE)
    assert expected == (type_.dump(Mixed.TWO), type_.load({"S": "ONE"}))


# -- custom types ---------------------------------------------------------------------------------------------------


def test_custom_type_round_trip() -> None:
    """The docstring's Point type dumps through its dynamo_dump and loads through its dynamo_load."""
    point = Point()
    expected = ({"S": "-3,4"}, (-3, 4))
    assert expected == (point.dump((-3, 4)), point.load({"S": "-3,4"}))


def test_custom_type_json_form() -> None:
    """A custom type's JSON form is its wire string, and loads back through dynamo_load."""
    expected = ("1,2", (1, 2))
    assert expected == (Point().to_json((1, 2)), Point().from_json("1,2"))


# -- JSON-safe forms ------------------------------------------------------------------------------------------------

JSON_CASES = [
    pytest.param(String(), "héllo", "héllo", id="String"),
    pytest.param(String(), "", "", id="String-empty"),
    pytest.param(Integer(), 10**40, 10**40, id="Integer"),
    pytest.param(Float(), 1.5, 1.5, id="Float"),
    pytest.param(Float(), -0.0, -0.0, id="Float-negative-zero"),
    pytest.param(Number(), D("1.50"), "1.50", id="Number-as-string"),
    pytest.param(
        Number(),
        D("0.1000000000000000000000000000000000001"),
        "0.1000000000000000000000000000000000001",
        id="Number-38-digits",
    ),
    pytest.param(Boolean(), True, True, id="Boolean"),
    pytest.param(Binary(), b"\x00hello", "AGhlbGxv", id="Binary-base64"),
    pytest.param(Binary(), b"", "", id="Binary-empty"),
    pytest.param(UUID(), A_UUID, "12345678-1234-5678-1234-567812345678", id="UUID"),
    pytest.param(
        DateTime(),
        pendulum.datetime(2026, 1, 2, 3, 4, 5, 6),
        "2026-01-02T03:04:05.000006+00:00",
        id="DateTime",
    ),
    pytest.param(Date(), pendulum.Date(2026, 1, 2), "2026-01-02", id="Date"),
    pytest.param(Timestamp(), pendulum.datetime(2026, 1, 2, 3, 4, 5), 1767323045, id="Timestamp-int"),
    pytest.param(Timedelta(), datetime.timedelta(seconds=-1.5), "-1.5", id="Timedelta-string"),
    pytest.param(Timedelta(), datetime.timedelta(days=2), "172800", id="Timedelta-whole"),
    pytest.param(Enum(Color), Color.BLUE, "blue", id="Enum-str"),
    pytest.param(Enum(Level), Level.HIGH, 10, id="Enum-int"),
    pytest.param(Enum(Level, by="name"), Level.HIGH, "HIGH", id="Enum-name"),
    pytest.param(JSON(), {"a": [1, None]}, {"a": [1, None]}, id="JSON"),
    pytest.param(Email(), "ada@example.com", "ada@example.com", id="Email"),
    pytest.param(URL(), "https://example.com", "https://example.com", id="URL"),
    pytest.param(IPAddress(), "::1", "::1", id="IPAddress"),
    pytest.param(Set(String), {"b", "a"}, ["a", "b"], id="Set-String-sorted"),
    pytest.param(Set(Integer), {2, 10}, [10, 2], id="Set-Integer"),
    pytest.param(Set(Binary), {b"b", b"a"}, ["YQ==", "Yg=="], id="Set-Binary-base64"),
    pytest.param(Set(String), set(), [], id="Set-empty"),
    pytest.param(List(Binary), [b"a"], ["YQ=="], id="List-Binary"),
    pytest.param(List(Number), [D("1.5")], ["1.5"], id="List-Number"),
    pytest.param(Dict(UUID), {"k": A_UUID}, {"k": "12345678-1234-5678-1234-567812345678"}, id="Dict-UUID"),
    pytest.param(Dict(Set(Integer)), {"a": {2, 10}}, {"a": [10, 2]}, id="Dict-Set"),
    pytest.param(
        Map(Address),
        Address(street="Main", zip=75001, tags={"b", "a"}),
        {"street": "Main", "zip": 75001, "tags": ["a", "b"]},
        id="Map",
    ),
    pytest.param(
        Map(Address), Address(street="x"), {"street": "x", "zip": None, "tags": []}, id="Map-defaults"
    ),
    pytest.param(Point(), (1, 2), "1,2", id="Custom-Point"),
]


@pytest.mark.parametrize(("type_", "value", "expected"), JSON_CASES)
def test_to_json(type_: Type[Any], value: Any, expected: Any) -> None:
    """to_json gives the exact JSON-safe form, which json.dumps accepts."""
    actual = type_.to_json(value)
    assert (shape(expected), json.dumps(expected)) == (shape(actual), json.dumps(actual))


@pytest.mark.parametrize(("type_", "value", "expected"), JSON_CASES)
def test_from_json_inverts_to_json(type_: Type[Any], value: Any, expected: Any) -> None:
    """from_json of the JSON text of to_json's output gives back an equal value."""
    text = json.dumps(type_.to_json(value))
    assert value == type_.from_json(json.loads(text))


def test_set_to_json_is_order_independent() -> None:
    """Set.to_json sorts elements by the repr of their JSON form, so equal sets give equal lists."""
    assert Set(Integer).to_json({1, 2, 3, 10}) == Set(Integer).to_json({10, 3, 2, 1}) == [1, 10, 2, 3]


@pytest.mark.parametrize(
    ("type_", "value", "reason"),
    [
        pytest.param(Integer(), True, "expected int, got bool", id="Integer-bool"),
        pytest.param(Float(), float("nan"), "NaN or infinity", id="Float-nan"),
        pytest.param(Number(), D("NaN"), "NaN or infinity", id="Number-nan"),
        pytest.param(Boolean(), 0, "expected bool, got int", id="Boolean-int"),
        pytest.param(Binary(), "x", "expected bytes", id="Binary-str"),
        pytest.param(DateTime(), datetime.datetime(2026, 1, 1), "naive datetime", id="DateTime-naive"),
        pytest.param(Timestamp(), datetime.datetime(2026, 1, 1), "naive datetime", id="Timestamp-naive"),
        pytest.param(Enum(Level), 1, "expected Level, got int", id="Enum-raw"),
        pytest.param(JSON(), {"a": {1}}, "not JSON-serialisable", id="JSON-set"),
        pytest.param(Email(), "nope", "not an email address", id="Email"),
        pytest.param(Set(Integer), [1], "expected set or frozenset", id="Set-list"),
        pytest.param(List(Integer), [True], "expected int, got bool", id="List-element"),
        pytest.param(Dict(Integer), {"a": "x"}, "expected int, got str", id="Dict-value"),
        pytest.param(Map(Address), {"street": "x"}, "expected Address, got dict", id="Map-dict"),
        pytest.param(Dynamic(), {"a": set()}, "empty set", id="Dynamic-empty-set"),
    ],
)
def test_to_json_rejects_invalid_value(type_: Type[Any], value: Any, reason: str) -> None:
    """to_json validates like dump: a value the column cannot store raises InvalidValue."""
    with pytest.raises(InvalidValue, match=reason):
        type_.to_json(value)


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        pytest.param(Dynamic(), None, None, id="None"),
        pytest.param(Dynamic(), 1.5, 1.5, id="float"),
        pytest.param(Dynamic(), D("1.50"), "1.50", id="Decimal-as-string"),
        pytest.param(Dynamic(), b"\x00hello", "AGhlbGxv", id="bytes-as-base64"),
        pytest.param(Dynamic(), {"b", "a"}, ["a", "b"], id="set-as-sorted-list"),
        pytest.param(Dynamic(), (1, "a"), [1, "a"], id="tuple-as-list"),
        pytest.param(
            DynamicMap(),
            {"n": D("2"), "b": b"x", "l": [{"s": {b"b", b"a"}}], "ok": True},
            {"n": "2", "b": "eA==", "l": [{"s": ["YQ==", "Yg=="]}], "ok": True},
            id="DynamicMap-nested",
        ),
        pytest.param(DynamicList(), [1, None, "x"], [1, None, "x"], id="DynamicList"),
    ],
)
def test_dynamic_to_json(type_: Dynamic, value: Any, expected: Any) -> None:
    """Dynamic's JSON form keeps Decimals as strings, bytes as base64 and sets as sorted lists."""
    actual = type_.to_json(value)
    assert (shape(expected), json.dumps(expected)) == (shape(actual), json.dumps(actual))


def test_dynamic_from_json_is_identity() -> None:
    """Dynamic.from_json returns the JSON value as it is, so JSON-native values round-trip exactly."""
    value = {"a": [1, None, "x", True, 1.5], "b": {}}
    assert value == Dynamic().from_json(json.loads(json.dumps(Dynamic().to_json(value))))


# -- plain forms ----------------------------------------------------------------------------------------------------

PLAIN_CASES = [
    pytest.param(String(), "x", "x", id="String"),
    pytest.param(Integer(), 3, 3, id="Integer"),
    pytest.param(Float(), 1.5, 1.5, id="Float"),
    pytest.param(Number(), D("1.50"), D("1.50"), id="Number"),
    pytest.param(Boolean(), False, False, id="Boolean"),
    pytest.param(Binary(), b"a", b"a", id="Binary"),
    pytest.param(UUID(), A_UUID, A_UUID, id="UUID"),
    pytest.param(DateTime(), pendulum.datetime(2026, 1, 2), pendulum.datetime(2026, 1, 2), id="DateTime"),
    pytest.param(Date(), pendulum.Date(2026, 1, 2), pendulum.Date(2026, 1, 2), id="Date"),
    pytest.param(Timedelta(), datetime.timedelta(seconds=3), datetime.timedelta(seconds=3), id="Timedelta"),
    pytest.param(Enum(Color), Color.RED, Color.RED, id="Enum"),
    pytest.param(JSON(), {"a": [1]}, {"a": [1]}, id="JSON"),
    pytest.param(Set(String), frozenset({"a"}), {"a"}, id="Set-frozenset-to-set"),
    pytest.param(
        List(Map(Address)),
        [Address(street="a")],
        [{"street": "a", "zip": None, "tags": set()}],
        id="List-Map",
    ),
    pytest.param(Dict(Integer), {"a": 1, "b": None}, {"a": 1}, id="Dict-None-dropped"),
    pytest.param(
        Map(Address),
        Address(street="Main", zip=1, tags={"t"}),
        {"street": "Main", "zip": 1, "tags": {"t"}},
        id="Map",
    ),
    pytest.param(DynamicMap(), {"a": {1}}, {"a": {1}}, id="DynamicMap"),
]


@pytest.mark.parametrize(("type_", "value", "expected"), PLAIN_CASES)
def test_to_plain(type_: Type[Any], value: Any, expected: Any) -> None:
    """to_plain gives plain Python: documents become dicts, sets become sets, None dict values are dropped."""
    assert shape(expected) == shape(type_.to_plain(value))


@pytest.mark.parametrize(("type_", "value", "expected"), PLAIN_CASES)
def test_from_plain_inverts_to_plain(type_: Type[Any], value: Any, expected: Any) -> None:
    """from_plain of to_plain's output gives back an equal value (None dict values aside)."""
    if isinstance(type_, Dict):
        value = {k: v for k, v in value.items() if v is not None}
    assert value == type_.from_plain(type_.to_plain(value))


def test_map_from_plain_keeps_documents() -> None:
    """Map.from_plain returns a document instance unchanged rather than rebuilding it."""
    address = Address(street="x")
    assert Map(Address).from_plain(address) is address


def test_set_to_plain_copies() -> None:
    """Set.to_plain returns a new set, so mutating the plain form leaves the value alone."""
    value = {"a"}
    plain = Set(String).to_plain(value)
    plain.add("b")
    assert {"a"} == value


# -- repr -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        pytest.param(String(), "String()", id="String"),
        pytest.param(DateTime(timezone="Europe/Paris"), "DateTime(timezone='Europe/Paris')", id="DateTime"),
        pytest.param(Timestamp(), "Timestamp(timezone='UTC')", id="Timestamp"),
        pytest.param(Enum(Level, by="name"), "Enum(Level, by='name')", id="Enum"),
        pytest.param(Set(Integer), "Set(Integer())", id="Set"),
        pytest.param(List(Set(String)), "List(Set(String()))", id="List"),
        pytest.param(Dict(Binary), "Dict(Binary())", id="Dict"),
        pytest.param(Map(Address), "Map(Address)", id="Map"),
        pytest.param(Point(), "Point()", id="Custom"),
    ],
)
def test_repr(type_: Type[Any], expected: str) -> None:
    """A type's repr reads like the expression that builds it."""
    assert expected == repr(type_)
