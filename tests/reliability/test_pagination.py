"""
Queries and scans under injected faults, on dynalite: a retried page is fetched again, never yielded twice and
never skipped, so every item comes out exactly once (in order, for a query).
"""

from __future__ import annotations

from tests.faults import DEFAULT_KINDS
from tests.reliability.conftest import Harness
from tests.reliability.models import Entry, Thing, payload

#: Every fault a page request can meet (``partial`` is for batches only).
PAGE_FAULTS = {k: w for k, w in DEFAULT_KINDS.items() if k != "partial"}


async def test_fifty_page_query_under_faults(on_dynalite: Harness) -> None:
    """
    A 50-page query with 20% of its requests faulted yields every item once, in range key order. (Pages are
    fetched one after another, so every backoff adds up: 20% keeps the scenario well under a minute.)
    """
    direct = await on_dynalite.engine(None, Entry)
    await direct.put_all(*(Entry(part="p", pos=i, payload=payload(i)) for i in range(1000)))
    await direct.put_all(*(Entry(part="q", pos=i) for i in range(10)))  # a neighbour the query must not reach
    proxy = await on_dynalite.proxy(seed=4, rate=0.2, kinds=PAGE_FAULTS)
    engine = await on_dynalite.engine(proxy, Entry, retries=10, read_timeout=1.0)

    found = [e async for e in engine.query(Entry, key=Entry.part == "p").page_size(20)]

    assert [e.pos for e in found] == list(range(1000))
    assert [e.payload for e in found] == [payload(i) for i in range(1000)]
    faults = proxy.faults()
    assert faults[None] >= 50  # 50 pages (and the empty one after) got through
    assert sum(n for kind, n in faults.items() if kind is not None) >= 10


async def test_descending_query_pages_under_faults(on_dynalite: Harness) -> None:
    """Page by page in descending order under faults: the pages' items, joined, are every item once."""
    direct = await on_dynalite.engine(None, Entry)
    await direct.put_all(*(Entry(part="p", pos=i) for i in range(300)))
    proxy = await on_dynalite.proxy(seed=5, rate=0.3, kinds=PAGE_FAULTS)
    engine = await on_dynalite.engine(proxy, Entry, retries=10, read_timeout=1.0)

    pages = [
        page async for page in engine.query(Entry, key=Entry.part == "p").descending().page_size(30).pages()
    ]

    assert [e.pos for page in pages for e in page.items] == list(range(299, -1, -1))
    assert pages[-1].token is None
    assert all(page.token is not None for page in pages[:-1])


async def test_parallel_scan_under_faults(on_dynalite: Harness) -> None:
    """A scan in 4 segments with 30% of its requests faulted covers every item exactly once."""
    direct = await on_dynalite.engine(None, Thing)
    await direct.put_all(*(Thing(id=i, payload=payload(i)) for i in range(1000)))
    proxy = await on_dynalite.proxy(seed=3, rate=0.3, kinds=PAGE_FAULTS)
    engine = await on_dynalite.engine(proxy, Thing, retries=10, read_timeout=1.0)

    found = [t async for t in engine.scan(Thing).segments(4).page_size(25)]

    assert len(found) == 1000
    assert sorted(t.id for t in found) == list(range(1000))
    assert all(t.payload == payload(t.id) for t in found)
    scanned = {entry.body["Segment"] for entry in proxy.log if entry.operation == "Scan"}
    assert scanned == {0, 1, 2, 3}
    assert sum(n for kind, n in proxy.faults().items() if kind is not None) >= 10
