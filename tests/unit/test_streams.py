"""
Stream reading against a fake DynamoDB Streams API (moto keeps one shard that never closes): shard trees read
parents first, DescribeStream pagination, splits found by rediscovery, "latest" over closed and open shards, tokens
spanning shards, a stream that was disabled, shards trimmed away, the concurrency bound, and cancellation in the
middle of concurrent polls.

The fake is handed to an Engine as its borrowed DynamoDB and Streams clients, so requests go through the real
transport (hooks, error translation).
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from adyn import (
    Column,
    Engine,
    InvalidModel,
    InvalidValue,
    Model,
    Record,
    Stream,
    StreamNotEnabled,
    TableNotFound,
    column,
)
from adyn._streams import _decode_token  # pyright: ignore[reportPrivateUsage]

FAST = 0.01


class Item(Model):
    class Meta:
        table_name = "items"
        stream = "new_and_old"

    id: Column[str] = column(hash_key=True)


class FakeShard:
    def __init__(self, shard_id: str, parent: str | None) -> None:
        self.id = shard_id
        self.parent = parent
        self.records: list[dict[str, Any]] = []
        self.closed = False


class FakeStreams:
    """One table "items" with a stream: DescribeTable, DescribeStream, GetShardIterator and GetRecords."""

    def __init__(self) -> None:
        self.arn = "arn:aws:dynamodb:us-east-1:123456789012:table/items/stream/2026-01-01T00:00:00.000"
        self.has_stream = True
        self.status = "ENABLED"
        self.shards: dict[str, FakeShard] = {}
        self.shards_per_page = 100
        self.records_per_read = 100
        self.sequence = 1000
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failures: dict[str, list[str]] = {}  # operation -> error codes to raise, in order
        self.gate: asyncio.Event | None = None  # when set, GetRecords waits for it
        self.in_flight = 0
        self.most_in_flight = 0
        self.reads_waiting = asyncio.Event()
        self.wait_for_reads = 0

    # -- the test's side --

    def shard(self, shard_id: str, parent: str | None = None, *, closed: bool = False) -> FakeShard:
        shard = FakeShard(shard_id, parent)
        shard.closed = closed
        self.shards[shard_id] = shard
        return shard

    def write(self, shard_id: str, *keys: str) -> None:
        for key in keys:
            self.sequence += 1
            image = {"id": {"S": key}}
            self.shards[shard_id].records.append(
                {
                    "eventID": f"e{self.sequence}",
                    "eventName": "INSERT",
                    "dynamodb": {
                        "ApproximateCreationDateTime": datetime.datetime(
                            2026, 1, 1, tzinfo=datetime.timezone.utc
                        ),
                        "Keys": image,
                        "NewImage": image,
                        "SequenceNumber": str(self.sequence),
                        "SizeBytes": 10,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                }
            )

    def _fail(self, operation: str) -> None:
        codes = self.failures.get(operation)
        if codes:
            code = codes.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": code}}, operation)  # type: ignore[arg-type]

    # -- the API --

    async def describe_table(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("DescribeTable", request))
        table: dict[str, Any] = {
            "TableName": "items",
            "TableStatus": "ACTIVE",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        }
        if self.has_stream:
            table["LatestStreamArn"] = self.arn
        return {"Table": table}

    async def describe_stream(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("DescribeStream", request))
        self._fail("DescribeStream")
        ids = list(self.shards)
        start = request.get("ExclusiveStartShardId")
        first = ids.index(start) + 1 if start is not None else 0
        page = ids[first : first + self.shards_per_page]
        shards = []
        for shard_id in page:
            shard = self.shards[shard_id]
            entry: dict[str, Any] = {
                "ShardId": shard_id,
                "SequenceNumberRange": {"StartingSequenceNumber": "1"},
            }
            if shard.parent is not None:
                entry["ParentShardId"] = shard.parent
            if shard.closed:
                entry["SequenceNumberRange"]["EndingSequenceNumber"] = str(self.sequence)
            shards.append(entry)
        description: dict[str, Any] = {"StreamArn": self.arn, "StreamStatus": self.status, "Shards": shards}
        if first + self.shards_per_page < len(ids):
            description["LastEvaluatedShardId"] = page[-1]
        return {"StreamDescription": description}

    async def get_shard_iterator(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("GetShardIterator", request))
        self._fail("GetShardIterator")
        shard = self.shards[request["ShardId"]]
        kind = request["ShardIteratorType"]
        sequences = [r["dynamodb"]["SequenceNumber"] for r in shard.records]
        if kind == "TRIM_HORIZON":
            index = 0
        elif kind == "LATEST":
            index = len(shard.records)
        elif kind == "AT_SEQUENCE_NUMBER":
            index = sequences.index(request["SequenceNumber"])
        else:
            index = sequences.index(request["SequenceNumber"]) + 1
        return {"ShardIterator": f"{shard.id}#{index}"}

    async def get_records(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("GetRecords", request))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.wait_for_reads and self.in_flight >= self.wait_for_reads:
                self.reads_waiting.set()
            if self.gate is not None:
                await self.gate.wait()
            await asyncio.sleep(0)
            self._fail("GetRecords")
        finally:
            self.in_flight -= 1
        shard_id, _, index_text = request["ShardIterator"].partition("#")
        if shard_id not in self.shards:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}, "GetRecords"
            )  # type: ignore[arg-type]
        shard = self.shards[shard_id]
        index = int(index_text)
        records = shard.records[index : index + self.records_per_read]
        end = index + len(records)
        response: dict[str, Any] = {"Records": records}
        if not (shard.closed and end >= len(shard.records)):
            response["NextShardIterator"] = f"{shard.id}#{end}"
        return response

    def operations(self, name: str) -> list[dict[str, Any]]:
        return [r for op, r in self.calls if op == name]


@pytest.fixture
def fake() -> FakeStreams:
    """A fake table "items" with a stream and no shards yet."""
    return FakeStreams()


@pytest.fixture
async def engine(fake: FakeStreams) -> AsyncIterator[Engine]:
    """An engine borrowing the fake as both its clients, with Item bound."""
    async with Engine(client=fake, streams_client=fake, concurrency=4) as engine:
        await engine.bind(Item)
        yield engine


async def take(stream: Stream[Any], n: int, timeout: float = 5.0) -> list[str]:
    """The keys of the next `n` records of `stream`."""

    async def run() -> list[Record[Any]]:
        out: list[Record[Any]] = []
        async for record in stream:
            out.append(record)
            if len(out) == n:
                break
        return out

    return [r.keys["id"] for r in await asyncio.wait_for(run(), timeout)]


async def test_parents_before_children_across_pages(engine: Engine, fake: FakeStreams) -> None:
    """A parent shard is read to its end before its children, whatever order DescribeStream lists them in."""
    fake.shards_per_page = 1
    fake.records_per_read = 2
    fake.shard("child-1", "parent")
    fake.shard("child-2", "parent")
    fake.shard("parent", closed=True)
    fake.write("parent", "p1", "p2", "p3")
    fake.write("child-1", "a1", "a2")
    fake.write("child-2", "b1")
    keys = await take(engine.stream(Item, position="trim_horizon", poll_interval=FAST), 6)
    assert keys[:3] == ["p1", "p2", "p3"]
    assert [k for k in keys if k.startswith("a")] == ["a1", "a2"]
    assert sorted(keys[3:]) == ["a1", "a2", "b1"]
    pages = fake.operations("DescribeStream")[:3]
    assert [p.get("ExclusiveStartShardId") for p in pages] == [None, "child-1", "child-2"]


async def test_split_is_followed_after_rediscovery(engine: Engine, fake: FakeStreams) -> None:
    """When a shard closes, the stream finds its child and goes on there, after the parent's last record."""
    fake.shard("a")
    fake.write("a", "a1")
    stream = engine.stream(Item, position="trim_horizon", poll_interval=FAST)
    assert await take(stream, 1) == ["a1"]
    fake.write("a", "a2")
    fake.shards["a"].closed = True
    fake.shard("b", "a")
    fake.write("b", "b1")
    assert await take(stream, 2) == ["a2", "b1"]
    assert [r["ShardId"] for r in fake.operations("GetShardIterator")] == ["a", "b"]


