"""
Column types: how one Python value becomes one DynamoDB attribute value, and back.

Every type is a :class:`Type` with a `python_type`, a `backing_type` (the DynamoDB type letter: ``S``, ``N``,
``B``, ``BOOL``, ``SS``, ``NS``, ``BS``, ``L``, ``M``) and a pair of methods, `dynamo_dump` and `dynamo_load`,
that convert between the Python value and the wire value inside the one-key AttributeValue dict::

    >>> Integer().dump(12)
    {'N': '12'}
    >>> DateTime(timezone="Europe/Paris").load({"S": "2026-01-02T03:04:05.000000+00:00"}).isoformat()
    '2026-01-02T04:04:05+01:00'

A custom type subclasses the closest existing type and overrides `dynamo_dump` / `dynamo_load` (and
`python_type`); the whole machinery (validation, sets, lists, maps, expressions, JSON forms) follows::

    class Point(String):
        python_type = tuple

        def dynamo_dump(self, value):
            return f"{value[0]},{value[1]}"

        def dynamo_load(self, value):
            x, y = value.split(",")
            return (int(x), int(y))

`None` is never stored: a column holding None is absent from the item. Empty strings and empty binaries are
legal non-key values; empty sets are stored as absent (DynamoDB has no empty set) and load as empty sets.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import enum
import ipaddress
import json
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, cast
from urllib.parse import urlsplit

import pendulum
from typing_extensions import TypeVar

from .exceptions import InvalidStoredValue, InvalidValue

if TYPE_CHECKING:
    from ._wire import AttributeValue

__all__ = [
    "JSON",
    "URL",
    "UUID",
    "Binary",
    "Boolean",
    "Date",
    "DateTime",
    "Dict",
    "Dynamic",
    "DynamicList",
    "DynamicMap",
    "Email",
    "Enum",
    "Float",
    "IPAddress",
    "Integer",
    "List",
    "Map",
    "Number",
    "Set",
    "String",
    "Timedelta",
    "Timestamp",
    "Type",
]

# Defaults to Any, so the bare `Type` (as in `Type.dump(self, value)`, the generic fallback) is `Type[Any]`.
T = TypeVar("T", default=Any)
E = TypeVar("E", bound=enum.Enum)

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_PENDULUM_UTC = pendulum.UTC
_UTC_FORMAT = "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00"
_isoformat = datetime.datetime.isoformat
_astimezone = datetime.datetime.astimezone


class Type(Generic[T]):
    """
    The base of every column type.

    Subclasses set `python_type` (checked with isinstance before dumping) and `backing_type`, and implement
    `dynamo_dump` (Python value → wire value) and `dynamo_load` (wire value → Python value). `validate` may add
    checks; it raises :class:`~adyn.exceptions.InvalidValue`.

    The whole-value methods `dump` (→ ``{"S": ...}``, or None for "store nothing") and `load` are what the item
    codec calls; the built-in types override them for speed, and a subclass that overrides `dynamo_dump`,
    `dynamo_load` or `validate` automatically goes back to the generic versions, so its overrides are always used.
    """

    python_type: Any = object
    backing_type: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass customising the conversion must not be bypassed by a parent's fast path.
        if ("dynamo_dump" in cls.__dict__ or "validate" in cls.__dict__) and "dump" not in cls.__dict__:
            cls.dump = Type.dump  # type: ignore[method-assign]
            cls.dump_value = Type.dump_value  # type: ignore[method-assign]
        if "dynamo_load" in cls.__dict__ and "load" not in cls.__dict__:
            cls.load = Type.load  # type: ignore[method-assign]

    # -- the conversion pair a custom type overrides -------------------------------------------------------------

    def dynamo_dump(self, value: T) -> Any:
        """
        Convert a valid Python value into the wire value (the inside of the AttributeValue dict).
        """
        raise NotImplementedError

    def dynamo_load(self, value: Any) -> T:
        """
        Convert a wire value (the inside of the AttributeValue dict) into the Python value.
        """
        raise NotImplementedError

    def validate(self, value: Any) -> None:
        """
        Raise :class:`~adyn.exceptions.InvalidValue` unless `value` can be dumped by this type.
        """
        if not isinstance(value, self.python_type):
            raise InvalidValue(f"expected {self._expected()}, got {type(value).__name__}", value=value)

    # -- whole values --------------------------------------------------------------------------------------------

    def dump_value(self, value: T) -> Any:
        """
        Validate `value` and return its wire value.
        """
        self.validate(value)
        return self.dynamo_dump(value)

    def dump(self, value: T) -> AttributeValue | None:
        """
        Validate `value` and return its AttributeValue, or None when the value is stored as absent (an empty set).
        """
        self.validate(value)
        return {self.backing_type: self.dynamo_dump(value)}

    def load(self, value: AttributeValue) -> T:
        """
        Load an AttributeValue, raising :class:`~adyn.exceptions.InvalidStoredValue` if it is not of this type.
        """
        try:
            wire = value[self.backing_type]
        except (KeyError, TypeError):
            raise InvalidStoredValue(f"expected a DynamoDB {self.backing_type} value", value=value) from None
        try:
            return self.dynamo_load(wire)
        except InvalidStoredValue:
            raise  # from a nested value (a list element, a document's column), which it names more precisely
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise InvalidStoredValue(f"cannot load as {self!r}: {exc}", value=value) from exc

    def load_missing(self) -> T | None:
        """
        The value of an attribute absent from a stored item (None, or an empty set for set types).
        """
        return None

    # -- plain and JSON-safe forms ---------------------------------------------------------------------------------

    def to_plain(self, value: T) -> Any:
        """
        The value as plain Python (nested documents become dicts); used by `Model.to_dict()`.
        """
        return value

    def from_plain(self, value: Any) -> T:
        """
        The inverse of `to_plain`; used by `Model.from_dict()`.
        """
        return value  # type: ignore[no-any-return]

    def to_json(self, value: T) -> Any:
        """
        The value in a JSON-safe form: strings, numbers, booleans, lists and dicts only.
        """
        wire = self.dump_value(value)
        if self.backing_type == "B":
            return base64.b64encode(wire).decode("ascii")
        return wire

    def from_json(self, value: Any) -> T:
        """
        The inverse of `to_json`.
        """
        if self.backing_type == "B":
            value = _b64(value)
        return self.dynamo_load(value)

    # -- description ---------------------------------------------------------------------------------------------

    def _expected(self) -> str:
        pt = self.python_type
        if isinstance(pt, tuple):
            return " or ".join(t.__name__ for t in cast("tuple[type, ...]", pt))
        return str(getattr(pt, "__name__", pt))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


if sys.version_info >= (3, 11):

    def _strict_b64decode(text: str) -> bytes:
        # binascii's strict mode checks the alphabet and padding as b64decode(validate=True) does, without its regex.
        return binascii.a2b_base64(text, strict_mode=True)

else:  # pragma: no cover - Python 3.10

    def _strict_b64decode(text: str) -> bytes:
        return base64.b64decode(text, validate=True)


def _b64(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return _strict_b64decode(value)
    raise TypeError(f"expected bytes or a base64 string, got {type(value).__name__}")


def _reject_bool(value: Any, expected: str) -> None:
    if isinstance(value, bool):
        raise InvalidValue(f"expected {expected}, got bool", value=value)


# -- scalars ------------------------------------------------------------------------------------------------------


class String(Type[str]):
    """
    A string, stored as ``S``. The empty string is a legal non-key value.
    """

    python_type = str
    backing_type = "S"

    def dynamo_dump(self, value: str) -> str:
        return value

    def dynamo_load(self, value: Any) -> str:
        return str(value)

    def dump(self, value: str) -> AttributeValue | None:
        if value.__class__ is not str and not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise InvalidValue(f"expected str, got {type(value).__name__}", value=value)
        return {"S": value}

    def load(self, value: AttributeValue) -> str:
        try:
            wire = value["S"]
        except (KeyError, TypeError):
            raise InvalidStoredValue("expected a DynamoDB S value", value=value) from None
        return wire  # type: ignore[no-any-return]


class Binary(Type[bytes]):
    """
    Bytes, stored as ``B``. Loads from raw bytes or from the base64 text of DynamoDB's JSON protocol.
    """

    python_type = (bytes, bytearray, memoryview)
    backing_type = "B"

    def dynamo_dump(self, value: bytes) -> bytes:
        return bytes(value)

    def dynamo_load(self, value: Any) -> bytes:
        return _b64(value)

    def dump(self, value: bytes) -> AttributeValue | None:
        if value.__class__ is bytes:
            return {"B": value}
        return Type.dump(self, value)

    def load(self, value: AttributeValue) -> bytes:
        wire: Any = value.get("B") if value.__class__ is dict else None
        if wire.__class__ is bytes:
            return wire
        return Type.load(self, value)


class Boolean(Type[bool]):
    """
    A bool, stored as ``BOOL``.
    """

    python_type = bool
    backing_type = "BOOL"

    def dynamo_dump(self, value: bool) -> bool:
        return value

    def dynamo_load(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"expected a bool, got {type(value).__name__}")
        return value

    def dump(self, value: bool) -> AttributeValue | None:
        if value is True or value is False:
            return {"BOOL": value}
        return Type.dump(self, value)  # type: ignore[unreachable]  # not a bool after all: this raises InvalidValue

    def to_json(self, value: bool) -> Any:
        return self.dump_value(value)


_NUMBER_LIMITS = "DynamoDB numbers hold 38 significant digits with magnitudes from 1E-130 to 9.99E+125"


def _dynamo_decimal(number: decimal.Decimal, value: Any) -> None:
    # DynamoDB counts significant digits, so trailing zeros are free: 10**40 is storable, 10**40 + 1 is not.
    if not number.is_finite():
        raise InvalidValue("DynamoDB cannot store NaN or infinity", value=value)
    if number.is_zero():
        return
    digits = number.as_tuple().digits
    significant = len(digits)
    while significant > 1 and digits[significant - 1] == 0:
        significant -= 1
    if significant > 38 or not -130 <= number.adjusted() <= 125:
        raise InvalidValue(_NUMBER_LIMITS, value=value)


def _check_number_text(text: str, value: Any) -> str:
    # Integers and floats below 38 digits are the common case and need no Decimal round trip.
    if len(text) <= 38 and "e" not in text and "E" not in text:
        return text
    _dynamo_decimal(decimal.Decimal(text), value)
    return text


class Integer(Type[int]):
    """
    An int, stored as ``N`` (at most 38 significant digits).
    """

    python_type = int
    backing_type = "N"

    def validate(self, value: Any) -> None:
        _reject_bool(value, "int")
        super().validate(value)

    def dynamo_dump(self, value: int) -> str:
        return _check_number_text(str(int(value)), value)

    def dynamo_load(self, value: Any) -> int:
        try:
            return int(value)
        except ValueError:
            number = decimal.Decimal(value)
            if number != number.to_integral_value():
                raise ValueError(f"{value!r} is not an integer") from None
            return int(number)

    def dump(self, value: int) -> AttributeValue | None:
        if value.__class__ is int:
            text = str(value)
            return {"N": text if len(text) <= 38 else _check_number_text(text, value)}
        return Type.dump(self, value)

    def load(self, value: AttributeValue) -> int:
        try:
            return int(value["N"])
        except (KeyError, TypeError, ValueError):
            return Type.load(self, value)

    def to_json(self, value: int) -> Any:
        self.validate(value)
        return int(value)

    def from_json(self, value: Any) -> int:
        return self.dynamo_load(value)


class Float(Type[float]):
    """
    A float, stored as ``N``. NaN and infinities are rejected (DynamoDB cannot store them); ints are accepted.
    """

    python_type = (float, int)
    backing_type = "N"

    def validate(self, value: Any) -> None:
        _reject_bool(value, "float")
        super().validate(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidValue("DynamoDB cannot store NaN or infinity", value=value)
        if isinstance(value, int) and not -1e126 < value < 1e126:  # also keeps float(value) from overflowing
            raise InvalidValue(_NUMBER_LIMITS, value=value)

    def dynamo_dump(self, value: float) -> str:
        return _check_number_text(repr(float(value)), value)

    def dynamo_load(self, value: Any) -> float:
        return float(value)

    def dump(self, value: float) -> AttributeValue | None:
        if value.__class__ is float and value - value == 0.0:  # finite
            return {"N": _check_number_text(repr(value), value)}
        return Type.dump(self, value)

    def load(self, value: AttributeValue) -> float:
        try:
            return float(value["N"])
        except (KeyError, TypeError, ValueError):
            return Type.load(self, value)

    def to_json(self, value: float) -> Any:
        self.validate(value)
        return float(value)

    def from_json(self, value: Any) -> float:
        return float(value)


class Number(Type[decimal.Decimal]):
    """
    An exact decimal, stored as ``N`` within DynamoDB's 38-digit context. NaN and infinities are rejected.
    Accepts Decimal and int; its JSON form is a string, so no digit is lost.
    """

    python_type = (decimal.Decimal, int)
    backing_type = "N"

    def validate(self, value: Any) -> None:
        _reject_bool(value, "Decimal")
        super().validate(value)
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            raise InvalidValue("DynamoDB cannot store NaN or infinity", value=value)

    def dynamo_dump(self, value: decimal.Decimal | int) -> str:
        number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(value)
        _dynamo_decimal(number, value)
        return str(number)

    def dynamo_load(self, value: Any) -> decimal.Decimal:
        return decimal.Decimal(value)

    def to_json(self, value: decimal.Decimal) -> Any:
        return self.dump_value(value)


class UUID(Type[uuid.UUID]):
    """
    A :class:`uuid.UUID`, stored as its canonical ``S`` form.
    """

    python_type = uuid.UUID
    backing_type = "S"

    def dynamo_dump(self, value: uuid.UUID) -> str:
        return str(value)

    def dynamo_load(self, value: Any) -> uuid.UUID:
        return uuid.UUID(value)

    def dump(self, value: uuid.UUID) -> AttributeValue | None:
        if value.__class__ is uuid.UUID:
            return {"S": str(value)}
        return Type.dump(self, value)


def _timezone(name: str | datetime.tzinfo) -> datetime.tzinfo:
    if isinstance(name, datetime.tzinfo):
        return name
    if name.upper() == "UTC":
        return _UTC
    return pendulum.timezone(name)


def _check_aware(t: Type[Any], value: Any) -> None:
    Type.validate(t, value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(
            "naive datetime: attach a timezone (for example pendulum.now() or datetime.now(timezone.utc))",
            value=value,
        )


class DateTime(Type[pendulum.DateTime]):
    """
    A timezone-aware date-time, stored as ``S`` in one fixed-width UTC ISO-8601 form with microseconds and
    ``+00:00`` (``2026-01-02T03:04:05.000000+00:00``), so stored values sort as times do.

    Loads as a :class:`pendulum.DateTime` in the column's `timezone` (UTC by default). Dumps any aware
    :class:`datetime.datetime` (pendulum's included), converting it to UTC first. A naive datetime is rejected
    with :class:`~adyn.exceptions.InvalidValue`: adyn never guesses which zone a wall-clock time was in.
    """

    python_type = datetime.datetime
    backing_type = "S"

    def __init__(self, timezone: str | datetime.tzinfo = "UTC") -> None:
        self.timezone = timezone
        self._tz = _timezone(timezone)

    def validate(self, value: Any) -> None:
        _check_aware(self, value)

    def dynamo_dump(self, value: datetime.datetime) -> str:
        if value.tzinfo is not _UTC:
            try:
                value = _astimezone(value, _UTC)
            except OverflowError:  # 0001-01-01T00:00+05:00 is before year 1 in UTC
                raise InvalidValue("outside the datetimes UTC can represent", value=value) from None
        return _isoformat(value, timespec="microseconds")

    def dynamo_load(self, value: Any) -> pendulum.DateTime:
        loaded = pendulum.DateTime.fromisoformat(value)
        if loaded.tzinfo is None:
            raise ValueError(f"{value!r} has no UTC offset")
        if self._tz is _UTC:
            return loaded if loaded.tzinfo is _UTC else loaded.astimezone(_UTC)
        return loaded.astimezone(self._tz)

    def dump(self, value: pendulum.DateTime) -> AttributeValue | None:
        tz = getattr(value, "tzinfo", None)
        if (tz is _UTC or tz is _PENDULUM_UTC) and isinstance(value, datetime.datetime):  # pyright: ignore[reportUnnecessaryIsInstance]
            # Already UTC: format the fields directly, which is cheaper than isoformat's offset lookup.
            return {
                "S": _UTC_FORMAT
                % (
                    value.year,
                    value.month,
                    value.day,
                    value.hour,
                    value.minute,
                    value.second,
                    value.microsecond,
                )
            }
        return Type.dump(self, value)

    def __repr__(self) -> str:
        return f"DateTime(timezone={self.timezone!r})"


class Date(Type[pendulum.Date]):
    """
    A calendar date, stored as ``S`` (``2026-01-02``); loads as :class:`pendulum.Date`. Datetimes are rejected.
    """

    python_type = datetime.date
    backing_type = "S"

    def validate(self, value: Any) -> None:
        if isinstance(value, datetime.datetime):
            raise InvalidValue("expected a date, got a datetime", value=value)
        super().validate(value)

    def dynamo_dump(self, value: datetime.date) -> str:
        return value.isoformat()

    def dynamo_load(self, value: Any) -> pendulum.Date:
        d = datetime.date.fromisoformat(value)
        return pendulum.Date(d.year, d.month, d.day)


class Timestamp(Type[pendulum.DateTime]):
    """
    A timezone-aware date-time stored as ``N``: whole seconds since the epoch, the form DynamoDB's TTL reads.
    Sub-second precision is dropped (floored). Loads as :class:`pendulum.DateTime` in the column's `timezone`.
    """

    python_type = datetime.datetime
    backing_type = "N"

    def __init__(self, timezone: str | datetime.tzinfo = "UTC") -> None:
        self.timezone = timezone
        self._tz = _timezone(timezone)

    def validate(self, value: Any) -> None:
        _check_aware(self, value)

    def dynamo_dump(self, value: datetime.datetime) -> str:
        # Exact integer arithmetic: flooring the float timestamp() rounds x.999999 up once the seconds are large.
        delta = datetime.datetime.__sub__(value, _EPOCH)
        return str(delta.days * 86_400 + delta.seconds)

    def dynamo_load(self, value: Any) -> pendulum.DateTime:
        seconds = Integer().dynamo_load(value)
        loaded = pendulum.from_timestamp(seconds, tz="UTC")
        return loaded if self._tz is _UTC else loaded.astimezone(self._tz)

    def to_json(self, value: datetime.datetime) -> Any:
        # Any aware datetime dumps, though T (what loads) is pendulum's.
        return int(self.dump_value(cast("pendulum.DateTime", value)))

    def from_json(self, value: Any) -> pendulum.DateTime:
        return self.dynamo_load(str(value))

    def __repr__(self) -> str:
        return f"Timestamp(timezone={self.timezone!r})"


class Timedelta(Type[datetime.timedelta]):
    """
    A duration, stored exactly as ``N`` seconds with up to six decimals (microseconds).
    """

    python_type = datetime.timedelta
    backing_type = "N"

    def dynamo_dump(self, value: datetime.timedelta) -> str:
        micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        # Plain digits ("100", not Decimal.normalize()'s "1E+2"), built from ints so no decimal context applies.
        sign = "-" if micros < 0 else ""
        seconds, fraction = divmod(abs(micros), 1_000_000)
        return f"{sign}{seconds}.{fraction:06d}".rstrip("0") if fraction else f"{sign}{seconds}"

    def dynamo_load(self, value: Any) -> datetime.timedelta:
        micros = decimal.Decimal(value).scaleb(6)
        if micros != micros.to_integral_value():
            raise ValueError(f"{value!r} has more precision than microseconds")
        return datetime.timedelta(microseconds=int(micros))

    def to_json(self, value: datetime.timedelta) -> Any:
        return self.dump_value(value)

    def from_json(self, value: Any) -> datetime.timedelta:
        return self.dynamo_load(str(value))


class Enum(Type[E]):
    """
    A member of an :class:`enum.Enum`, stored by value (``S`` for str values, ``N`` for int values) or by name
    (``S``): ``Enum(Color)``, ``Enum(Color, by="name")``.
    """

    backing_type = "S"

    def __init__(self, enum_class: type[E], *, by: Literal["value", "name"] = "value") -> None:
        self.enum_class = enum_class
        self.python_type = enum_class
        self.by = by
        members = list(enum_class)
        if by == "name":
            self.backing_type = "S"
            self._by_wire: dict[Any, E] = {m.name: m for m in members}
        elif all(isinstance(m.value, str) for m in members):
            self.backing_type = "S"
            self._by_wire = {m.value: m for m in members}
        elif all(isinstance(m.value, int) and not isinstance(m.value, bool) for m in members):
            self.backing_type = "N"
            self._by_wire = {str(m.value): m for m in members}
        else:
            raise TypeError(
                f"Enum({enum_class.__name__}) needs all-str or all-int values to store by value; use by='name'"
            )

    def dynamo_dump(self, value: E) -> str:
        return value.name if self.by == "name" else str(value.value)

    def dynamo_load(self, value: Any) -> E:
        try:
            return self._by_wire[value]
        except KeyError:
            raise ValueError(f"{value!r} is not a member of {self.enum_class.__name__}") from None

    def to_json(self, value: E) -> Any:
        wire = self.dump_value(value)
        return int(wire) if self.backing_type == "N" else wire

    def from_json(self, value: Any) -> E:
        return self.dynamo_load(str(value))

    def __repr__(self) -> str:
        return f"Enum({self.enum_class.__name__}, by={self.by!r})"


class JSON(Type[Any]):
    """
    Any JSON-serialisable value, stored as one ``S`` attribute of compact JSON text (keys sorted).
    """

    python_type = object
    backing_type = "S"

    def dynamo_dump(self, value: Any) -> str:
        try:
            return json.dumps(value, separators=(",", ":"), sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidValue(f"not JSON-serialisable: {exc}", value=value) from None

    def dynamo_load(self, value: Any) -> Any:
        return json.loads(value)

    def to_json(self, value: Any) -> Any:
        self.dump_value(value)
        return value

    def from_json(self, value: Any) -> Any:
        return value


# -- validated strings --------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class Email(String):
    """
    An email address (``local@domain.tld``), stored as ``S``; anything else is rejected before any request.
    """

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not _EMAIL.match(value):
            raise InvalidValue("not an email address", value=value)


class URL(String):
    """
    An absolute URL with a scheme and a host (``https://example.com/x``), stored as ``S``. `schemes` restricts the
    accepted schemes (default: http and https).
    """

    def __init__(self, schemes: tuple[str, ...] = ("http", "https")) -> None:
        self.schemes = schemes

    def validate(self, value: Any) -> None:
        super().validate(value)
        try:
            parts = urlsplit(cast(str, value))  # a str: checked just above
        except ValueError:
            raise InvalidValue("not a URL", value=value) from None
        if parts.scheme not in self.schemes or not parts.netloc or any(c.isspace() for c in value):
            raise InvalidValue(f"not an absolute {'/'.join(self.schemes)} URL", value=value)


class IPAddress(String):
    """
    An IPv4 or IPv6 address in text form, stored as ``S``; `version=4` or `version=6` restricts it.
    """

    def __init__(self, version: Literal[4, 6] | None = None) -> None:
        self.version = version

    def validate(self, value: Any) -> None:
        super().validate(value)
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise InvalidValue("not an IP address", value=value) from None
        if self.version is not None and address.version != self.version:
            raise InvalidValue(f"not an IPv{self.version} address", value=value)


# -- collections --------------------------------------------------------------------------------------------------

_SET_BACKING = {"S": "SS", "N": "NS", "B": "BS"}
# Element types whose wire form collections can build inline (exact classes only: subclasses may convert).
_FAST_KIND: dict[type, str] = {String: "S", Integer: "N"}
_INT_LIMIT = 10**38
_ONLY_STR = frozenset({str})


def _instance(t: Type[T] | type[Type[T]]) -> Type[T]:
    return t() if isinstance(t, type) else t


def _raise_at(load: Callable[[Any], Any], elements: Iterable[tuple[Any, Any]]) -> None:
    """
    Load the (position, stored value) pairs of a list or map one by one, raising the first InvalidStoredValue with
    its position recorded (``[2]``, ``['home']``). Only runs once loading the whole value failed.
    """
    for position, v in elements:
        try:
            load(v)
        except InvalidStoredValue as exc:
            exc.inside(f"[{position!r}]")
            raise


class Set(Type["set[T]"]):
    """
    A set of scalars stored as ``SS``, ``NS`` or ``BS`` (by the element type's backing type): ``Set(String)``.
    An empty set is stored as absent, since DynamoDB has no empty set, and a missing attribute loads as an empty set.
    """

    python_type = (set, frozenset)

    def __init__(self, element: Type[T] | type[Type[T]]) -> None:
        self.element: Type[T] = _instance(element)
        # Plain strings need no per-element conversion (a String subclass may convert, so it takes the full path).
        self._strings = type(self.element) is String
        try:
            self.backing_type = _SET_BACKING[self.element.backing_type]
        except KeyError:
            raise TypeError(f"a set holds S, N or B values, not {self.element!r}") from None

    def dynamo_dump(self, value: set[T]) -> list[Any]:
        # Sorted, so equal sets always dump equal (change tracking diffs the dumped form).
        if self._strings and _ONLY_STR.issuperset(map(type, value)):
            return sorted(value)
        dump = self.element.dump_value
        return sorted(dump(v) for v in value)

    def dynamo_load(self, value: Any) -> set[T]:
        if self._strings:
            return set(value)
        load = self.element.dynamo_load
        return {load(v) for v in value}

    def dump(self, value: set[T]) -> AttributeValue | None:
        if value.__class__ is not set:
            self.validate(value)
        if not value:
            return None
        return {self.backing_type: self.dynamo_dump(value)}

    def load_missing(self) -> set[T]:
        return set()

    def to_plain(self, value: set[T]) -> Any:
        return set(value)

    def from_plain(self, value: Any) -> set[T]:
        return set(value)

    def to_json(self, value: set[T]) -> Any:
        self.validate(value)
        return sorted((self.element.to_json(v) for v in value), key=repr)

    def from_json(self, value: Any) -> set[T]:
        return {self.element.from_json(v) for v in value}

    def __repr__(self) -> str:
        return f"Set({self.element!r})"


class List(Type["list[T]"]):
    """
    A list of values of one type, stored as ``L``: ``List(Integer)``, ``List(Map(Address))``. None elements are
    rejected: a list keeps its positions.
    """

    python_type = (list, tuple)
    backing_type = "L"

    def __init__(self, element: Type[T] | type[Type[T]]) -> None:
        self.element: Type[T] = _instance(element)
        self._kind = _FAST_KIND.get(type(self.element), "")

    def dynamo_dump(self, value: list[T]) -> list[AttributeValue]:
        kind = self._kind
        if kind:
            # One pass building the plain form; its length tells whether every element qualified.
            elements: list[Any] = value  # each one checked by class below
            fast: list[AttributeValue]
            if kind == "S":
                fast = [{"S": v} for v in elements if v.__class__ is str]
            else:
                fast = [
                    {"N": str(v)} for v in elements if v.__class__ is int and -_INT_LIMIT < v < _INT_LIMIT
                ]
            if len(fast) == len(value):
                return fast
        dump = self.element.dump
        out: list[AttributeValue] = []
        try:
            for v in value:
                if v is None:
                    raise InvalidValue("a list cannot hold None", value=value)
                av = dump(v)
                if av is None:
                    raise InvalidValue("a list cannot hold an empty set", value=value)
                out.append(av)
        except InvalidValue as exc:
            exc.inside(f"[{len(out)}]")  # every element before the failing one was appended
            raise
        return out

    def dump(self, value: list[T]) -> AttributeValue | None:
        if value.__class__ is not list:
            self.validate(value)
        return {"L": self.dynamo_dump(value)}

    def dynamo_load(self, value: Any) -> list[T]:
        kind = self._kind
        if kind:
            try:
                return (
                    [v[kind] for v in value] if kind == "S" else cast("list[T]", [int(v["N"]) for v in value])
                )
            except (KeyError, TypeError, ValueError):
                pass  # not the plain form: the element type's own load raises the precise error
        load = self.element.load
        try:
            return [load(v) for v in value]
        except InvalidStoredValue:
            elements: list[Any] = value
            _raise_at(load, enumerate(elements))
            raise

    def to_plain(self, value: list[T]) -> Any:
        return [self.element.to_plain(v) for v in value]

    def from_plain(self, value: Any) -> list[T]:
        return [self.element.from_plain(v) for v in value]

    def to_json(self, value: list[T]) -> Any:
        self.validate(value)
        return [self.element.to_json(v) for v in value]

    def from_json(self, value: Any) -> list[T]:
        return [self.element.from_json(v) for v in value]

    def __repr__(self) -> str:
        return f"List({self.element!r})"


class Dict(Type["dict[str, T]"]):
    """
    A dict of string keys to values of one type, stored as ``M``: ``Dict(Integer)``. None values are absent.
    """

    python_type = dict
    backing_type = "M"

    def __init__(self, value_type: Type[T] | type[Type[T]]) -> None:
        self.value_type: Type[T] = _instance(value_type)
        self._strings = type(self.value_type) is String

    def dynamo_dump(self, value: dict[str, T]) -> dict[str, AttributeValue]:
        if (
            self._strings
            and _ONLY_STR.issuperset(map(type, value))
            and _ONLY_STR.issuperset(map(type, value.values()))
        ):
            return {k: {"S": v} for k, v in value.items()}
        dump = self.value_type.dump
        out: dict[str, AttributeValue] = {}
        for k, v in value.items():
            if not isinstance(k, str):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise InvalidValue("map keys must be str", value=k)
            if v is not None:
                try:
                    av = dump(v)
                except InvalidValue as exc:
                    exc.inside(f"[{k!r}]")
                    raise
                if av is not None:
                    out[k] = av
        return out

    def dump(self, value: dict[str, T]) -> AttributeValue | None:
        if value.__class__ is not dict:
            self.validate(value)
        return {"M": self.dynamo_dump(value)}

    def dynamo_load(self, value: Any) -> dict[str, T]:
        if self._strings:
            try:
                return {k: v["S"] for k, v in value.items()}
            except (KeyError, TypeError):
                pass  # not all strings: String.load raises the precise error
        load = self.value_type.load
        try:
            return {k: load(v) for k, v in value.items()}
        except InvalidStoredValue:
            _raise_at(load, value.items())
            raise

    def to_plain(self, value: dict[str, T]) -> Any:
        return {k: self.value_type.to_plain(v) for k, v in value.items() if v is not None}

    def from_plain(self, value: Any) -> dict[str, T]:
        return {k: self.value_type.from_plain(v) for k, v in value.items()}

    def to_json(self, value: dict[str, T]) -> Any:
        self.validate(value)
        return {k: self.value_type.to_json(v) for k, v in value.items() if v is not None}

    def from_json(self, value: Any) -> dict[str, T]:
        return {k: self.value_type.from_json(v) for k, v in value.items()}

    def __repr__(self) -> str:
        return f"Dict({self.value_type!r})"


class Map(Type[T]):
    """
    A typed document: an instance of a :class:`~adyn.Document` (or Model) class, stored as ``M`` with the
    document's columns under their backing names: ``Map(Address)``.
    """

    backing_type = "M"

    def __init__(self, document: type[T]) -> None:
        info = getattr(document, "__adyn__", None)
        if info is None:
            raise TypeError(f"Map() takes an adyn Document or Model class, not {document!r}")
        self.document = document
        self.python_type = document
        self._info: Any = info

    def dynamo_dump(self, value: T) -> dict[str, AttributeValue]:
        return self._info.dump_item(value)  # type: ignore[no-any-return]

    def dynamo_load(self, value: Any) -> T:
        return self._info.load_item(value)  # type: ignore[no-any-return]

    def to_plain(self, value: T) -> Any:
        return self._info.to_dict(value)

    def from_plain(self, value: Any) -> T:
        return value if isinstance(value, self.document) else self._info.from_dict(value)

    def to_json(self, value: T) -> Any:
        self.validate(value)
        return self._info.to_dict(value, json=True)

    def from_json(self, value: Any) -> T:
        return self._info.from_dict(value, json=True)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Map({self.document.__name__})"


# -- untyped documents --------------------------------------------------------------------------------------------


def _dump_dynamic(value: Any) -> AttributeValue:
    if value is None:
        return {"NULL": True}
    if value is True or value is False:
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": _check_number_text(str(value), value)}
    if isinstance(value, float):
        return {"N": Float().dump_value(value)}
    if isinstance(value, decimal.Decimal):
        return {"N": Number().dump_value(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"B": bytes(value)}  # pyright: ignore[reportUnknownArgumentType]
    if isinstance(value, Mapping):
        out: dict[str, AttributeValue] = {}
        for k, v in value.items():  # pyright: ignore[reportUnknownVariableType]
            if not isinstance(k, str):
                raise InvalidValue("map keys must be str", value=k)
            out[k] = _dump_dynamic(v)
        return {"M": out}
    if isinstance(value, (list, tuple)):
        return {"L": [_dump_dynamic(v) for v in value]}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, (set, frozenset)):
        return _dump_dynamic_set(value)  # pyright: ignore[reportUnknownArgumentType]
    raise InvalidValue(f"cannot store a {type(value).__name__} in an untyped document", value=value)


def _dump_dynamic_set(value: set[Any] | frozenset[Any]) -> AttributeValue:
    if not value:
        raise InvalidValue("DynamoDB cannot store an empty set inside a document", value=value)
    kinds = {next(iter(_dump_dynamic(v))) for v in value}
    if len(kinds) != 1 or next(iter(kinds)) not in _SET_BACKING:
        raise InvalidValue("a set holds only strings, only numbers or only bytes", value=value)
    kind = next(iter(kinds))
    return {_SET_BACKING[kind]: sorted(_dump_dynamic(v)[kind] for v in value)}


def _load_number(text: str) -> int | decimal.Decimal:
    try:
        return int(text)
    except ValueError:
        return decimal.Decimal(text)


def _load_dynamic(value: AttributeValue) -> Any:
    (kind, wire), *rest = value.items()
    if rest:
        raise ValueError(f"an AttributeValue has exactly one key: {value!r}")
    loader = _DYNAMIC_LOADERS.get(kind)
    if loader is None:
        raise ValueError(f"unknown DynamoDB type {kind!r}")
    return loader(wire)


_DYNAMIC_LOADERS: dict[str, Callable[[Any], Any]] = {
    "S": str,
    "N": _load_number,
    "B": _b64,
    "BOOL": bool,
    "NULL": lambda _: None,
    "SS": set,
    "NS": lambda v: {_load_number(x) for x in v},
    "BS": lambda v: {_b64(x) for x in v},
    "L": lambda v: [_load_dynamic(x) for x in v],
    "M": lambda v: {k: _load_dynamic(x) for k, x in v.items()},
}


def _json_safe(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")  # pyright: ignore[reportUnknownArgumentType]
    if isinstance(value, Mapping):
        return {k: _json_safe(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, (set, frozenset)):
        return sorted((_json_safe(v) for v in value), key=repr)  # pyright: ignore[reportUnknownVariableType]
    return value


class Dynamic(Type[Any]):
    """
    Any DynamoDB value, typed by its Python type: None → ``NULL``, bool → ``BOOL``, str → ``S``, int, float and
    Decimal → ``N``, bytes → ``B``, dict → ``M``, list/tuple → ``L``, non-empty sets of one kind → ``SS``/``NS``/
    ``BS``. Numbers load as int when integral in form, else as Decimal.

    Its JSON form keeps Decimals as strings and bytes as base64, and so does not round-trip them exactly; use typed
    columns where that matters.
    """

    python_type = object
    backing_type = ""

    def dynamo_dump(self, value: Any) -> Any:
        raise NotImplementedError("Dynamic dumps whole AttributeValues")

    def dump(self, value: Any) -> AttributeValue | None:
        return _dump_dynamic(value)

    def dump_value(self, value: Any) -> Any:
        return next(iter(_dump_dynamic(value).values()))

    def load(self, value: AttributeValue) -> Any:
        try:
            return _load_dynamic(value)
        except (ValueError, TypeError, AttributeError, ArithmeticError) as exc:
            raise InvalidStoredValue(f"cannot load: {exc}", value=value) from exc

    def to_json(self, value: Any) -> Any:
        _dump_dynamic(value)
        return _json_safe(value)

    def from_json(self, value: Any) -> Any:
        return value


class DynamicMap(Dynamic):
    """
    An untyped document stored as ``M``: a dict of str keys to any value :class:`Dynamic` accepts.
    """

    python_type = dict
    backing_type = "M"

    def dump(self, value: Any) -> AttributeValue | None:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"expected dict, got {type(value).__name__}", value=value)
        return _dump_dynamic(value)

    def load(self, value: AttributeValue) -> Any:
        if "M" not in value:
            raise InvalidStoredValue("expected a DynamoDB M value", value=value)
        return Dynamic.load(self, value)


class DynamicList(Dynamic):
    """
    An untyped list stored as ``L``: a list of any values :class:`Dynamic` accepts.
    """

    python_type = list
    backing_type = "L"

    def dump(self, value: Any) -> AttributeValue | None:
        if not isinstance(value, (list, tuple)):
            raise InvalidValue(f"expected list, got {type(value).__name__}", value=value)
        return _dump_dynamic(value)

    def load(self, value: AttributeValue) -> Any:
        if "L" not in value:
            raise InvalidStoredValue("expected a DynamoDB L value", value=value)
        return Dynamic.load(self, value)
