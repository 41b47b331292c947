"""
Cancelling a task in the middle of batch writes, paginated queries, parallel scans and transactions: no task is
left running, no HTTP connection stays checked out (the proxy sees each cancelled request's connection closed),
the engine keeps working, and what was written is exactly what the server received before the cancellation.

Requests are held by the proxy (``stall``) so the cancellation lands while they are in flight, deterministically.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from typing import Any

import pytest

from adyn import Engine
from adyn._models import SNAPSHOT
from tests.faults import FaultProxy, Rule, client_connections_in_use
from tests.reliability.conftest import Harness
from tests.reliability.models import Counter, Entry, Thing, payload


def running_tasks(*proxies: FaultProxy) -> set[asyncio.Task[Any]]:
    """The unfinished tasks of the loop, but for the proxies' own (they serve connections the engine keeps)."""
    own = set().union(*(p.tasks for p in proxies))
    return {t for t in asyncio.all_tasks() if not t.done() and t not in own}


async def cancel_when(operation: Coroutine[Any, Any, Any], ready: Awaitable[None]) -> None:
    """Run `operation` in a task, cancel it once `ready` completes, and check that it ended cancelled."""
    task = asyncio.create_task(operation)
    await ready
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def assert_settled(engine: Engine, proxy: FaultProxy, before: set[asyncio.Task[Any]]) -> None:
    """Nothing left of the cancelled operation: no task, no connection checked out, no request held."""
    assert running_tasks(proxy) == before
    assert client_connections_in_use(engine) == 0
    # The held requests end only when the client closed their connections: a leaked connection never does.
    await proxy.wait_for(lambda: proxy.in_flight == 0 and proxy.stalled == 0)


async def assert_closes_cleanly(engine: Engine, proxy: FaultProxy) -> None:
    """Closing the engine closes every connection it opened."""
    await engine.close()
    await proxy.wait_disconnected()


async def test_cancel_batch_write(on_dynalite: Harness) -> None:
    """
    put_all() cancelled with half its requests answered and half held: the answered requests' items are stored,
    the held ones' never reach the server, and sending the batch again completes it.
    """
    proxy = await on_dynalite.proxy(rules=[Rule("stall", operation="BatchWriteItem", nth={5, 6, 7, 8})])
    engine = await on_dynalite.engine(proxy, Thing)
    things = [Thing(id=i, payload=payload(i)) for i in range(200)]  # 8 requests of 25, all in flight at once
    before = running_tasks(proxy)

    def four_answered_four_held() -> bool:
        sent = [entry for entry in proxy.log if entry.operation == "BatchWriteItem"]
        return len(sent) == 8 and proxy.stalled == 4 and proxy.in_flight == 4

    await cancel_when(engine.put_all(*things), proxy.wait_for(four_answered_four_held))
    await assert_settled(engine, proxy, before)

    answered = {
        int(write["PutRequest"]["Item"]["id"]["N"])
        for entry in proxy.log
        if entry.operation == "BatchWriteItem" and entry.fault is None
        for writes in entry.body["RequestItems"].values()
        for write in writes
    }
    assert len(answered) == 100
    direct = await on_dynalite.engine(None, Thing)
    assert sorted(t.id for t in await direct.scan(Thing).all()) == sorted(answered)

    result = await engine.put_all(*things)  # puts are idempotent: sending everything again is safe
    assert len(result.written) == 200
    assert sorted(t.id for t in await direct.scan(Thing).all()) == list(range(200))
    await assert_closes_cleanly(engine, proxy)


