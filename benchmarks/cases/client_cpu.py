"""
The client CPU case: the CPU time the client process spends per DynamoDB call, model conversion included, for
GetItem and PutItem of one 10-attribute item and for one 100-item Query page, against a fake DynamoDB server
(``benchmarks/fake_dynamodb.py``) in its own process, answering at once: the server costs the client nothing but
I/O wait, which ``time.process_time`` does not count.

Compared, side by side in one run, on the same model and data:

- adyn with its fast transport (the default: its response parser, signer and user agent) and with
  ``fast_transport=False`` (botocore's stock parser, signer and user agent);
- raw aiobotocore sending the very requests adyn sends, prebuilt (stock session, default config except standard
  retries and adyn's pool size): the floor adyn wraps; responses stay botocore's wire dicts;
- aiobotocore with boto3's ``TypeSerializer`` / ``TypeDeserializer`` converting plain dicts;
- aiodynamo (its aiohttp client, static credentials), plain dicts in and out;
- PynamoDB (synchronous; botocore with its own connection pool), model objects in and out.

Every client's result is checked against the data (and every PutItem body the server received against the
object's values) before anything is timed. A timed run is many sequential calls of one benchmark; the runs of all
benchmarks are interleaved; a benchmark's result is the median over its runs of the CPU time per call.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import cProfile
import datetime
import decimal
import gc
import json
import os
import pstats
import re
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiobotocore.session
import aiohttp
import pendulum
from _harness import NOISY_IQR_PCT, Settings, markdown_table, progress
from aiobotocore.config import AioConfig
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer  # type: ignore[import-untyped]
from fake_dynamodb import FakeDynamoDB
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

from adyn import Engine
from cases.codec import BenchItem, bench_values

try:
    from aiodynamo.client import Client as DynamoClient
    from aiodynamo.credentials import Key as DynamoKey
    from aiodynamo.credentials import StaticCredentials
    from aiodynamo.expressions import HashKey
    from aiodynamo.http.aiohttp import AIOHTTP
    from yarl import URL
except ImportError:  # a benchmark-only dependency: without it, its rows are left out
    DynamoClient = None

__all__ = ["DESCRIPTION", "PACKAGES", "run"]

DESCRIPTION = (
    "client CPU per call: GetItem, PutItem and a 100-item Query page into objects, adyn (fast and stock transport) "
    "against raw aiobotocore, boto3's (de)serializer, aiodynamo and PynamoDB (fake DynamoDB server, no delay)"
)
PACKAGES: tuple[str, ...] = ("aiobotocore", "botocore", "aiohttp", "aiodynamo")

#: The table: ``-wide`` makes the fake server answer with 10-attribute items, ``-p1`` makes a query one page.
TABLE = "cpu-wide-p1"
REGION = "us-east-1"
KEY = ("user#0042", 42)
QUERY_PK = "page"
PAGE_ITEMS = 100
#: adyn's defaults, which the raw aiobotocore client copies.
ATTEMPTS = 3
POOL = 64

#: Timed runs per benchmark: twice the harness's ``--repeat``, at most MAX_RUNS, each of about ``--run-ms``. Many
#: short rounds rather than a few long ones: the paired ratios (see `paired`) cancel slow phases of the machine
#: best when a round is short.
MAX_RUNS = 30
#: Calls profiled per operation for the breakdown.
PROFILE_CALLS = 300

# The targets.
STOCK_MAX_OVERHEAD = 0.10  # adyn (stock transport) at most 10% above raw aiobotocore, GetItem and PutItem
FAST_MAX_RATIO = 0.70  # adyn (fast transport) at most 0.7 x raw aiobotocore, GetItem and PutItem
QUERY_MAX_MS = 2.5  # a 100-item Query page into model objects

TIMES = "\N{MULTIPLICATION SIGN}"
GET, PUT, QUERY = "GetItem", "PutItem", "Query"

ADYN_FAST = "adyn, fast transport (default)"
ADYN_STOCK = "adyn, `fast_transport=False` (stock)"
RAW = "raw aiobotocore, prebuilt requests (floor)"
RAW_NO_VALIDATION = "raw aiobotocore, `parameter_validation=False`"
BOTO3 = "aiobotocore + boto3 `TypeSerializer`/`TypeDeserializer`"
AIODYNAMO = "aiodynamo (aiohttp client)"
PYNAMO = "PynamoDB (sync, botocore)"


class VerificationError(RuntimeError):
    """A client did not send or return what it should: its timings would mean nothing."""


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise VerificationError(what)


# -- the data and the models ----------------------------------------------------------------------------------------

CREATED = pendulum.datetime(2023, 11, 14, 22, 13, 20, 123456, tz="UTC")


def item_values(pk: str, sk: int) -> dict[str, Any]:
    """
    The values of the item the fake server returns for key (pk, sk) of a ``-wide`` table, as adyn users hold them:
    the codec case's item with its own key, name, score and a fixed creation time.
    """
    return {**bench_values(), "pk": pk, "sk": sk, "name": f"item-{sk}", "score": sk + 0.5, "created": CREATED}


COLUMNS = tuple(item_values("", 0))


class CpuItem(BenchItem):
    """The codec case's item in this case's table (no version column, so ``put`` is one plain PutItem)."""

    class Meta:
        table_name = TABLE


class PynamoCpuItem(PynamoModel):
    """The same item as a PynamoDB model (as in the codec case); ``Meta.host`` is set to the server's address."""

    class Meta:
        table_name = TABLE
        region = REGION
        host = "http://127.0.0.1:9"  # replaced before any call; unreachable, so nothing could ever reach AWS

    pk = UnicodeAttribute(hash_key=True)
    sk = NumberAttribute(range_key=True)
    name = UnicodeAttribute()
    score = NumberAttribute()
    created = UTCDateTimeAttribute()
    tags = UnicodeSetAttribute()
    attributes: MapAttribute[str, str] = MapAttribute()  # type: ignore[no-untyped-call]
    nums = ListAttribute(of=NumberAttribute)
    active = BooleanAttribute()
    blob = BinaryAttribute(legacy_encoding=False)


