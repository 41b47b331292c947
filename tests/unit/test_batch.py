"""
Batch chunking, concurrency and retries of unprocessed keys and items, against a scripted fake DynamoDB call.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adyn import Throttled
from adyn._batch import Unprocessed, batch_get, batch_write, gather_bounded


def key(n: int) -> dict[str, Any]:
    return {"id": {"N": str(n)}}


class FakeGet:
    """Answers BatchGetItem from a store, leaving the first `hold_back` keys of each request unprocessed once."""

    def __init__(self, store: dict[str, set[int]], hold_back: int = 0, always_hold: bool = False) -> None:
        self.store = store
        self.hold_back = hold_back
        self.always_hold = always_hold
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        assert operation == "BatchGetItem"
        self.requests.append(request)
        responses: dict[str, list[dict[str, Any]]] = {}
        unprocessed: dict[str, Any] = {}
        for table, entry in request["RequestItems"].items():
            keys = entry["Keys"]
            assert len(keys) <= 100
            hold = keys[: self.hold_back] if (self.always_hold or len(self.requests) == 1) else []
            if hold:
                unprocessed[table] = {"Keys": hold, "ConsistentRead": entry["ConsistentRead"]}
            for k in keys[len(hold) :]:
                if int(k["id"]["N"]) in self.store.get(table, set()):
                    responses.setdefault(table, []).append({**k, "v": {"S": "x"}})
        return {"Responses": responses, "UnprocessedKeys": unprocessed}


async def no_sleep(delay: float) -> None:
    assert delay >= 0


async def test_batch_get_chunks_of_100_across_tables() -> None:
    """250 keys over two tables go in chunks of at most 100 keys and every stored key comes back once."""
    call = FakeGet({"a": set(range(0, 200, 2)), "b": set(range(100))})
    requests = {"a": [key(n) for n in range(200)], "b": [key(n) for n in range(50)]}
    found, failed = await batch_get(call, requests, consistent=True, concurrency=4, sleep=no_sleep)
    assert failed == []
    assert len(call.requests) == 3
    assert sorted(int(i["id"]["N"]) for i in found["a"]) == list(range(0, 200, 2))
    assert sorted(int(i["id"]["N"]) for i in found["b"]) == list(range(50))
    assert all(e["ConsistentRead"] for r in call.requests for e in r["RequestItems"].values())


async def test_batch_get_retries_unprocessed_keys() -> None:
    """Unprocessed keys are sent again after a backoff until DynamoDB processes them."""
    call = FakeGet({"a": set(range(10))}, hold_back=4)
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    found, failed = await batch_get(
        call, {"a": [key(n) for n in range(10)]}, consistent=False, concurrency=1, sleep=sleep
    )
    assert failed == []
    assert sorted(int(i["id"]["N"]) for i in found["a"]) == list(range(10))
    assert len(call.requests) == 2
    assert call.requests[1]["RequestItems"]["a"]["Keys"] == [key(n) for n in range(4)]
    assert len(delays) == 1


async def test_batch_get_reports_keys_never_processed() -> None:
    """Keys still unprocessed after every retry are reported one by one, not dropped."""
    call = FakeGet({"a": set(range(10))}, hold_back=3, always_hold=True)
    found, failed = await batch_get(
        call, {"a": [key(n) for n in range(10)]}, consistent=False, concurrency=1, attempts=2, sleep=no_sleep
    )
    assert len(call.requests) == 3
    assert [k for _, k, _ in failed] == [key(0), key(1), key(2)]
    assert all(isinstance(e, Unprocessed) for _, _, e in failed)
    assert sorted(int(i["id"]["N"]) for i in found["a"]) == list(range(3, 10))


async def test_batch_get_failed_chunk_reports_its_keys() -> None:
    """A chunk whose request fails reports its keys with the error; other chunks still load."""
    calls = 0

    async def call(operation: str, request: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        keys = request["RequestItems"]["a"]["Keys"]
        if keys[0] == key(0):
            raise Throttled("throttled", code="ThrottlingException", operation=operation)
        return {"Responses": {"a": keys}}

    found, failed = await batch_get(
        call, {"a": [key(n) for n in range(150)]}, consistent=False, concurrency=2
    )
    assert len(found["a"]) == 50
    assert len(failed) == 100
    assert all(isinstance(e, Throttled) for _, _, e in failed)


class FakeWrite:
    """Applies BatchWriteItem requests, leaving some unprocessed on the first attempt (or always)."""

    def __init__(self, hold_back: int = 0, always_hold: bool = False) -> None:
        self.hold_back = hold_back
        self.always_hold = always_hold
        self.requests: list[dict[str, Any]] = []
        self.applied: list[tuple[str, dict[str, Any]]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        assert operation == "BatchWriteItem"
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0)
        self.in_flight -= 1
        unprocessed: dict[str, list[dict[str, Any]]] = {}
        total = sum(len(v) for v in request["RequestItems"].values())
        assert total <= 25
        for table, bodies in request["RequestItems"].items():
            first = self.always_hold or len(self.requests) <= 1
            hold = bodies[: self.hold_back] if first else []
            if hold:
                unprocessed[table] = hold
            self.applied.extend((table, b) for b in bodies[len(hold) :])
        return {"UnprocessedItems": unprocessed}


def put(n: int) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"id": {"N": str(n)}, "v": {"S": "x"}}}}


async def test_batch_write_chunks_and_concurrency() -> None:
    """Writes go in chunks of at most 25, several chunks in flight at once, each write applied once."""
    call = FakeWrite()
    writes = [("t", put(n)) for n in range(110)]
    failed = await batch_write(call, writes, concurrency=4, sleep=no_sleep)
    assert failed == {}
    assert len(call.requests) == 5
    assert call.max_in_flight > 1
    assert sorted(b["PutRequest"]["Item"]["id"]["N"] for _, b in call.applied) == sorted(
        str(n) for n in range(110)
    )


async def test_batch_write_retries_unprocessed() -> None:
    """Unprocessed items are sent again until written; none twice."""
    call = FakeWrite(hold_back=5)
    failed = await batch_write(call, [("t", put(n)) for n in range(20)], concurrency=1, sleep=no_sleep)
    assert failed == {}
    assert len(call.requests) == 2
    assert sorted(b["PutRequest"]["Item"]["id"]["N"] for _, b in call.applied) == sorted(
        str(n) for n in range(20)
    )


async def test_batch_write_reports_exactly_what_was_not_written() -> None:
    """Items unprocessed through every retry are reported by position with the reason."""
    call = FakeWrite(hold_back=2, always_hold=True)
    failed = await batch_write(
        call, [("t", put(n)) for n in range(30)], concurrency=2, attempts=1, sleep=no_sleep
    )
    # Chunk 0 holds positions 0 and 1 back; chunk 1 (positions 25..29) holds 25 and 26 back.
    assert sorted(failed) == [0, 1, 25, 26]
    assert all(isinstance(e, Unprocessed) for e in failed.values())
    written = {b["PutRequest"]["Item"]["id"]["N"] for _, b in call.applied}
    assert written == {str(n) for n in range(30)} - {"0", "1", "25", "26"}


async def test_batch_write_retry_failing_reports_only_what_it_carried() -> None:
    """A retry of unprocessed items that fails outright reports those items, not the chunk's written ones."""
    write = FakeWrite(hold_back=3)

    async def call(operation: str, request: dict[str, Any]) -> dict[str, Any]:
        if write.requests:
            raise Throttled("throttled", code="ThrottlingException", operation=operation)
        return await write(operation, request)

    failed = await batch_write(call, [("t", put(n)) for n in range(10)], concurrency=1, sleep=no_sleep)
    assert sorted(failed) == [0, 1, 2]
    assert all(isinstance(e, Throttled) for e in failed.values())
    assert sorted(b["PutRequest"]["Item"]["id"]["N"] for _, b in write.applied) == [
        str(n) for n in range(3, 10)
    ]


