"""
The streaming case: what adyn's concurrency buys when every request pays a network round trip, measured against
a fake DynamoDB server (``benchmarks/fake_dynamodb.py``, in a child process) that answers each request after a
fixed delay (20 ms) while its own work per request stays far below that.

Measured:

a. ``engine.load(*objs)`` of 1000 keys (10 BatchGetItem chunks of 100, sent concurrently) against the same chunks
   sent one after the other through the same aiobotocore client, as PynamoDB's and bloop's batch gets do, and all
   at once through that client with ``asyncio.gather`` (the floor); the three again against a server without
   delay, which shows the client's own (CPU) time;
b. a scan of 1000 items (20 pages of 50) with ``.segments(4)`` against ``.segments(1)``;
c. a query of 20 pages whose consumer works one round trip (``asyncio.sleep(0.02)``) per page, with
   ``.prefetch(1)`` against ``.prefetch(0)``, compared with ``max(fetch, consume) x pages`` and with their sum;
d. memory: 10k, 50k and 100k items of a query (10k and 100k of a 4-segment scan) streamed through ``async for``
   (a second server, without delay): the tracemalloc peak and the growth of the process's peak RSS for each.

Every result is verified (all 1000 objects filled, the scans and queries yield every item once, the server saw the
expected requests) before anything is timed. Wall times are medians over interleaved runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import resource
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from _harness import Settings, Timing, markdown_table, noise_warning, progress
from fake_dynamodb import FakeDynamoDB

from adyn import Column, Engine, Model, column

__all__ = ["DESCRIPTION", "PACKAGES", "run"]

DESCRIPTION = "batch load, parallel scan, query prefetch and streaming memory at 20 ms per round trip (fake DynamoDB server)"
PACKAGES: tuple[str, ...] = ("aiobotocore", "botocore", "aiohttp")

#: The simulated network round trip, added by the server to every request.
DELAY_MS = 20.0
#: Timed runs per benchmark at most (one run of all of them takes about 4 s).
MAX_RUNS = 5

LOAD_KEYS = 1000
BATCH_GET_LIMIT = 100
PAGES = 20
SCAN_PAGE_SIZE = 50  # 20 pages of 50: the same 1000 items, 5 pages per segment with 4 segments
SEGMENTS = 4
QUERY_PAGE_SIZE = 100
CONSUME_S = DELAY_MS / 1000  # the consumer's work per page: one round trip
MEMORY_PAGE_SIZE = 1000

# The targets.
LOAD_MAX_ROUND_TRIPS = 3.0
LOAD_MIN_SPEEDUP = 4.0
SCAN_MIN_SPEEDUP = 3.0
PREFETCH_MAX_EXCESS = 0.25  # prefetch(1) total within 25% of max(fetch, consume) x pages
MEMORY_MAX_GROWTH = 1.25  # the peak at 100k items at most 1.25 x the peak at 10k

TIMES = "\N{MULTIPLICATION SIGN}"
MIB = 1024 * 1024

Item = dict[str, dict[str, Any]]


class VerificationError(RuntimeError):
    """A benchmark did not return what it should: its timings would mean nothing."""


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise VerificationError(what)


# -- the models (the fake server keys every table by pk S + sk N) ---------------------------------------------------


class StreamItem(Model):
    class Meta:
        abstract = True

    pk: Column[str] = column(hash_key=True)
    sk: Column[int] = column(range_key=True)
    name: Column[str] = column()
    score: Column[float] = column()
    active: Column[bool] = column()


class LoadItem(StreamItem):
    class Meta:
        table_name = "streaming-load"


class PagedItem(StreamItem):
    """A table whose queries, and whole scans, have `PAGES` pages (the server reads the ``-p20`` suffix)."""

    class Meta:
        table_name = f"streaming-p{PAGES}"


class Items10k(StreamItem):
    class Meta:
        table_name = "streaming-p10"  # 10 pages of MEMORY_PAGE_SIZE


class Items50k(StreamItem):
    class Meta:
        table_name = "streaming-p50"


class Items100k(StreamItem):
    class Meta:
        table_name = "streaming-p100"


MEMORY_MODELS: dict[int, type[StreamItem]] = {10_000: Items10k, 50_000: Items50k, 100_000: Items100k}


def _engine(url: str) -> Engine:
    # One attempt per call: a failing request must show, not hide in a retry.
    return Engine(
        endpoint_url=url,
        region="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        retries=1,
    )


def _expected(obj: StreamItem) -> bool:
    """Whether `obj` holds what the fake server returns for its key."""
    return obj.name == f"item-{obj.sk}" and obj.score == obj.sk + 0.5 and obj.active is True


class ServerStats:
    """The fake server's request counters (``/stats``)."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self._session = session
        self._url = url

    async def reset(self) -> None:
        async with self._session.post(f"{self._url}/stats/reset") as response:
            response.raise_for_status()

    async def read(self) -> tuple[dict[str, int], int]:
        async with self._session.get(f"{self._url}/stats") as response:
            response.raise_for_status()
            body = await response.json()
        return body["requests"], body["max_in_flight"]


