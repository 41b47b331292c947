"""
The model codec case: converting one 10-attribute item between a Python object and the DynamoDB wire item
(the ``{"name": {"S": "..."}}`` dicts botocore sends and receives), per item, with no network involved.

Compared, on the same data:

- adyn: ``BenchItem.__adyn__.dump_item(obj)`` and ``BenchItem.__adyn__.load_item(item)``, the compiled codec every
  adyn request goes through;
- boto3: ``TypeSerializer().serialize`` / ``TypeDeserializer().deserialize`` over a plain dict;
- PynamoDB: ``obj.serialize()`` and ``PynamoItem.from_raw_data(item)``, its own path from a wire item to a model
  object (what ``get``, ``query`` and ``scan`` call);
- a hand-written reference codec for this exact item: the floor any mapper could reach for the same output.

Every codec is verified (its round trip reproduces its input, and the wire items agree) before anything is timed.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pendulum
from _harness import Bench, Settings, Timing, loop_overhead_us, markdown_table, measure, noise_warning
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # type: ignore[import-untyped]
from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model as PynamoModel

from adyn import Column, Model, column

__all__ = ["DESCRIPTION", "PACKAGES", "TARGET_US", "run"]

DESCRIPTION = "model codec: one 10-attribute item, object → wire item (dump) and back (load)"
PACKAGES: tuple[str, ...] = ("botocore",)

#: The issue's target for adyn's round trip of this item, in microseconds.
TARGET_US = 15.0

TIMES = "\N{MULTIPLICATION SIGN}"

Item = dict[str, dict[str, Any]]


class VerificationError(RuntimeError):
    """A codec does not reproduce its input: its timings would mean nothing."""


# -- the data -------------------------------------------------------------------------------------------------------


def bench_values() -> dict[str, Any]:
    """
    The benchmark item's values as adyn users hold them (the datetime is a pendulum value in UTC).
    """
    return {
        "pk": "user#0042",
        "sk": 1_700_000_042,
        "name": "Ada Lovelace",
        "score": 1234.5678,
        "created": pendulum.now("UTC"),
        "tags": {"python", "dynamodb", "asyncio", "mapper", "bench"},
        "attributes": {
            "color": "blue",
            "size": "large",
            "team": "core",
            "plan": "pro",
            "region": "eu-west-1",
        },
        "nums": [0, 1, 1, 2, 3, 5, 8, 13, 21, 34],
        "active": True,
        "blob": bytes(range(64)),
    }


def normalized(item: Item) -> Item:
    """
    `item` with its set values sorted, so wire items that differ only in set order compare equal.
    """
    out: Item = {}
    for name, av in item.items():
        ((kind, wire),) = av.items()
        out[name] = {kind: sorted(wire)} if kind in ("SS", "NS", "BS") else {kind: wire}
    return out


# -- adyn -----------------------------------------------------------------------------------------------------------


class BenchItem(Model):
    pk: Column[str] = column(hash_key=True)
    sk: Column[int] = column(range_key=True)
    name: Column[str] = column()
    score: Column[float] = column()
    created: Column[pendulum.DateTime] = column()
    tags: Column[set[str]] = column(factory=set)
    attributes: Column[dict[str, str]] = column(factory=dict)
    nums: Column[list[int]] = column(factory=list)
    active: Column[bool] = column()
    blob: Column[bytes] = column()


# -- PynamoDB -------------------------------------------------------------------------------------------------------


class PynamoItem(PynamoModel):
    class Meta:
        table_name = "bench"
        region = "us-east-1"
        # Never used (no table call is made); an unreachable local address, so nothing could ever reach AWS.
        host = "http://127.0.0.1:9"

    pk = UnicodeAttribute(hash_key=True)
    sk = NumberAttribute(range_key=True)
    name = UnicodeAttribute()
    score = NumberAttribute()
    created = UTCDateTimeAttribute()
    tags = UnicodeSetAttribute()
    # A "raw" MapAttribute: undeclared keys, each value typed at run time. PynamoDB has no typed dict[str, str]; a
    # MapAttribute subclass would need the five keys declared, and DynamicMapAttribute is this plus declared ones.
    attributes: MapAttribute[str, str] = MapAttribute()  # type: ignore[no-untyped-call]
    nums = ListAttribute(of=NumberAttribute)
    active = BooleanAttribute()
    blob = BinaryAttribute(legacy_encoding=False)


def _pynamo_values(obj: PynamoItem) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in PynamoItem.get_attributes():
        value = getattr(obj, name)
        values[name] = value.as_dict() if isinstance(value, MapAttribute) else value  # type: ignore[no-untyped-call]
    return values


# -- the hand-written reference -------------------------------------------------------------------------------------

_UTC_FORMAT = "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00"
_parse_datetime = pendulum.DateTime.fromisoformat
_new = object.__new__


def reference_dump(obj: BenchItem) -> Item:
    """
    `obj` as the same wire item adyn dumps, built directly: no validation, no per-column dispatch.
    """
    d = obj.__dict__
    c = d["created"]
    return {
        "pk": {"S": d["pk"]},
        "sk": {"N": str(d["sk"])},
        "name": {"S": d["name"]},
        "score": {"N": repr(d["score"])},
        "created": {"S": _UTC_FORMAT % (c.year, c.month, c.day, c.hour, c.minute, c.second, c.microsecond)},
        "tags": {"SS": sorted(d["tags"])},
        "attributes": {"M": {k: {"S": v} for k, v in d["attributes"].items()}},
        "nums": {"L": [{"N": str(n)} for n in d["nums"]]},
        "active": {"BOOL": d["active"]},
        "blob": {"B": d["blob"]},
    }


def reference_load(item: Item) -> BenchItem:
    """
    The inverse of `reference_dump`, making the same BenchItem (pendulum datetime included) adyn loads.
    """
    obj: BenchItem = _new(BenchItem)
    obj.__dict__.update(
        pk=item["pk"]["S"],
        sk=int(item["sk"]["N"]),
        name=item["name"]["S"],
        score=float(item["score"]["N"]),
        created=_parse_datetime(item["created"]["S"]),
        tags=set(item["tags"]["SS"]),
        attributes={k: v["S"] for k, v in item["attributes"]["M"].items()},
        nums=[int(v["N"]) for v in item["nums"]["L"]],
        active=item["active"]["BOOL"],
        blob=item["blob"]["B"],
    )
    return obj


# -- the codecs -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """
    One library's codec on its own form of the benchmark data: `subject` is what `dump` takes.
    """

    label: str
    short: str
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]
    subject: Any

    def round_trip(self, subject: Any) -> Any:
        return self.load(self.dump(subject))

    def benches(self) -> list[Bench]:
        dump, load = self.dump, self.load

        def round_trip(subject: Any) -> Any:
            return load(dump(subject))

        return [
            Bench(f"{self.short} dump", dump, self.subject),
            Bench(f"{self.short} load", load, dump(self.subject)),
            Bench(f"{self.short} round trip", round_trip, self.subject),
        ]


def make_codecs(values: dict[str, Any]) -> list[Codec]:
    """
    The four codecs, each with the benchmark data in its own form, verified. The first is adyn's.
    """
    info = BenchItem.__adyn__
    adyn_obj = BenchItem(**values)
    adyn_item = info.dump_item(adyn_obj)

    # boto3 has no datetime type and rejects floats: the datetime is the ISO string adyn stores, the float a Decimal.
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    plain = {**values, "created": adyn_item["created"]["S"], "score": decimal.Decimal(repr(values["score"]))}

    def boto3_dump(d: dict[str, Any]) -> Item:
        return {k: serializer.serialize(v) for k, v in d.items()}

    def boto3_load(item: Item) -> dict[str, Any]:
        return {k: deserializer.deserialize(v) for k, v in item.items()}

    # PynamoDB's UTCDateTimeAttribute loads standard-library datetimes, so its users hold those.
    created: datetime.datetime = values["created"]
    stdlib_created = datetime.datetime.fromisoformat(created.isoformat())
    pynamo_obj = PynamoItem(**{**values, "created": stdlib_created})

    codecs = [
        Codec(
            "adyn `Model` (`__adyn__.dump_item` / `load_item`)",
            "adyn",
            info.dump_item,
            info.load_item,
            adyn_obj,
        ),
        Codec("boto3 `TypeSerializer` / `TypeDeserializer`", "boto3", boto3_dump, boto3_load, plain),
        Codec(
            "PynamoDB `Model` (`serialize` / `from_raw_data`)",
            "PynamoDB",
            PynamoItem.serialize,
            PynamoItem.from_raw_data,
            pynamo_obj,
        ),
        Codec("hand-written reference (floor)", "reference", reference_dump, reference_load, adyn_obj),
    ]
    verify(codecs, values)
    return codecs


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise VerificationError(what)


def verify(codecs: list[Codec], values: dict[str, Any]) -> None:
    """
    Raise VerificationError unless every codec round-trips its subject and the wire items agree.
    """
    adyn, boto3, pynamo, reference = codecs
    adyn_item = normalized(adyn.dump(adyn.subject))

    loaded = adyn.round_trip(adyn.subject)
    _check(loaded == adyn.subject, "adyn: load(dump(obj)) != obj")
    _check(
        type(loaded.created) is pendulum.DateTime, "adyn: the datetime does not load as a pendulum DateTime"
    )
    _check({k: getattr(loaded, k) for k in values} == values, "adyn: loaded values differ from the data")

    _check(boto3.round_trip(boto3.subject) == boto3.subject, "boto3: load(dump(d)) != d")
    _check(normalized(boto3.dump(boto3.subject)) == adyn_item, "boto3: wire item differs from adyn's")

    pynamo_item = pynamo.dump(pynamo.subject)
    pynamo_loaded = pynamo.load(pynamo_item)
    _check(_pynamo_values(pynamo_loaded) == values, "PynamoDB: loaded values differ from the data")
    _check(normalized(pynamo_loaded.serialize()) == normalized(pynamo_item), "PynamoDB: re-dump differs")
    # PynamoDB's only difference on the wire is its datetime format (+0000 instead of +00:00).
    pynamo_others = {k: v for k, v in normalized(pynamo_item).items() if k != "created"}
    _check(
        pynamo_others == {k: v for k, v in adyn_item.items() if k != "created"}, "PynamoDB: wire item differs"
    )

    _check(
        normalized(reference.dump(reference.subject)) == adyn_item, "reference: wire item differs from adyn's"
    )
    _check(reference.round_trip(reference.subject) == reference.subject, "reference: load(dump(obj)) != obj")


# -- the report -----------------------------------------------------------------------------------------------------


def _us(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.1f}"


def _ratio(value: float) -> str:
    return f"{value:.2f}{TIMES}" if value < 1 else f"{value:.1f}{TIMES}"


def report(codecs: list[Codec], timings: dict[str, Timing], overhead_us: float) -> str:
    adyn_rt = timings["adyn round trip"].median_us
    reference_rt = timings["reference round trip"].median_us
    rows = []
    for codec in codecs:
        dump, load, rt = (timings[f"{codec.short} {op}"].median_us for op in ("dump", "load", "round trip"))
        ratio = "1 (baseline)" if codec.short == "adyn" else f"{codec.short} / adyn = {_ratio(rt / adyn_rt)}"
        rows.append([codec.label, _us(dump), _us(load), _us(rt), ratio])
    table = markdown_table(["codec", "dump µs", "load µs", "round trip µs", "round trip vs adyn"], rows)

    detail = markdown_table(
        ["benchmark", "median µs", "min µs", "IQR % of median", "calls per run"],
        (
            [t.label, _us(t.median_us), _us(t.min_us), f"{t.iqr_pct:.1f}", str(t.loops)]
            for t in timings.values()
        ),
    )
    verdict = "PASS" if adyn_rt <= TARGET_US else "FAIL"
    adyn_min = timings["adyn round trip"].min_us
    margin = 100 * (TARGET_US - adyn_rt) / TARGET_US
    margin_text = f"{margin:.1f}% under the target" if margin >= 0 else f"{-margin:.1f}% over the target"
    warning = noise_warning(timings.values())
    warning_block = f"{warning}\n\n" if warning else ""
    return f"""## codec: {DESCRIPTION}

