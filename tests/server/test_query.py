"""
Queries and scans against the server: builders, terminals, pages and tokens, projections, parallel scans, the
prefetching paginator and its cleanup.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from adyn import (
    Column,
    Engine,
    GlobalSecondaryIndex,
    InvalidCondition,
    InvalidExpression,
    InvalidKeyCondition,
    InvalidValue,
    LocalSecondaryIndex,
    Model,
    NotExactlyOne,
    Throttled,
    UnknownColumn,
    column,
)


class Message(Model):
    forum: Column[str] = column(hash_key=True)
    n: Column[int] = column(range_key=True)
    author: Column[str] = column(default="")
    views: Column[int] = column(default=0)
    body: Column[str | None] = column(default=None)
    extra: Column[str | None] = column(default=None)

    by_author = GlobalSecondaryIndex(hash_key="author", range_key="n", projection="keys")
    by_views = LocalSecondaryIndex(range_key="views", projection=["body"])
    everything = GlobalSecondaryIndex(hash_key="author", range_key="views", projection="all")


@pytest.fixture
async def forum(engine: Engine) -> list[Message]:
    """30 messages in forum "f" (n 0..29; authors a/b alternating; views = n % 7) and 5 in forum "g"."""
    await engine.bind(Message)
    messages = [
        Message(forum="f", n=i, author="ab"[i % 2], views=i % 7, body=f"body {i}", extra="x")
        for i in range(30)
    ] + [Message(forum="g", n=i, author="c", views=1) for i in range(5)]
    await engine.save(*messages)
    return messages


def page_requests(recorder: Any, operation: str = "Query") -> list[dict[str, Any]]:
    return [r for op, r in recorder.calls if op == operation]


class TestBuilders:
    async def test_request_is_the_exact_first_request(self, engine: Engine) -> None:
        """request() returns the exact first request without sending it."""
        await engine.bind(Message)
        q = engine.query(Message, key=(Message.forum == "f") & (Message.n >= 3)).filter(Message.views > 2)
        q = q.descending().page_size(10).consistent()
        assert q.request() == {
            "TableName": engine.table_name(Message),
            "KeyConditionExpression": "(#n0 = :v0 AND #n1 >= :v1)",
            "FilterExpression": "#n2 > :v2",
            "ExpressionAttributeNames": {"#n0": "forum", "#n1": "n", "#n2": "views"},
            "ExpressionAttributeValues": {":v0": {"S": "f"}, ":v1": {"N": "3"}, ":v2": {"N": "2"}},
            "ConsistentRead": True,
            "Limit": 10,
            "ScanIndexForward": False,
        }

    async def test_builders_are_immutable(self, engine: Engine) -> None:
        """Each method returns a new builder; the base query is unchanged."""
        await engine.bind(Message)
        base = engine.query(Message, key=Message.forum == "f")
        filtered = base.filter(Message.views > 1)
        assert "FilterExpression" not in base.request()
        assert "FilterExpression" in filtered.request()

    async def test_filters_and_together(self, engine: Engine) -> None:
        """Repeated filter() calls AND together."""
        await engine.bind(Message)
        q = engine.scan(Message).filter(Message.views > 1).filter(Message.author == "a")
        assert q.request()["FilterExpression"] == "(#n0 > :v0 AND #n1 = :v1)"

    async def test_bad_key_conditions_fail_before_sending(self, engine: Engine, recorder: Any) -> None:
        """Key conditions the table or index cannot answer fail at query() time."""
        await engine.bind(Message)
        recorder.clear()
        with pytest.raises(InvalidKeyCondition):
            engine.query(Message, key=Message.n == 1)
        with pytest.raises(InvalidKeyCondition):
            engine.query(Message.by_author, key=Message.forum == "f")
        with pytest.raises(InvalidCondition, match="key attributes"):
            engine.query(Message, key=Message.forum == "f").filter(Message.n > 1)
        with pytest.raises(InvalidExpression, match="global"):
            engine.query(Message.by_author, key=Message.author == "a").consistent()
        with pytest.raises(InvalidExpression, match="does not project"):
            engine.query(Message.by_author, key=Message.author == "a").project(Message.body)

        class Other(Model):
            id: Column[str] = column(hash_key=True)

        with pytest.raises(UnknownColumn):
            engine.scan(Message).filter(Other.id == "x")
        assert recorder.calls == []


class TestTerminals:
    async def test_iterate_query(self, engine: Engine, forum: list[Message]) -> None:
        """async for over a query yields the matching objects in range key order."""
        found = [m async for m in engine.query(Message, key=Message.forum == "f")]
        assert [m.n for m in found] == list(range(30))
        assert found[3] == forum[3]

    async def test_descending_and_filter(self, engine: Engine, forum: list[Message]) -> None:
        """descending() reverses the order; filter() keeps matching items only."""
        q = engine.query(Message, key=Message.forum == "f").filter(Message.views == 0).descending()
        assert [m.n for m in await q.all()] == [28, 21, 14, 7, 0]

    async def test_limit_counts_items_across_pages(
        self, engine: Engine, forum: list[Message], recorder: Any
    ) -> None:
        """limit(n) yields n items across pages, filter included, and stops fetching."""
        q = engine.query(Message, key=Message.forum == "f").filter(Message.views > 3).page_size(4).limit(5)
        found = await q.all()
        assert [m.n for m in found] == [4, 5, 6, 11, 12]

    async def test_first_one_count(self, engine: Engine, forum: list[Message]) -> None:
        """first() gives the first or None, one() exactly one, count() the number of matches."""
        q = engine.query(Message, key=Message.forum == "f")
        first = await q.first()
        assert first is not None
        assert first.n == 0
        assert await q.filter(Message.views == 99).first() is None
        assert (await q.filter(Message.body == "body 7").one()).n == 7
        with pytest.raises(NotExactlyOne) as info:
            await q.filter(Message.views == 99).one()
        assert info.value.found == 0
        with pytest.raises(NotExactlyOne):
            await q.one()
        assert await q.count() == 30
        assert await q.filter(Message.views == 0).count() == 5
        assert await q.page_size(7).count() == 30
        assert await q.limit(4).count() == 4

    async def test_query_index_and_partial_objects(self, engine: Engine, forum: list[Message]) -> None:
        """A KEYS_ONLY index yields partial objects that save without removing what they did not load."""
        found = await engine.query(Message.by_author, key=Message.author == "a").all()
        assert sorted(m.n for m in found) == list(range(0, 30, 2))
        partial = found[0]
        assert partial.body is None  # not projected
        partial.views = 100
        await engine.save(partial)
        stored = await engine.get(Message, ("f", partial.n))
        assert stored is not None
        assert stored.views == 100
        assert stored.body == f"body {partial.n}"
        with pytest.raises(InvalidValue, match="partial"):
            await engine.put(partial)

    async def test_project(self, engine: Engine, forum: list[Message], recorder: Any) -> None:
        """project() loads only the named columns plus keys."""
        found = await engine.query(Message, key=Message.forum == "f").project(Message.views).limit(3).all()
        request = page_requests(recorder)[-1]
        assert request["ProjectionExpression"] == "#n0, #n1, #n2"
        assert set(request["ExpressionAttributeNames"].values()) == {"forum", "n", "views"}
        assert [(m.n, m.views, m.body) for m in found] == [(0, 0, None), (1, 1, None), (2, 2, None)]

    async def test_lsi_include_projection(self, engine: Engine, forum: list[Message]) -> None:
        """A local index query with an INCLUDE projection returns the included columns."""
        q = engine.query(Message.by_views, key=(Message.forum == "f") & (Message.views == 6))
        found = await q.all()
        assert sorted(m.n for m in found) == [6, 13, 20, 27]
        assert {m.body for m in found} == {"body 6", "body 13", "body 20", "body 27"}

    async def test_scan_and_segments(self, engine: Engine, forum: list[Message]) -> None:
        """A scan returns every item once; a parallel scan returns the same set."""
        everything = await engine.scan(Message).all()
        assert len(everything) == 35
        parallel = await engine.scan(Message).segments(4).page_size(3).all()
        assert sorted((m.forum, m.n) for m in parallel) == sorted((m.forum, m.n) for m in everything)


class TestTokens:
    async def test_page_tokens_resume(self, engine: Engine, forum: list[Message]) -> None:
        """Each page's token resumes after it; the last page's token is None."""
        q = engine.query(Message, key=Message.forum == "f").page_size(8)
        seen: list[int] = []
        tokens: list[str | None] = []
        async for page in q.pages():
            seen.extend(m.n for m in page.items)
            tokens.append(page.token)
            assert page.count == len(page.items)
        assert seen == list(range(30))
        assert tokens[-1] is None
        resumed = await q.start(tokens[1]).all()
        assert [m.n for m in resumed] == list(range(16, 30))

    async def test_token_after_limit_and_mid_page(self, engine: Engine, forum: list[Message]) -> None:
        """Tokens resume right after the last item yielded, also mid-page and at a limit."""
        q = engine.query(Message, key=Message.forum == "f").page_size(10)
        pages = [page async for page in q.limit(13).pages()]
        assert [len(p.items) for p in pages] == [10, 3]
        assert [m.n for m in await q.start(pages[-1].token).all()] == list(range(13, 30))
        results = aiter(q)
        async with contextlib.aclosing(results):
            for _ in range(4):
                await anext(results)
            token = results.token
        assert [m.n for m in await q.start(token).all()] == list(range(4, 30))

    async def test_token_of_a_segmented_scan(self, engine: Engine, forum: list[Message]) -> None:
        """A parallel scan's token resumes every segment where it stopped, nothing twice, nothing lost."""
        q = engine.scan(Message).segments(3).page_size(4)
        first: list[tuple[str, int]] = []
        results = aiter(q)
        async with contextlib.aclosing(results):
            for _ in range(10):
                m = await anext(results)
                first.append((m.forum, m.n))
            token = results.token
        rest = [(m.forum, m.n) for m in await q.start(token).all()]
        assert sorted(first + rest) == sorted((m.forum, m.n) for m in forum)

    async def test_foreign_tokens_rejected(self, engine: Engine, forum: list[Message]) -> None:
        """A token from another index, another segment count, or garbage is rejected."""
        page = await anext(aiter(engine.query(Message, key=Message.forum == "f").page_size(5).pages()))
        assert page.token is not None
        with pytest.raises(InvalidValue, match="another table"):
            engine.query(Message.by_author, key=Message.author == "a").start(page.token)
        with pytest.raises(InvalidValue, match="another table"):
            engine.scan(Message).segments(2).start(page.token)
        with pytest.raises(InvalidValue, match="not a continuation token"):
            engine.scan(Message).start("not-a-token")