# -- the benchmarks -------------------------------------------------------------------------------------------------


async def round_trip(engine: Engine) -> LoadItem | None:
    """One GetItem: the cost of a single request through the engine (the round-trip unit)."""
    return await engine.get(LoadItem, ("rtt", 7))


def load_targets() -> list[LoadItem]:
    return [LoadItem(pk="load", sk=i, name="", score=0.0, active=False) for i in range(LOAD_KEYS)]


async def adyn_load(engine: Engine, objs: list[LoadItem]) -> list[LoadItem]:
    await engine.load(*objs)
    return objs


async def _chunk(engine: Engine, keys: list[Item]) -> list[LoadItem]:
    """
    One BatchGetItem of `keys` (unprocessed keys sent again) through the engine's own aiobotocore client, each item
    loaded into a new object: the same client adyn uses, so only the scheduling of the requests differs.
    """
    client = engine._transport._client
    table = engine.table_name(LoadItem)
    load_item = LoadItem.__adyn__.load_item
    loaded: list[LoadItem] = []
    pending: dict[str, Any] = {table: {"Keys": keys}}
    while pending:
        response = await client.batch_get_item(RequestItems=pending)
        loaded.extend(load_item(item) for item in response["Responses"].get(table, []))
        pending = response.get("UnprocessedKeys") or {}
    return loaded


def _key_chunks(objs: list[LoadItem]) -> list[list[Item]]:
    key = LoadItem.__adyn__.key
    return [[key(o) for o in objs[i : i + BATCH_GET_LIMIT]] for i in range(0, len(objs), BATCH_GET_LIMIT)]


async def sequential_load(engine: Engine, objs: list[LoadItem]) -> list[LoadItem]:
    """What PynamoDB's and bloop's batch gets do: one 100-key BatchGetItem after the other."""
    loaded: list[LoadItem] = []
    for keys in _key_chunks(objs):
        loaded.extend(await _chunk(engine, keys))
    return loaded


async def gathered_load(engine: Engine, objs: list[LoadItem]) -> list[LoadItem]:
    """
    The floor through aiobotocore: the same 100-key BatchGetItem requests, all at once (``asyncio.gather``), with
    none of adyn's bookkeeping (deduplication, filling in place, per-key error reporting, hooks).
    """
    parts = await asyncio.gather(*(_chunk(engine, keys) for keys in _key_chunks(objs)))
    return [obj for part in parts for obj in part]


async def scan(engine: Engine, segments: int) -> list[PagedItem]:
    return [obj async for obj in engine.scan(PagedItem).page_size(SCAN_PAGE_SIZE).segments(segments)]


@dataclass
class QueryRun:
    pages: int = 0
    items: int = 0
    distinct: int = 0
    work_s: float = 0.0


async def query_pages(engine: Engine, prefetch: int, work_s: float) -> QueryRun:
    """Consume a `PAGES`-page query page by page, spending `work_s` on each page (asyncio.sleep)."""
    run = QueryRun()
    seen: set[int] = set()
    q = engine.query(PagedItem, key=PagedItem.pk == "query").page_size(QUERY_PAGE_SIZE).prefetch(prefetch)
    async for page in q.pages():
        run.pages += 1
        run.items += len(page.items)
        seen.update(obj.sk for obj in page.items if obj.pk == "query" and _expected(obj))
        if work_s:
            started = time.perf_counter()
            await asyncio.sleep(work_s)
            run.work_s += time.perf_counter() - started
    run.distinct = len(seen)
    return run