async def test_latest_skips_closed_shards_and_reads_new_children_from_their_start(
    engine: Engine, fake: FakeStreams
) -> None:
    """ "latest" ignores closed shards, starts open ones at LATEST, and reads shards created later from the start."""
    fake.shard("old", closed=True)
    fake.write("old", "o1")
    fake.shard("a", "old")
    fake.write("a", "a1")
    async with engine.stream(Item, poll_interval=FAST) as stream:
        assert [(r["ShardId"], r["ShardIteratorType"]) for r in fake.operations("GetShardIterator")] == [
            ("a", "LATEST")
        ]
        fake.write("a", "a2")
        fake.shards["a"].closed = True
        fake.shard("b", "a")
        fake.write("b", "b1")
        assert await take(stream, 2) == ["a2", "b1"]


async def test_token_spans_shards(engine: Engine, fake: FakeStreams) -> None:
    """A token records each shard's position: finished parents are not read again, children resume exactly."""
    fake.shard("parent", closed=True)
    fake.write("parent", "p1", "p2")
    fake.shard("child", "parent")
    fake.write("child", "c1", "c2")
    stream = engine.stream(Item, position="trim_horizon", poll_interval=FAST)
    assert await take(stream, 3) == ["p1", "p2", "c1"]
    token = stream.token
    assert token is not None
    decoded = _decode_token(token)
    assert decoded.arn == fake.arn
    assert decoded.shards["parent"] == "done"
    assert decoded.shards["child"].startswith("after:")
    fake.write("child", "c3")
    assert await take(engine.stream(Item, position=token, poll_interval=FAST), 2) == ["c2", "c3"]


