"""
The bad input corpus: malformed input given to adyn's public API, one case per row. Every case must raise the most
specific adyn exception, with a message naming what was wrong (the model, the column, the offending value), before
any request is sent, and leave the tables as they were.

The tables are set up once for the module (created, seeded, and continuation tokens taken from real queries); each
case then records the requests the engine sends and compares every table's content before and after.
"""

from __future__ import annotations

import base64
import copy
import datetime
import decimal
import enum
import inspect
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import attrs
import pendulum
import pytest
import pytest_asyncio

from adyn import (
    Column,
    Document,
    Engine,
    EngineStateError,
    GlobalSecondaryIndex,
    InvalidCondition,
    InvalidExpression,
    InvalidKeyCondition,
    InvalidModel,
    InvalidValue,
    LocalSecondaryIndex,
    Model,
    StreamNotEnabled,
    UnboundModel,
    UnknownColumn,
    column,
)
from adyn import types as t
from adyn.testing import DynamoDBTarget, RequestRecorder


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(Document):
    street: Column[str] = column()


class Everything(Model):
    """One column of every type adyn has."""

    class Meta:
        table_name = "everything"

    id: Column[str] = column(hash_key=True)
    count: Column[int | None] = column(default=None)
    ratio: Column[float | None] = column(default=None)
    price: Column[decimal.Decimal | None] = column(default=None)
    name: Column[str | None] = column(default=None)
    data: Column[bytes | None] = column(default=None)
    flag: Column[bool | None] = column(default=None)
    tags: Column[set[str]] = column(factory=set)
    numbers: Column[set[int]] = column(factory=set)
    scores: Column[list[int]] = column(factory=list)
    counts: Column[dict[str, int]] = column(factory=dict)
    address: Column[Address | None] = column(default=None)
    when: Column[pendulum.DateTime | None] = column(default=None)
    expires: Column[pendulum.DateTime | None] = column(t.Timestamp(), default=None)
    day: Column[pendulum.Date | None] = column(default=None)
    span: Column[datetime.timedelta | None] = column(default=None)
    uid: Column[uuid.UUID | None] = column(default=None)
    color: Column[Color | None] = column(default=None)
    email: Column[str | None] = column(t.Email(), default=None)
    url: Column[str | None] = column(t.URL(), default=None)
    ip: Column[str | None] = column(t.IPAddress(version=4), default=None)
    blob: Column[Any] = column(t.JSON(), default=None)
    extra: Column[dict[str, Any]] = column(factory=dict)


class Thread(Model):
    """
    A table with a range key, keys-only global indexes, an INCLUDE global index and local indexes on a number and on
    bytes. `title` keys two indexes: the hash key of one, the range key of the other.
    """

    class Meta:
        table_name = "threads"

    forum: Column[str] = column(hash_key=True)
    number: Column[int] = column(range_key=True)
    author: Column[str] = column(default="ann")
    title: Column[str | None] = column(default=None)
    views: Column[int] = column(default=0)
    digest: Column[bytes | None] = column(default=None)

    by_author = GlobalSecondaryIndex(hash_key="author", range_key="number", projection="keys")
    by_title = GlobalSecondaryIndex(hash_key="title", projection=["views"])
    by_author_title = GlobalSecondaryIndex(hash_key="author", range_key="title", projection="keys")
    by_views = LocalSecondaryIndex(range_key="views")
    by_digest = LocalSecondaryIndex(range_key="digest", projection="keys")


class Ledger(Model):
    """A versioned model with a string range key."""

    class Meta:
        table_name = "ledgers"

    account: Column[str] = column(hash_key=True)
    entry: Column[str] = column(range_key=True)
    amount: Column[int] = column(default=0)
    version: Column[int | None] = column(version=True, default=None)


class Stray(Model):
    """Never bound."""

    id: Column[str] = column(hash_key=True)


class Short(Model):
    """A table name too short without a prefix."""

    class Meta:
        table_name = "ab"

    id: Column[str] = column(hash_key=True)


MODELS: tuple[type[Model], ...] = (Everything, Thread, Ledger)


@attrs.define
class World:
    """The module's engine and tables, with what setup read from them."""

    engine: Engine
    options: dict[str, Any]
    recorder: RequestRecorder
    loaded: Everything
    partial: Everything
    thread: Thread
    ledger: Ledger
    thread_token: str
    index_token: str
    scan_token: str


def new(**values: Any) -> Everything:
    """A new Everything with a fresh key and the given values."""
    return Everything(id=uuid.uuid4().hex, **values)


