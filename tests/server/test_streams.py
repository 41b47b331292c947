"""
DynamoDB Streams against the local server: records as model objects, keys and sequence metadata, resuming from a
token, the "latest", datetime and token positions, a resolver for tables holding several models, iterator refresh
and trimmed positions (injected through a request hook, since moto never expires or trims), and cleanup.

moto keeps one shard per table that never closes; shard trees, splits and pagination are covered by
tests/unit/test_streams.py against a fake Streams API.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from adyn import (
    Column,
    DynamoDBError,
    Engine,
    InvalidValue,
    Model,
    Record,
    Stream,
    StreamNotEnabled,
    UnboundModel,
    column,
)
from tests.server.conftest import Recorder

FAST = 0.02  # poll_interval for tests: an idle shard is read again after 20 ms


class Post(Model):
    class Meta:
        stream = "new_and_old"

    id: Column[str] = column(hash_key=True)
    title: Column[str] = column(default="")
    views: Column[int] = column(name="v", default=0)


class Other(Model):
    class Meta:
        stream = "new_and_old"

    id: Column[str] = column(hash_key=True)


class Slim(Model):
    class Meta:
        stream = "keys"

    id: Column[str] = column(hash_key=True)
    n: Column[int] = column(range_key=True)


class Quiet(Model):
    id: Column[str] = column(hash_key=True)


class User(Model):
    class Meta:
        table_name = "entities"
        stream = "new_and_old"

    pk: Column[str] = column(hash_key=True)
    name: Column[str] = column(default="")


class Order(Model):
    class Meta:
        table_name = "entities"
        stream = "new_and_old"

    pk: Column[str] = column(hash_key=True)
    total: Column[int] = column(default=0)


async def take(stream: Stream[Any], n: int, timeout: float = 10.0) -> list[Record[Any]]:
    """The next `n` records of `stream` (failing after `timeout` seconds)."""

    async def run() -> list[Record[Any]]:
        out: list[Record[Any]] = []
        async for record in stream:
            out.append(record)
            if len(out) == n:
                break
        return out

    return await asyncio.wait_for(run(), timeout)


async def put_each(engine: Engine, *objs: Model) -> None:
    """Put the objects one after the other (engine.put with several runs them concurrently, in any order)."""
    for obj in objs:
        await engine.put(obj)


async def settle(before: set[asyncio.Task[Any]], turns: int = 20) -> set[asyncio.Task[Any]]:
    """The tasks, not in `before`, still running after up to `turns` loop turns (no wall-clock waiting)."""
    left: set[asyncio.Task[Any]] = set()
    for _ in range(turns):
        left = {t for t in asyncio.all_tasks() if t not in before and t is not asyncio.current_task()}
        left = {t for t in left if not t.done()}
        if not left:
            break
        await asyncio.sleep(0)
    return left


def inject_once(engine: Engine, operation: str, error: Callable[[], BaseException]) -> list[str]:
    """Make the next `operation` call fail with `error()` (before it is sent); returns a log of injections."""
    log: list[str] = []

    def hook(op: str, request: dict[str, Any]) -> None:
        if op == operation and not log:
            log.append(op)
            raise error()

    engine.hooks.request.append(hook)
    return log


def on_response(engine: Engine, operation: str) -> asyncio.Event:
    """An event set once `engine` has received a response to `operation`."""
    seen = asyncio.Event()

    def hook(op: str, request: dict[str, Any], response: dict[str, Any], seconds: float) -> None:
        if op == operation:
            seen.set()

    engine.hooks.response.append(hook)
    return seen


@pytest.mark.needs("streams")
class TestRecords:
    async def test_insert_modify_remove_in_order(self, engine: Engine) -> None:
        """An insert, a modify and a remove come in order, with old and new images as model objects."""
        await engine.bind(Post)
        post = Post(id="p1", title="hello")
        await engine.put(post)
        post.views = 3
        await engine.save(post)
        await engine.delete(post)

        records = await take(engine.stream(Post, position="trim_horizon", poll_interval=FAST), 3)
        assert [r.event for r in records] == ["insert", "modify", "remove"]
        insert, modify, remove = records
        assert insert.old is None
        assert insert.new == Post(id="p1", title="hello")
        assert modify.old == Post(id="p1", title="hello")
        assert modify.new == Post(id="p1", title="hello", views=3)
        assert remove.old == Post(id="p1", title="hello", views=3)
        assert remove.new is None
        assert all(r.model is Post and r.keys == {"id": "p1"} for r in records)
        assert all(isinstance(r.new, Post) for r in records[:2])

    async def test_sequence_metadata(self, engine: Engine) -> None:
        """Each record carries its shard, increasing sequence numbers, a UTC creation time, its size and the raw record."""
        await engine.bind(Post)
        started = pendulum.now("UTC").subtract(seconds=1)
        await engine.put(Post(id="a"), Post(id="b"))
        records = await take(engine.stream(Post, position="trim_horizon", poll_interval=FAST), 2)
        finished = pendulum.now("UTC").add(seconds=1)
        first, second = records
        assert int(first.sequence_number) < int(second.sequence_number)
        assert first.shard_id == second.shard_id
        assert first.shard_id
        for record in records:
            assert isinstance(record.created, pendulum.DateTime)
            assert record.created.timezone_name == "UTC"
            assert started <= record.created <= finished
            assert record.size_bytes > 0
            assert record.raw["eventName"] == "INSERT"
            assert record.raw["dynamodb"]["SequenceNumber"] == record.sequence_number
            assert not record.expired
            assert "raw" not in repr(record)
        assert {r.keys["id"] for r in records} == {"a", "b"}

    async def test_keys_only_view(self, engine: Engine) -> None:
        """A keys-only stream gives the loaded key (range key included) and no images."""
        await engine.bind(Slim)
        await engine.put(Slim(id="k", n=7))
        (record,) = await take(engine.stream(Slim, position="trim_horizon", poll_interval=FAST), 1)
        assert record.event == "insert"
        assert record.keys == {"id": "k", "n": 7}
        assert record.old is None
        assert record.new is None


@pytest.mark.needs("streams")
class TestPositions:
    async def test_token_resumes_right_after_the_last_record(self, engine: Engine) -> None:
        """A stream started from `stream.token` yields exactly the records after the last one handed out."""
        await engine.bind(Post)
        await put_each(engine, *(Post(id=f"p{i}") for i in range(4)))
        stream = engine.stream(Post, position="trim_horizon", poll_interval=FAST)
        assert stream.token is None  # not started yet
        first = await take(stream, 2)
        token = stream.token
        assert token is not None
        await stream.aclose()
        await engine.put(Post(id="p4"))

        resumed = engine.stream(Post, position=token, poll_interval=FAST)
        assert resumed.token == token  # before it starts, the token it starts from
        rest = await take(resumed, 3)
        assert [r.keys["id"] for r in first + rest] == ["p0", "p1", "p2", "p3", "p4"]
        assert int(rest[0].sequence_number) > int(first[-1].sequence_number)

        # The token of the resumed stream goes on from there.
        await engine.put(Post(id="p5"))
        (last,) = await take(engine.stream(Post, position=resumed.token, poll_interval=FAST), 1)
        assert last.keys == {"id": "p5"}

    async def test_token_of_buffered_records_resumes_at_them(self, engine: Engine) -> None:
        """A token taken after one record of a fetched batch resumes with the rest of that batch."""
        await engine.bind(Post)
        await put_each(engine, *(Post(id=f"p{i}") for i in range(3)))
        stream = engine.stream(Post, position="trim_horizon", poll_interval=FAST)
        (first,) = await take(stream, 1)  # one GetRecords fetched all three
        rest = await take(engine.stream(Post, position=stream.token, poll_interval=FAST), 2)
        assert [r.keys["id"] for r in [first, *rest]] == ["p0", "p1", "p2"]

    async def test_tokens_are_checked(self, engine: Engine) -> None:
        """A malformed token fails at once; a token from another table's stream fails when the stream starts."""
        await engine.bind(Post, Other)
        with pytest.raises(InvalidValue, match="not a stream token"):
            engine.stream(Post, position="not-a-token")
        await engine.put(Other(id="o"))
        other = engine.stream(Other, position="trim_horizon", poll_interval=FAST)
        await take(other, 1)
        stream = engine.stream(Post, position=other.token, poll_interval=FAST)
        with pytest.raises(InvalidValue, match="another stream"):
            await take(stream, 1)
        assert stream.token == other.token  # never started: still the token it was given
        assert [r async for r in stream] == []  # the failed stream is closed

    async def test_latest_sees_only_records_written_after_the_start(self, engine: Engine) -> None:
        """With "latest", a consumer sees the records written once its shard iterators exist, and none before."""
        await engine.bind(Post)
        await engine.put(Post(id="old"))
        established = on_response(engine, "GetShardIterator")
        stream = engine.stream(Post, poll_interval=FAST)  # "latest" is the default
        consumer = asyncio.create_task(take(stream, 1))
        await asyncio.wait_for(established.wait(), 10)
        await engine.put(Post(id="new"))
        (record,) = await consumer
        assert record.keys == {"id": "new"}

    async def test_async_with_starts_the_stream(self, engine: Engine) -> None:
        """Entering `async with stream` fixes "latest" before the block runs, and leaving closes the stream."""
        await engine.bind(Post)
        await engine.put(Post(id="old"))
        async with engine.stream(Post, position="latest", poll_interval=FAST) as stream:
            assert stream.arn is not None
            await engine.put(Post(id="new"))
            (record,) = await take(stream, 1)
        assert record.keys == {"id": "new"}
        assert [r async for r in stream] == []

    async def test_datetime_position(self, engine: Engine) -> None:
        """A datetime position yields the records created at or after it, in order, and naive datetimes are refused."""
        await engine.bind(Post)
        await put_each(engine, *(Post(id=f"p{i}") for i in range(5)))
        everything = await take(engine.stream(Post, position="trim_horizon", poll_interval=FAST), 5)
        cutoff = everything[2].created
        expected = [r.sequence_number for r in everything if r.created >= cutoff]
        since = await take(engine.stream(Post, position=cutoff, poll_interval=FAST), len(expected))
        assert [r.sequence_number for r in since] == expected
        assert all(r.created >= cutoff for r in since)
        with pytest.raises(InvalidValue, match="naive datetime"):
            engine.stream(Post, position=datetime.datetime(2026, 1, 1))


