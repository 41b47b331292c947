"""
A soak test: rounds of mixed concurrent operations through one engine, with a few faults injected, on dynalite
over loopback. Bounded in rounds and in time. Across the run the number of tasks returns to where it started
after every round, the connections stay within the pool, and memory does not grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import tracemalloc
from pathlib import Path

from adyn import Engine
from tests.faults import FaultProxy, client_connections_in_use, open_sockets
from tests.reliability.conftest import Harness
from tests.reliability.models import Counter, Entry, Thing, payload
from tests.reliability.test_cancellation import running_tasks

ROUNDS = 30
#: The run stops early past this many seconds (a slow machine runs fewer rounds, never a longer test).
TIME_LIMIT = 20.0
WARM_UP = 4
POOL = 8
#: Sockets beyond the three pools: the proxy's listening socket, and connections being replaced after a drop.
SOCKET_SLACK = 4
#: How much traced memory (outside the proxy and this test) may grow from the end of the warm-up to the end.
MEMORY_SLACK = 300_000


async def one_round(engine: Engine, n: int) -> None:
    """One round of everything at once: batch writes and loads, single writes and reads, queries, scans."""
    base = (n * 40) % 400

    async def batch_write() -> None:
        await engine.put_all(*(Thing(id=i, payload=payload(i + n)) for i in range(base, base + 40)))

    async def batch_load() -> None:
        targets = [Thing(id=i) for i in range(0, 400, 3)]
        await engine.load(*targets)
        assert all(t.payload.startswith("payload-") for t in targets)

    async def singles() -> None:
        counter = Counter(id=f"c{n % 4}")
        await asyncio.gather(*(engine.update(counter, Counter.count.increment()) for _ in range(3)))
        assert await engine.get(Thing, base) is not None
        await engine.put(Entry(part="w", pos=n))
        await engine.delete(Entry(part="w", pos=n))

    async def query_pages() -> None:
        found = [e.pos async for e in engine.query(Entry, key=Entry.part == "p").page_size(25)]
        assert found == list(range(200))

    async def query_first_pages() -> None:
        # Leaving early, with pages prefetched: the stream is closed and its fetch task cancelled.
        results = aiter(engine.query(Entry, key=Entry.part == "p").page_size(10).prefetch(2))
        async with contextlib.aclosing(results):
            async for entry in results:
                if entry.pos >= 20:
                    break

    async def parallel_scan() -> None:
        ids = [t.id async for t in engine.scan(Thing).segments(3).page_size(100)]
        assert sorted(ids) == list(range(400))

    async def cancelled_scan() -> None:
        started = asyncio.Event()

        async def consume() -> None:
            async for _ in engine.scan(Thing).segments(2).page_size(20):
                started.set()

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    await asyncio.gather(
        batch_write(),
        batch_load(),
        singles(),
        query_pages(),
        query_first_pages(),
        parallel_scan(),
        cancelled_scan(),
    )


def traced(snapshot: tracemalloc.Snapshot) -> int:
    """Traced bytes, leaving out the proxy's and this test's own bookkeeping (the proxy remembers every request)."""
    mine = {str(Path(__file__)), str(Path(__file__).parent.parent / "faults.py")}
    filters = [tracemalloc.Filter(False, name) for name in mine]
    return sum(stat.size for stat in snapshot.filter_traces(filters).statistics("filename"))


async def test_soak(on_dynalite: Harness) -> None:
    """Mixed concurrent operations through one engine: no growth in tasks, connections or memory."""
    direct = await on_dynalite.engine(None, Thing, Entry, Counter)
    await direct.put_all(*(Thing(id=i, payload=payload(i)) for i in range(400)))
    await direct.put_all(*(Entry(part="p", pos=i) for i in range(200)))
    await direct.close()  # its idle connections would count among the sockets below
    proxy: FaultProxy = await on_dynalite.proxy(
        seed=13,
        rate=0.03,
        kinds={"throttle": 2, "500": 1, "503": 1, "drop": 1, "drop_after": 1, "partial": 3},
        keep_log=False,
    )
    engine = await on_dynalite.engine(
        proxy, Thing, Entry, Counter, retries=10, max_pool_connections=POOL, concurrency=4
    )
    before = running_tasks(proxy)
    sockets: list[int] = []
    memory: list[int] = []
    started = time.monotonic()
    tracemalloc.start()
    try:
        for n in range(ROUNDS):
            await one_round(engine, n)
            assert running_tasks(proxy) == before, f"round {n}: tasks left running"
            assert client_connections_in_use(engine) == 0, f"round {n}: connections still checked out"
            # The proxy learns of a connection the client dropped a moment after the client opened its replacement.
            await proxy.wait_for(lambda: proxy.connections <= POOL)
            gc.collect()
            sockets.append(open_sockets())
            memory.append(traced(tracemalloc.take_snapshot()))
            if time.monotonic() - started > TIME_LIMIT and n >= 2 * WARM_UP:
                break
    finally:
        tracemalloc.stop()
    rounds = len(memory)
    faults = proxy.faults()
    print(f"soak: {rounds} rounds, {sum(faults.values())} requests, faults {dict(faults)}")
    print(f"soak: sockets {sockets}")
    print(f"soak: memory {[m // 1000 for m in memory]} kB")
    assert rounds > 2 * WARM_UP
    # The engine's connections, the proxy's ends of them and the proxy's own to the server, each at most POOL.
    assert max(sockets) <= 3 * POOL + SOCKET_SLACK
    assert memory[-1] - memory[WARM_UP - 1] < MEMORY_SLACK
    assert sum(n for kind, n in faults.items() if kind is not None) > 0
