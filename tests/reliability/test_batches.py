"""
Batch writes and loads under injected faults, on dynalite: every item written and loaded exactly once, and when
retries run out, the error names exactly the items that were not written or loaded.
"""

from __future__ import annotations

from typing import Any

import pytest

from adyn import BatchWriteError, Engine, PartialFailure
from adyn._batch import Unprocessed
from adyn.exceptions import Throttled
from tests.faults import Rule, client_connections_in_use
from tests.reliability.conftest import Harness
from tests.reliability.models import Thing, payload


async def stored_ids(harness: Harness) -> list[int]:
    """Every id in Thing's table, read directly from the server (duplicates kept: a key is stored once)."""
    direct = await harness.engine(None, Thing)
    return [t.id async for t in direct.scan(Thing).page_size(1000)]


def odd(entry: dict[str, Any]) -> bool:
    """A batch entry (a PutRequest or a key) whose id is odd."""
    key = entry.get("PutRequest", {}).get("Item", entry)
    return int(key["id"]["N"]) % 2 == 1


async def test_ten_thousand_items_under_faults(on_dynalite: Harness) -> None:
    """
    10,000 items batch-written then batch-loaded with 30% of requests faulted (throttling, 500s, 503s, read
    timeouts, dropped connections, partial results): every item is stored once, every object filled, and no
    connection is left behind.
    """
    proxy = await on_dynalite.proxy(seed=7, rate=0.3)
    # The read timeout is the one under test for injected timeouts (their responses never come), yet long enough
    # that dynalite's real responses, on a loaded machine, never hit it.
    engine = await on_dynalite.engine(proxy, Thing, retries=10, read_timeout=1.0, concurrency=32)
    n = 10_000
    things = [Thing(id=i, payload=payload(i)) for i in range(n)]
    result = await engine.put_all(*things)
    assert result.failed == []
    assert len(result.written) == n
    ids = await stored_ids(on_dynalite)
    assert sorted(ids) == list(range(n))

    targets = [Thing(id=i) for i in range(n)]
    await engine.load(*targets)
    assert [t.payload for t in targets] == [payload(i) for i in range(n)]
    faults = proxy.faults()
    # Every kind of fault happened, batches included, and about 30% of requests failed.
    assert {"throttle", "throughput", "500", "503", "timeout", "drop", "drop_after", "partial"} <= set(faults)
    assert 0.2 < 1 - faults[None] / sum(faults.values()) < 0.4
    # Timed-out and dropped requests gave their connections back, and closing the engine closes them all.
    assert client_connections_in_use(engine) == 0
    await engine.close()
    await proxy.wait_disconnected()


async def test_writes_left_unprocessed_are_named(on_dynalite: Harness) -> None:
    """Writes DynamoDB leaves unprocessed through every retry are exactly the ones BatchWriteError names."""
    proxy = await on_dynalite.proxy(rules=[Rule("partial", operation="BatchWriteItem", pick=odd)])
    engine = await on_dynalite.engine(proxy, Thing)
    things = [Thing(id=i, payload=payload(i)) for i in range(60)]
    with pytest.raises(BatchWriteError) as raised:
        await engine.put_all(*things)
    result = raised.value.result
    assert sorted(t.id for t, _ in result.failed) == list(range(1, 60, 2))
    assert all(isinstance(e, Unprocessed) for _, e in result.failed)
    assert sorted(t.id for t in result.written) == list(range(0, 60, 2))
    assert sorted(await stored_ids(on_dynalite)) == list(range(0, 60, 2))


async def test_writes_failing_after_a_partial_result_are_named(on_dynalite: Harness) -> None:
    """
    A chunk whose first request wrote some items and whose retries then failed outright reports only the items
    it did not write, not the whole chunk.
    """
    proxy = await on_dynalite.proxy(
        rules=[
            Rule("partial", operation="BatchWriteItem", nth={1}, pick=odd),
            Rule("throttle", operation="BatchWriteItem"),
        ]
    )
    engine = await on_dynalite.engine(proxy, Thing, retries=2)
    things = [Thing(id=i, payload=payload(i)) for i in range(20)]
    with pytest.raises(BatchWriteError) as raised:
        await engine.put_all(*things)
    result = raised.value.result
    assert sorted(t.id for t, _ in result.failed) == list(range(1, 20, 2))
    assert all(isinstance(e, Throttled) for _, e in result.failed)
    assert sorted(t.id for t in result.written) == list(range(0, 20, 2))
    assert sorted(await stored_ids(on_dynalite)) == list(range(0, 20, 2))


async def test_loads_left_unprocessed_are_named(on_dynalite: Harness) -> None:
    """Keys left unprocessed through every retry are exactly the objects PartialFailure names; the rest load."""
    proxy = await on_dynalite.proxy(rules=[Rule("partial", operation="BatchGetItem", pick=odd)])
    engine = await on_dynalite.engine(proxy, Thing)
    await engine.put_all(*(Thing(id=i, payload=payload(i)) for i in range(150)))
    targets = [Thing(id=i) for i in range(150)]
    with pytest.raises(PartialFailure) as raised:
        await engine.load(*targets)
    failure = raised.value
    assert sorted(t.id for t, _ in failure.failed) == list(range(1, 150, 2))
    assert all(isinstance(e, Unprocessed) for _, e in failure.failed)
    assert sorted(t.id for t in failure.succeeded) == list(range(0, 150, 2))
    assert all(t.payload == (payload(t.id) if t.id % 2 == 0 else "") for t in targets)


async def test_loads_failing_after_a_partial_result_are_named(on_dynalite: Harness) -> None:
    """
    A chunk whose first request read some keys and whose retries then failed outright reports only the objects
    it did not read; the others are filled and reported as succeeded, never as both.
    """
    proxy = await on_dynalite.proxy(
        rules=[
            Rule("partial", operation="BatchGetItem", nth={1}, pick=odd),
            Rule("500", operation="BatchGetItem"),
        ]
    )
    engine = await on_dynalite.engine(proxy, Thing, retries=2)
    direct = await on_dynalite.engine(None, Thing)
    await direct.put_all(*(Thing(id=i, payload=payload(i)) for i in range(40)))
    targets = [Thing(id=i) for i in range(40)]
    with pytest.raises(PartialFailure) as raised:
        await engine.load(*targets)
    failure = raised.value
    assert sorted(t.id for t, _ in failure.failed) == list(range(1, 40, 2))
    assert sorted(t.id for t in failure.succeeded) == list(range(0, 40, 2))
    assert all(t.payload == (payload(t.id) if t.id % 2 == 0 else "") for t in targets)


async def test_engine_usable_after_faults(on_dynalite: Harness) -> None:
    """After retries ran out, the same engine writes and reads normally once the faults stop."""
    proxy = await on_dynalite.proxy(rules=[Rule("503", operation="BatchWriteItem", times=4)])
    engine: Engine = await on_dynalite.engine(proxy, Thing, retries=2)
    with pytest.raises(BatchWriteError):
        await engine.put_all(*(Thing(id=i) for i in range(30)))
    result = await engine.put_all(*(Thing(id=i, payload=payload(i)) for i in range(30)))
    assert len(result.written) == 30
    assert sorted(await stored_ids(on_dynalite)) == list(range(30))