# -- verification: every client's result, brought to one plain form -------------------------------------------------


def _plain(value: Any) -> Any:
    """`value` in one comparable form: numbers as float, datetimes as UTC ISO text, containers element-wise."""
    if isinstance(value, bool | str | bytes):
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return float(value)
    if isinstance(value, Binary):
        return bytes(value.value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, MapAttribute):
        return _plain(value.as_dict())  # type: ignore[no-untyped-call]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return {_plain(v) for v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    raise TypeError(f"unexpected {type(value).__name__}: {value!r}")


def record(result: Any) -> dict[str, Any]:
    """The plain form of one item: an adyn or PynamoDB object, or a dict of Python values (datetime as text)."""
    values = result if isinstance(result, dict) else {name: getattr(result, name) for name in COLUMNS}
    out = {name: _plain(value) for name, value in values.items()}
    if isinstance(values.get("created"), str):
        out["created"] = _plain(pendulum.parse(values["created"]))
    return out


def from_wire(av: Mapping[str, Any]) -> Any:
    """A DynamoDB attribute value as Python (binary as bytes, whether botocore decoded it or not)."""
    ((kind, value),) = av.items()
    if kind in ("S", "BOOL"):
        return value
    if kind == "N":
        return float(value)
    if kind == "B":
        return value if isinstance(value, bytes) else base64.b64decode(value)
    if kind == "SS":
        return set(value)
    if kind == "L":
        return [from_wire(v) for v in value]
    if kind == "M":
        return {k: from_wire(v) for k, v in value.items()}
    raise TypeError(f"unexpected attribute type {kind}")


def wire_record(item: Mapping[str, Any]) -> dict[str, Any]:
    return record({name: from_wire(av) for name, av in item.items()})


def expected(pk: str, sk: int) -> dict[str, Any]:
    return record(item_values(pk, sk))


# -- the clients ----------------------------------------------------------------------------------------------------


@dataclass
class Bench:
    """One thing to time: ``call()`` (awaited unless `sync`); `check` verifies one call's result."""

    op: str
    label: str
    call: Callable[[], Any]
    check: Callable[[Any], Any]
    sync: bool = False
    loops: int = 0
    cpu_ns: list[float] = field(default_factory=list)
    wall_ns: list[float] = field(default_factory=list)

    @property
    def cpu_us(self) -> float:
        return statistics.median(self.cpu_ns) / 1000

    @property
    def best_us(self) -> float:
        return min(self.cpu_ns) / 1000

    @property
    def wall_us(self) -> float:
        return statistics.median(self.wall_ns) / 1000

    @property
    def iqr_pct(self) -> float:
        if len(self.cpu_ns) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.cpu_ns, n=4, method="inclusive")
        return 100 * (q3 - q1) / statistics.median(self.cpu_ns)


class Server:
    """The fake server's request counters and last request bodies (``/stats``)."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def reset(self) -> None:
        async with self.session.post(f"{self.url}/stats/reset") as response:
            response.raise_for_status()

    async def send(self, operation: str, request: dict[str, Any]) -> bytes:
        """The server's answer to one request, as raw bytes (no client library involved)."""
        headers = {
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
        }
        async with self.session.post(self.url, data=json.dumps(request), headers=headers) as response:
            response.raise_for_status()
            return await response.read()

    async def stats(self) -> dict[str, Any]:
        async with self.session.get(f"{self.url}/stats") as response:
            response.raise_for_status()
            return dict(await response.json())


def _engine(url: str, *, fast: bool) -> Engine:
    return Engine(
        endpoint_url=url,
        region=REGION,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        fast_transport=fast,
    )