async def raw_scan(engine: Engine, model: type[Model]) -> list[dict[str, Any]]:
    """Every item of the model's table, read with raw consistent scans (no adyn item code, no hooks)."""
    client: Any = engine._transport._client  # pyright: ignore[reportPrivateUsage]
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": engine.table_name(model), "ConsistentRead": True}
    while True:
        response = await client.scan(**request)
        items.extend(response.get("Items", []))
        if not response.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=repr))


async def contents(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: await raw_scan(engine, model) for model in MODELS}


@pytest_asyncio.fixture(scope="module")
async def world(local_dynamodb: DynamoDBTarget) -> AsyncIterator[World]:
    """The corpus models bound on a module-wide engine, seeded, with tokens from real queries and scans."""
    options = {
        **local_dynamodb.engine_options(),
        "retries": 1,
        "table_name_template": f"{uuid.uuid4().hex[:12]}-{{table_name}}",
    }
    engine = Engine(**options)
    await engine.open()
    try:
        await engine.bind(*MODELS)
        await engine.put_all(
            new(count=1, name="a", tags={"x"}),
            new(count=2, name="b", address=Address(street="main")),
            new(count=3, name="c", when=pendulum.datetime(2026, 1, 2, tz="UTC")),
            *(
                Thread(forum=forum, number=n, author="ann", title=f"t{n}")
                for forum in ("f1", "f2")
                for n in (1, 2, 3)
            ),
        )
        ledger = Ledger(account="acc", entry="e1", amount=5)
        await engine.save(ledger)
        loaded = await engine.scan(Everything).first()
        partial = await engine.scan(Everything).project(Everything.name).first()
        thread = await engine.get(Thread, ("f1", 1))
        assert loaded is not None
        assert partial is not None
        assert thread is not None

        async def first_token(search: Any) -> str:
            page = await anext(aiter(search.page_size(1).pages()))
            assert page.token is not None
            return str(page.token)

        world = World(
            engine=engine,
            options=options,
            recorder=RequestRecorder.attach(engine),
            loaded=loaded,
            partial=partial,
            thread=thread,
            ledger=ledger,
            thread_token=await first_token(engine.query(Thread, key=Thread.forum == "f1")),
            index_token=await first_token(engine.query(Thread.by_author, key=Thread.author == "ann")),
            scan_token=await first_token(engine.scan(Everything)),
        )
        yield world
    finally:
        try:
            await engine.delete_tables(*MODELS)
        finally:
            await engine.close()


# -- tokens, malformed on purpose -----------------------------------------------------------------------------------


