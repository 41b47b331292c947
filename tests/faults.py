"""
A fault-injecting HTTP proxy for adyn's reliability tests: it sits between an engine and a local DynamoDB
(dynalite or moto) on loopback and turns chosen requests into the failures a real DynamoDB client meets.

Faults (`Rule.kind`):

``throttle`` / ``throughput``
    A 400 ThrottlingException / ProvisionedThroughputExceededException; the request is not forwarded.
``500``
    The request is forwarded (applied), then a 500 InternalServerError is returned: DynamoDB's "the request may or
    may not have been applied".
``503``
    A 503 ServiceUnavailable; not forwarded.
``timeout``
    The request is forwarded (applied) and its response held until the client gives up and closes the
    connection (its read timeout), so the client cannot know that it was applied.
``drop``
    The connection is closed after the request was read, without forwarding it.
``drop_after``
    The request is forwarded (applied), then the connection is closed without a response.
``partial``
    BatchWriteItem / BatchGetItem only: some entries are moved into UnprocessedItems / UnprocessedKeys. Moved
    writes are stripped from the forwarded request (DynamoDB does not apply unprocessed writes), moved keys are not
    read; what the server itself left unprocessed is reported too.
``stall``
    The request is held, not forwarded, until `FaultProxy.release` (then it is forwarded) or until the client
    closes the connection (then it never is). For cancellation tests, with `FaultProxy.wait_stalled`.
``stall_after``
    The request is forwarded (applied), then its response held until `FaultProxy.release` or until the client
    closes the connection.
``crc32``
    The request is forwarded (applied), and its response sent with an ``x-amz-crc32`` header that does not match
    the body (DynamoDB's response checksum: botocore retries such a response while attempts are left).

Which requests fail: the `rules` first, in order (a rule fires on requests of its operation, on the n-th of them
it matched, on the first attempts of each distinct request, at most `times` times), then, for the `operations`
given (by default the item operations, not table setup), with probability `rate` a kind drawn from `kinds`.
Random choices come from ``random.Random`` seeded with the proxy's `seed`, the operation, the request body and how
many times that body was seen before: the same seed makes the same decisions for the same requests whatever order
concurrent requests arrive in, and a retried request (the same body again) gets a fresh draw.

The proxy counts what reliability tests check afterwards: open client connections, requests in flight, and a
log of every request with the fault it got (``keep_log=False`` keeps only the counts, for long runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

__all__ = [
    "DATA_PLANE",
    "DEFAULT_KINDS",
    "FaultProxy",
    "Kind",
    "Rule",
    "client_connections_in_use",
    "open_sockets",
]

Kind = Literal[
    "throttle",
    "throughput",
    "500",
    "503",
    "timeout",
    "drop",
    "drop_after",
    "partial",
    "stall",
    "stall_after",
    "crc32",
]

#: The kinds drawn at random, with their weights; ``partial`` only for batch operations.
DEFAULT_KINDS: Mapping[Kind, float] = {
    "throttle": 3,
    "throughput": 1,
    "500": 1,
    "503": 1,
    "timeout": 1,
    "drop": 1,
    "drop_after": 1,
    "partial": 4,
}

_BATCH = frozenset({"BatchWriteItem", "BatchGetItem"})
#: The operations random faults hit by default: the item operations, not the table setup around them.
DATA_PLANE = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_ERRORS: dict[str, tuple[int, str, str]] = {
    "throttle": (400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "throughput": (
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    "500": (500, "InternalServerError", "Internal server error"),
    "503": (503, "ServiceUnavailable", "Service unavailable"),
}
_REASONS = {200: "OK", 400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}
#: How long a held response waits at most for the client to give up: a safety net, far above any read timeout
#: the tests set, so a test whose client never times out fails instead of hanging.
_HOLD_LIMIT = 30.0


@dataclass
class Rule:
    """
    When to inject `kind`. Every condition given must hold.

    Attributes:
        kind: the fault.
        operation: only requests of this DynamoDB operation ("BatchWriteItem"...); None for every operation.
        nth: the 1-based positions, among the requests this rule's `operation` matched, to fail ("the 3rd").
        attempts: fail the first `attempts` sends of each distinct request (a retry is the same body again).
        times: fire at most this many times in all.
        pick: for ``partial``, which batch entries (a write request or a key, as JSON) to move; by default
            each entry with probability one half, at least one.
    """

    kind: Kind
    operation: str | None = None
    nth: Collection[int] | None = None
    attempts: int | None = None
    times: int | None = None
    pick: Callable[[dict[str, Any]], bool] | None = None
    matched: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)


@dataclass(frozen=True)
class Logged:
    """One request the proxy saw: its operation, the fault it got (None if passed through) and its body."""

    operation: str
    fault: Kind | None
    body: dict[str, Any]


class _Closed(Exception):
    """The client closed the connection while its request was held."""


class FaultProxy:
    """
    The proxy: ``async with FaultProxy(upstream, seed=1, rate=0.3) as proxy: Engine(endpoint_url=proxy.url)``.
    """

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        rate: float = 0.0,
        kinds: Mapping[Kind, float] = DEFAULT_KINDS,
        rules: Collection[Rule] = (),
        operations: Collection[str] = DATA_PLANE,
        keep_log: bool = True,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.seed = seed
        self.rate = rate
        self.kinds = dict(kinds)
        self.rules = list(rules)
        self.operations = frozenset(operations)
        self.keep_log = keep_log
        self.log: list[Logged] = []
        self.counts: Counter[Kind | None] = Counter()
        self.connections = 0
        self.in_flight = 0
        self._seen: Counter[tuple[str, str]] = Counter()
        self._changed = asyncio.Condition()
        self._released = asyncio.Event()
        self._stalled = 0
        self._server: asyncio.Server | None = None
        self._session: aiohttp.ClientSession | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._helpers: set[asyncio.Future[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tasks(self) -> frozenset[asyncio.Future[Any]]:
        """The proxy's own tasks: one serving each open connection, and those watching held requests."""
        return frozenset(self._handlers | self._helpers)

    @property
    def stalled(self) -> int:
        """How many requests ``stall`` or ``stall_after`` holds now."""
        return self._stalled

    def faults(self) -> Counter[Kind | None]:
        """How many requests got each fault (None: passed through untouched)."""
        return Counter(self.counts)

    async def __aenter__(self) -> FaultProxy:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop accepting, end every connection still open, and close the upstream session."""
        if self._server is not None:
            self._server.close()
        self._released.set()
        # Ending the connections (rather than cancelling their tasks) lets each handler finish on its own path.
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def release(self) -> None:
        """Let every stalled request (and every later one) through."""
        self._released.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds; it is checked whenever the proxy's counters change."""

        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(wait(), timeout)

    async def wait_stalled(self, n: int, timeout: float = 10.0) -> None:
        """Wait until `n` requests are held by ``stall``."""
        await self.wait_for(lambda: self._stalled >= n, timeout)

    async def wait_disconnected(self, timeout: float = 10.0) -> None:
        """Wait until every client connection is closed."""
        await self.wait_for(lambda: self.connections == 0, timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- deciding -------------------------------------------------------------------------------------------------

    def _decide(self, operation: str, raw: bytes) -> tuple[Kind | None, Rule | None, random.Random]:
        digest = hashlib.sha256(raw).hexdigest()
        seen = self._seen[(operation, digest)]
        self._seen[(operation, digest)] += 1
        rng = random.Random(f"{self.seed}/{operation}/{digest}/{seen}")
        for rule in self.rules:
            if rule.operation is not None and rule.operation != operation:
                continue
            rule.matched += 1
            if rule.nth is not None and rule.matched not in rule.nth:
                continue
            if rule.attempts is not None and seen >= rule.attempts:
                continue
            if rule.times is not None and rule.fired >= rule.times:
                continue
            if rule.kind == "partial" and operation not in _BATCH:
                continue
            rule.fired += 1
            return rule.kind, rule, rng
        if self.rate and operation in self.operations and rng.random() < self.rate:
            kinds = [k for k in self.kinds if k != "partial" or operation in _BATCH]
            weights = [self.kinds[k] for k in kinds]
            return rng.choices(kinds, weights)[0], None, rng
        return None, None, rng

    # -- serving --------------------------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        self.connections += 1
        await self._notify()
        try:
            while await self._exchange(reader, writer):
                pass
        except (_Closed, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            self.connections -= 1
            self._handlers.discard(task)
            self._writers.discard(writer)
            with contextlib.suppress(asyncio.CancelledError):
                await self._notify()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request on the connection; False when the connection is to close."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        _method, path, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        operation = headers.get("x-amz-target", "").rpartition(".")[2]
        self.in_flight += 1
        await self._notify()
        try:
            return await self._respond(operation, path, headers, raw, reader, writer)
        finally:
            self.in_flight -= 1
            with contextlib.suppress(asyncio.CancelledError):
                await self._notify()

    async def _respond(
        self,
        operation: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        kind, rule, rng = self._decide(operation, raw)
        body: dict[str, Any] = json.loads(raw) if raw else {}
        self.counts[kind] += 1
        if self.keep_log:
            self.log.append(Logged(operation, kind, body))
        if kind in _ERRORS:
            status, code, message = _ERRORS[kind]
            if kind == "500":
                await self._forward(path, headers, raw)
            self._write(writer, status, {"__type": _PREFIX + code, "message": message})
            await writer.drain()
            return True
        if kind == "drop":
            return False
        if kind == "stall":
            await self._stall(reader)
        if kind == "partial":
            status, payload = await self._partial(operation, path, headers, body, rule, rng)
        else:
            status, payload = await self._forward(path, headers, raw)
        if kind == "stall_after":
            await self._stall(reader)
        if kind == "drop_after":
            return False
        if kind == "timeout":
            # Never answered: wait for the client to give up (its read timeout closes the connection).
            await self._hold(reader, asyncio.sleep(_HOLD_LIMIT))
            return False
        self._write(writer, status, payload, bad_crc32=kind == "crc32")
        await writer.drain()
        return True

    async def _stall(self, reader: asyncio.StreamReader) -> None:
        self._stalled += 1
        await self._notify()
        try:
            await self._hold(reader, self._released.wait())
        finally:
            self._stalled -= 1
            with contextlib.suppress(asyncio.CancelledError):
                await self._notify()

    async def _hold(self, reader: asyncio.StreamReader, until: Any) -> None:
        """Wait for `until`; raise _Closed if the client closes the connection first."""
        waiter = asyncio.ensure_future(until)
        # The client sends nothing more before its response, so a read returns only at end of stream.
        closed = asyncio.ensure_future(reader.read(1))
        self._helpers.update((waiter, closed))
        done: set[asyncio.Future[Any]] = set()
        try:
            done, _ = await asyncio.wait({waiter, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (waiter, closed):
                future.cancel()
            await asyncio.gather(waiter, closed, return_exceptions=True)
            self._helpers.difference_update((waiter, closed))
        if closed in done:
            raise _Closed

    async def _forward(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        assert self._session is not None
        sent = {
            k: v
            for k, v in headers.items()
            if k not in {"host", "content-length", "connection", "accept-encoding", "expect"}
        }
        async with self._session.post(self.upstream + path, data=raw, headers=sent) as response:
            text = await response.read()
            return response.status, json.loads(text) if text else {}

    async def _partial(
        self,
        operation: str,
        path: str,
        headers: dict[str, str],
        body: dict[str, Any],
        rule: Rule | None,
        rng: random.Random,
    ) -> tuple[int, Any]:
        requested: dict[str, Any] = body.get("RequestItems", {})
        entries = [
            (table, entry)
            for table, spec in requested.items()
            for entry in (spec if operation == "BatchWriteItem" else spec["Keys"])
        ]
        pick = rule.pick if rule is not None else None
        if pick is not None:
            moved = [pick(entry) for _, entry in entries]
        else:
            moved = [rng.random() < 0.5 for _ in entries]
            if not any(moved):
                moved[rng.randrange(len(moved))] = True
        kept: dict[str, Any] = {}
        unprocessed: dict[str, Any] = {}
        for (table, entry), move in zip(entries, moved, strict=True):
            target = unprocessed if move else kept
            if operation == "BatchWriteItem":
                target.setdefault(table, []).append(entry)
            else:
                options = {k: v for k, v in requested[table].items() if k != "Keys"}
                target.setdefault(table, {**options, "Keys": []})["Keys"].append(entry)
        name = "UnprocessedItems" if operation == "BatchWriteItem" else "UnprocessedKeys"
        if not kept:
            empty: dict[str, Any] = (
                {} if operation == "BatchWriteItem" else {"Responses": {t: [] for t in requested}}
            )
            return 200, {**empty, name: unprocessed}
        status, payload = await self._forward(
            path, headers, json.dumps({**body, "RequestItems": kept}).encode()
        )
        if status != 200:
            return status, payload
        for table, spec in (payload.get(name) or {}).items():
            if operation == "BatchWriteItem":
                unprocessed.setdefault(table, []).extend(spec)
            else:
                unprocessed.setdefault(table, {**spec, "Keys": []})["Keys"].extend(spec["Keys"])
        payload[name] = unprocessed
        return status, payload

    @staticmethod
    def _write(writer: asyncio.StreamWriter, status: int, payload: Any, *, bad_crc32: bool = False) -> None:
        data = json.dumps(payload).encode()
        crc32 = (zlib.crc32(data) + (1 if bad_crc32 else 0)) & 0xFFFFFFFF
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            f"Content-Length: {len(data)}\r\n"
            f"x-amzn-RequestId: {uuid.uuid4()}\r\n"
            f"x-amz-crc32: {crc32}\r\n"
            "\r\n"
        )
        writer.write(head.encode("latin-1") + data)


def client_connections_in_use(engine: Any) -> int:
    """
    How many HTTP connections the engine's aiohttp connector has handed out and not taken back (a connection
    leaked by a cancelled request would stay here). Reaches into aiobotocore's internals: test use only.
    """
    client = engine._transport._client
    sessions = client._endpoint.http_session._sessions or {}
    return sum(len(s.connector._acquired) for s in sessions.values())


def open_sockets() -> int:
    """The sockets this process has open (Linux: from /proc/self/fd)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
    return count
