"""
Batch reads and writes: keys split into BatchGetItem chunks of 100 and writes into BatchWriteItem chunks of 25,
chunks sent concurrently with a bounded fan-out, and UnprocessedKeys / UnprocessedItems retried with exponential
backoff and full jitter. What still fails is reported item by item, never dropped.
"""

from __future__ import annotations

import asyncio
import base64
import decimal
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

from ._backoff import full_jitter
from .exceptions import DynamoDBError

__all__ = ["Unprocessed", "batch_get", "batch_write", "chunks", "gather_bounded", "key_identity"]

T = TypeVar("T")
R = TypeVar("R")

#: BatchGetItem takes at most 100 keys per request.
BATCH_GET_LIMIT = 100


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """
    `items` cut into consecutive pieces of at most `size`, covering every item exactly once, in order.
    """
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _canonical(value: dict[str, Any]) -> tuple[str, Any]:
    ((kind, wire),) = value.items()
    if kind == "N":
        # DynamoDB returns numbers normalised ("1.50" comes back as "1.5"); plain integers already are.
        if wire.isdigit() and (wire[0] != "0" or wire == "0"):
            return kind, wire
        return kind, str(decimal.Decimal(wire).normalize())
    if kind == "B" and isinstance(wire, str):
        # The fast parser leaves binary values as the base64 text DynamoDB sent.
        return kind, base64.b64decode(wire)
    if kind == "B" and isinstance(wire, (bytearray, memoryview)):
        return kind, bytes(
            cast("bytearray | memoryview[int]", wire)
        )  # pyright narrows to memoryview[Unknown]
    return kind, wire


def key_identity(table: str, key: dict[str, dict[str, Any]]) -> tuple[Any, ...]:
    """
    A hashable identity for one item key in one table, equal for the key sent and the key in the response.
    """
    return (table, *sorted((name, _canonical(value)) for name, value in key.items()))


async def gather_bounded(
    func: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int
) -> list[R | BaseException]:
    """
    Run ``func(item)`` for every item concurrently, at most `limit` at once; return each result or exception, in
    order.

    Each coroutine is created only once its slot is free, so cancelling the caller (which cancels every task still
    running or waiting) never leaves a coroutine that was created but not awaited.
    """
    semaphore = asyncio.Semaphore(limit)

    async def run(item: T) -> R:
        async with semaphore:
            return await func(item)

    return await asyncio.gather(*(run(item) for item in items), return_exceptions=True)


Call = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class Unprocessed(DynamoDBError):
    """
    DynamoDB left these keys or items unprocessed through every retry (the table was throttled throughout).
    """


async def _retrying(
    call: Call,
    operation: str,
    pending: dict[str, Any],
    unprocessed_key: str,
    on_response: Callable[[dict[str, Any]], None],
    attempts: int,
    sleep: Callable[[float], Awaitable[None]],
) -> tuple[dict[str, Any], Exception | None]:
    """
    Send `pending`, then whatever DynamoDB leaves unprocessed, after full-jitter delays, up to `attempts` retries;
    return what is still unprocessed at the end (empty when everything went through) and the error of a request
    that failed outright (None when the retries ran out or none was needed). A failed request leaves unprocessed
    what it carried, never what earlier responses already accounted for.
    """
    delays = full_jitter(attempts=attempts)
    while True:
        try:
            response = await call(operation, {"RequestItems": pending})
        except Exception as exc:
            return pending, exc
        on_response(response)
        pending = response.get(unprocessed_key) or {}
        if not pending:
            return {}, None
        delay = next(delays, None)
        if delay is None:
            return pending, None
        await sleep(delay)