@dataclass(frozen=True)
class Bench:
    label: str
    fn: Callable[[], Awaitable[Any]]
    verify: Callable[[Any], None]
    #: The server it talks to, and what that server must see for one call: {operation: count}.
    stats: ServerStats
    requests: dict[str, int]


@dataclass
class Measured:
    timing: Timing
    requests: dict[str, int]
    max_in_flight: int
    results: list[Any] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return self.timing.median_us / 1000


async def _timed(fn: Callable[[], Awaitable[Any]]) -> tuple[int, Any]:
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter_ns()
        result = await fn()
        return time.perf_counter_ns() - started, result
    finally:
        if gc_was_enabled:
            gc.enable()


def _verify_load(loaded: list[LoadItem]) -> None:
    _check(len(loaded) == LOAD_KEYS, f"load: {len(loaded)} objects, not {LOAD_KEYS}")
    _check(all(_expected(o) for o in loaded), "load: some objects were not filled")
    _check({o.sk for o in loaded} == set(range(LOAD_KEYS)), "load: the keys differ")


def _verify_scan(found: list[PagedItem]) -> None:
    _check(len(found) == LOAD_KEYS, f"scan: {len(found)} items, not {LOAD_KEYS}")
    _check(all(_expected(o) for o in found), "scan: some items are wrong")
    _check({o.sk for o in found} == set(range(LOAD_KEYS)), "scan: items missing or repeated")


def _verify_query(run: QueryRun) -> None:
    want = PAGES * QUERY_PAGE_SIZE
    _check(run.pages == PAGES, f"query: {run.pages} pages, not {PAGES}")
    _check(run.items == want == run.distinct, f"query: {run.items} items ({run.distinct} good), not {want}")


