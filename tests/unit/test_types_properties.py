"""
Property tests for adyn.types: every type round-trips its values through the wire, JSON and plain forms, and
dumps deterministically.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import json
import math
import re
from fractions import Fraction
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adyn.exceptions import InvalidValue
from adyn.types import (
    Date,
    DateTime,
    Dynamic,
    Float,
    Integer,
    Map,
    Number,
    Timedelta,
    Timestamp,
    Type,
)
from tests.strategies import (
    TYPE_CASES,
    Address,
    datetimes,
    integers,
    numbers,
    timedeltas,
    types_and_values,
)

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
DYNAMODB_TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"})

ALL_CASES = [pytest.param(type_, values, id=case_id) for case_id, type_, values in TYPE_CASES]


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


def since_epoch(value: datetime.datetime) -> datetime.timedelta:
    """
    The exact instant of an aware datetime, as a plain timedelta since the epoch (pendulum's `-` is bypassed).
    """
    return datetime.datetime.__sub__(value, EPOCH)


def assert_same_value(type_: Type[Any], loaded: Any, value: Any) -> None:
    """
    Assert that `loaded` is `value` as the type promises to give it back.
    """
    if isinstance(type_, (DateTime, Timestamp)):
        # The same instant, as a pendulum.DateTime in the column's zone.
        assert (pendulum.DateTime, since_epoch(value), str(type_.timezone)) == (
            type(loaded),
            since_epoch(loaded),
            str(loaded.tzinfo),
        )
    elif isinstance(type_, Float):
        assert (float, value, math.copysign(1.0, value)) == (type(loaded), loaded, math.copysign(1.0, loaded))
    elif isinstance(type_, Number):
        assert (decimal.Decimal, str(value)) == (type(loaded), str(loaded))
    elif isinstance(type_, Date):
        assert (pendulum.Date, value) == (type(loaded), loaded)
    elif isinstance(type_, (Dynamic, Map)):
        # Dynamic loads integral Decimals as int (equal, not the same type); documents compare by value.
        assert value == loaded
    else:
        assert shape(value) == shape(loaded)


def rebuild(value: Any) -> Any:
    """
    An equal copy of `value` built differently: sets refilled in reverse sorted order, dicts in reverse key order.
    """
    if isinstance(value, (set, frozenset)):
        return type(value)(sorted(value, key=repr, reverse=True))
    if isinstance(value, dict):
        return {k: rebuild(v) for k, v in reversed(list(value.items()))}
    if isinstance(value, list):
        return [rebuild(v) for v in value]
    if isinstance(value, Address):
        return Address(street=value.street, zip=value.zip, tags=rebuild(value.tags))
    return copy.deepcopy(value)


def check_wire_round_trip(type_: Type[Any], value: Any) -> None:
    """
    Loading the dumped value gives it back (an empty set through "absent" and load_missing).
    """
    wire = type_.dump(value)
    loaded = type_.load_missing() if wire is None else type_.load(wire)
    assert_same_value(type_, loaded, value)


def check_deterministic_dump(type_: Type[Any], value: Any) -> None:
    """
    An equal value built in another order (sets, dict keys) dumps to an equal AttributeValue.
    """
    other = rebuild(value)
    assert value == other
    assert type_.dump(value) == type_.dump(other)


def check_json_round_trip(type_: Type[Any], value: Any) -> None:
    """
    to_json's output is JSON text material; for typed columns from_json of it gives the value back.
    """
    safe = type_.to_json(value)
    text = json.dumps(safe, allow_nan=False)
    if isinstance(type_, Dynamic):
        # Untyped JSON keeps Decimals as strings and bytes as base64: it is JSON-safe, not a round trip.
        assert safe == json.loads(text)
    else:
        assert_same_value(type_, type_.from_json(json.loads(text)), value)


def check_plain_round_trip(type_: Type[Any], value: Any) -> None:
    """
    from_plain of to_plain gives back an equal value.
    """
    assert value == type_.from_plain(type_.to_plain(value))


# -- round trips ----------------------------------------------------------------------------------------------------

# The per-type test runs once for each of ~30 types: a third of the profile's examples each keeps it near the cost of
# a few ordinary property tests, and still scales with the profile ("dev" digs deeper).
PER_TYPE = settings(max_examples=max(20, settings.default.max_examples // 3))


@pytest.mark.parametrize(("type_", "values"), ALL_CASES)
@PER_TYPE
@given(data=st.data())
def test_value_survives_every_form(
    type_: Type[Any], values: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    """Every value of every type survives dump/load, JSON and plain forms, and equal values dump equally."""
    value = data.draw(values, label="value")
    check_wire_round_trip(type_, value)
    check_deterministic_dump(type_, value)
    check_json_round_trip(type_, value)
    check_plain_round_trip(type_, value)


@given(types_and_values())
def test_dump_shape(type_and_value: tuple[Type[Any], Any]) -> None:
    """Every dump is None (only for an empty set) or a one-key AttributeValue of the type's backing type."""
    type_, value = type_and_value
    wire = type_.dump(value)
    if wire is None:
        assert (set(), True) == (set(value), type_.backing_type in ("SS", "NS", "BS"))
    else:
        expected_key = type_.backing_type or next(iter(wire))
        assert ([expected_key], True) == (list(wire), expected_key in DYNAMODB_TYPES)


# -- wire text of particular types ----------------------------------------------------------------------------------


@given(integers())
def test_integer_wire_text(value: int) -> None:
    """An Integer dumps as its plain decimal digits."""
    assert {"N": str(value)} == Integer().dump(value)


@given(numbers())
def test_number_wire_text(value: decimal.Decimal) -> None:
    """A Number dumps as the Decimal's own spelling, so no digit or exponent is lost."""
    assert {"N": str(value)} == Number().dump(value)


@given(
    st.integers(min_value=10**38, max_value=10**39 - 1).filter(lambda c: c % 10 != 0),
    st.integers(min_value=-100, max_value=80),
)
def test_number_rejects_more_than_38_significant_digits(coefficient: int, exponent: int) -> None:
    """A Decimal with 39 significant digits is rejected whatever its exponent."""
    value = decimal.Decimal(coefficient).scaleb(exponent, decimal.Context(prec=50))
    with pytest.raises(InvalidValue, match="38 significant digits"):
        Number().dump(value)


@given(datetimes(), datetimes())
def test_datetime_wire_text_sorts_as_instants(a: datetime.datetime, b: datetime.datetime) -> None:
    """DateTime's fixed-width UTC text sorts exactly as the instants do."""
    text_a, text_b = DateTime().dump(a)["S"], DateTime().dump(b)["S"]  # type: ignore[index]
    assert (32, 32, since_epoch(a) < since_epoch(b)) == (len(text_a), len(text_b), text_a < text_b)


@given(datetimes(), st.sampled_from([0, 1, 500_000, 999_998, 999_999]) | st.integers(0, 999_999))
def test_timestamp_floors_to_whole_seconds(value: datetime.datetime, microsecond: int) -> None:
    """A Timestamp stores the epoch seconds floored, however far from the epoch and whatever the microseconds."""
    value = value.replace(microsecond=microsecond)
    micros = since_epoch(value) // datetime.timedelta(microseconds=1)
    assert {"N": str(micros // 1_000_000)} == Timestamp().dump(value)  # type: ignore[arg-type]


@given(timedeltas())
def test_timedelta_wire_text_is_exact_plain_seconds(value: datetime.timedelta) -> None:
    """A Timedelta stores its exact seconds as plain digits with at most six decimals and no trailing zeros."""
    text = Timedelta().dump(value)["N"]  # type: ignore[index]
    micros = value // datetime.timedelta(microseconds=1)
    assert (True, Fraction(micros, 1_000_000)) == (
        re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]{0,5}[1-9])?", text) is not None,
        Fraction(text),
    )
