"""
DynamoDB Streams: a table's change log read as model objects.

    stream = engine.stream(Post, position="trim_horizon")
    async for record in stream:
        record.event, record.keys, record.old, record.new, record.sequence_number, record.created
        saved = stream.token            # later: engine.stream(Post, position=saved) resumes right after

A stream is read through the DynamoDB Streams API of the engine's session (a ``dynamodbstreams`` client made from
the same session and settings), with these requests:

* ``DescribeTable {"TableName": ...}`` once, for the table's ``LatestStreamArn``;
* ``DescribeStream {"StreamArn": ..., "ExclusiveStartShardId": ...}`` page by page for the shards, again when a
  shard ends (to find its children) and every minute (to find new shards);
* ``GetShardIterator {"StreamArn": ..., "ShardId": ..., "ShardIteratorType": ..., "SequenceNumber": ...}`` when a
  shard is started, and again when an iterator expired;
* ``GetRecords {"ShardIterator": ...}`` following each shard's ``NextShardIterator`` until the shard ends.

Shards form a tree: a shard's children start where it ended, so a child is read only once its parent was read to
its end. Records come in order within each shard; records of different shards interleave. Open shards are polled
together (up to the engine's `concurrency` at once), each waiting `poll_interval` after a read that found nothing.

Everything happens inside ``__anext__`` in the consumer's own task: between two records no task of the stream
exists, so leaving the ``async for`` (a break, an exception, cancellation) leaves nothing running. Polls of several
shards run as short-lived tasks within one ``__anext__``; if that call is cancelled, they are cancelled and awaited
before the cancellation propagates.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import datetime
import json
import random
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

import attrs
import pendulum
from typing_extensions import Self

from ._models import Model
from .exceptions import DynamoDBError, InvalidModel, InvalidValue, StreamNotEnabled, TableNotFound, Throttled

if TYPE_CHECKING:
    from ._models import ModelInfo
    from ._wire import Item

__all__ = ["Event", "Position", "Record", "Resolver", "Stream"]

M = TypeVar("M", bound=Model)

#: What happened to the item: ``"insert"``, ``"modify"`` or ``"remove"``.
Event = Literal["insert", "modify", "remove"]

#: Where a stream starts: ``"trim_horizon"``, ``"latest"``, a token from ``stream.token``, or an aware datetime.
Position = Literal["trim_horizon", "latest"] | str | datetime.datetime

#: Picks the model of a record from its newest image (NewImage, else OldImage, else Keys), in DynamoDB's wire
#: form; None skips the record.
Resolver = Callable[[dict[str, Any]], "type[Model] | None"]

Call = Callable[[str, dict[str, Any], str], Awaitable[dict[str, Any]]]

#: How often shards are listed again while some are being read (new shards appear when partitions roll or split).
REDISCOVER_SECONDS = 60.0
#: The longest wait after throttling of one shard's reads.
_THROTTLE_CAP = 10.0

_EVENTS: dict[str, Event] = {"INSERT": "insert", "MODIFY": "modify", "REMOVE": "remove"}


# -- records --------------------------------------------------------------------------------------------------------


@attrs.frozen
class Record(Generic[M]):
    """
    One change of one item, read from a table's stream.

    Attributes:
        event: ``"insert"``, ``"modify"`` or ``"remove"``.
        model: the model class the record was loaded as (the stream's model, or the resolver's pick).
        keys: the item's key as a dict of Python column names to loaded values, ``{"id": UUID(...)}`` (what
            ``engine.get(model, record.keys)`` takes); present whatever the stream's view type.
        old: the item before the change as a model object, when the stream carries old images (``"old"`` or
            ``"new_and_old"``) and there was an item; else None.
        new: the item after the change, when the stream carries new images (``"new"`` or ``"new_and_old"``) and
            there still is an item; else None.
        sequence_number: the record's position in its shard (a numeric string; later records in a shard have
            greater numbers).
        created: when DynamoDB wrote the record (ApproximateCreationDateTime, which DynamoDB rounds down to the
            second), in UTC.
        shard_id: the shard the record came from.
        size_bytes: DynamoDB's size of the record (SizeBytes).
        raw: the record as the GetRecords response had it.
    """

    event: Event
    model: type[M]
    keys: dict[str, Any]
    old: M | None
    new: M | None
    sequence_number: str
    created: pendulum.DateTime
    shard_id: str
    size_bytes: int
    raw: dict[str, Any] = attrs.field(repr=False, eq=False)

    @property
    def expired(self) -> bool:
        """
        True for a removal done by DynamoDB's time-to-live process rather than by a request.
        """
        identity: Any = self.raw.get("userIdentity") or {}
        return bool(
            identity.get("type") == "Service" and identity.get("principalId") == "dynamodb.amazonaws.com"
        )


def _created(value: Any) -> pendulum.DateTime:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        created: pendulum.DateTime = pendulum.instance(value).in_timezone("UTC")
        return created
    if isinstance(value, (int, float)):
        return pendulum.from_timestamp(value, tz="UTC")
    # DynamoDB always sends it; should it ever not, the time the record was read stands in.
    return pendulum.now("UTC")


def _is_concrete_model(obj: object) -> bool:
    # Takes `object`: a resolver typed as returning model classes may still return anything at runtime.
    return isinstance(obj, type) and issubclass(obj, Model) and obj is not Model and not obj.__adyn__.abstract


def _load_keys(info: ModelInfo, keys: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in info.keys:
        av = keys.get(c.dynamo_name)
        if av is not None:
            out[c.name] = c.type.load(av)
    return out


# -- tokens ---------------------------------------------------------------------------------------------------------

# A shard's position in a token: "trim_horizon", "latest", "done", "after:SEQUENCE" or "at:SEQUENCE".
_Entry = str
# How to ask for a shard iterator: (ShardIteratorType, SequenceNumber or None).
_Start = tuple[str, str | None]

_NAMED: dict[str, _Start] = {"trim_horizon": ("TRIM_HORIZON", None), "latest": ("LATEST", None)}
_BY_SEQUENCE = {"after": "AFTER_SEQUENCE_NUMBER", "at": "AT_SEQUENCE_NUMBER"}


def _encode_token(arn: str, since: datetime.datetime | None, shards: dict[str, _Entry]) -> str:
    body = {
        "v": 1,
        "stream": arn,
        "since": since.isoformat() if since is not None else None,
        "shards": shards,
    }
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


@attrs.frozen
class _Token:
    arn: str
    since: datetime.datetime | None
    shards: dict[str, _Entry]


def _decode_token(token: str) -> _Token:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        decoded: Any = json.loads(raw)
        if not isinstance(decoded, dict):
            raise TypeError("malformed token")
        body = cast("dict[str, Any]", decoded)
        if body.get("v") != 1:
            raise ValueError("unknown token version")
        arn = body["stream"]
        since_text = body["since"]
        shards = body["shards"]
        if not isinstance(arn, str) or not isinstance(shards, dict):
            raise TypeError("malformed token")
        since = datetime.datetime.fromisoformat(since_text) if since_text is not None else None
        for entry in cast("dict[str, Any]", shards).values():
            if entry != "done":
                _entry_start(entry)  # raises ValueError, TypeError or AttributeError for anything else
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError) as exc:
        raise InvalidValue(f"not a stream token ({exc})", value=token) from None
    return _Token(arn, since, cast("dict[str, _Entry]", shards))


def _entry_start(entry: _Entry) -> _Start:
    named = _NAMED.get(entry)
    if named is not None:
        return named
    kind, _, sequence = entry.partition(":")
    if kind not in _BY_SEQUENCE or not sequence.isdigit():
        raise ValueError(f"not a shard position: {entry!r}")
    return _BY_SEQUENCE[kind], sequence


# -- shards ---------------------------------------------------------------------------------------------------------


class _Shard:
    """
    What the stream knows about one shard: where to start it, its iterator, the records read from it and not yet
    handed out, and the last record handed out (or skipped).
    """

    def __init__(self, shard_id: str, parent: str | None, closed: bool, start: _Start) -> None:
        self.id = shard_id
        self.parent = parent
        self.closed = closed  # DescribeStream gave it an EndingSequenceNumber: it gets no new records
        self.start = start
        self.iterator: str | None = None
        self.fetched: str | None = None  # sequence number of the last record read
        self.consumed: str | None = None  # ... and of the last one handed out or skipped
        self.buffer: collections.deque[dict[str, Any]] = collections.deque()
        self.finished = False  # GetRecords returned no NextShardIterator: nothing more will come
        self.next_poll = 0.0
        self.throttled = 0
        self.vanished: TableNotFound | None = None

    @property
    def done(self) -> bool:
        return self.finished and not self.buffer

    def iterator_request(self) -> _Start:
        # Continue after what was read; before anything was, from where the shard was started.
        if self.fetched is not None:
            return "AFTER_SEQUENCE_NUMBER", self.fetched
        return self.start

    def restart(self) -> None:
        # The data at the position was trimmed (older than 24 hours): continue from the oldest record left.
        self.start = ("TRIM_HORIZON", None)
        self.fetched = None
        self.iterator = None

    def finish(self) -> None:
        self.finished = True
        self.iterator = None

    def entry(self) -> _Entry:
        if self.done:
            return "done"
        if self.consumed is not None:
            return f"after:{self.consumed}"
        if self.buffer:
            return f"at:{self.buffer[0]['dynamodb']['SequenceNumber']}"
        kind, sequence = self.start
        if sequence is None:
            return kind.lower()  # "trim_horizon" or "latest"
        return f"{'after' if kind == 'AFTER_SEQUENCE_NUMBER' else 'at'}:{sequence}"


async def _run_all(coroutines: list[Coroutine[Any, Any, None]]) -> None:
    """
    Run the coroutines concurrently and wait for all of them; raise the first error once all have ended. If the
    caller is cancelled, the tasks are cancelled and awaited before the cancellation propagates.
    """
    if len(coroutines) == 1:
        await coroutines[0]
        return
    tasks = [asyncio.create_task(c, name=f"adyn-stream-{i}") for i, c in enumerate(coroutines)]
    try:
        await asyncio.wait(tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        while not all(task.done() for task in tasks):
            try:
                await asyncio.wait(tasks)
            except asyncio.CancelledError:  # cancelled again while cleaning up: finish cleaning up first
                continue
        for task in tasks:
            if not task.cancelled():
                task.exception()  # retrieved: an error of a cancelled round is not reported as unhandled
        raise
    errors = [exc for task in tasks if (exc := task.exception()) is not None]
    if errors:
        raise errors[0]


# -- the stream -----------------------------------------------------------------------------------------------------


class Stream(Generic[M]):
    """
    The records of a table's stream, as an async iterator: ``async for record in engine.stream(Post)``.

    Made by :meth:`Engine.stream <adyn.Engine.stream>`. Iteration runs until the consumer stops (or, for a stream
    that was disabled, until every record left in it was read); it waits for new records otherwise. The starting
    position is fixed when the stream starts: at the first ``__anext__``, or on entering ``async with stream:``
    (so with ``position="latest"``, records written after entering are the ones seen).

    ``stream.token`` is the position after the last record handed out, per shard; pass it as `position` to resume
    exactly there. Errors DynamoDB returns (after the engine's retries) end the iteration and propagate; the token
    still resumes right before the record that was not handed out. Expired shard iterators are replaced
    transparently (continuing after the last record read), throttled reads are retried with backoff, and a position
    whose records were trimmed away (older than 24 hours) continues from the oldest record left in that shard.

    The requests, all through the engine (so its request and response hooks see them)::

        DescribeTable     {"TableName": "posts"}                               -> LatestStreamArn
        DescribeStream    {"StreamArn": arn, "ExclusiveStartShardId": ...}     -> Shards (paged), on start, when a
                                                                                 shard ends, and every minute
        GetShardIterator  {"StreamArn": arn, "ShardId": id, "ShardIteratorType": "TRIM_HORIZON" | "LATEST" |
                           "AFTER_SEQUENCE_NUMBER" | "AT_SEQUENCE_NUMBER", "SequenceNumber": ...}
        GetRecords        {"ShardIterator": it}                                -> Records, NextShardIterator

    A shard from which nothing has been read yet resumes from where it was started; for a shard started at
    ``"latest"`` that is LATEST again (when resuming from a token, or when its iterator expired before anything was
    read from it), so records written to that shard in between are not seen: DynamoDB gives no position to hold on
    to until a shard has a record.
    """

    def __init__(
        self,
        model: type[M],
        table: str,
        *,
        call: Call,
        check: Callable[[], None],
        concurrency: int,
        position: Position,
        resolver: Resolver | None,
        poll_interval: float,
    ) -> None:
        if not poll_interval > 0:  # NaN too
            raise ValueError("poll_interval must be a positive number of seconds")
        if resolver is not None and not callable(resolver):
            raise InvalidValue(
                "resolver takes an image dict and returns a model class", value=resolver, model=model
            )
        self._model = model
        self._table = table
        self._call = call
        self._check = check
        self._concurrency = max(1, concurrency)
        self._resolver = resolver
        self._poll_interval = float(poll_interval)
        self._start: Literal["trim_horizon", "latest", "token", "since"]
        self._since: datetime.datetime | None = None
        self._from_token: _Token | None = None
        self._start_token: str | None = None
        if isinstance(position, datetime.datetime):
            if position.tzinfo is None or position.utcoffset() is None:
                raise InvalidValue(
                    "naive datetime: attach a timezone (for example pendulum.now() or datetime.now(timezone.utc))",
                    value=position,
                    model=model,
                )
            self._start = "since"
            self._since = position
        elif position in ("trim_horizon", "latest"):
            self._start = "trim_horizon" if position == "trim_horizon" else "latest"
        elif isinstance(position, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            self._start = "token"
            self._from_token = _decode_token(position)
            self._since = self._from_token.since
            self._start_token = position
        else:
            raise InvalidValue(
                'position is "trim_horizon", "latest", a stream token or an aware datetime',
                value=position,
                model=model,
            )
        self._state: Literal["new", "open", "closed"] = "new"
        self._started = False  # the stream's ARN and starting shards are known
        self._arn: str | None = None
        self._status = "ENABLED"
        self._shards: dict[str, _Shard] = {}
        self._listed: set[str] = set()  # the shard ids the last DescribeStream listed
        self._pending: collections.deque[_Shard] = collections.deque()  # shards holding records, round-robin
        self._discover_at = 0.0
        self._idle_delay = self._poll_interval
        self._infos: dict[type[Model], ModelInfo] = {}

    # -- the public surface --

    @property
    def token(self) -> str | None:
        """
        The position after the last record handed out (or skipped), per shard, with the stream's ARN: pass it as
        ``engine.stream(Model, position=token)`` to resume exactly there. An opaque URL-safe string; a token of
        another stream is refused with :class:`~adyn.exceptions.InvalidValue` when the resumed stream starts.
        Before the stream started it is the token it was started from, or None.
        """
        if not self._started:
            return self._start_token
        assert self._arn is not None
        shards = {shard_id: shard.entry() for shard_id, shard in self._shards.items()}
        return _encode_token(self._arn, self._since, shards)

    @property
    def arn(self) -> str | None:
        """
        The stream's ARN, once the stream started.
        """
        return self._arn

    def __aiter__(self) -> Stream[M]:
        return self

    async def __anext__(self) -> Record[M]:
        """
        The next record: one already read if any is waiting, else after polling the shards due (GetRecords), or
        after sleeping until one is.
        """
        if self._state == "closed":
            raise StopAsyncIteration
        try:
            while True:
                if self._closed():  # closed meanwhile, by aclose() from another task
                    raise StopAsyncIteration
                record = self._take()
                if record is not None:
                    return record
                if not await self._round():
                    self._close()
                    raise StopAsyncIteration
        except StopAsyncIteration:
            raise
        except Exception:
            self._close()
            raise

    async def aclose(self) -> None:
        """
        Stop: later ``__anext__`` calls end the iteration. Nothing runs between records, so there is nothing to
        wait for; the token stays readable.
        """
        self._close()

    async def __aenter__(self) -> Self:
        """
        Start the stream now (DescribeTable, DescribeStream, and GetShardIterator for shards starting at LATEST).
        """
        await self._ensure_started()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        live = sum(not s.done for s in self._shards.values())
        return (
            f"<adyn.Stream {self._model.__name__} {self._state}, from {self._start}, "
            f"{live} of {len(self._shards)} shard(s) live>"
        )

    # -- records --

    def _closed(self) -> bool:
        return self._state == "closed"

    def _close(self) -> None:
        self._state = "closed"
        self._pending.clear()

    def _info(self, model: type[Model]) -> ModelInfo:
        info = self._infos.get(model)
        if info is None:
            if not _is_concrete_model(model):
                raise InvalidModel("the resolver must return a concrete Model subclass or None", model=model)
            info = self._infos[model] = model.__adyn__
        return info

    def _take(self) -> Record[M] | None:
        pending = self._pending
        while pending:
            shard = pending[0]
            raw = shard.buffer[0]
            record = self._record(shard, raw)  # may raise: the record then stays first in line
            shard.buffer.popleft()
            shard.consumed = str(raw["dynamodb"]["SequenceNumber"])
            pending.popleft()
            if shard.buffer:
                pending.append(shard)
            if record is not None:
                return record
        return None

    def _record(self, shard: _Shard, raw: dict[str, Any]) -> Record[M] | None:
        data: dict[str, Any] = raw.get("dynamodb") or {}
        created = _created(data.get("ApproximateCreationDateTime"))
        if self._since is not None and created < self._since:
            return None
        keys: Item = data.get("Keys") or {}
        new: Item | None = data.get("NewImage")
        old: Item | None = data.get("OldImage")
        model: type[Any] = self._model
        if self._resolver is not None:
            image = new if new is not None else old if old is not None else keys
            chosen = self._resolver(image)
            if chosen is None:
                return None
            model = chosen
        info = self._info(model)
        name = str(raw.get("eventName", ""))
        return Record(
            event=_EVENTS.get(name, cast("Event", name.lower())),
            model=model,
            keys=_load_keys(info, keys),
            old=info.load_item(old) if old is not None else None,
            new=info.load_item(new) if new is not None else None,
            sequence_number=str(data.get("SequenceNumber", "")),
            created=created,
            shard_id=shard.id,
            size_bytes=int(data.get("SizeBytes", 0)),
            raw=raw,
        )

    # -- starting --

    async def _ensure_started(self) -> None:
        if self._state == "closed":
            return
        self._check()
        if self._state == "new":
            await self._begin()
            self._state = "open"

    async def _begin(self) -> None:
        response = await self._call("DescribeTable", {"TableName": self._table}, self._table)
        description: dict[str, Any] = response.get("Table") or {}
        arn = description.get("LatestStreamArn")
        if not arn:
            raise StreamNotEnabled(self._model, self._table, "the table has no stream")
        token = self._from_token
        if token is not None and token.arn != arn:
            raise InvalidValue(
                f"this token belongs to another stream ({token.arn}; the table's stream is {arn})",
                value=self._start_token,
                model=self._model,
            )
        self._arn = str(arn)
        await self._discover(initial=True)
        # LATEST means "now": fix it for every shard at once, before any record is read.
        latest = [s for s in self._shards.values() if s.start[0] == "LATEST" and not s.finished]
        if latest:
            await _run_all([self._open_iterator(s) for s in latest])
        self._started = True

    def _initial_start(self, shard_id: str, closed: bool) -> tuple[_Start, bool]:
        """Where a shard found by the first DescribeStream starts, and whether it is already done."""
        if self._start == "latest":
            return _NAMED["latest"], closed  # a closed shard holds only records older than the start
        if self._from_token is not None:
            entry = self._from_token.shards.get(shard_id)
            if entry == "done":
                return _NAMED["trim_horizon"], True
            if entry is not None:
                return _entry_start(entry), False
        return _NAMED["trim_horizon"], False  # also for shards newer than the token

    async def _discover(self, *, initial: bool = False) -> None:
        """
        List the stream's shards (DescribeStream, following LastEvaluatedShardId) and track the new ones; shards no
        longer listed are forgotten once read to the end.
        """
        assert self._arn is not None
        listed: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamArn": self._arn}
        while True:
            response = await self._call("DescribeStream", request, self._table)
            description: dict[str, Any] = response.get("StreamDescription") or {}
            listed.extend(description.get("Shards") or [])
            last = description.get("LastEvaluatedShardId")
            if not last:
                break
            request = {"StreamArn": self._arn, "ExclusiveStartShardId": last}
        self._status = str(description.get("StreamStatus", "ENABLED"))
        found_new = False
        ids: set[str] = set()
        for entry in listed:
            shard_id = str(entry["ShardId"])
            ids.add(shard_id)
            closed = "EndingSequenceNumber" in (entry.get("SequenceNumberRange") or {})
            shard = self._shards.get(shard_id)
            if shard is not None:
                shard.closed = shard.closed or closed
                continue
            found_new = True
            start, done = (
                self._initial_start(shard_id, closed) if initial else (_NAMED["trim_horizon"], False)
            )
            shard = _Shard(shard_id, entry.get("ParentShardId"), closed, start)
            if done:
                shard.finish()
            self._shards[shard_id] = shard
        for shard_id in [i for i, s in self._shards.items() if i not in ids and s.done]:
            del self._shards[shard_id]
        self._listed = ids
        # Again in a minute; sooner (from poll_interval, backing off) while a shard that ended has no child yet.
        now = asyncio.get_running_loop().time()
        if found_new:
            self._idle_delay = self._poll_interval
        if self._awaiting_children():
            self._discover_at = now + self._idle_delay
            self._idle_delay = min(self._idle_delay * 2, REDISCOVER_SECONDS)
        else:
            self._discover_at = now + REDISCOVER_SECONDS

    def _awaiting_children(self) -> bool:
        if self._status == "DISABLED":
            return False
        if not self._shards:
            return True  # a stream being enabled may list no shard yet
        parents = {s.parent for s in self._shards.values()}
        return any(s.finished and s.id not in parents for s in self._shards.values())

    def _ready(self, shard: _Shard) -> bool:
        # A child starts where its parent ended: read it once the parent was read to its end (or is gone).
        if shard.finished:
            return False
        parent = self._shards.get(shard.parent) if shard.parent is not None else None
        return parent is None or parent.done

    # -- reading --

    async def _round(self) -> bool:
        """
        Read once from every shard that is due (up to `concurrency` of them, concurrently), or sleep until one is.
        False once the stream has ended (disabled, and every shard read to its end).
        """
        await self._ensure_started()
        loop = asyncio.get_running_loop()
        if loop.time() >= self._discover_at:
            await self._discover()
        now = loop.time()
        live = [s for s in self._shards.values() if not s.done]
        if not live and self._status == "DISABLED":
            return False
        readable = [s for s in live if self._ready(s)]
        due = sorted((s for s in readable if s.next_poll <= now), key=lambda s: s.next_poll)
        if not due:
            wake = min([s.next_poll for s in readable] + [self._discover_at])
            await asyncio.sleep(max(0.0, wake - now))
            return True
        await _run_all([self._poll(s) for s in due[: self._concurrency]])
        vanished = [s for s in due if s.vanished is not None]
        if vanished:
            await self._discover()
            for shard in vanished:
                error, shard.vanished = shard.vanished, None
                if shard.id in self._listed and error is not None:
                    raise error  # still listed: the error was not about the shard being gone
                shard.finish()  # gone from the stream: its records were trimmed away
        return True

    async def _open_iterator(self, shard: _Shard) -> None:
        """
        GetShardIterator for the shard, from after the last record read or from its start; a position trimmed away
        starts again from TRIM_HORIZON.
        """
        assert self._arn is not None
        while True:
            kind, sequence = shard.iterator_request()
            request: dict[str, Any] = {"StreamArn": self._arn, "ShardId": shard.id, "ShardIteratorType": kind}
            if sequence is not None:
                request["SequenceNumber"] = sequence
            try:
                response = await self._call("GetShardIterator", request, self._table)
            except DynamoDBError as exc:
                if exc.code == "TrimmedDataAccessException" and kind != "TRIM_HORIZON":
                    shard.restart()
                    continue
                raise
            iterator = response.get("ShardIterator")
            if iterator is None:
                shard.finish()
            else:
                shard.iterator = str(iterator)
            return

    async def _poll(self, shard: _Shard) -> None:
        """
        One GetRecords on the shard (after GetShardIterator if it has no iterator); its records are queued.
        """
        loop = asyncio.get_running_loop()
        try:
            if shard.iterator is None:
                await self._open_iterator(shard)
                if shard.iterator is None:
                    self._discover_at = loop.time()
                    return
            response = await self._call("GetRecords", {"ShardIterator": shard.iterator}, self._table)
        except TableNotFound as exc:  # the shard may have been trimmed away; the round checks
            shard.vanished = exc
            return
        except DynamoDBError as exc:
            now = loop.time()
            if exc.code == "ExpiredIteratorException":  # older than 15 minutes: ask again, continuing after
                shard.iterator = None
                shard.next_poll = now
                return
            if exc.code == "TrimmedDataAccessException":
                shard.restart()
                shard.next_poll = now
                return
            if isinstance(exc, Throttled) or exc.code == "LimitExceededException":
                shard.throttled += 1
                shard.next_poll = now + random.random() * min(_THROTTLE_CAP, 0.1 * 2**shard.throttled)
                return
            raise
        shard.throttled = 0
        records: list[dict[str, Any]] = response.get("Records") or []
        if records:
            if not shard.buffer:
                self._pending.append(shard)
            shard.buffer.extend(records)
            shard.fetched = str(records[-1]["dynamodb"]["SequenceNumber"])
        following = response.get("NextShardIterator")
        now = loop.time()
        if following is None:
            shard.finish()
            self._discover_at = now  # its children, if any, are listed by now
            return
        shard.iterator = str(following)
        # An open shard with nothing new waits; a closed one (more records may lie further on) is read on.
        shard.next_poll = now if records or shard.closed else now + self._poll_interval