def _load_benches(engine: Engine, stats: ServerStats, suffix: str, note: str = "") -> dict[str, Bench]:
    objs = load_targets()  # filled in place by the first call, the verification run

    def verify_in_place(loaded: list[LoadItem]) -> None:
        _verify_load(loaded)
        _check(loaded is objs, "load: the objects were not filled in place")

    batches = {"BatchGetItem": LOAD_KEYS // BATCH_GET_LIMIT}
    return {
        f"load{suffix}": Bench(
            f"adyn `engine.load(*objs)`{note}",
            lambda: adyn_load(engine, objs),
            verify_in_place,
            stats,
            batches,
        ),
        f"gather{suffix}": Bench(
            f"raw client, `asyncio.gather` of the chunks (floor){note}",
            lambda: gathered_load(engine, objs),
            _verify_load,
            stats,
            batches,
        ),
        f"sequential{suffix}": Bench(
            f"sequential 100-key BatchGetItem (PynamoDB, bloop){note}",
            lambda: sequential_load(engine, objs),
            _verify_load,
            stats,
            batches,
        ),
    }


def latency_benches(
    engine: Engine, stats: ServerStats, cpu_engine: Engine, cpu_stats: ServerStats
) -> dict[str, Bench]:
    """The benchmarks by key; those whose key ends in ``@0`` run against the server without delay."""

    def verify_rtt(obj: LoadItem | None) -> None:
        _check(obj is not None and obj.sk == 7 and _expected(obj), "GetItem did not return the item")

    pages = {"Query": PAGES}
    return {
        "rtt": Bench(
            "one GetItem (the round-trip unit)", lambda: round_trip(engine), verify_rtt, stats, {"GetItem": 1}
        ),
        **_load_benches(engine, stats, ""),
        "scan1": Bench("scan `.segments(1)`", lambda: scan(engine, 1), _verify_scan, stats, {"Scan": PAGES}),
        "scan4": Bench(
            f"scan `.segments({SEGMENTS})`",
            lambda: scan(engine, SEGMENTS),
            _verify_scan,
            stats,
            {"Scan": PAGES},
        ),
        "fetch": Bench(
            "query, fetch only (`.prefetch(0)`, no work)",
            lambda: query_pages(engine, 0, 0.0),
            _verify_query,
            stats,
            pages,
        ),
        "prefetch1": Bench(
            "query + work, `.prefetch(1)`",
            lambda: query_pages(engine, 1, CONSUME_S),
            _verify_query,
            stats,
            pages,
        ),
        "prefetch0": Bench(
            "query + work, `.prefetch(0)`",
            lambda: query_pages(engine, 0, CONSUME_S),
            _verify_query,
            stats,
            pages,
        ),
        **_load_benches(cpu_engine, cpu_stats, "@0", ", 0 ms"),
    }


async def measure_latency(benches: dict[str, Bench], runs: int) -> dict[str, Measured]:
    """
    Verify each benchmark on its first call (which also opens its connections), then time `runs` interleaved runs.
    """
    measured: dict[str, Measured] = {}
    progress(f"streaming: verifying {len(benches)} benchmark(s)")
    for key, bench in benches.items():
        await bench.stats.reset()
        result = await bench.fn()
        requests, in_flight = await bench.stats.read()
        bench.verify(result)
        _check(requests == bench.requests, f"{bench.label}: the server saw {requests}, not {bench.requests}")
        measured[key] = Measured(Timing(bench.label, 1), requests, in_flight)
    for i in range(runs):
        progress(f"streaming: run {i + 1}/{runs}", transient=True)
        for key, bench in benches.items():
            elapsed, result = await _timed(bench.fn)
            measured[key].timing.ns_per_call.append(elapsed)
            measured[key].results.append(result)
    for key, bench in benches.items():
        bench.verify(measured[key].results[-1])
    return measured


# -- memory ---------------------------------------------------------------------------------------------------------


QUERY = "query"
SCAN = f"scan `.segments({SEGMENTS})`"
#: The streams measured: (kind, items). The segmented scan only at the ends, as tracemalloc slows streaming ~5x.
MEMORY_STREAMS = ((QUERY, 10_000), (QUERY, 50_000), (QUERY, 100_000), (SCAN, 10_000), (SCAN, 100_000))


async def stream_count(engine: Engine, model: type[StreamItem], kind: str) -> int:
    """Stream every item of `model`'s table through ``async for``, keeping none; return how many came."""
    if kind == QUERY:
        source: Any = engine.query(model, key=model.pk == "item").page_size(MEMORY_PAGE_SIZE)
    else:
        source = engine.scan(model).page_size(MEMORY_PAGE_SIZE).segments(SEGMENTS)
    count = 0
    async for _ in source:
        count += 1
    return count


async def collect_all(engine: Engine, model: type[StreamItem]) -> int:
    """The control: the same query kept whole with ``.all()`` (memory grows with the items, as it should)."""
    items = await engine.query(model, key=model.pk == "item").page_size(MEMORY_PAGE_SIZE).all()
    return len(items)


@dataclass
class MemoryRow:
    kind: str
    items: int
    peak_bytes: int = 0
    retained_bytes: int = 0
    maxrss_growth_kib: int = 0
    seconds: float = 0.0


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


async def measure_memory(engine: Engine) -> tuple[list[MemoryRow], MemoryRow]:
    rows = {(kind, n): MemoryRow(kind, n) for kind, n in MEMORY_STREAMS}
    for kind in (QUERY, SCAN):  # warm up (parsers, connections) before any measurement
        _check(await stream_count(engine, Items10k, kind) == 10_000, f"{kind}: wrong item count")

    # Peak RSS first, without tracemalloc (whose own bookkeeping would raise the high-water mark).
    for (kind, n), row in rows.items():
        progress(f"streaming: memory, peak RSS, {kind} of {n} items", transient=True)
        gc.collect()
        before = _maxrss_kib()
        started = time.perf_counter()
        count = await stream_count(engine, MEMORY_MODELS[n], kind)
        row.seconds = time.perf_counter() - started
        row.maxrss_growth_kib = _maxrss_kib() - before
        _check(count == n, f"{kind}: {count} items streamed, not {n}")

    tracemalloc.start()
    try:
        for (kind, n), row in rows.items():
            progress(f"streaming: memory, tracemalloc, {kind} of {n} items", transient=True)
            row.peak_bytes, row.retained_bytes, count = await _traced(
                stream_count(engine, MEMORY_MODELS[n], kind)
            )
            _check(count == n, f"{kind}: {count} items streamed, not {n}")
        control = MemoryRow("control: query `.all()` (keeps every item)", 10_000)
        control.peak_bytes, _, count = await _traced(collect_all(engine, Items10k))
        _check(count == 10_000, f".all(): {count} items, not 10000")
    finally:
        tracemalloc.stop()
    return list(rows.values()), control


async def _traced(coroutine: Awaitable[int]) -> tuple[int, int, int]:
    """(peak growth, growth retained after, result) of awaiting `coroutine`, in bytes traced by tracemalloc."""
    gc.collect()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = await coroutine
    peak = tracemalloc.get_traced_memory()[1]
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0]
    return peak - base, retained - base, result


