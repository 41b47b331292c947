"""
Page streams: following LastEvaluatedKey, fetching ahead into a bounded queue, merging parallel scan segments,
and retrying throttled pages with backoff.

Memory stays bounded: each stream holds at most `prefetch` fetched pages that the consumer has not reached, plus
the page the consumer is on. Leaving the stream early (break, an exception, cancellation) cancels the fetch tasks
and waits for them, so no task outlives the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from ._backoff import full_jitter
from .exceptions import Throttled

__all__ = ["PageFetcher", "PageStream", "RawPage"]

Call = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

#: A fetched page: the segment it came from (0 without segments) and DynamoDB's response.
RawPage = tuple[int, dict[str, Any]]


async def _fetch(
    call: Call, request: dict[str, Any], *, attempts: int, sleep: Callable[[float], Awaitable[None]]
) -> dict[str, Any]:
    # The engine's retry policy already retried; a throttled page is retried here again with backoff, so a long
    # scan is not lost to a burst of throttling. Only that page is sent again: nothing is yielded twice.
    delays = full_jitter(base=0.1, cap=5.0, attempts=attempts)
    while True:
        try:
            return await call(request)
        except Throttled:
            delay = next(delays, None)
            if delay is None:
                raise
            await sleep(delay)


class PageFetcher:
    """
    The pages of one Query or Scan (or one scan segment), following LastEvaluatedKey to the end.

    A plain async iterator rather than an async generator: a stream dropped mid-way is closed by whoever owns it,
    never concurrently by the garbage collector as well.
    """

    def __init__(
        self,
        call: Call,
        request: dict[str, Any],
        *,
        segment: int = 0,
        throttle_attempts: int = 5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._call = call
        self._request = dict(request)
        self._segment = segment
        self._attempts = throttle_attempts
        self._sleep = sleep
        self._done = False

    def __aiter__(self) -> PageFetcher:
        return self

    async def __anext__(self) -> RawPage:
        if self._done:
            raise StopAsyncIteration
        response = await _fetch(self._call, self._request, attempts=self._attempts, sleep=self._sleep)
        last = response.get("LastEvaluatedKey")
        if last:
            self._request["ExclusiveStartKey"] = last
        else:
            self._done = True
        return self._segment, response

    async def aclose(self) -> None:
        self._done = True


class PageStream:
    """
    Pages from every fetcher, each fetched by its own task up to `prefetch` pages ahead of the consumer, in the
    order they arrive. With one fetcher and ``prefetch=0`` pages are fetched on demand, without a task.

    `aclose()` cancels the fetch tasks and waits for them; the iterators built on this stream call it when they
    end, however they end.
    """

    def __init__(self, sources: list[PageFetcher], prefetch: int) -> None:
        self._sources = sources
        self._prefetch = max(prefetch, 0)
        self._queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
        # A source holds one slot per page it fetched that the consumer has not finished: the page being consumed
        # plus up to `prefetch` ahead of it. The consumer frees a slot when it comes back for the next page.
        self._slots = [asyncio.Semaphore(self._prefetch + 1) for _ in sources]
        self._tasks: list[asyncio.Task[None]] | None = None
        self._running = len(sources)
        self._held: int | None = None
        self._closed = False

    def __aiter__(self) -> PageStream:
        return self

    async def _produce(self, index: int) -> None:
        source = self._sources[index]
        try:
            while True:
                await self._slots[index].acquire()
                try:
                    page = await source.__anext__()
                except StopAsyncIteration:
                    self._queue.put_nowait((index, _END))
                    return
                self._queue.put_nowait((index, page))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, which raises it
            self._queue.put_nowait((index, exc))

    async def __anext__(self) -> RawPage:
        if self._closed:
            raise StopAsyncIteration
        if self._prefetch == 0 and len(self._sources) == 1:
            return await self._sources[0].__anext__()
        if self._tasks is None:
            self._tasks = [
                asyncio.create_task(self._produce(i), name=f"adyn-page-fetch-{i}")
                for i in range(len(self._sources))
            ]
        while self._running:
            if self._held is not None:
                self._slots[self._held].release()
                self._held = None
            index, item = await self._queue.get()
            if item is _END:
                self._running -= 1
                continue
            if isinstance(item, BaseException):
                await self.aclose()
                raise item
            self._held = index
            return item  # type: ignore[no-any-return]
        await self.aclose()
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self._closed = True
        tasks, self._tasks = self._tasks or [], []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


_END = object()