def _token_body(token: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    return body


def _token(body: dict[str, Any]) -> str:
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def renamed_key(token: str) -> str:
    """The token with its position's range key attribute renamed."""
    body = _token_body(token)
    (position,) = body["pos"]
    position["nmbr"] = position.pop("number")
    return _token(body)


def retyped_key(token: str) -> str:
    """The token with its position's hash key sent as a number instead of a string."""
    body = _token_body(token)
    (position,) = body["pos"]
    position["forum"] = ["N", "12"]
    return _token(body)


def moved_key(token: str) -> str:
    """The token with its position moved to another hash key value (another partition than the query's)."""
    body = _token_body(token)
    (position,) = body["pos"]
    position["forum"] = ["S", "f2"]
    return _token(body)


def extra_attribute(token: str) -> str:
    """The token with a non-key attribute added to its position."""
    body = _token_body(token)
    (position,) = body["pos"]
    position["title"] = ["S", "t1"]
    return _token(body)


# -- the corpus -------------------------------------------------------------------------------------------------------


@attrs.frozen
class Case:
    """
    One bad input: `run` does it (returning an awaitable or not), `error` is the exception it must raise, and
    `contains` the substrings its message must hold.
    """

    id: str
    run: Callable[[World], Any]
    error: type[Exception]
    contains: tuple[str, ...]


def save(**values: Any) -> Callable[[World], Any]:
    """Save a new Everything holding `values`."""
    return lambda w: w.engine.save(new(**values))


def put(**values: Any) -> Callable[[World], Any]:
    """Put a new Everything holding `values`."""
    return lambda w: w.engine.put(new(**values))


def save_changed(**changes: Any) -> Callable[[World], Any]:
    """Save a copy of the loaded thread (its snapshot too) with `changes`: an UpdateItem SETting just those."""

    def run(w: World) -> Any:
        thread = copy.copy(w.thread)
        for name, value in changes.items():
            setattr(thread, name, value)
        return w.engine.save(thread)

    return run


async def in_batch(w: World, *objs: Model) -> None:
    async with w.engine.batch() as batch:
        batch.put(*objs)


async def in_transaction(w: World, stage: Callable[[Any], None]) -> None:
    async with w.engine.transaction() as tx:
        stage(tx)


async def in_read_transaction(w: World, objs: list[Model]) -> None:
    async with w.engine.transaction(read=True) as rx:
        rx.load(*objs)


async def on_closed_engine(w: World) -> None:
    engine = Engine(**w.options)
    engine.hooks.request.append(w.recorder)
    await engine.open()
    await engine.close()
    await engine.save(new(count=1))


async def on_unopened_engine(w: World) -> None:
    engine = Engine(**w.options)
    engine.hooks.request.append(w.recorder)
    await engine.save(new(count=1))


def define_model(table_name: str) -> Callable[[World], Any]:
    def run(_: World) -> None:
        meta = type("Meta", (), {"table_name": table_name})

        class Named(Model):
            Meta = meta
            id: Column[str] = column(hash_key=True)

    return run


def define_index(index_name: str) -> Callable[[World], Any]:
    def run(_: World) -> None:
        class Indexed(Model):
            id: Column[str] = column(hash_key=True)
            other: Column[str] = column(default="")
            by_other = GlobalSecondaryIndex(hash_key="other", name=index_name)

    return run


async def bind_with_template(w: World, template: Any, model: type[Model] = Stray) -> None:
    engine = Engine(**{**w.options, "table_name_template": template})
    engine.hooks.request.append(w.recorder)
    async with engine:
        await engine.bind(model)


NAIVE = datetime.datetime(2026, 1, 2, 3, 4, 5)  # naive on purpose
AWARE = pendulum.datetime(2026, 1, 2, tz="UTC")

CASES: list[Case] = [
    # -- values of every column type --
    Case("int-given-str", save(count="7"), InvalidValue, ("Everything.count", "expected int", "'7'")),
    Case("int-given-bool", save(count=True), InvalidValue, ("Everything.count", "bool", "True")),
    Case("int-39-digits", save(count=10**38 + 1), InvalidValue, ("Everything.count", "38", str(10**38 + 1))),
    Case("int-too-large", put(count=10**126), InvalidValue, ("Everything.count", "38 significant")),
    Case("float-nan", save(ratio=float("nan")), InvalidValue, ("Everything.ratio", "NaN", "nan")),
    Case("float-infinity", put(ratio=float("inf")), InvalidValue, ("Everything.ratio", "infinity", "inf")),
    Case("float-given-str", save(ratio="1.5"), InvalidValue, ("Everything.ratio", "'1.5'")),
    Case("float-magnitude", save(ratio=1e300), InvalidValue, ("Everything.ratio", "1e+300")),
    Case(
        "decimal-39-digits",
        save(price=decimal.Decimal("1." + "1" * 38)),
        InvalidValue,
        ("Everything.price", "38 significant", "1." + "1" * 38),
    ),
    Case(
        "decimal-nan",
        save(price=decimal.Decimal("NaN")),
        InvalidValue,
        ("Everything.price", "Decimal('NaN')"),
    ),
    Case(
        "decimal-infinity",
        put(price=decimal.Decimal("-Infinity")),
        InvalidValue,
        ("Everything.price", "Decimal('-Infinity')"),
    ),
    Case("decimal-tiny", save(price=decimal.Decimal("1E-131")), InvalidValue, ("Everything.price", "1E-131")),
    Case("decimal-given-float", save(price=1.5), InvalidValue, ("Everything.price", "float", "1.5")),
    Case("string-given-int", save(name=5), InvalidValue, ("Everything.name", "expected str", "5")),
    Case("binary-given-str", save(data="abc"), InvalidValue, ("Everything.data", "'abc'")),
    Case("bool-given-int", save(flag=1), InvalidValue, ("Everything.flag", "expected bool", "1")),
    Case(
        "string-set-holding-int", save(tags={"a", 1}), InvalidValue, ("Everything.tags", "expected str", "1")
    ),
    Case("number-set-given-list", save(numbers=[1, 2]), InvalidValue, ("Everything.numbers", "[1, 2]")),
    Case("number-set-holding-nan", put(numbers={float("nan")}), InvalidValue, ("Everything.numbers", "nan")),
    Case(
        "list-holding-none", save(scores=[1, None]), InvalidValue, ("Everything.scores", "None", "[1, None]")
    ),
    Case("list-holding-str", put(scores=["x"]), InvalidValue, ("Everything.scores", "'x'")),
    Case("map-with-int-key", save(counts={1: 2}), InvalidValue, ("Everything.counts", "map keys", "1")),
    Case("map-value-wrong-type", save(counts={"a": "b"}), InvalidValue, ("Everything.counts", "'b'")),
    Case(
        "document-given-dict", save(address={"street": "x"}), InvalidValue, ("Everything.address", "Address")
    ),
    Case(
        "document-bad-column",
        save(address=Address(street=5)),
        InvalidValue,
        ("Everything.address.street", "5"),
    ),
    Case("naive-datetime", save(when=NAIVE), InvalidValue, ("Everything.when", "naive", "2026")),
    Case("naive-timestamp", put(expires=NAIVE), InvalidValue, ("Everything.expires", "naive", "2026")),
    Case("date-given-datetime", save(day=AWARE), InvalidValue, ("Everything.day", "datetime")),
    Case("timedelta-given-int", save(span=5), InvalidValue, ("Everything.span", "timedelta", "5")),
    Case("uuid-given-str", save(uid="1234"), InvalidValue, ("Everything.uid", "UUID", "'1234'")),
    Case("enum-given-value", save(color="red"), InvalidValue, ("Everything.color", "Color", "'red'")),
    Case(
        "email-invalid", save(email="ann.example.com"), InvalidValue, ("Everything.email", "ann.example.com")
    ),
    Case("url-no-scheme", save(url="example.com/x"), InvalidValue, ("Everything.url", "example.com/x")),
    Case(
        "url-other-scheme",
        put(url="ftp://example.com"),
        InvalidValue,
        ("Everything.url", "ftp://example.com"),
    ),
    Case("ip-invalid", save(ip="300.1.2.3"), InvalidValue, ("Everything.ip", "300.1.2.3")),
    Case("ip-wrong-version", save(ip="::1"), InvalidValue, ("Everything.ip", "IPv4", "'::1'")),
    Case("json-not-serialisable", save(blob={1, 2}), InvalidValue, ("Everything.blob", "JSON", "{1, 2}")),
    Case("json-nan", put(blob=[float("nan")]), InvalidValue, ("Everything.blob", "JSON", "nan")),
    Case("dynamic-unsupported", save(extra={"x": object()}), InvalidValue, ("Everything.extra", "object")),
    Case("dynamic-empty-set", save(extra={"s": set()}), InvalidValue, ("Everything.extra", "empty set")),
    Case("dynamic-infinity", put(extra={"x": float("-inf")}), InvalidValue, ("Everything.extra", "-inf")),
    Case("dynamic-int-key", save(extra={1: "x"}), InvalidValue, ("Everything.extra", "map keys")),
    Case(
        "version-given-str",
        lambda w: w.engine.save(Ledger(account="a", entry="e", version="1")),
        InvalidValue,
        ("Ledger.version", "'1'"),
    ),
    # -- keys and items --
    Case(
        "none-hash-key",
        lambda w: w.engine.save(Thread(forum=None, number=1)),
        InvalidValue,
        ("Thread.forum", "missing key"),
    ),
    Case(
        "none-range-key",
        lambda w: w.engine.delete(Thread(forum="f1", number=None)),
        InvalidValue,
        ("Thread.number", "missing key"),
    ),
    Case(
        "range-key-wrong-type",
        lambda w: w.engine.put(Thread(forum="f1", number="1")),
        InvalidValue,
        ("Thread.number", "'1'"),
    ),
    Case(
        "empty-string-hash-key",
        lambda w: w.engine.save(Thread(forum="", number=1)),
        InvalidValue,
        ("Thread.forum", "empty"),
    ),
    Case(
        "empty-string-range-key",
        lambda w: w.engine.get(Ledger, ("acc", "")),
        InvalidValue,
        ("Ledger.entry", "empty"),
    ),
    Case(
        "oversize-hash-key",
        lambda w: w.engine.save(Thread(forum="é" * 1025, number=1)),
        InvalidValue,
        ("Thread.forum", "2050 bytes", "2048"),
    ),
    Case(
        "oversize-range-key",
        lambda w: w.engine.get(Ledger, ("acc", "x" * 1025)),
        InvalidValue,
        ("Ledger.entry", "1025 bytes", "1024"),
    ),
    Case(
        "oversize-key-in-batch-get",
        lambda w: w.engine.get_many(Thread, [("f1", 1), ("y" * 2049, 1)]),
        InvalidValue,
        ("Thread.forum", "2049 bytes"),
    ),
    # -- secondary index keys: DynamoDB refuses empty, oversize and mistyped values (moto lets some through) --
    Case(
        "index-hash-key-empty-string",
        lambda w: w.engine.save(Thread(forum="f9", number=1, author="")),
        InvalidValue,
        ("Thread.author", "hash key of index by_author", "empty", "(value: '')"),
    ),
    Case(
        "index-hash-key-oversize",
        lambda w: w.engine.create(Thread(forum="f9", number=1, author="é" * 1025)),
        InvalidValue,
        ("Thread.author", "2050 bytes", "2048", "by_author"),
    ),
    Case(
        "index-range-key-oversize",
        lambda w: w.engine.put(Thread(forum="f9", number=1, title="x" * 1025)),
        InvalidValue,
        ("Thread.title", "1025 bytes", "1024", "range key of index by_author_title"),
    ),
    Case(
        "local-index-key-empty-binary",
        lambda w: w.engine.put(Thread(forum="f9", number=1, digest=b"")),
        InvalidValue,
        ("Thread.digest", "range key of index by_digest", "empty", "(value: b'')"),
    ),
    Case(
        "save-changes-index-key-to-empty",
        save_changed(title=""),
        InvalidValue,
        ("Thread.title", "by_author_title", "empty"),
    ),
    Case(
        "update-index-key-to-empty",
        lambda w: w.engine.update(w.thread, Thread.title.set("")),
        InvalidValue,
        ("Thread.title", "by_author_title", "empty", "(value: '')"),
    ),
    Case(
        "update-index-key-if-not-exists-oversize",
        lambda w: w.engine.update(w.thread, Thread.digest.set_if_not_exists(b"x" * 1025)),
        InvalidValue,
        ("Thread.digest", "1025 bytes", "by_digest"),
    ),
    Case(
        "batch-index-key-empty",
        lambda w: w.engine.put_all(
            Thread(forum="f9", number=1, title="fine"), Thread(forum="f9", number=2, author="")
        ),
        InvalidValue,
        ("Thread.author", "by_author", "empty"),
    ),
    Case(
        "transaction-index-key-empty",
        lambda w: in_transaction(
            w,
            lambda tx: (
                tx.put(Thread(forum="f9", number=1, title="fine")),
                tx.save(Thread(forum="f9", number=2, digest=b"")),
            ),
        ),
        InvalidValue,
        ("Thread.digest", "by_digest", "empty"),
    ),
    Case("oversize-item", save(name="x" * 400 * 1024), InvalidValue, ("Everything", "400 KB")),
    Case(
        "oversize-item-in-batch",
        lambda w: w.engine.put_all(new(data=b"x" * 400 * 1024)),
        InvalidValue,
        ("Everything", "400 KB"),
    ),
    Case(
        "get-key-wrong-type",
        lambda w: w.engine.get(Thread, ("f1", "one")),
        InvalidValue,
        ("Thread.number", "'one'"),
    ),
    Case(
        "get-key-wrong-arity", lambda w: w.engine.get(Thread, ("f1",)), InvalidValue, ("Thread", "2 part(s)")
    ),
    Case(
        "get-unknown-key-column",
        lambda w: w.engine.get(Thread, forum="f1", nonsense=1),
        UnknownColumn,
        ("Thread.nonsense",),
    ),
    Case(
        "get-key-and-keywords",
        lambda w: w.engine.get(Thread, ("f1", 1), forum="f1"),
        InvalidValue,
        ("Thread", "not both"),
    ),
    Case("put-partial-object", lambda w: w.engine.put(w.partial), InvalidValue, ("Everything", "partial")),
    # -- conditions and updates --
    Case(
        "condition-wrong-type",
        lambda w: w.engine.save(new(), condition=Everything.count == "x"),
        InvalidValue,
        ("Everything.count", "'x'"),
    ),
    Case(
        "condition-naive-datetime",
        lambda w: w.engine.delete(w.loaded, condition=Everything.when < NAIVE),
        InvalidValue,
        ("Everything.when", "naive"),
    ),
    Case(
        "condition-not-a-condition",
        lambda w: w.engine.delete(w.loaded, condition="count = 1"),
        InvalidExpression,
        ("Everything", "Condition", "'count = 1'"),
    ),
    Case(
        "condition-empty-set",
        lambda w: w.engine.save(new(), condition=Everything.tags == set()),
        InvalidCondition,
        ("Everything.tags", "empty set"),
    ),
    Case(
        "condition-order-none",
        lambda w: w.engine.save(new(), condition=Everything.count < None),
        InvalidCondition,
        ("Everything.count", "None"),
    ),
    Case(
        "condition-begins-with-number",
        lambda w: w.engine.save(new(), condition=Everything.count.begins_with(1)),
        InvalidCondition,
        ("Everything.count", "begins_with"),
    ),
    Case(
        "update-key-column",
        lambda w: w.engine.update(w.thread, Thread.forum.set("f9")),
        InvalidExpression,
        ("Thread.forum", "key columns"),
    ),
    Case(
        "update-no-action",
        lambda w: w.engine.update(w.thread),
        InvalidExpression,
        ("Thread", "at least one action"),
    ),
    Case(
        "update-other-model",
        lambda w: w.engine.update(w.loaded, Thread.views.set(1)),
        UnknownColumn,
        ("Everything", "Thread.views"),
    ),
    Case(
        "update-version-column",
        lambda w: w.engine.update(w.ledger, Ledger.version.set(7)),
        InvalidExpression,
        ("Ledger.version", "managed by adyn"),
    ),
    Case(
        "update-add-empty-set",
        lambda w: w.engine.update(w.loaded, Everything.tags.add(set())),
        InvalidCondition,
        ("Everything.tags", "empty set"),
    ),
    Case(
        "update-increment-string",
        lambda w: w.engine.update(w.loaded, Everything.name.increment()),
        InvalidExpression,
        ("Everything.name", "not a number"),
    ),
    Case(
        "update-set-wrong-type",
        lambda w: w.engine.update(w.loaded, Everything.count.set("x")),
        InvalidValue,
        ("Everything.count", "'x'"),
    ),
    # -- queries and scans --
    Case(
        "key-condition-non-key",
        lambda w: w.engine.query(Thread, key=Thread.title == "x"),
        InvalidKeyCondition,
        ("Thread.title", "not a key"),
    ),
    Case(
        "key-condition-hash-range-op",
        lambda w: w.engine.query(Thread, key=Thread.forum > "f"),
        InvalidKeyCondition,
        ("Thread.forum", "only =="),
    ),
    Case(
        "key-condition-empty-hash",
        lambda w: w.engine.query(Thread, key=Thread.forum == ""),
        InvalidKeyCondition,
        ("Thread.forum", "empty"),
    ),
    Case(
        "key-condition-empty-prefix",
        lambda w: w.engine.query(
            Thread.by_author_title, key=(Thread.author == "a") & Thread.title.begins_with("")
        ),
        InvalidKeyCondition,
        ("Thread.title", "empty"),
    ),
    Case(
        "key-condition-missing-hash",
        lambda w: w.engine.query(Thread.by_author, key=Thread.number == 1),
        InvalidKeyCondition,
        ("index by_author", "author"),
    ),
    Case(
        "filter-on-key",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f1").filter(Thread.number > 1),
        InvalidCondition,
        ("Thread.number", "key"),
    ),
    Case(
        "filter-not-projected",
        lambda w: w.engine.query(Thread.by_author, key=Thread.author == "ann").filter(Thread.title == "t1"),
        InvalidExpression,
        ("Thread.title", "by_author", "does not project"),
    ),
    Case(
        "scan-filter-not-projected",
        lambda w: w.engine.scan(Thread.by_title).filter(Thread.author == "ann"),
        InvalidExpression,
        ("Thread.author", "by_title", "does not project"),
    ),
    Case(
        "project-not-projected",
        lambda w: w.engine.scan(Thread.by_author).project(Thread.title),
        InvalidExpression,
        ("Thread.title", "by_author"),
    ),
    Case(
        "consistent-global-index",
        lambda w: w.engine.scan(Thread.by_title).consistent(),
        InvalidExpression,
        ("Thread", "by_title", "global"),
    ),
    Case(
        "filter-other-model",
        lambda w: w.engine.scan(Everything).filter(Thread.views > 1),
        UnknownColumn,
        ("Everything", "Thread.views"),
    ),
    Case(
        "filter-not-a-condition",
        lambda w: w.engine.scan(Everything).filter("count > 1"),
        InvalidCondition,
        ("Everything", "'count > 1'"),
    ),
    Case(
        "condition-as-bool",
        lambda w: w.engine.scan(Everything).filter(Everything.count > 1 or Everything.count < 0),
        InvalidCondition,
        ("Everything.count",),
    ),
    Case(
        "limit-zero", lambda w: w.engine.scan(Everything).limit(0), InvalidValue, ("Everything", "limit", "0")
    ),
    Case(
        "limit-not-int",
        lambda w: w.engine.scan(Everything).limit("10"),
        InvalidValue,
        ("Everything", "limit", "'10'"),
    ),
    Case(
        "page-size-negative",
        lambda w: w.engine.scan(Everything).page_size(-1),
        InvalidValue,
        ("Everything", "page_size", "-1"),
    ),
    Case(
        "page-size-float",
        lambda w: w.engine.scan(Everything).page_size(2.5),
        InvalidValue,
        ("Everything", "page_size", "2.5"),
    ),
    Case(
        "prefetch-negative",
        lambda w: w.engine.scan(Everything).prefetch(-1),
        InvalidValue,
        ("Everything", "prefetch", "-1"),
    ),
    Case(
        "segments-zero",
        lambda w: w.engine.scan(Everything).segments(0),
        InvalidValue,
        ("Everything", "segments", "0"),
    ),
    Case(
        "segments-float",
        lambda w: w.engine.scan(Everything).segments(2.5),
        InvalidValue,
        ("Everything", "segments", "2.5"),
    ),
    Case(
        "query-not-a-model",
        lambda w: w.engine.query("threads", key=Thread.forum == "f1"),
        InvalidModel,
        ("threads:", "model class"),
    ),
    Case(
        "stream-not-declared",
        lambda w: w.engine.stream(Everything),
        StreamNotEnabled,
        ("Everything", "Meta.stream"),
    ),
    # -- continuation tokens --
    Case(
        "token-other-table",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f1").start(w.scan_token),
        InvalidValue,
        ("Thread", "another table"),
    ),
    Case(
        "token-other-index",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f1").start(w.index_token),
        InvalidValue,
        ("Thread", "another table", "by_author"),
    ),
    Case(
        "token-table-on-index",
        lambda w: w.engine.query(Thread.by_author, key=Thread.author == "ann").start(w.thread_token),
        InvalidValue,
        ("Thread", "another table"),
    ),
    Case(
        "token-other-query",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f2").start(w.thread_token),
        InvalidValue,
        ("Thread", "another"),
    ),
    Case(
        "token-query-on-scan",
        lambda w: w.engine.scan(Thread).start(w.thread_token),
        InvalidValue,
        ("Thread", "another"),
    ),
    Case(
        "token-other-segments",
        lambda w: w.engine.scan(Everything).segments(2).start(w.scan_token),
        InvalidValue,
        ("Everything", "segment"),
    ),
    Case(
        "token-garbage",
        lambda w: w.engine.scan(Everything).start("not-a-token"),
        InvalidValue,
        ("Everything", "not a continuation token", "not-a-token"),
    ),
    Case(
        "token-truncated",
        lambda w: w.engine.scan(Everything).start(w.scan_token[:-12]),
        InvalidValue,
        ("Everything", "not a continuation token"),
    ),
    Case(
        "token-not-a-string",
        lambda w: w.engine.scan(Everything).start(12),
        InvalidValue,
        ("Everything", "not a continuation token", "12"),
    ),
    Case(
        "token-renamed-key",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f1").start(renamed_key(w.thread_token)),
        InvalidValue,
        ("Thread", "nmbr"),
    ),
    Case(
        "token-retyped-key",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f1").start(retyped_key(w.thread_token)),
        InvalidValue,
        ("Thread.forum", "'N'"),
    ),
    Case(
        "token-moved-key",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f1").start(moved_key(w.thread_token)),
        InvalidValue,
        ("Thread.forum", "f2"),
    ),
    Case(
        "token-extra-attribute",
        lambda w: w.engine.query(Thread, key=Thread.forum == "f1").start(extra_attribute(w.thread_token)),
        InvalidValue,
        ("Thread", "title"),
    ),
    # -- batches and transactions --
    Case(
        "batch-duplicate-key",
        lambda w: in_batch(w, Thread(forum="f1", number=1), Thread(forum="f1", number=1, title="x")),
        InvalidValue,
        ("Thread", "already in the batch"),
    ),
    Case(
        "put-all-duplicate-key",
        lambda w: w.engine.put_all(Thread(forum="f1", number=7), Thread(forum="f1", number=7)),
        InvalidValue,
        ("Thread", "already in the batch", "number=7"),
    ),
    Case(
        "delete-all-duplicate-key",
        lambda w: w.engine.delete_all(w.thread, Thread(forum="f1", number=1)),
        InvalidValue,
        ("Thread", "already in the batch"),
    ),
    Case(
        "batch-versioned",
        lambda w: w.engine.put_all(Ledger(account="a", entry="e")),
        InvalidValue,
        ("Ledger.version", "versioned"),
    ),
    Case(
        "transaction-over-100",
        lambda w: in_transaction(w, lambda tx: [tx.put(Thread(forum="f9", number=n)) for n in range(101)]),
        InvalidValue,
        ("Thread", "at most 100", "number=100"),
    ),
    Case(
        "transaction-same-item-twice",
        lambda w: in_transaction(
            w,
            lambda tx: (
                tx.update(w.thread, Thread.views.increment()),
                tx.delete(Thread(forum="f1", number=1)),
            ),
        ),
        InvalidValue,
        ("Thread", "already in the transaction"),
    ),
    Case(
        "transaction-bad-value",
        lambda w: in_transaction(
            w, lambda tx: (tx.put(Thread(forum="f9", number=1)), tx.put(new(count="x")))
        ),
        InvalidValue,
        ("Everything.count", "'x'"),
    ),
    Case(
        "transaction-check-without-condition",
        lambda w: in_transaction(w, lambda tx: tx.check(w.thread, None)),
        InvalidExpression,
        ("Thread", "needs a condition"),
    ),
    Case(
        "read-transaction-same-item-twice",
        lambda w: in_read_transaction(w, [Thread(forum="f1", number=1), Thread(forum="f1", number=1)]),
        InvalidValue,
        ("Thread", "already in the transaction"),
    ),
    Case(
        "read-transaction-over-100",
        lambda w: in_read_transaction(w, [Thread(forum="f1", number=n) for n in range(101)]),
        InvalidValue,
        ("Thread", "at most 100"),
    ),
    # -- engine and model state --
    Case("unbound-model", lambda w: w.engine.save(Stray(id="x")), UnboundModel, ("Stray", "not bound")),
    Case(
        "unbound-model-query",
        lambda w: w.engine.query(Stray, key=Stray.id == "x").all(),
        UnboundModel,
        ("Stray",),
    ),
    Case("closed-engine", on_closed_engine, EngineStateError, ("closed",)),
    Case("unopened-engine", on_unopened_engine, EngineStateError, ("open the engine first",)),
    Case("bind-not-a-model", lambda w: w.engine.bind(dict), InvalidModel, ("dict", "Model subclasses")),
    Case(
        "table-name-bad-characters",
        define_model("my table!"),
        InvalidModel,
        ("Named", "table_name", "'my table!'"),
    ),
    Case("table-name-too-long", define_model("t" * 256), InvalidModel, ("Named", "table_name", "255")),
    Case(
        "table-name-too-short",
        lambda w: bind_with_template(w, "{table_name}", Short),
        InvalidModel,
        ("Short", "'ab'"),
    ),
    Case(
        "index-name-bad-characters",
        define_index("by other"),
        InvalidModel,
        ("Indexed", "by_other", "'by other'"),
    ),
    Case(
        "table-name-template-bad",
        lambda w: bind_with_template(w, "dev/{table_name}"),
        InvalidModel,
        ("Stray", "'dev/Stray'"),
    ),
    Case(
        "table-name-callable-bad",
        lambda w: bind_with_template(w, lambda model: "x" * 300),
        InvalidModel,
        ("Stray", "255"),
    ),
]


async def attempt(case: Case, world: World) -> None:
    """Run the case, awaiting what it returns when that is awaitable."""
    result = case.run(world)
    if inspect.isawaitable(result):
        await result


def test_corpus_size() -> None:
    """The corpus holds at least 40 distinct cases."""
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_bad_input(world: World, case: Case) -> None:
    """The case raises its adyn exception naming what was wrong, sends nothing, and changes no table."""
    before = await contents(world.engine)
    world.recorder.clear()
    with pytest.raises(case.error) as raised:
        await attempt(case, world)
    assert type(raised.value) is case.error, f"{type(raised.value).__name__}: {raised.value}"
    message = str(raised.value)
    for part in case.contains:
        assert part in message, f"{part!r} not in {message!r}"
    assert world.recorder.calls == []
    assert await contents(world.engine) == before


async def test_empty_sets_are_stored_as_absent(world: World) -> None:
    """
    DynamoDB has no empty set: adyn stores an empty set column as absent (its documented behaviour) instead of
    refusing it, and an emptied set is removed; either loads back as an empty set.
    """
    engine = world.engine
    obj = new(count=1)
    await engine.save(obj)
    client: Any = engine._transport._client  # pyright: ignore[reportPrivateUsage]
    table = engine.table_name(Everything)
    item = (await client.get_item(TableName=table, Key={"id": {"S": obj.id}}, ConsistentRead=True))["Item"]
    assert "tags" not in item
    assert "numbers" not in item
    obj.tags = {"x"}
    await engine.save(obj)
    obj.tags = set()
    world.recorder.clear()
    await engine.save(obj)
    (request,) = world.recorder.requests("UpdateItem")
    assert request["UpdateExpression"].startswith("REMOVE ")
    item = (await client.get_item(TableName=table, Key={"id": {"S": obj.id}}, ConsistentRead=True))["Item"]
    assert "tags" not in item
    loaded = await engine.get(Everything, obj.id, consistent=True)
    assert loaded is not None
    assert loaded.tags == set()
    await engine.delete(obj)