async def test_trimmed_token_position_restarts_from_trim_horizon(engine: Engine, fake: FakeStreams) -> None:
    """A token position trimmed away (TrimmedDataAccessException on GetShardIterator) resumes at TRIM_HORIZON."""
    fake.shard("a")
    fake.write("a", "a1", "a2")
    stream = engine.stream(Item, position="trim_horizon", poll_interval=FAST)
    await take(stream, 1)
    fake.failures["GetShardIterator"] = ["TrimmedDataAccessException"]
    assert await take(engine.stream(Item, position=stream.token, poll_interval=FAST), 1) == ["a1"]
    assert [r["ShardIteratorType"] for r in fake.operations("GetShardIterator")][-2:] == [
        "AFTER_SEQUENCE_NUMBER",
        "TRIM_HORIZON",
    ]


async def test_disabled_stream_ends_after_its_last_record(engine: Engine, fake: FakeStreams) -> None:
    """A disabled stream (every shard closed) yields what it still holds, then the iteration ends."""
    fake.status = "DISABLED"
    fake.shard("a", closed=True)
    fake.write("a", "a1")
    fake.shard("b", "a", closed=True)
    fake.write("b", "b1")
    stream = engine.stream(Item, position="trim_horizon", poll_interval=FAST)
    records = await asyncio.wait_for(_all(stream), 5)
    assert [r.keys["id"] for r in records] == ["a1", "b1"]
    assert "closed" in repr(stream)


async def _all(stream: Stream[Any]) -> list[Record[Any]]:
    return [r async for r in stream]


async def test_table_without_stream(engine: Engine, fake: FakeStreams) -> None:
    """A table that has no stream raises StreamNotEnabled when the stream starts."""
    fake.has_stream = False
    stream = engine.stream(Item, poll_interval=FAST)
    with pytest.raises(StreamNotEnabled, match="no stream"):
        await take(stream, 1)
    assert stream.token is None