# -- the report -----------------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _x(value: float) -> str:
    return f"{value:.2f}{TIMES}"


def _verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def _mib(value: float) -> str:
    return f"{value / MIB:.2f}"


def _requests_text(requests: dict[str, int]) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(requests.items()))


def report(latency: dict[str, Measured], memory: list[MemoryRow], control: MemoryRow, runs: int) -> str:
    rtt = latency["rtt"].ms
    load, gather, sequential = latency["load"], latency["gather"], latency["sequential"]
    scan1, scan4 = latency["scan1"], latency["scan4"]
    prefetch1, prefetch0 = latency["prefetch1"], latency["prefetch0"]

    def rts(ms: float) -> str:
        return f"{ms / rtt:.2f}"

    def row(m: Measured, *, delayed: bool = True) -> list[str]:
        cells = [m.timing.label, _ms(m.ms)]
        if delayed:
            cells += [rts(m.ms), f"{m.ms / DELAY_MS:.2f}"]
        cells += [_ms(m.timing.min_us / 1000), f"{m.timing.iqr_pct:.0f}", _requests_text(m.requests)]
        # Without delay the server never holds a request across an await: its in-flight count means nothing.
        return [*cells, str(m.max_in_flight)] if delayed else cells

    common = ["best ms", "IQR %", "requests (one call)"]
    latency_table = markdown_table(
        ["benchmark", "median ms", "round trips", f"÷ {DELAY_MS:g} ms", *common, "most in flight"],
        [row(m) for key, m in latency.items() if not key.endswith("@0")],
    )
    cpu_table = markdown_table(
        ["benchmark, server without delay", "median ms", *common],
        [row(m, delayed=False) for key, m in latency.items() if key.endswith("@0")],
    )

    # a. load
    load_rts = load.ms / rtt
    load_speedup = sequential.ms / load.ms
    # b. scan
    scan_speedup = scan1.ms / scan4.ms
    # c. query
    fetch = latency["fetch"].ms / PAGES
    consume = 1000 * statistics.median(r.work_s / r.pages for m in (prefetch1, prefetch0) for r in m.results)
    floor = max(fetch, consume) * PAGES
    serial = (fetch + consume) * PAGES
    over_floor = prefetch1.ms / floor
    # d. memory
    by_kind: dict[str, dict[int, MemoryRow]] = {}
    for r in memory:
        by_kind.setdefault(r.kind, {})[r.items] = r
    growth = {kind: rows[100_000].peak_bytes / rows[10_000].peak_bytes for kind, rows in by_kind.items()}

    targets = [
        [
            f"a. `engine.load` of {LOAD_KEYS} keys ≤ {LOAD_MAX_ROUND_TRIPS:g} round trips",
            f"{load_rts:.2f} round trips ({_ms(load.ms)} ms; {load.ms / DELAY_MS:.2f} {TIMES} {DELAY_MS:g} ms)",
            _verdict(load_rts <= LOAD_MAX_ROUND_TRIPS),
        ],
        [
            f"a. `engine.load` ≥ {LOAD_MIN_SPEEDUP:g}{TIMES} faster than sequential chunks",
            f"sequential / adyn = {_x(load_speedup)}",
            _verdict(load_speedup >= LOAD_MIN_SPEEDUP),
        ],
        [
            f"b. scan `.segments({SEGMENTS})` ≥ {SCAN_MIN_SPEEDUP:g}{TIMES} faster than `.segments(1)`",
            f"segments(1) / segments({SEGMENTS}) = {_x(scan_speedup)} (ideal {SEGMENTS}{TIMES})",
            _verdict(scan_speedup >= SCAN_MIN_SPEEDUP),
        ],
        [
            f"c. query `.prefetch(1)` within {PREFETCH_MAX_EXCESS:.0%} of max(fetch, consume) {TIMES} pages",
            f"{_ms(prefetch1.ms)} ms = {_x(over_floor)} of {_ms(floor)} ms",
            _verdict(over_floor <= 1 + PREFETCH_MAX_EXCESS),
        ],
        *(
            [
                f"d. {kind}: peak memory flat in the item count (100k ≤ {MEMORY_MAX_GROWTH:g}{TIMES} 10k)",
                f"tracemalloc peak {_mib(rows[10_000].peak_bytes)} → {_mib(rows[100_000].peak_bytes)} MiB "
                f"({_x(growth[kind])})",
                _verdict(growth[kind] <= MEMORY_MAX_GROWTH),
            ]
            for kind, rows in by_kind.items()
        ),
    ]
    targets_table = markdown_table(["target", "measured", "result"], targets, align="lll")

    query_table = markdown_table(
        ["quantity", "ms", "round trips"],
        [
            ["fetch, per page (fetch only ÷ pages)", _ms(fetch), rts(fetch)],
            ["consume, per page (measured sleep)", _ms(consume), rts(consume)],
            [f"max(fetch, consume) {TIMES} {PAGES} pages: the floor", _ms(floor), rts(floor)],
            [f"(fetch + consume) {TIMES} {PAGES} pages: no overlap", _ms(serial), rts(serial)],
            ["`.prefetch(1)` total", _ms(prefetch1.ms), rts(prefetch1.ms)],
            ["`.prefetch(0)` total", _ms(prefetch0.ms), rts(prefetch0.ms)],
        ],
    )

    memory_rows = [
        [
            r.kind,
            f"{r.items:,}",
            _mib(r.peak_bytes),
            _mib(r.retained_bytes),
            f"{r.maxrss_growth_kib / 1024:.2f}",
            f"{r.seconds:.2f}",
            f"{r.items / r.seconds / 1000:.0f}",
        ]
        for r in memory
    ]
    memory_rows.append([control.kind, f"{control.items:,}", _mib(control.peak_bytes), "", "", "", ""])
    memory_table = markdown_table(
        [
            "stream",
            "items",
            "tracemalloc peak MiB",
            "retained after MiB",
            "peak RSS growth MiB",
            "time s",
            "k items/s",
        ],
        memory_rows,
    )
    warning = noise_warning(m.timing for m in latency.values())
    chunks = LOAD_KEYS // BATCH_GET_LIMIT
    cpu_load, cpu_gather = latency["load@0"].ms, latency["gather@0"].ms
    return f"""## streaming: {DESCRIPTION}

The server (`benchmarks/fake_dynamodb.py`, a child process) answers every request after {DELAY_MS:g} ms
(`asyncio.sleep`, so concurrent requests overlap) with canned JSON; its own work is a few tens of µs per request.
A **round trip** is the median wall time of one GetItem through the engine ({_ms(rtt)} ms here: the {DELAY_MS:g} ms
delay plus the client's and the server's work per request); the `÷ {DELAY_MS:g} ms` column counts bare delays
instead. Times are medians of {runs} interleaved runs (garbage collector off during each). The engine is
`Engine(endpoint_url=..., retries=1)`, otherwise with its defaults (concurrency 16, 64 pooled connections).

### Targets

{targets_table}

### a-c. Wall times at {DELAY_MS:g} ms per request

{latency_table}

"requests (one call)" and "most in flight" are the fake server's own counts for one call of each benchmark (the
verification run before timing): the {chunks} BatchGetItem chunks of `engine.load` and the {SEGMENTS} scan segments are
in flight together; the sequential baseline, `.segments(1)` and the queries never overlap two requests.

- **a. load**: {LOAD_KEYS} keys. adyn sends {chunks} BatchGetItem requests of {BATCH_GET_LIMIT} keys concurrently
  and fills the objects in place. The sequential baseline sends the same requests one after the other through the
  engine's own aiobotocore client, loading each item into a new object (what PynamoDB's and bloop's batch gets
  do); the floor sends them all at once through that client with `asyncio.gather`, without adyn's bookkeeping.
  sequential / adyn = {_x(load_speedup)} (sequential / floor = {_x(sequential.ms / gather.ms)}); adyn takes
  {load_rts:.2f} round trips, the floor {gather.ms / rtt:.2f}.
- **b. scan**: the same {LOAD_KEYS} items as {PAGES} pages of {SCAN_PAGE_SIZE}; with {SEGMENTS} segments each has
  {PAGES // SEGMENTS} pages. segments(1) / segments({SEGMENTS}) = {_x(scan_speedup)}.
- **c. query**: {PAGES} pages of {QUERY_PAGE_SIZE} items through `q.pages()`; the consumer sleeps
  {CONSUME_S * 1000:g} ms per page.

{query_table}

`.prefetch(1)` / floor = {_x(over_floor)}; `.prefetch(1)` / no-overlap sum = {_x(prefetch1.ms / serial)};
`.prefetch(0)` / no-overlap sum = {_x(prefetch0.ms / serial)}; `.prefetch(0)` / `.prefetch(1)` =
{_x(prefetch0.ms / prefetch1.ms)}.

**Why the load takes more than one round trip**: against the server without delay, which answers at once, the
same loads take the client's own time: building, signing and sending 10 requests, parsing 1000 items and loading
them, all on the one event-loop thread, which concurrency cannot overlap:

{cpu_table}

At {DELAY_MS:g} ms, adyn's load took {_ms(load.ms)} ms, against {_ms(DELAY_MS + cpu_load)} ms for one delay plus its
time without delay; the raw client's floor took {_ms(gather.ms)} ms, against {_ms(DELAY_MS + cpu_gather)} ms.

### d. Memory

A second server instance without delay; each stream goes through `async for` keeping no item (pages of
{MEMORY_PAGE_SIZE} items, so 10, 50 and 100 pages; the scan's {SEGMENTS} segments each fetch ahead, so it holds
about {SEGMENTS} times the pages of the query). "tracemalloc peak" is the peak of the memory traced during the
stream above what was traced before it; "retained after" what is still traced after it (after a garbage
collection); "peak RSS growth" the rise of the process's `ru_maxrss` high-water mark during the stream (a separate
pass without tracemalloc, smallest stream first, after a warm-up stream of each kind): 0 when the stream never
needed more memory than the process had used before. The control keeps 10k items with `.all()`, to show that the
measurement sees memory that grows with the items. "time s" and "k items/s" are from the pass without tracemalloc.

{memory_table}

{warning}

Notes:

- Verified before timing: `engine.load` fills all {LOAD_KEYS} objects in place with the server's values, the
  baselines return the same {LOAD_KEYS} items, both scans yield items 0-{LOAD_KEYS - 1} exactly once, each query
  yields {PAGES} pages of {QUERY_PAGE_SIZE} items, every memory stream yields its item count, and the server saw
  exactly the expected requests. The last timed result of each benchmark is checked again after timing.
- The client and the server share the machine's cores with whatever else runs: absolute times are noisy; the
  round-trip counts and the ratios are the result.
"""