async def test_batch_get_retry_failing_reports_only_what_it_carried() -> None:
    """A retry of unprocessed keys that fails outright reports those keys; the keys read before are not failed."""
    get = FakeGet({"a": set(range(10))}, hold_back=4)

    async def call(operation: str, request: dict[str, Any]) -> dict[str, Any]:
        if get.requests:
            raise Throttled("throttled", code="ThrottlingException", operation=operation)
        return await get(operation, request)

    found, failed = await batch_get(
        call, {"a": [key(n) for n in range(10)]}, consistent=False, concurrency=1, sleep=no_sleep
    )
    assert [k for _, k, _ in failed] == [key(n) for n in range(4)]
    assert all(isinstance(e, Throttled) for _, _, e in failed)
    assert sorted(int(i["id"]["N"]) for i in found["a"]) == list(range(4, 10))


@given(n=st.integers(0, 300), limit=st.integers(1, 8))
async def test_gather_bounded_order_and_limit(n: int, limit: int) -> None:
    """gather_bounded returns results in order and never runs more than `limit` at once."""
    running = 0
    peak = 0

    async def work(i: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        return i * 2

    results = await gather_bounded(work, range(n), limit)
    assert results == [i * 2 for i in range(n)]
    assert peak <= limit


async def test_gather_bounded_cancellation_leaves_nothing_unawaited() -> None:
    """Cancelling gather_bounded cancels every task; no coroutine is left created but never awaited."""
    started = asyncio.Event()

    async def work(i: int) -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(gather_bounded(work, range(100), 3))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