class TestModels:
    @pytest.mark.needs("streams")
    async def test_resolver_maps_each_record_to_its_model(self, engine: Engine) -> None:
        """A resolver picks the model of each record on a shared table from its image; None skips a record."""
        await engine.bind(User, Order)
        seen: list[dict[str, Any]] = []

        def resolve(image: dict[str, Any]) -> type[Model] | None:
            seen.append(image)
            pk = image["pk"]["S"]
            return User if pk.startswith("user#") else Order if pk.startswith("order#") else None

        await engine.put(User(pk="user#1", name="Ann"))
        await engine.put(Order(pk="other#1"))  # neither: skipped
        await engine.put(Order(pk="order#1", total=30))
        await engine.delete(User(pk="user#1"))

        records = await take(
            engine.stream(User, position="trim_horizon", resolver=resolve, poll_interval=FAST), 3
        )
        assert [(r.event, r.model) for r in records] == [
            ("insert", User),
            ("insert", Order),
            ("remove", User),
        ]
        assert records[0].new == User(pk="user#1", name="Ann")
        assert records[1].new == Order(pk="order#1", total=30)
        assert records[2].old == User(pk="user#1", name="Ann")
        assert records[2].keys == {"pk": "user#1"}
        # The newest image is what the resolver sees: the old image for a removal.
        assert [s["pk"]["S"] for s in seen] == ["user#1", "other#1", "order#1", "user#1"]

    @pytest.mark.needs("streams")
    async def test_resolver_must_return_a_model(self, engine: Engine) -> None:
        """A resolver returning something other than a concrete model class fails clearly."""
        from adyn import InvalidModel

        await engine.bind(Post)
        await engine.put(Post(id="p"))
        stream = engine.stream(Post, position="trim_horizon", resolver=lambda image: dict, poll_interval=FAST)
        with pytest.raises(InvalidModel, match="resolver"):
            await take(stream, 1)

    async def test_model_without_stream_fails_before_any_request(
        self, engine: Engine, recorder: Recorder
    ) -> None:
        """A model without Meta.stream raises StreamNotEnabled from engine.stream(), before any request."""
        await engine.bind(Quiet)
        recorder.clear()
        with pytest.raises(StreamNotEnabled, match=r"Quiet .*declares no stream") as caught:
            engine.stream(Quiet)
        assert caught.value.model is Quiet
        assert caught.value.table_name == engine.table_name(Quiet)
        assert recorder.calls == []

    async def test_unbound_model_fails_before_any_request(self, engine: Engine, recorder: Recorder) -> None:
        """A model not bound to the engine raises UnboundModel from engine.stream()."""
        with pytest.raises(UnboundModel):
            engine.stream(Post)
        assert recorder.calls == []