def fetch_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t.get_name().startswith("adyn-page-fetch") and not t.done()}


class TestPaginator:
    async def test_next_page_in_flight_while_consuming(
        self, engine: Engine, forum: list[Message], recorder: Any
    ) -> None:
        """With prefetch 1 the next page is requested while the consumer holds the current one, and no further."""
        second_sent = asyncio.Event()
        sent: list[int] = []

        def on_request(operation: str, request: dict[str, Any]) -> None:
            sent.append(1)
            if len(sent) == 2:
                second_sent.set()

        engine.hooks.request.append(on_request)
        results = aiter(engine.query(Message, key=Message.forum == "f").page_size(5))
        async with contextlib.aclosing(results):
            await anext(results)  # the consumer holds page 1
            await asyncio.wait_for(second_sent.wait(), 10)
            for _ in range(50):  # let the fetch task run as far as it would
                await asyncio.sleep(0)
            assert len(sent) == 2  # page 3 waits until the consumer moves on
        assert fetch_tasks() == set()

    async def test_prefetch_zero_fetches_on_demand(
        self, engine: Engine, forum: list[Message], recorder: Any
    ) -> None:
        """prefetch(0) sends a page request only when the consumer needs the page."""
        results = aiter(engine.query(Message, key=Message.forum == "f").page_size(5).prefetch(0))
        async with contextlib.aclosing(results):
            await anext(results)
            for _ in range(50):
                await asyncio.sleep(0)
            assert len(page_requests(recorder)) == 1
            assert fetch_tasks() == set()

    async def test_break_cancels_fetch(self, engine: Engine, forum: list[Message]) -> None:
        """Breaking out of async for leaves no fetch task running once the iterator is finalized."""
        async for m in engine.scan(Message).page_size(2).prefetch(3):
            if m is not None:
                break
        # The dropped iterator is closed by the event loop's async-generator finalizer: give it bounded turns.
        for _ in range(100):
            if not fetch_tasks():
                break
            await asyncio.sleep(0)
        assert fetch_tasks() == set()

    async def test_consumer_exception_cancels_fetch(self, engine: Engine, forum: list[Message]) -> None:
        """An exception in the consumer closes the stream and its fetch tasks."""
        results = aiter(engine.scan(Message).segments(3).page_size(2))
        with pytest.raises(RuntimeError, match="consumer"):  # noqa: PT012 - the consumer raising is what is tested
            async with contextlib.aclosing(results):
                async for _ in results:
                    raise RuntimeError("consumer failed")
        assert fetch_tasks() == set()

    async def test_cancelling_the_consumer_cancels_fetch(self, engine: Engine, forum: list[Message]) -> None:
        """Cancelling the task that iterates cancels the fetch tasks too."""
        started = asyncio.Event()

        async def consume() -> None:
            async for _ in engine.scan(Message).segments(2).page_size(1):
                started.set()
                await asyncio.Event().wait()  # blocks until cancelled

        task = asyncio.create_task(consume())
        await asyncio.wait_for(started.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):
            if not fetch_tasks():
                break
            await asyncio.sleep(0)
        assert fetch_tasks() == set()

    async def test_throttled_page_is_retried_not_duplicated(
        self, engine: Engine, forum: list[Message]
    ) -> None:
        """A throttled page is retried with backoff and the stream resumes: every item once, in order."""
        calls: list[int] = []

        def throttle_third(operation: str, request: dict[str, Any]) -> None:
            calls.append(1)
            if len(calls) == 3:
                raise Throttled(
                    "Query: throttled after retries", code="ThrottlingException", operation=operation
                )

        engine.hooks.request.append(throttle_third)
        found = await engine.query(Message, key=Message.forum == "f").page_size(4).all()
        assert [m.n for m in found] == list(range(30))
        assert len(calls) == 9  # 8 pages, one of them sent twice