async def test_shard_gone_is_dropped(engine: Engine, fake: FakeStreams) -> None:
    """A shard that disappears from the stream (trimmed away) is dropped; an error about a listed shard raises."""
    fake.shard("a")
    fake.write("a", "a1")
    fake.shard("b")
    fake.write("b", "b1")
    stream = engine.stream(Item, position="trim_horizon", poll_interval=FAST)
    assert sorted(await take(stream, 2)) == ["a1", "b1"]
    del fake.shards["a"]  # GetRecords on it now answers ResourceNotFoundException
    fake.write("b", "b2")
    assert await take(stream, 1) == ["b2"]
    assert stream.token is not None
    assert _decode_token(stream.token).shards.get("a", "done") == "done"

    fake.failures["GetRecords"] = ["ResourceNotFoundException"]
    fake.write("b", "b3")
    with pytest.raises(TableNotFound):
        await take(stream, 1)


async def test_concurrency_bound(fake: FakeStreams) -> None:
    """At most the engine's `concurrency` shards are read at once."""
    for i in range(5):
        fake.shard(f"s{i}")
        fake.write(f"s{i}", f"k{i}")
    async with Engine(client=fake, streams_client=fake, concurrency=2) as engine:
        await engine.bind(Item)
        keys = await take(engine.stream(Item, position="trim_horizon", poll_interval=FAST), 5)
    assert sorted(keys) == [f"k{i}" for i in range(5)]
    assert fake.most_in_flight == 2


async def test_cancel_during_concurrent_reads_leaves_no_task(engine: Engine, fake: FakeStreams) -> None:
    """Cancelling a consumer while several shards are being read cancels and awaits those reads before returning."""
    for name in ("a", "b", "c"):
        fake.shard(name)
    fake.gate = asyncio.Event()
    fake.wait_for_reads = 3
    consumer = asyncio.create_task(take(engine.stream(Item, position="trim_horizon", poll_interval=FAST), 1))
    await asyncio.wait_for(fake.reads_waiting.wait(), 5)
    polls = [t for t in asyncio.all_tasks() if t.get_name().startswith("adyn-stream-")]
    assert len(polls) == 3
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert all(t.done() for t in polls)  # no loop turn needed: gone when the cancellation arrives
    assert fake.in_flight == 0


async def test_arguments_are_checked(engine: Engine) -> None:
    """Bad positions, poll intervals and resolvers fail in engine.stream(), before any request."""
    with pytest.raises(InvalidValue, match="position"):
        engine.stream(Item, position=42)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="poll_interval"):
        engine.stream(Item, poll_interval=0)
    with pytest.raises(InvalidValue, match="resolver"):
        engine.stream(Item, resolver="User")  # type: ignore[call-overload]
    with pytest.raises(InvalidModel, match="Model subclass"):
        engine.stream(dict)  # type: ignore[call-overload]


async def test_expired_iterator_continues_after_the_last_record_read(
    engine: Engine, fake: FakeStreams
) -> None:
    """After an expiry the new iterator starts after the last record read, not the last handed out: no duplicates."""
    fake.shard("a")
    fake.write("a", "a1", "a2", "a3")
    stream = engine.stream(Item, position="trim_horizon", poll_interval=FAST)
    assert await take(stream, 1) == ["a1"]  # a2 and a3 wait in the stream
    fake.failures["GetRecords"] = ["ExpiredIteratorException"]
    fake.write("a", "a4")
    assert await take(stream, 3) == ["a2", "a3", "a4"]
    last = fake.operations("GetShardIterator")[-1]
    assert last["ShardIteratorType"] == "AFTER_SEQUENCE_NUMBER"
    assert last["SequenceNumber"] == fake.shards["a"].records[2]["dynamodb"]["SequenceNumber"]