async def batch_get(
    call: Call,
    requests: dict[str, list[dict[str, Any]]],
    *,
    consistent: bool,
    concurrency: int,
    attempts: int = 8,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> tuple[dict[str, list[dict[str, Any]]], list[tuple[str, dict[str, Any], BaseException]]]:
    """
    Fetch every key of `requests` (table name → keys) with BatchGetItem.

    Keys go in chunks of 100 (a chunk may span tables), chunks run concurrently up to `concurrency`, and a chunk's
    UnprocessedKeys are sent again after a backoff, up to `attempts` times. Returns the items found, by table, and
    every (table, key, error) that could not be read: keys still unprocessed, or the keys of a chunk whose request
    failed.
    """
    flat = [(table, key) for table, keys in requests.items() for key in keys]
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in requests}

    def collect(response: dict[str, Any]) -> None:
        for table, items in response.get("Responses", {}).items():
            found[table].extend(items)

    async def fetch(
        chunk: Sequence[tuple[str, dict[str, Any]]],
    ) -> tuple[list[tuple[str, dict[str, Any]]], Exception | None]:
        pending: dict[str, Any] = {}
        for table, key in chunk:
            pending.setdefault(table, {"Keys": [], "ConsistentRead": consistent})["Keys"].append(key)
        left, error = await _retrying(
            call, "BatchGetItem", pending, "UnprocessedKeys", collect, attempts, sleep
        )
        return [(table, key) for table, entry in left.items() for key in entry.get("Keys", [])], error

    pieces = chunks(flat, BATCH_GET_LIMIT)
    results = await gather_bounded(fetch, pieces, concurrency)
    failed: list[tuple[str, dict[str, Any], BaseException]] = []
    for piece, result in zip(pieces, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            failed.extend((table, key, result) for table, key in piece)
        else:
            left, error = result
            reason = error or Unprocessed(
                f"BatchGetItem: still unprocessed after {attempts} retries",
                code="UnprocessedKeys",
                operation="BatchGetItem",
            )
            failed.extend((table, key, reason) for table, key in left)
    return found, failed


#: BatchWriteItem takes at most 25 requests.
BATCH_WRITE_LIMIT = 25


async def batch_write(
    call: Call,
    writes: Sequence[tuple[str, dict[str, Any]]],
    *,
    concurrency: int,
    attempts: int = 8,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> dict[int, BaseException]:
    """
    Send `writes` ((table, ``{"PutRequest": ...}`` or ``{"DeleteRequest": ...}``)) with BatchWriteItem in chunks of
    25, concurrently up to `concurrency`, retrying UnprocessedItems with backoff up to `attempts` times.

    Returns the writes that did not happen, by position in `writes`, with the reason. The caller must not put two
    writes to one key in `writes` (DynamoDB rejects such a request).
    """
    positions = list(range(len(writes)))

    async def send(chunk: Sequence[int]) -> tuple[list[int], Exception | None]:
        pending: dict[str, list[dict[str, Any]]] = {}
        for i in chunk:
            table, body = writes[i]
            pending.setdefault(table, []).append(body)
        left, error = await _retrying(
            call, "BatchWriteItem", pending, "UnprocessedItems", lambda _: None, attempts, sleep
        )
        # Unprocessed requests come back as they were sent: match them to their positions by value.
        unsent: list[int] = []
        for table, bodies in left.items():
            for body in bodies:
                match = next(
                    (i for i in chunk if writes[i][0] == table and writes[i][1] == body and i not in unsent),
                    None,
                )
                if match is not None:
                    unsent.append(match)
        return unsent, error

    pieces = chunks(positions, BATCH_WRITE_LIMIT)
    results = await gather_bounded(send, pieces, concurrency)
    failed: dict[int, BaseException] = {}
    for piece, result in zip(pieces, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            failed.update(dict.fromkeys(piece, result))
        else:
            unsent, error = result
            reason = error or Unprocessed(
                f"BatchWriteItem: still unprocessed after {attempts} retries",
                code="UnprocessedItems",
                operation="BatchWriteItem",
            )
            failed.update(dict.fromkeys(unsent, reason))
    return failed