async def test_cancel_paginated_query(on_dynalite: Harness) -> None:
    """A query cancelled while its prefetch is in flight leaves no fetch task and no connection behind."""
    direct = await on_dynalite.engine(None, Entry)
    await direct.put_all(*(Entry(part="p", pos=i) for i in range(200)))
    proxy = await on_dynalite.proxy(rules=[Rule("stall", operation="Query", nth={4})])
    engine = await on_dynalite.engine(proxy, Entry)
    query = engine.query(Entry, key=Entry.part == "p").page_size(10).prefetch(2)
    seen: list[int] = []
    before = running_tasks(proxy)

    async def consume() -> None:
        async for entry in query:
            seen.append(entry.pos)  # noqa: PERF401 - recorded one by one: a cancelled loop keeps what it saw

    await cancel_when(consume(), proxy.wait_stalled(1))
    await assert_settled(engine, proxy, before)
    assert seen == list(range(len(seen)))
    assert len(seen) <= 30  # at most the three pages before the held one

    assert [e.pos for e in await query.all()] == list(range(200))
    await assert_closes_cleanly(engine, proxy)


async def test_cancel_parallel_scan(on_dynalite: Harness) -> None:
    """A 4-segment scan cancelled with a page request of every segment held leaves nothing behind."""
    direct = await on_dynalite.engine(None, Thing)
    await direct.put_all(*(Thing(id=i) for i in range(200)))
    proxy = await on_dynalite.proxy(rules=[Rule("stall", operation="Scan", nth={5, 6, 7, 8})])
    engine = await on_dynalite.engine(proxy, Thing)
    scan = engine.scan(Thing).segments(4).page_size(10)
    seen: list[int] = []
    before = running_tasks(proxy)

    async def consume() -> None:
        async for thing in scan:
            seen.append(thing.id)  # noqa: PERF401 - recorded one by one: a cancelled loop keeps what it saw

    await cancel_when(consume(), proxy.wait_stalled(4))
    await assert_settled(engine, proxy, before)
    assert len(seen) == len(set(seen)) <= 40  # the first page of each segment at most

    assert sorted(t.id for t in await scan.all()) == list(range(200))
    await assert_closes_cleanly(engine, proxy)


async def test_cancel_transaction_before_it_reaches_the_server(on_moto: Harness) -> None:
    """A commit cancelled while its request is held before the server applies nothing; the engine goes on."""
    proxy = await on_moto.proxy(rules=[Rule("stall", operation="TransactWriteItems", nth={1})])
    engine = await on_moto.engine(proxy, Thing, Counter)
    before = running_tasks(proxy)
    tx = engine.transaction()
    tx.put(Thing(id=1, payload="a"))
    tx.put(Counter(id="c", count=1))

    await cancel_when(tx.commit(), proxy.wait_stalled(1))
    await assert_settled(engine, proxy, before)
    direct = await on_moto.engine(None, Thing, Counter)
    assert await direct.scan(Thing).all() == []
    assert await direct.scan(Counter).all() == []

    await tx.commit()  # the same prepared transaction, the same token
    assert await direct.get(Thing, 1) == Thing(id=1, payload="a")
    assert await direct.get(Counter, "c") == Counter(id="c", count=1)
    await assert_closes_cleanly(engine, proxy)


async def test_cancel_transaction_after_the_server_applied_it(on_moto: Harness) -> None:
    """
    A commit cancelled after the server applied it but before the response came: every write is stored (a
    transaction is all or nothing), while the objects are not marked saved. On DynamoDB, committing the same
    transaction again within 10 minutes returns success without applying it twice (moto ignores the token).
    """
    proxy = await on_moto.proxy(rules=[Rule("stall_after", operation="TransactWriteItems", nth={1})])
    engine = await on_moto.engine(proxy, Thing, Counter)
    before = running_tasks(proxy)
    thing = Thing(id=1, payload="a")
    tx = engine.transaction()
    tx.create(thing)
    tx.put(Counter(id="c", count=1))

    await cancel_when(tx.commit(), proxy.wait_stalled(1))
    await assert_settled(engine, proxy, before)
    direct = await on_moto.engine(None, Thing, Counter)
    assert await direct.get(Thing, 1) == thing
    assert await direct.get(Counter, "c") == Counter(id="c", count=1)
    assert SNAPSHOT not in vars(thing)  # a successful commit would have marked it saved
    await assert_closes_cleanly(engine, proxy)