# -- running --------------------------------------------------------------------------------------------------------


async def _main(latency_url: str, memory_url: str, runs: int) -> str:
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        engine = await stack.enter_async_context(_engine(latency_url))
        memory_engine = await stack.enter_async_context(_engine(memory_url))
        await engine.bind(LoadItem, PagedItem, create=False)
        await memory_engine.bind(LoadItem, *MEMORY_MODELS.values(), create=False)
        benches = latency_benches(
            engine, ServerStats(session, latency_url), memory_engine, ServerStats(session, memory_url)
        )
        started = time.perf_counter()
        latency = await measure_latency(benches, runs)
        progress(f"streaming: wall times done in {time.perf_counter() - started:.1f} s; now memory")
        started = time.perf_counter()
        memory, control = await measure_memory(memory_engine)
        progress(f"streaming: memory done in {time.perf_counter() - started:.1f} s")
    return report(latency, memory, control, runs)


def run(settings: Settings) -> str:
    runs = max(1, min(settings.repeat, MAX_RUNS))
    progress(f"streaming: starting the fake DynamoDB servers ({DELAY_MS:g} ms and 0 ms)")
    with FakeDynamoDB(DELAY_MS) as latency_server, FakeDynamoDB(0) as memory_server:
        section = asyncio.run(_main(latency_server.url, memory_server.url, runs))
    return re.sub(r"\n{3,}", "\n\n", section)