@contextlib.contextmanager
def _pynamo_environment(url: str) -> Iterator[None]:
    """PynamoDB's credentials from the environment (fake), and its model pointed at the server."""
    saved = {name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    PynamoCpuItem.Meta.host = url
    PynamoCpuItem._connection = None
    try:
        yield
    finally:
        PynamoCpuItem._connection = None
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def adyn_requests(engine: Engine, obj: CpuItem) -> dict[str, dict[str, Any]]:
    """The exact requests adyn sends for the three operations (seen by a request hook), for the raw client."""
    seen: dict[str, dict[str, Any]] = {}

    def capture(operation: str, request: dict[str, Any]) -> None:
        seen[operation] = copy.deepcopy(request)

    engine.hooks.request.append(capture)
    try:
        await engine.get(CpuItem, KEY)
        await engine.put(obj)
        async for _ in engine.query(CpuItem, key=CpuItem.pk == QUERY_PK).page_size(PAGE_ITEMS).pages():
            pass
    finally:
        engine.hooks.request.remove(capture)
    _check(set(seen) == {GET, PUT, QUERY}, f"adyn sent {sorted(seen)}")
    return seen


def _check_get(result: Any) -> None:
    _check(result is not None and record(result) == expected(*KEY), f"GetItem returned {result!r}")


def _check_get_wire(response: dict[str, Any]) -> None:
    _check(wire_record(response["Item"]) == expected(*KEY), "GetItem: wrong item")


def _check_page(items: list[Any]) -> None:
    _check(len(items) == PAGE_ITEMS, f"Query: {len(items)} items, not {PAGE_ITEMS}")
    _check(
        all(record(item) == expected(QUERY_PK, i) for i, item in enumerate(items)),
        "Query: some items are wrong",
    )


def _check_page_wire(items: list[dict[str, Any]]) -> None:
    _check_page([{name: from_wire(av) for name, av in item.items()} for item in items])


def make_benches(
    fast: Engine,
    stock: Engine,
    client: Any,
    lean: Any,
    dynamo: Any,
    requests: dict[str, dict[str, Any]],
) -> list[Bench]:
    """Every benchmark, in table order (GetItem, PutItem, Query; the same clients in the same order in each)."""
    values = item_values(*KEY)
    fast_obj, stock_obj = CpuItem(**values), CpuItem(**values)
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    # boto3 and aiodynamo hold plain dicts: the datetime is the ISO text adyn stores; boto3 rejects floats (Decimal).
    text_created = CpuItem.__adyn__.dump_item(fast_obj)["created"]["S"]
    plain = {**values, "created": text_created}
    boto3_plain = {**plain, "score": decimal.Decimal(repr(values["score"]))}
    boto3_key = {"pk": KEY[0], "sk": KEY[1]}
    pynamo_obj = PynamoCpuItem(**{**values, "created": datetime.datetime.fromisoformat(CREATED.isoformat())})
    get_request, put_request, query_request = requests[GET], requests[PUT], requests[QUERY]
    load = deserializer.deserialize

    def adyn_get(engine: Engine) -> Callable[[], Awaitable[Any]]:
        return lambda: engine.get(CpuItem, KEY)

    def adyn_put(engine: Engine, obj: CpuItem) -> Callable[[], Awaitable[Any]]:
        return lambda: engine.put(obj)

    def adyn_page(engine: Engine) -> Callable[[], Awaitable[Any]]:
        async def page() -> list[CpuItem]:
            items: list[CpuItem] = []
            query = engine.query(CpuItem, key=CpuItem.pk == QUERY_PK).page_size(PAGE_ITEMS)
            async for p in query.pages():
                items.extend(p.items)
            return items

        return page

    async def boto3_get() -> dict[str, Any]:
        key = {k: serializer.serialize(v) for k, v in boto3_key.items()}
        response = await client.get_item(TableName=TABLE, Key=key, ConsistentRead=False)
        return {k: load(v) for k, v in response["Item"].items()}

    async def boto3_put() -> Any:
        item = {k: serializer.serialize(v) for k, v in boto3_plain.items()}
        return await client.put_item(TableName=TABLE, Item=item)

    def raw_page(client: Any) -> Callable[[], Awaitable[Any]]:
        async def page() -> list[dict[str, Any]]:
            return list((await client.query(**query_request))["Items"])

        return page

    async def boto3_page() -> list[dict[str, Any]]:
        response = await client.query(**query_request)
        return [{k: load(v) for k, v in item.items()} for item in response["Items"]]

    def pynamo_page() -> list[PynamoCpuItem]:
        return list(PynamoCpuItem.query(QUERY_PK, limit=PAGE_ITEMS))

    benches = [
        Bench(GET, ADYN_FAST, adyn_get(fast), _check_get),
        Bench(GET, ADYN_STOCK, adyn_get(stock), _check_get),
        Bench(GET, RAW, lambda: client.get_item(**get_request), _check_get_wire),
        Bench(GET, RAW_NO_VALIDATION, lambda: lean.get_item(**get_request), _check_get_wire),
        Bench(GET, BOTO3, boto3_get, _check_get),
        Bench(GET, PYNAMO, lambda: PynamoCpuItem.get(*KEY), _check_get, sync=True),
        Bench(PUT, ADYN_FAST, adyn_put(fast, fast_obj), lambda _: None),
        Bench(PUT, ADYN_STOCK, adyn_put(stock, stock_obj), lambda _: None),
        Bench(PUT, RAW, lambda: client.put_item(**put_request), lambda _: None),
        Bench(PUT, RAW_NO_VALIDATION, lambda: lean.put_item(**put_request), lambda _: None),
        Bench(PUT, BOTO3, boto3_put, lambda _: None),
        Bench(PUT, PYNAMO, pynamo_obj.save, lambda _: None, sync=True),
        Bench(QUERY, ADYN_FAST, adyn_page(fast), _check_page),
        Bench(QUERY, ADYN_STOCK, adyn_page(stock), _check_page),
        Bench(QUERY, RAW, raw_page(client), _check_page_wire),
        Bench(QUERY, RAW_NO_VALIDATION, raw_page(lean), _check_page_wire),
        Bench(QUERY, BOTO3, boto3_page, _check_page),
        Bench(QUERY, PYNAMO, pynamo_page, _check_page, sync=True),
    ]
    if dynamo is not None:

        async def dynamo_page() -> list[dict[str, Any]]:
            page = await dynamo.query_single_page(TABLE, HashKey("pk", QUERY_PK), limit=PAGE_ITEMS)
            return list(page.items)

        for op, call, check in (
            (GET, lambda: dynamo.get_item(TABLE, boto3_key), _check_get),
            (PUT, lambda: dynamo.put_item(TABLE, plain), lambda _: None),
            (QUERY, dynamo_page, _check_page),
        ):
            at = max(i for i, b in enumerate(benches) if b.op == op)  # before PynamoDB
            benches.insert(at, Bench(op, AIODYNAMO, call, check))
    return benches


async def verify(benches: list[Bench], server: Server) -> None:
    """
    One call of each benchmark: its result must hold the server's data, the server must have seen exactly one
    request of the benchmark's operation, and a PutItem's body must hold the item's values.
    """
    want_put = expected(*KEY)
    for bench in benches:
        await _call_once(bench)  # first calls may send extra requests (PynamoDB describes the table once)
        await server.reset()
        bench.check(await _call_once(bench))
        stats = await server.stats()
        _check(stats["requests"] == {bench.op: 1}, f"{bench.label}: the server saw {stats['requests']}")
        body = stats["last"][bench.op]
        _check(body["TableName"] == TABLE, f"{bench.label}: sent to {body['TableName']}")
        if bench.op == PUT:
            _check(wire_record(body["Item"]) == want_put, f"{bench.label}: PutItem sent {body['Item']}")


async def _call_once(bench: Bench) -> Any:
    return bench.call() if bench.sync else await bench.call()


# -- timing ---------------------------------------------------------------------------------------------------------


async def _timed(bench: Bench, loops: int) -> tuple[int, int]:
    """(process CPU ns, wall ns) for `loops` sequential calls of `bench`, with the garbage collector off."""
    call = bench.call
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        wall, cpu = time.perf_counter_ns(), time.process_time_ns()
        if bench.sync:
            for _ in range(loops):
                call()
        else:
            for _ in range(loops):
                await call()
        return time.process_time_ns() - cpu, time.perf_counter_ns() - wall
    finally:
        if gc_was_enabled:
            gc.enable()


async def measure(benches: list[Bench], runs: int, run_ms: float) -> None:
    """Calibrate each benchmark to runs of about `run_ms` (wall), then time `runs` interleaved runs of each."""
    for bench in benches:
        await _timed(bench, 10)  # warm-up
        _, wall = await _timed(bench, 10)
        bench.loops = max(5, round(10 * run_ms * 1e6 / wall))
    for n in range(runs):
        progress(f"client_cpu: run {n + 1}/{runs}", transient=True)
        # Every other round backwards, so no benchmark always runs right after the same one.
        for bench in benches if n % 2 == 0 else benches[::-1]:
            cpu, wall = await _timed(bench, bench.loops)
            bench.cpu_ns.append(cpu / bench.loops)
            bench.wall_ns.append(wall / bench.loops)


def paired(a: Bench, b: Bench) -> float:
    """
    The CPU per call of `a` over that of `b`: the median of the ratios of their runs in the same round, which ran
    within a second of each other, so a slow phase of the machine weighs on both sides of each ratio.
    """
    return statistics.median(x / y for x, y in zip(a.cpu_ns, b.cpu_ns, strict=True))


# -- profile --------------------------------------------------------------------------------------------------------

#: Where own time goes, by the file of the function (first match wins). Built-in functions (hashing, ``str.join``,
#: socket calls...) are charged to the groups of the functions that called them, in proportion to their calls' time.
#: The group of adyn's own code (its signer is charged to signing, which is matched first).
ADYN_OWN = "adyn (request building, compiled codec, transport)"
CATEGORIES: tuple[tuple[str, str], ...] = (
    (
        "SigV4 signing (adyn's signer, botocore signers, hmac)",
        r"/adyn/_sigv4\.py$|botocore/(auth|signers)\.py$|/hmac\.py$",
    ),
    (ADYN_OWN, r"/adyn/|^<adyn "),
    ("user-agent header (botocore useragent)", r"botocore/useragent\.py$"),
    ("endpoint ruleset resolution (botocore regions)", r"botocore/(regions|endpoint_provider)\.py$"),
    (
        "event hooks dispatch (hooks, awaiting handler results)",
        r"botocore/(hooks|_helpers)\.py$|/inspect\.py$",
    ),
    ("request serialization (botocore serialize)", r"botocore/serialize\.py$"),
    ("response parsing (botocore parsers)", r"botocore/parsers\.py$"),
    ("retry decision (botocore retries)", r"botocore/retries/"),
    ("AWSRequest objects, header dicts (botocore awsrequest)", r"botocore/(awsrequest|utils)\.py$"),
    ("response headers as `email.message` (botocore HTTPHeaders)", r"/email/|/http/client\.py$"),
    ("rest of aiobotocore/botocore (client, endpoint, httpsession)", r"botocore/"),
    ("aiohttp, yarl, multidict (HTTP client)", r"/(aiohttp|yarl|multidict|propcache)/"),
    ("asyncio event loop; socket send and epoll system calls", r"/asyncio/|/selectors\.py$|/socket\.py$"),
    ("json, urllib.parse, other standard library", r"/python3\.\d+/(?!site-packages/)|^<frozen "),
)
OTHER = "other"
BUILTIN = "~"

PROFILE_NOTE = f"""A target was missed, so this breakdown was made: cProfile over {PROFILE_CALLS} sequential calls
each of adyn's fast GetItem and PutItem (and of {PROFILE_CALLS // 10} Query pages when that target was missed), after
the timing. The profiler slows every function call, Python-heavy code the most; each µs figure is the function's
or group's share of the profiled time applied to the CPU per call measured without the profiler: an estimate. The
first table splits all of the time by the module of the function that spent it (a built-in function, such as
hashing, `str.join` or a socket call, is charged to its callers' groups); the second shows the inclusive time of
chosen functions, which overlap (signing includes its hooks, the botocore call everything under it; a coroutine
counts one call per resumption)."""

#: Functions whose inclusive (cumulative) time is shown: (label, file pattern, function name). Where several
#: functions match, the one with the most cumulative time is shown (the outer one).
LANDMARKS: tuple[tuple[str, str, str], ...] = (
    ("the whole botocore call: `_make_api_call`", r"aiobotocore/client\.py$", "_make_api_call"),
    (
        "request serialization: `_convert_to_request_dict`",
        r"aiobotocore/client\.py$",
        "_convert_to_request_dict",
    ),
    (
        "endpoint ruleset resolution: `_resolve_endpoint_ruleset`",
        r"aiobotocore/client\.py$",
        "_resolve_endpoint_ruleset",
    ),
    ("user-agent header: `UserAgentString.to_string`", r"botocore/useragent\.py$", "to_string"),
    ("signing: `AioRequestSigner.sign` (SigV4 and its hooks)", r"aiobotocore/signers\.py$", "sign"),
    (
        "SigV4 itself: `add_auth` (adyn's `DynamoDBSigV4Auth`)",
        r"adyn/_sigv4\.py$|botocore/auth\.py$",
        "add_auth",
    ),
    ("HTTP round trip: `AIOHTTPSession.send` (aiohttp)", r"aiobotocore/httpsession\.py$", "send"),
    ("retry decision: `_needs_retry`", r"aiobotocore/endpoint\.py$", "_needs_retry"),
    ("response parsing: `ResponseParser.parse`", r"aiobotocore/parsers\.py$", "parse"),
)
#: Frames of this benchmark and of the event loop, left out of the top-cumulative list.
_HARNESS = re.compile(r"client_cpu\.py$|/asyncio/|^~$")


def _category(filename: str) -> str:
    for name, pattern in CATEGORIES:
        if re.search(pattern, filename):
            return name
    return OTHER


def _name(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == BUILTIN:
        return name
    parts = filename.replace("\\", "/").split("/")
    for anchor in ("adyn", "aiobotocore", "botocore", "aiohttp", "yarl", "asyncio", "json", "email"):
        if anchor in parts:
            return f"{'/'.join(parts[parts.index(anchor) :])}:{line}({name})"
    return f"{parts[-1]}:{line}({name})"


@dataclass
class Profile:
    """cProfile's view of `calls` calls of one benchmark, whose CPU per call measured without it is `cpu_us`."""

    op: str
    calls: int
    cpu_us: float
    total_s: float = 0.0
    by_category: dict[str, float] = field(default_factory=dict)
    landmarks: dict[str, tuple[float, int]] = field(default_factory=dict)  # label: (cumulative s, calls)
    own: list[tuple[str, float]] = field(default_factory=list)
    cumulative: list[tuple[str, float]] = field(default_factory=list)
    direct: str = ""  # what was measured without the profiler, if anything

    def us(self, seconds: float) -> float:
        """Profiled `seconds` (over all calls) as µs per call, scaled to the CPU measured without the profiler."""
        return seconds / self.total_s * self.cpu_us if self.total_s else 0.0


def _analyse(profile: Profile, profiler: cProfile.Profile) -> Profile:
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    memo: dict[Any, str] = {}

    def category_of(func: Any) -> str:
        # A built-in's group is that of its heaviest caller (only for built-ins calling built-ins).
        if func not in memo:
            memo[func] = OTHER  # guards against cycles
            if func[0] != BUILTIN:
                memo[func] = _category(func[0])
            else:
                callers = stats[func][4]
                if callers:
                    memo[func] = category_of(max(callers, key=lambda c: callers[c][2]))
        return memo[func]

    for func, (_, _, own, _, callers) in stats.items():
        if func[0] == BUILTIN and callers:
            total = sum(c[2] for c in callers.values()) or 1.0
            shares = [(category_of(caller), own * c[2] / total) for caller, c in callers.items()]
        else:
            shares = [(category_of(func), own)]
        for key, seconds in shares:
            profile.by_category[key] = profile.by_category.get(key, 0.0) + seconds
    profile.total_s = sum(profile.by_category.values())
    for label, pattern, name in LANDMARKS:
        found = [(s[3], s[1]) for f, s in stats.items() if f[2] == name and re.search(pattern, f[0])]
        if found:
            profile.landmarks[label] = max(found)
    profile.own = sorted(
        ((_name(f), s[2]) for f, s in stats.items() if not re.search(r"client_cpu\.py$", f[0])),
        key=lambda r: -r[1],
    )[:8]
    profile.cumulative = sorted(
        ((_name(f), s[3]) for f, s in stats.items() if not _HARNESS.search(f[0])), key=lambda r: -r[1]
    )[:10]
    return profile


async def profile(bench: Bench, calls: int) -> Profile:
    """cProfile over `calls` sequential calls of `bench` (already warm and timed)."""
    call = bench.call
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    try:
        for _ in range(calls):
            await call()
    finally:
        profiler.disable()
    return _analyse(Profile(bench.op, calls, bench.cpu_us), profiler)


def _cpu_us(fn: Callable[[], object], calls: int = 20, rounds: int = 9) -> float:
    """The median over `rounds` of the CPU µs per call of `fn`, timed without the profiler, gc off."""
    per_call = []
    for _ in range(rounds):
        gc.disable()
        try:
            started = time.process_time_ns()
            for _ in range(calls):
                fn()
            per_call.append((time.process_time_ns() - started) / calls / 1000)
        finally:
            gc.enable()
    return statistics.median(per_call)


async def page_costs(server: Server, request: dict[str, Any], page_us: float) -> str:
    """
    The two costs of a Query page that grow with its items, measured directly (no profiler): decoding the page's
    JSON (what the fast parser does) and adyn's ``load_item`` over its items (base64 blobs included).
    """
    body = await server.send(QUERY, request)
    items = json.loads(body)["Items"]
    load_item = CpuItem.__adyn__.load_item
    _check(
        len(items) == PAGE_ITEMS and record(load_item(items[0])) == expected(QUERY_PK, 0), "page: wrong items"
    )
    decode = _cpu_us(lambda: json.loads(body))
    load = _cpu_us(lambda: [load_item(item) for item in items])
    rest = page_us - decode - load
    return (
        f"Measured directly, without the profiler: `json.loads` of the page's {len(body) / 1024:.0f} KiB body "
        f"{_us(decode)} µs, adyn's `load_item` of its {PAGE_ITEMS} items {_us(load)} µs "
        f"({_us(load / PAGE_ITEMS)} µs each); the other {_us(rest)} µs of the {_us(page_us)} are the query's "
        "request through adyn, botocore, aiohttp and the event loop."
    )


# -- the report -----------------------------------------------------------------------------------------------------


def _us(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _ms(value_us: float) -> str:
    return f"{value_us / 1000:.2f}"


def _x(value: float) -> str:
    return f"{value:.2f}{TIMES}"


def _verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def _op_table(benches: list[Bench], op: str, *, in_ms: bool) -> str:
    rows = [b for b in benches if b.op == op]
    by = {b.label: b for b in rows}
    fast, stock = by[ADYN_FAST], by[ADYN_STOCK]
    unit = "ms" if in_ms else "µs"
    fmt = _ms if in_ms else _us
    table = [
        [
            b.label,
            fmt(b.cpu_us),
            fmt(b.best_us),
            f"{b.iqr_pct:.0f}",
            fmt(b.wall_us),
            "1" if b is fast else _x(paired(fast, b)),
            "1" if b is stock else _x(paired(stock, b)),
            str(b.loops),
        ]
        for b in rows
    ]
    headers = [
        "client",
        f"CPU {unit}/call",
        f"best run {unit}",
        "IQR %",
        f"wall {unit}/call",
        "adyn fast / this",
        "adyn stock / this",
        "calls per run",
    ]
    return markdown_table(headers, table)


def _profile_section(profiles: list[Profile], raw_us: dict[str, float]) -> str:
    def column(p: Profile) -> str:
        return f"{p.op} µs (of {_us(p.cpu_us)})"

    rows = []
    for name in [*(name for name, _ in CATEGORIES), OTHER]:
        shares = [p.by_category.get(name, 0.0) / p.total_s for p in profiles]
        if max(shares) >= 0.005:
            rows.append(
                [
                    name,
                    *(
                        f"{_us(p.us(p.by_category.get(name, 0.0)))} ({100 * share:.0f}%)"
                        for p, share in zip(profiles, shares, strict=True)
                    ),
                ]
            )
    own_table = markdown_table(["own time, by group", *map(column, profiles)], rows)
    landmark_rows = [
        [
            label,
            *(_us(p.us(p.landmarks[label][0])) if label in p.landmarks else "" for p in profiles),
            " / ".join(
                f"{p.landmarks[label][1] / p.calls:g}" if label in p.landmarks else "-" for p in profiles
            ),
        ]
        for label, _, _ in LANDMARKS
    ]
    landmark_table = markdown_table(
        [
            "inclusive time of one function",
            *map(column, profiles),
            f"calls per request ({' / '.join(p.op for p in profiles)})",
        ],
        landmark_rows,
    )

    def top(p: Profile, items: list[tuple[str, float]]) -> str:
        return ", ".join(f"`{name}` {_us(p.us(seconds))}" for name, seconds in items)

    def summary(p: Profile) -> str:
        adyn = p.us(p.by_category.get(ADYN_OWN, 0.0))
        text = f"adyn's own code is ≈ {_us(adyn)} µs ({100 * adyn / p.cpu_us:.0f}%) of it, the rest is below adyn."
        goal, what = (
            (QUERY_MAX_MS * 1000, f"{QUERY_MAX_MS:g} ms")
            if p.op == QUERY
            else (
                FAST_MAX_RATIO * raw_us[p.op],
                f"{FAST_MAX_RATIO:g}{TIMES} raw ({_us(FAST_MAX_RATIO * raw_us[p.op])} µs)",
            )
        )
        if p.cpu_us > goal:
            text += (
                f" Reaching {what} means cutting {_us(p.cpu_us - goal)} µs, "
                f"{(p.cpu_us - goal) / adyn:.2g}{TIMES} all of adyn's own time."
            )
        return text

    lines = [
        f"- **{p.op}** ({p.calls} calls profiled; {_us(p.total_s * 1e6 / p.calls)} µs per call under the profiler, "
        f"{_us(p.cpu_us)} µs without): {summary(p)}{' ' + p.direct if p.direct else ''} Top own time, µs: {top(p, p.own)}. Top cumulative, µs: "
        f"{top(p, p.cumulative)}."
        for p in profiles
    ]
    return f"{own_table}\n\n{landmark_table}\n\n" + "\n".join(lines)


def evaluate(benches: list[Bench]) -> list[tuple[str, str, bool]]:
    """The targets: (what, measured, met) each; the first four are GetItem/PutItem's, the last the Query page's."""
    by = {(b.op, b.label): b for b in benches}

    def overhead(op: str) -> tuple[str, str, bool]:
        adyn, raw = by[op, ADYN_STOCK], by[op, RAW]
        ratio = paired(adyn, raw)
        return (
            f"stock transport: adyn {op} ≤ {STOCK_MAX_OVERHEAD:.0%} above raw aiobotocore",
            f"{100 * (ratio - 1):+.1f}% ({_us(adyn.cpu_us)} vs {_us(raw.cpu_us)} µs)",
            ratio <= 1 + STOCK_MAX_OVERHEAD,
        )

    def fast(op: str) -> tuple[str, str, bool]:
        adyn, raw = by[op, ADYN_FAST], by[op, RAW]
        ratio = paired(adyn, raw)
        return (
            f"fast transport: adyn {op} ≤ {FAST_MAX_RATIO:g}{TIMES} raw stock aiobotocore",
            f"{_x(ratio)} ({_us(adyn.cpu_us)} vs {_us(raw.cpu_us)} µs)",
            ratio <= FAST_MAX_RATIO,
        )

    page_fast, page_stock = by[QUERY, ADYN_FAST].cpu_us, by[QUERY, ADYN_STOCK].cpu_us
    page = (
        f"{PAGE_ITEMS}-item Query page into model objects ≤ {QUERY_MAX_MS:g} ms CPU (adyn, fast transport)",
        f"{_ms(page_fast)} ms (stock transport: {_ms(page_stock)} ms)",
        page_fast <= QUERY_MAX_MS * 1000,
    )
    return [overhead(GET), overhead(PUT), fast(GET), fast(PUT), page]


def report(
    benches: list[Bench], runs: int, run_ms: float, profiles: list[Profile], aiodynamo_note: str
) -> str:
    targets = [[what, measured, _verdict(ok)] for what, measured, ok in evaluate(benches)]
    noisy = [f"{b.op} {b.label} ({b.iqr_pct:.0f}%)" for b in benches if b.iqr_pct > NOISY_IQR_PCT]
    warning = (
        f"**Warning: noisy measurement.** CPU per call spread more than {NOISY_IQR_PCT:g}% of the median "
        f"(interquartile range) for: {', '.join(noisy)}. The machine was busy: the absolute times are rough; the "
        "paired ratios in the tables and the targets cancel much of it.\n\n"
        if noisy
        else ""
    )
    raw_us = {b.op: b.cpu_us for b in benches if b.label == RAW and b.op != QUERY}
    profile_block = (
        f"### Where adyn's fast calls spend their CPU (cProfile)\n\n{PROFILE_NOTE}\n\n{_profile_section(profiles, raw_us)}\n"
        if profiles
        else ""
    )
    return f"""## client_cpu: {DESCRIPTION}

Client CPU per call: `time.process_time` (user + system CPU of this process only: the fake server,
`benchmarks/fake_dynamodb.py`, runs in a child process and answers at once, so the client's wait for it is I/O, not
CPU) over runs of sequential calls, each run calibrated to about {run_ms:g} ms of wall time, the runs of all
benchmarks interleaved in rounds, the garbage collector off during each (and the objects made during setup frozen out of its
sight); the median over {runs} runs per benchmark. Wall time per call is shown for context (it includes the server's
work and the loopback round trip). One event loop runs every async client; PynamoDB's sync calls run in it too,
blocking (nothing else is scheduled). The item: str hash key, int range key, str, float, datetime, set of 5
strings, map of 5 strings, list of 10 ints, bool, 64 bytes (the codec case's item); "model conversion included"
means adyn and PynamoDB return and take model objects, boto3 and aiodynamo plain dicts, and the raw clients
botocore's wire dicts (they convert nothing). The raw client with botocore's default parameter validation is the
targets' floor; the one with validation off has adyn's own botocore settings, so the gap between it and adyn is
adyn's own work.

### Targets

{markdown_table(["target", "measured", "result"], targets, align="lll")}

### GetItem, one item (µs of client CPU per call)

{_op_table(benches, GET, in_ms=False)}

### PutItem, one item (µs of client CPU per call)

{_op_table(benches, PUT, in_ms=False)}

### Query, one page of {PAGE_ITEMS} items into objects (ms of client CPU per page)

{_op_table(benches, QUERY, in_ms=True)}

"adyn fast / this" below 1 means adyn (fast transport) spends less CPU per call than that client. The ratios, in
these tables and in the targets, are medians of paired ratios: each round times every benchmark once (in the
opposite order every other round), and a ratio is taken between the two benchmarks' runs of the same round before
the median over the rounds, so a slow phase of the machine weighs on both sides of it; they may differ a little from
the ratio of the medians shown.

{warning}{profile_block}
Notes:

- Verified before timing, for every client: one call sends exactly one request of its operation to the table
  (the server's counters), GetItem and every item of the Query page hold the server's values (compared after
  bringing numbers, binary and datetimes to one form), and the PutItem body the server received holds the item's
  values.
- adyn: `Engine(endpoint_url=..., region=..., static keys)` with its defaults (standard retries, {ATTEMPTS}
  attempts, {POOL} pooled connections; botocore's parameter validation off); `await engine.get(CpuItem, (pk, sk))`,
  `await engine.put(obj)` (a model without version column: one plain PutItem), and
  `engine.query(CpuItem, key=CpuItem.pk == pk).page_size({PAGE_ITEMS}).pages()` built anew for each page. The fast
  and the stock engine are identical but for `fast_transport`.
- raw aiobotocore: a stock session of its own, `AioConfig(retries={{"mode": "standard", "total_max_attempts":
  {ATTEMPTS}}}, max_pool_connections={POOL})`, otherwise botocore's defaults (parameter validation on), sending the
  exact request dicts adyn sent (captured by a request hook), prebuilt: no conversion either way. The
  `parameter_validation=False` row is a second client of that session, identical but for that setting.
- boto3: the first raw client (validation on); `TypeSerializer` on the key or on a plain dict (datetime as adyn's
  ISO text, score a `Decimal`), `TypeDeserializer` on every attribute of the response (numbers as `Decimal`).
- {aiodynamo_note}
- PynamoDB: `PynamoCpuItem.get(pk, sk)`, `obj.save()` (PutItem), `list(PynamoCpuItem.query(pk, limit={PAGE_ITEMS}))`;
  `Meta.host` is the fake server, credentials come from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (fake, set for
  the run). Its client is botocore's (sync, urllib3), parameter validation off, its own retry settings.
- The server's datetime text is PynamoDB's form (`+0000`), which all of them read; adyn writes `+00:00`.
"""


# -- running --------------------------------------------------------------------------------------------------------


async def _main(url: str, runs: int, run_ms: float) -> str:
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        server = Server(session, url)
        fast = await stack.enter_async_context(_engine(url, fast=True))
        stock = await stack.enter_async_context(_engine(url, fast=False))
        await fast.bind(CpuItem, create=False)
        await stock.bind(CpuItem, create=False)
        untyped: Any = aiobotocore.session
        botocore_session = untyped.get_session()  # a stock session, not adyn's
        raw_clients = []
        for validation in (True, False):
            config = AioConfig(
                retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
                max_pool_connections=POOL,
                parameter_validation=validation,
            )
            options = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "config": config}
            raw_clients.append(
                await stack.enter_async_context(
                    botocore_session.create_client(
                        "dynamodb", region_name=REGION, endpoint_url=url, **options
                    )
                )
            )
        dynamo: Any = None
        if DynamoClient is not None:
            http_session = await stack.enter_async_context(aiohttp.ClientSession())
            dynamo = DynamoClient(
                AIOHTTP(http_session), StaticCredentials(DynamoKey("bench", "bench")), REGION, URL(url)
            )
            aiodynamo_note = (
                "aiodynamo: `Client(AIOHTTP(aiohttp.ClientSession()), StaticCredentials(Key(...)), region, "
                "endpoint)`;\n  `get_item(table, {pk, sk})`, `put_item(table, plain_dict)`, "
                f"`query_single_page(table, HashKey('pk', pk), limit={PAGE_ITEMS})`:\n"
                "  plain dicts, numbers as float (its default); its own request building, SigV4 signing and retry "
                "loop over aiohttp."
            )
        else:
            aiodynamo_note = (
                "aiodynamo: **not installed**, so its rows are left out (`pip install aiodynamo`; the nox bench\n"
                "  session installs it)."
            )
        stack.enter_context(_pynamo_environment(url))

        progress("client_cpu: verifying every client")
        requests = await adyn_requests(fast, CpuItem(**item_values(*KEY)))
        benches = make_benches(fast, stock, *raw_clients, dynamo, requests)
        await verify(benches, server)
        # Everything made so far (botocore's service models above all) lives to the end: out of the collector's
        # sight, the collection before each run costs microseconds instead of tens of milliseconds.
        gc.collect()
        gc.freeze()

        progress(
            f"client_cpu: timing {len(benches)} benchmarks x {runs} runs (~{len(benches) * runs * run_ms / 1000:.0f} s)"
        )
        started = time.perf_counter()
        await measure(benches, runs, run_ms)
        progress(f"client_cpu: timed in {time.perf_counter() - started:.1f} s")
        for bench in benches:  # the last timed call still returns the right thing
            bench.check(await _call_once(bench))

        met = [ok for _, _, ok in evaluate(benches)]
        ops = ([GET, PUT] if not all(met) else []) + ([QUERY] if not met[-1] else [])
        by = {(b.op, b.label): b for b in benches}
        profiles: list[Profile] = []
        for op in ops:
            progress(f"client_cpu: a target was missed; profiling adyn's fast {op}")
            calls = PROFILE_CALLS // 10 if op == QUERY else PROFILE_CALLS
            profiles.append(await profile(by[op, ADYN_FAST], calls))
            if op == QUERY:
                profiles[-1].direct = await page_costs(server, requests[QUERY], by[op, ADYN_FAST].cpu_us)
        gc.unfreeze()
    return report(benches, runs, run_ms, profiles, aiodynamo_note)


def run(settings: Settings) -> str:
    runs = max(3, min(2 * settings.repeat, MAX_RUNS))
    progress("client_cpu: starting the fake DynamoDB server (no delay)")
    with FakeDynamoDB(0) as server:
        section = asyncio.run(_main(server.url, runs, settings.run_ms))
    return re.sub(r"\n{3,}", "\n\n", section)