@pytest.mark.needs("streams")
class TestRecovery:
    async def test_expired_iterator_is_replaced_after_the_last_record_read(
        self, engine: Engine, recorder: Recorder
    ) -> None:
        """An expired shard iterator is replaced by one AFTER_SEQUENCE_NUMBER of the last record read."""
        await engine.bind(Post)
        await engine.put(Post(id="a"))
        stream = engine.stream(Post, position="trim_horizon", poll_interval=FAST)
        (first,) = await take(stream, 1)
        inject_once(
            engine,
            "GetRecords",
            lambda: DynamoDBError("expired", code="ExpiredIteratorException", operation="GetRecords"),
        )
        recorder.clear()
        await engine.put(Post(id="b"))
        (second,) = await take(stream, 1)
        assert second.keys == {"id": "b"}
        iterators = [r for op, r in recorder.calls if op == "GetShardIterator"]
        assert iterators == [
            {
                "StreamArn": stream.arn,
                "ShardId": first.shard_id,
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "SequenceNumber": first.sequence_number,
            }
        ]

    async def test_trimmed_position_restarts_from_trim_horizon(
        self, engine: Engine, recorder: Recorder
    ) -> None:
        """TrimmedDataAccessException continues the shard from TRIM_HORIZON (here moto still has every record)."""
        await engine.bind(Post)
        await engine.put(Post(id="a"))
        stream = engine.stream(Post, position="trim_horizon", poll_interval=FAST)
        await take(stream, 1)
        inject_once(
            engine,
            "GetRecords",
            lambda: DynamoDBError("trimmed", code="TrimmedDataAccessException", operation="GetRecords"),
        )
        recorder.clear()
        (again,) = await take(stream, 1)
        assert again.keys == {"id": "a"}
        assert [r["ShardIteratorType"] for op, r in recorder.calls if op == "GetShardIterator"] == [
            "TRIM_HORIZON"
        ]

    async def test_throttled_read_is_retried(self, engine: Engine) -> None:
        """A read throttled by the Streams API (LimitExceededException) is retried after a backoff."""
        await engine.bind(Post)
        await engine.put(Post(id="a"))
        log = inject_once(
            engine,
            "GetRecords",
            lambda: DynamoDBError("slow down", code="LimitExceededException", operation="GetRecords"),
        )
        (record,) = await take(engine.stream(Post, position="trim_horizon", poll_interval=FAST), 1)
        assert record.keys == {"id": "a"}
        assert log == ["GetRecords"]

    async def test_other_errors_end_the_stream(self, engine: Engine) -> None:
        """Any other error propagates and closes the stream; its token still resumes before the failed read."""
        await engine.bind(Post)
        await engine.put(Post(id="a"), Post(id="b"))
        stream = engine.stream(Post, position="trim_horizon", poll_interval=FAST)
        inject_once(engine, "GetRecords", lambda: DynamoDBError("boom", code="InternalServerError"))
        with pytest.raises(DynamoDBError, match="boom"):
            await take(stream, 1)
        assert [r async for r in stream] == []
        records = await take(engine.stream(Post, position=stream.token, poll_interval=FAST), 2)
        assert {r.keys["id"] for r in records} == {"a", "b"}