The item: str hash key, int range key, str, float, datetime, set of 5 strings, map of 5 strings, list of 10 ints,
bool, 64 bytes. Times are per item (median of the runs); round trip = load(dump(x)), timed as one call.

{table}

**Target: adyn round trip ≤ {TARGET_US:g} µs: {verdict}** ({_us(adyn_rt)} µs median, {margin_text}; best run
{_us(adyn_min)} µs). adyn / reference floor = {_ratio(adyn_rt / reference_rt)}.

{warning_block}Notes:

- All four codecs were verified before timing: adyn's `load(dump(obj)) == obj` (datetime loaded as a pendulum
  DateTime), boto3's `load(dump(d)) == d`, PynamoDB's loaded object holds the input values and re-serializes to the
  same item, and the reference matches adyn both ways. boto3, adyn and the reference produce the same wire item;
  PynamoDB's differs only in its datetime text (`+0000` instead of `+00:00`).
- adyn dumps a `pendulum.now("UTC")` value and loads a pendulum DateTime; it validates every value.
- boto3 works on a plain dict: the datetime is already the ISO string (the conversion is not timed) and the float is
  a `Decimal`, since `TypeSerializer` rejects floats. It loads every number as `Decimal` and bytes as
  `boto3.dynamodb.types.Binary`.
- PynamoDB: `attributes` is a raw `MapAttribute()` (undeclared keys, each value typed at run time; it loads into a
  `MapAttribute` wrapper), its nearest equivalent of a `dict[str, str]`; the datetime is a standard-library aware
  datetime, which `UTCDateTimeAttribute` loads. Load is `PynamoItem.from_raw_data(item)`; no table call is made.
- The reference reads and writes the object's `__dict__` directly with this item's conversions hard-coded,
  producing exactly adyn's item and object (set sorted on dump, pendulum datetime on load) with no validation.
- Each timing includes the harness's loop and call overhead, {overhead_us * 1000:.0f} ns per call (not subtracted).

Timing detail:

{detail}
"""


def run(settings: Settings) -> str:
    codecs = make_codecs(bench_values())
    benches = [bench for codec in codecs for bench in codec.benches()]
    timings = measure(benches, settings, name="codec")
    overhead = loop_overhead_us(settings)
    return report(codecs, timings, overhead)