@pytest.mark.needs("streams")
class TestCleanup:
    async def test_break_leaves_no_task(self, engine: Engine) -> None:
        """Breaking out of `async for` leaves no task of the stream running."""
        await engine.bind(Post)
        await engine.put(Post(id="a"), Post(id="b"))
        before = asyncio.all_tasks()
        async for _ in engine.stream(Post, position="trim_horizon", poll_interval=FAST):
            break
        assert await settle(before) == set()

    async def test_consumer_error_leaves_no_task(self, engine: Engine) -> None:
        """An exception raised by the consumer inside `async for` leaves no task of the stream running."""
        await engine.bind(Post)
        await engine.put(Post(id="a"))
        before = asyncio.all_tasks()

        async def consume() -> None:
            async for _ in engine.stream(Post, position="trim_horizon", poll_interval=FAST):
                raise RuntimeError("consumer failed")

        with pytest.raises(RuntimeError, match="consumer"):
            await consume()
        assert await settle(before) == set()

    @pytest.mark.parametrize("wait_for", ["GetRecords", "sleep"])
    async def test_cancelling_the_consumer_leaves_no_task(self, engine: Engine, wait_for: str) -> None:
        """Cancelling a consumer waiting for records (mid-request or between polls) leaves no task running."""
        await engine.bind(Post)
        before = asyncio.all_tasks()
        polled = asyncio.Event()
        in_request = asyncio.Event()

        def request_hook(op: str, request: dict[str, Any]) -> None:
            if op == "GetRecords":
                in_request.set()

        def response_hook(op: str, request: dict[str, Any], response: dict[str, Any], seconds: float) -> None:
            if op == "GetRecords":
                polled.set()

        engine.hooks.request.append(request_hook)
        engine.hooks.response.append(response_hook)
        stream = engine.stream(Post, position="trim_horizon", poll_interval=60.0)
        consumer = asyncio.create_task(take(stream, 1, timeout=120))
        # "GetRecords": cancelled while the request is in flight; "sleep": after an empty read, while it waits.
        await asyncio.wait_for((in_request if wait_for == "GetRecords" else polled).wait(), 10)
        consumer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await consumer
        assert await settle(before) == set()
