"""
Tables against the local DynamoDB server: what bind() creates (keys, indexes and projections, billing, stream,
TTL), the CreateTable request itself, binding again and concurrently, validating existing tables, models sharing a
table, deleting tables, table name templates, and what bind() refuses.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest

from adyn import (
    Billing,
    Column,
    Document,
    Engine,
    GlobalSecondaryIndex,
    InvalidModel,
    InvalidRequest,
    LocalSecondaryIndex,
    Model,
    TableMismatch,
    TableNotFound,
    UnboundModel,
    column,
)
from adyn import types as t
from adyn._tables import create_table_request, wait_until_active
from tests.dynalite import Dynalite
from tests.server.conftest import Recorder


class Forum(Model):
    """Every table feature: hash and range key, three GSI projections, two LSIs, provisioned billing, stream, TTL."""

    class Meta:
        table_name = "forums"
        billing = Billing(read=5, write=3)
        stream = "new_and_old"
        ttl = "expires"

    name: Column[str] = column(hash_key=True)
    thread: Column[uuid.UUID] = column(range_key=True, name="t")
    user: Column[uuid.UUID] = column(name="u")
    date: Column[pendulum.DateTime] = column(t.DateTime(timezone="Europe/Paris"), name="d")
    views: Column[int] = column(name="v", default=0)
    title: Column[str | None] = column(default=None)
    expires: Column[pendulum.DateTime | None] = column(t.Timestamp(), name="exp", default=None)

    by_user = GlobalSecondaryIndex(hash_key="user", range_key="date", read_units=2, write_units=1)
    by_title = GlobalSecondaryIndex(hash_key="title", projection="keys")
    by_views = GlobalSecondaryIndex(hash_key="views", projection=["title", "user"], name="views-index")
    recent = LocalSecondaryIndex(range_key="date", projection="keys")
    popular = LocalSecondaryIndex(range_key="views", projection=["title"])


class Board(Forum):
    """Forum's keys, indexes and billing without its stream and TTL, which not every backend has (dynalite)."""

    class Meta:
        table_name = "boards"
        stream = None
        ttl = None


class Topic(Model):
    """An on-demand table with two global indexes (ALL and INCLUDE), no stream, no TTL."""

    class Meta:
        table_name = "topics"

    id: Column[uuid.UUID] = column(hash_key=True)
    user: Column[uuid.UUID] = column(name="u")
    date: Column[pendulum.DateTime] = column(name="d")
    title: Column[str | None] = column(default=None)

    by_user = GlobalSecondaryIndex(hash_key="user", range_key="date")
    by_title = GlobalSecondaryIndex(hash_key="title", projection=["user"])


class StreamedTopic(Topic):
    """Topic with a stream."""

    class Meta:
        stream = "new_and_old"


class Plain(Model):
    """The smallest model: a hash key and one value, nothing else."""

    id: Column[str] = column(hash_key=True)
    text: Column[str | None] = column(default=None)


class Question(Model):
    class Meta:
        table_name = "board"

    board: Column[str] = column(hash_key=True)
    id: Column[str] = column(range_key=True)
    asker: Column[str | None] = column(name="a", default=None)

    by_asker = GlobalSecondaryIndex(hash_key="asker", projection="keys")


class Answer(Model):
    class Meta:
        table_name = "board"

    board: Column[str] = column(hash_key=True)
    id: Column[str] = column(range_key=True)
    score: Column[int] = column(name="s", default=0)

    by_score = LocalSecondaryIndex(range_key="score")


class Clash(Model):
    """Claims the table of Question and Answer with a numeric hash key."""

    class Meta:
        table_name = "board"

    board: Column[int] = column(hash_key=True)
    id: Column[str] = column(range_key=True)


class Base(Model):
    class Meta:
        abstract = True

    text: Column[str | None] = column(default=None)


class Note(Document):
    text: Column[str] = column()


async def describe(engine: Engine, table_name: str) -> dict[str, Any]:
    """The raw DescribeTable description."""
    response = await engine._transport.call("DescribeTable", {"TableName": table_name})
    return response["Table"]  # type: ignore[no-any-return]


async def raw_create(engine: Engine, request: dict[str, Any]) -> None:
    """Create a table by hand, bypassing adyn's table code, and wait until it is ACTIVE: a table still CREATING
    refuses DeleteTable and UpdateTimeToLive on DynamoDB (moto creates tables ACTIVE)."""
    await engine._transport.call("CreateTable", request)
    await wait_until_active(engine._transport, request["TableName"])


def index_summary(description: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Name → key schema, projection (and throughput when set) of the table's indexes of one kind."""
    out: dict[str, dict[str, Any]] = {}
    for entry in description.get(kind, []):
        summary = {"KeySchema": entry["KeySchema"], "Projection": entry["Projection"]}
        throughput = entry.get("ProvisionedThroughput")
        if throughput and throughput.get("ReadCapacityUnits"):
            summary["Throughput"] = (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"])
        out[entry["IndexName"]] = summary
    return out


def keys(*parts: tuple[str, str]) -> list[dict[str, str]]:
    return [{"AttributeName": name, "KeyType": kind} for name, kind in parts]


# -- what bind() creates ------------------------------------------------------------------------------------------


class TestCreate:
    async def test_key_schema_and_attribute_definitions(self, engine: Engine) -> None:
        """bind() creates the table with the model's key schema and a definition for every key attribute."""
        await engine.bind(Board)
        table = await describe(engine, engine.table_name(Board))
        assert table["TableStatus"] == "ACTIVE"
        assert table["KeySchema"] == keys(("name", "HASH"), ("t", "RANGE"))
        definitions = sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"])
        assert definitions == [
            {"AttributeName": "d", "AttributeType": "S"},
            {"AttributeName": "name", "AttributeType": "S"},
            {"AttributeName": "t", "AttributeType": "S"},
            {"AttributeName": "title", "AttributeType": "S"},
            {"AttributeName": "u", "AttributeType": "S"},
            {"AttributeName": "v", "AttributeType": "N"},
        ]

    async def test_global_indexes_with_projections_and_throughput(self, engine: Engine) -> None:
        """Each GSI gets its keys, its projection (ALL, KEYS_ONLY, INCLUDE) and its own or the table's units."""
        await engine.bind(Board)
        table = await describe(engine, engine.table_name(Board))
        assert index_summary(table, "GlobalSecondaryIndexes") == {
            "by_user": {
                "KeySchema": keys(("u", "HASH"), ("d", "RANGE")),
                "Projection": {"ProjectionType": "ALL"},
                "Throughput": (2, 1),
            },
            "by_title": {
                "KeySchema": keys(("title", "HASH")),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "Throughput": (5, 3),
            },
            "views-index": {
                "KeySchema": keys(("v", "HASH")),
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title", "u"]},
                "Throughput": (5, 3),
            },
        }
        assert all(g["IndexStatus"] == "ACTIVE" for g in table["GlobalSecondaryIndexes"])

    async def test_local_indexes_with_projections(self, engine: Engine) -> None:
        """Each LSI gets the table's hash key, its own range key and its projection."""
        await engine.bind(Board)
        table = await describe(engine, engine.table_name(Board))
        assert index_summary(table, "LocalSecondaryIndexes") == {
            "recent": {
                "KeySchema": keys(("name", "HASH"), ("d", "RANGE")),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            "popular": {
                "KeySchema": keys(("name", "HASH"), ("v", "RANGE")),
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            },
        }

    async def test_provisioned_billing(self, engine: Engine) -> None:
        """Meta.billing with read/write units creates a PROVISIONED table with those units."""
        await engine.bind(Board)
        table = await describe(engine, engine.table_name(Board))
        # DynamoDB (and dynalite) omit BillingModeSummary on a table never switched to on-demand; moto always sends it.
        assert table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
        assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 3

    async def test_on_demand_billing(self, engine: Engine, recorder: Recorder) -> None:
        """A model without Meta.billing creates a PAY_PER_REQUEST table, with no throughput in the request."""
        await engine.bind(Topic)
        table = await describe(engine, engine.table_name(Topic))
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        (request,) = [r for op, r in recorder.calls if op == "CreateTable"]
        assert request["BillingMode"] == "PAY_PER_REQUEST"
        assert "ProvisionedThroughput" not in request
        assert all("ProvisionedThroughput" not in g for g in request["GlobalSecondaryIndexes"])

    @pytest.mark.needs("streams")
    async def test_stream(self, engine: Engine) -> None:
        """Meta.stream enables the table's stream with the matching view type."""
        await engine.bind(Forum)
        table = await describe(engine, engine.table_name(Forum))
        assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert table["LatestStreamArn"]

    @pytest.mark.needs("ttl")
    async def test_ttl_enabled(self, engine: Engine, recorder: Recorder) -> None:
        """Meta.ttl enables TTL on the column's backing attribute once the new table is ACTIVE."""
        await engine.bind(Forum)
        name = engine.table_name(Forum)
        assert (
            "UpdateTimeToLive",
            {"TableName": name, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}},
        ) in recorder.calls
        response = await engine._transport.call("DescribeTimeToLive", {"TableName": name})
        assert response["TimeToLiveDescription"] == {"AttributeName": "exp", "TimeToLiveStatus": "ENABLED"}

    async def test_plain_model_has_no_stream_or_ttl(self, engine: Engine, recorder: Recorder) -> None:
        """A model without stream or TTL gets neither, and bind() sends only DescribeTable and CreateTable."""
        await engine.bind(Plain)
        name = engine.table_name(Plain)
        # Then DescribeTable until ACTIVE: once on moto, which creates tables ACTIVE; maybe more elsewhere.
        first, polls = recorder.operations[:2], recorder.operations[2:]
        assert first == ["DescribeTable", "CreateTable"]
        assert polls
        assert set(polls) == {"DescribeTable"}
        table = await describe(engine, name)
        assert not table.get("StreamSpecification", {}).get("StreamEnabled", False)
        assert not table.get("GlobalSecondaryIndexes")
        assert not table.get("LocalSecondaryIndexes")
        response = await engine._transport.call("DescribeTimeToLive", {"TableName": name})
        assert response["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"

    @pytest.mark.needs("ttl")
    async def test_sends_the_built_request(self, engine: Engine, recorder: Recorder) -> None:
        """The CreateTable request bind() sends is exactly create_table_request() for the full table name."""
        await engine.bind(Forum)
        (request,) = [r for op, r in recorder.calls if op == "CreateTable"]
        assert request == create_table_request(engine.table_name(Forum), [Forum.__adyn__])
        assert request["TableName"] == engine.table_name(Forum)


# -- the CreateTable request --------------------------------------------------------------------------------------


class TestCreateTableRequest:
    def test_every_feature(self) -> None:
        """The request for a model with every feature is exactly the expected CreateTable dict."""
        assert create_table_request("forums", [Forum.__adyn__]) == {
            "TableName": "forums",
            "KeySchema": [
                {"AttributeName": "name", "KeyType": "HASH"},
                {"AttributeName": "t", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "d", "AttributeType": "S"},
                {"AttributeName": "name", "AttributeType": "S"},
                {"AttributeName": "t", "AttributeType": "S"},
                {"AttributeName": "title", "AttributeType": "S"},
                {"AttributeName": "u", "AttributeType": "S"},
                {"AttributeName": "v", "AttributeType": "N"},
            ],
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by_title",
                    "KeySchema": [{"AttributeName": "title", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
                },
                {
                    "IndexName": "by_user",
                    "KeySchema": [
                        {"AttributeName": "u", "KeyType": "HASH"},
                        {"AttributeName": "d", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1},
                },
                {
                    "IndexName": "views-index",
                    "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title", "u"]},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
                },
            ],
            "LocalSecondaryIndexes": [
                {
                    "IndexName": "popular",
                    "KeySchema": [
                        {"AttributeName": "name", "KeyType": "HASH"},
                        {"AttributeName": "v", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
                },
                {
                    "IndexName": "recent",
                    "KeySchema": [
                        {"AttributeName": "name", "KeyType": "HASH"},
                        {"AttributeName": "d", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
            ],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        }

    def test_minimal(self) -> None:
        """A hash-key-only on-demand model gets a request with no throughput, indexes or stream."""
        assert create_table_request("p", [Plain.__adyn__]) == {
            "TableName": "p",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }

    def test_models_sharing_a_table_merge_indexes(self) -> None:
        """Models sharing a table give one request with both models' indexes and key attributes."""
        assert create_table_request("board", [Question.__adyn__, Answer.__adyn__]) == {
            "TableName": "board",
            "KeySchema": [
                {"AttributeName": "board", "KeyType": "HASH"},
                {"AttributeName": "id", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "a", "AttributeType": "S"},
                {"AttributeName": "board", "AttributeType": "S"},
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "s", "AttributeType": "N"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by_asker",
                    "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            "LocalSecondaryIndexes": [
                {
                    "IndexName": "by_score",
                    "KeySchema": [
                        {"AttributeName": "board", "KeyType": "HASH"},
                        {"AttributeName": "s", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        }

    def test_models_sharing_a_table_with_other_keys(self) -> None:
        """Two models with other keys on one table are refused with InvalidModel naming the second model."""
        with pytest.raises(
            InvalidModel, match="shares table 'board' with Question but has other keys"
        ) as info:
            create_table_request("board", [Question.__adyn__, Clash.__adyn__])
        assert info.value.model is Clash


# -- binding again ------------------------------------------------------------------------------------------------


class TestBindAgain:
    @pytest.mark.needs("ttl")
    async def test_bind_twice_is_idempotent(self, engine: Engine, recorder: Recorder) -> None:
        """A second bind() of a bound model only describes the table: no CreateTable, no UpdateTimeToLive."""
        await engine.bind(Forum)
        assert recorder.operations.count("CreateTable") == 1
        recorder.clear()
        await engine.bind(Forum)
        assert "CreateTable" not in recorder.operations
        assert "UpdateTimeToLive" not in recorder.operations
        assert set(recorder.operations) == {"DescribeTable", "DescribeTimeToLive"}

    @pytest.mark.needs("ttl")
    async def test_concurrent_binds_create_once(self, engine: Engine, recorder: Recorder) -> None:
        """Binding the same model twice concurrently creates its table once and both binds succeed."""
        await asyncio.gather(engine.bind(Forum), engine.bind(Forum), engine.create_tables(Forum))
        assert recorder.operations.count("CreateTable") == 1
        assert recorder.operations.count("UpdateTimeToLive") == 1
        forum = Forum(name="f", thread=uuid.uuid4(), user=uuid.uuid4(), date=pendulum.now("UTC"))
        await engine.save(forum)
        assert await engine.get(Forum, (forum.name, forum.thread)) == forum

    @pytest.mark.needs("ttl")
    async def test_two_engines_racing_to_create(self, engine: Engine, engine_options: dict[str, Any]) -> None:
        """When another engine creates the table between our DescribeTable and CreateTable, bind() still succeeds
        and the table gets its TTL."""
        b_wants_create = asyncio.Event()
        a_created = asyncio.Event()
        b_checked_ttl = asyncio.Event()

        async def a_request(operation: str, request: dict[str, Any]) -> None:
            if operation == "CreateTable":
                await b_wants_create.wait()  # B has seen the table missing
            if operation == "UpdateTimeToLive":
                await b_checked_ttl.wait()  # B compares before A turns TTL on

        def a_response(
            operation: str, request: dict[str, Any], response: dict[str, Any], seconds: float
        ) -> None:
            if operation == "CreateTable":
                a_created.set()

        async def b_request(operation: str, request: dict[str, Any]) -> None:
            if operation == "CreateTable":
                b_wants_create.set()
                await a_created.wait()  # B's CreateTable now finds the table: ResourceInUseException

        def b_response(
            operation: str, request: dict[str, Any], response: dict[str, Any], seconds: float
        ) -> None:
            if operation == "DescribeTimeToLive":
                b_checked_ttl.set()

        a_calls, b_calls = Recorder(), Recorder()
        a_ttl = TTLNotIdempotent(engine)
        engine.hooks.request += [a_request, a_calls, a_ttl]
        engine.hooks.response.append(a_response)
        async with Engine(**engine_options) as other:
            other.hooks.request += [b_request, b_calls, TTLNotIdempotent(other)]
            other.hooks.response.append(b_response)
            await asyncio.gather(engine.bind(Forum), other.bind(Forum))
        # Both tried to create the table and to enable TTL; B enabled it, A was told it already was.
        assert a_calls.operations.count("CreateTable") == b_calls.operations.count("CreateTable") == 1
        assert (
            a_calls.operations.count("UpdateTimeToLive") == b_calls.operations.count("UpdateTimeToLive") == 1
        )
        assert a_ttl.refused == 1
        response = await engine._transport.call("DescribeTimeToLive", {"TableName": engine.table_name(Forum)})
        assert response["TimeToLiveDescription"] == {"AttributeName": "exp", "TimeToLiveStatus": "ENABLED"}

    async def test_bind_create_false_on_missing_table(self, engine: Engine, recorder: Recorder) -> None:
        """bind(create=False) on a missing table raises TableNotFound naming it, sends no CreateTable and binds
        nothing."""
        with pytest.raises(TableNotFound) as info:
            await engine.bind(Plain, create=False)
        assert info.value.table_name == engine.table_name(Plain)
        assert engine.table_name(Plain) in str(info.value)
        assert recorder.operations == ["DescribeTable"]
        with pytest.raises(UnboundModel):
            await engine.save(Plain(id="x"))

    async def test_bind_create_false_on_existing_table(self, engine: Engine, recorder: Recorder) -> None:
        """bind(create=False) on an existing fitting table binds the model."""
        await raw_create(engine, create_table_request(engine.table_name(Plain), [Plain.__adyn__]))
        recorder.clear()
        await engine.bind(Plain, create=False)
        assert "CreateTable" not in recorder.operations
        await engine.save(Plain(id="x", text="hello"))
        assert await engine.get(Plain, "x") == Plain(id="x", text="hello")


class TTLNotIdempotent:
    """A request hook making UpdateTimeToLive behave as on AWS, which refuses to enable TTL twice (moto allows it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.refused = 0

    async def __call__(self, operation: str, request: dict[str, Any]) -> None:
        if operation != "UpdateTimeToLive" or not request["TimeToLiveSpecification"]["Enabled"]:
            return
        # Straight through the client: no hooks run for this look at the server.
        response = await self.engine._transport._client.describe_time_to_live(TableName=request["TableName"])
        if response["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED":
            self.refused += 1
            raise InvalidRequest(
                "UpdateTimeToLive: TimeToLive is already enabled",
                code="ValidationException",
                operation="UpdateTimeToLive",
            )


# -- existing tables ----------------------------------------------------------------------------------------------


def _topic_request(engine: Engine, model: type[Model] = Topic) -> dict[str, Any]:
    return create_table_request(engine.table_name(model), [model.__adyn__])


def _gsi(request: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in request["GlobalSecondaryIndexes"] if g["IndexName"] == name)


def _projection_keys_only(request: dict[str, Any]) -> None:
    _gsi(request, "by_user")["Projection"] = {"ProjectionType": "KEYS_ONLY"}


def _include_fewer(request: dict[str, Any]) -> None:
    _gsi(request, "by_title")["Projection"] = {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}


def _missing_index(request: dict[str, Any]) -> None:
    request["GlobalSecondaryIndexes"] = [
        g for g in request["GlobalSecondaryIndexes"] if g["IndexName"] != "by_title"
    ]
    request["AttributeDefinitions"] = [
        a for a in request["AttributeDefinitions"] if a["AttributeName"] != "title"
    ]


def _other_hash_key(request: dict[str, Any]) -> None:
    request["KeySchema"] = [{"AttributeName": "topic_id", "KeyType": "HASH"}]
    request["AttributeDefinitions"] = [
        {"AttributeName": "topic_id", "AttributeType": "S"} if a["AttributeName"] == "id" else a
        for a in request["AttributeDefinitions"]
    ]


def _numeric_hash_key(request: dict[str, Any]) -> None:
    for a in request["AttributeDefinitions"]:
        if a["AttributeName"] == "id":
            a["AttributeType"] = "N"


def _index_without_range(request: dict[str, Any]) -> None:
    _gsi(request, "by_user")["KeySchema"] = [{"AttributeName": "u", "KeyType": "HASH"}]
    request["AttributeDefinitions"] = [
        a for a in request["AttributeDefinitions"] if a["AttributeName"] != "d"
    ]


def _local_instead_of_global(request: dict[str, Any]) -> None:
    # The table gets a range key so it can hold a local index named by_user.
    request["KeySchema"] = [
        {"AttributeName": "id", "KeyType": "HASH"},
        {"AttributeName": "d", "KeyType": "RANGE"},
    ]
    request["GlobalSecondaryIndexes"] = [
        g for g in request["GlobalSecondaryIndexes"] if g["IndexName"] != "by_user"
    ]
    request["LocalSecondaryIndexes"] = [
        {
            "IndexName": "by_user",
            "KeySchema": [
                {"AttributeName": "id", "KeyType": "HASH"},
                {"AttributeName": "u", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]


def _no_stream(request: dict[str, Any]) -> None:
    del request["StreamSpecification"]


def _keys_only_stream(request: dict[str, Any]) -> None:
    request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}


def _everything_wrong(request: dict[str, Any]) -> None:
    _numeric_hash_key(request)
    _projection_keys_only(request)
    _missing_index(request)
    _no_stream(request)


# On a backend without streams every table lacks the model's stream: one more difference than expected.
NEEDS_STREAMS = pytest.mark.needs("streams")

MISMATCHES = [
    pytest.param(
        Topic,
        _projection_keys_only,
        ["index by_user: projection KEYS_ONLY on the table, ALL in the model"],
        id="projection",
    ),
    pytest.param(
        Topic,
        _include_fewer,
        ["index by_title: projection INCLUDE ['x'] on the table, INCLUDE ['u'] in the model"],
        id="include-fewer",
    ),
    pytest.param(
        Topic,
        _missing_index,
        ["index by_title: missing on the table (global index in the model)"],
        id="missing-index",
    ),
    pytest.param(
        Topic,
        _other_hash_key,
        ["key: hash topic_id (S) on the table, hash id (S) in the model"],
        id="other-key",
    ),
    pytest.param(
        Topic, _numeric_hash_key, ["key: hash id (N) on the table, hash id (S) in the model"], id="key-type"
    ),
    pytest.param(
        Topic,
        _index_without_range,
        ["index by_user: key hash u (S) on the table, hash u (S), range d (S) in the model"],
        id="index-key",
    ),
    pytest.param(
        Topic,
        _local_instead_of_global,
        [
            "key: hash id (S), range d (S) on the table, hash id (S) in the model",
            "index by_user: local on the table, global in the model",
        ],
        id="index-kind",
    ),
    pytest.param(
        StreamedTopic,
        _no_stream,
        ["stream: disabled on the table, NEW_AND_OLD_IMAGES in the model"],
        id="no-stream",
        marks=NEEDS_STREAMS,
    ),
    pytest.param(
        StreamedTopic,
        _keys_only_stream,
        ["stream: KEYS_ONLY on the table, NEW_AND_OLD_IMAGES in the model"],
        id="other-stream",
        marks=NEEDS_STREAMS,
    ),
    pytest.param(
        StreamedTopic,
        _everything_wrong,
        [
            "key: hash id (N) on the table, hash id (S) in the model",
            "index by_user: projection KEYS_ONLY on the table, ALL in the model",
            "index by_title: missing on the table (global index in the model)",
            "stream: disabled on the table, NEW_AND_OLD_IMAGES in the model",
        ],
        id="several",
        marks=NEEDS_STREAMS,
    ),
]


class TestExistingTables:
    async def test_fitting_table_passes(self, engine: Engine, recorder: Recorder) -> None:
        """A table created by hand exactly as the model needs is accepted without a CreateTable."""
        await raw_create(engine, _topic_request(engine))
        recorder.clear()
        await engine.bind(Topic)
        assert "CreateTable" not in recorder.operations
        topic = Topic(id=uuid.uuid4(), user=uuid.uuid4(), date=pendulum.now("UTC"), title="hi")
        await engine.save(topic)
        assert await engine.get(Topic, topic.id) == topic

    async def test_superset_table_passes(self, engine: Engine) -> None:
        """Extra indexes, extra attribute definitions and a wider INCLUDE or ALL projection on the table are fine."""
        request = _topic_request(engine)
        request["AttributeDefinitions"].append({"AttributeName": "extra", "AttributeType": "N"})
        request["GlobalSecondaryIndexes"].append(
            {
                "IndexName": "by_extra",
                "KeySchema": [{"AttributeName": "extra", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        )
        _gsi(request, "by_title")["Projection"] = {
            "ProjectionType": "INCLUDE",
            "NonKeyAttributes": ["u", "z", "d"],
        }
        await raw_create(engine, request)
        await engine.bind(Topic)
        table = await describe(engine, engine.table_name(Topic))
        assert {g["IndexName"] for g in table["GlobalSecondaryIndexes"]} == {
            "by_user",
            "by_title",
            "by_extra",
        }

    async def test_keys_only_model_index_accepts_any_projection(self, engine: Engine) -> None:
        """A model index projecting keys only is served by a table index projecting ALL."""
        request = create_table_request(engine.table_name(Question), [Question.__adyn__])
        _gsi(request, "by_asker")["Projection"] = {"ProjectionType": "ALL"}
        await raw_create(engine, request)
        await engine.bind(Question)

    @pytest.mark.parametrize(("model", "mutate", "expected"), MISMATCHES)
    async def test_mismatch(
        self, engine: Engine, model: type[Model], mutate: Any, expected: list[str]
    ) -> None:
        """A hand-made table that lacks what the model declares raises TableMismatch listing each difference."""
        request = copy.deepcopy(_topic_request(engine, model))
        mutate(request)
        await raw_create(engine, request)
        with pytest.raises(TableMismatch) as info:
            await engine.bind(model)
        exc = info.value
        assert exc.differences == expected
        assert exc.model is model
        assert exc.table_name == engine.table_name(model)
        message = str(exc)
        assert f"table {engine.table_name(model)!r} does not match {model.__name__}" in message
        for line in expected:
            assert f"  - {line}" in message

    async def test_mismatched_model_stays_unbound(self, engine: Engine) -> None:
        """After a TableMismatch the model is not bound: using it raises UnboundModel."""
        request = _topic_request(engine)
        _numeric_hash_key(request)
        await raw_create(engine, request)
        with pytest.raises(TableMismatch):
            await engine.bind(Topic)
        with pytest.raises(UnboundModel):
            await engine.get(Topic, uuid.uuid4())

    @pytest.mark.needs("ttl")
    async def test_ttl_disabled_on_existing_table(self, engine: Engine, recorder: Recorder) -> None:
        """An existing table without the model's TTL raises TableMismatch, and bind() does not change the table."""
        await raw_create(engine, create_table_request(engine.table_name(Forum), [Forum.__adyn__]))
        recorder.clear()
        with pytest.raises(TableMismatch) as info:
            await engine.bind(Forum)
        assert info.value.differences == ["ttl: DISABLED on the table, ENABLED on 'exp' in the model"]
        assert "UpdateTimeToLive" not in recorder.operations

    @pytest.mark.needs("ttl")
    async def test_ttl_on_another_attribute(self, engine: Engine) -> None:
        """An existing table whose TTL reads another attribute raises TableMismatch naming both."""
        name = engine.table_name(Forum)
        await raw_create(engine, create_table_request(name, [Forum.__adyn__]))
        await engine._transport.call(
            "UpdateTimeToLive",
            {"TableName": name, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "other"}},
        )
        with pytest.raises(TableMismatch) as info:
            await engine.bind(Forum)
        assert info.value.differences == [
            "ttl: ENABLED on 'other' on the table, ENABLED on 'exp' in the model"
        ]

    @pytest.mark.needs("ttl")
    async def test_ttl_enabled_by_hand_passes(self, engine: Engine) -> None:
        """An existing table with the model's TTL enabled by hand is accepted."""
        name = engine.table_name(Forum)
        await raw_create(engine, create_table_request(name, [Forum.__adyn__]))
        await engine._transport.call(
            "UpdateTimeToLive",
            {"TableName": name, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}},
        )
        await engine.bind(Forum)


# -- models sharing a table ---------------------------------------------------------------------------------------


class TestSharedTables:
    async def test_models_sharing_a_table(self, engine: Engine, recorder: Recorder) -> None:
        """Two models with one table name and the same keys bind together: one table with both models' indexes,
        each model saving and loading its own items."""
        await engine.bind(Question, Answer)
        assert engine.table_name(Question) == engine.table_name(Answer)
        assert recorder.operations.count("CreateTable") == 1
        table = await describe(engine, engine.table_name(Question))
        assert [g["IndexName"] for g in table["GlobalSecondaryIndexes"]] == ["by_asker"]
        assert [i["IndexName"] for i in table["LocalSecondaryIndexes"]] == ["by_score"]

        question = Question(board="b", id="q1", asker="ann")
        answer = Answer(board="b", id="a1", score=7)
        await engine.save(question, answer)
        assert await engine.get(Question, ("b", "q1")) == question
        assert await engine.get(Answer, ("b", "a1")) == answer
        loaded_q = Question(board="b", id="q1")
        loaded_a = Answer(board="b", id="a1")
        await engine.load(loaded_q, loaded_a)
        assert (loaded_q, loaded_a) == (question, answer)

    async def test_second_model_bound_later_checks_the_table(self, engine: Engine) -> None:
        """A model bound after another created the shared table without its index raises TableMismatch."""
        await engine.bind(Question)
        with pytest.raises(TableMismatch) as info:
            await engine.bind(Answer)
        assert info.value.model is Answer
        assert info.value.differences == ["index by_score: missing on the table (local index in the model)"]

    async def test_models_with_other_keys_on_one_table(self, engine: Engine, recorder: Recorder) -> None:
        """Two models claiming one table with different keys raise InvalidModel before any request."""
        with pytest.raises(InvalidModel, match="other keys") as info:
            await engine.bind(Question, Clash)
        assert info.value.model is Clash
        assert recorder.calls == []

    async def test_model_with_other_keys_than_a_bound_one(self, engine: Engine, recorder: Recorder) -> None:
        """Binding a model whose keys differ from a model already bound to that table raises InvalidModel before
        any request."""
        await engine.bind(Question)
        recorder.clear()
        with pytest.raises(InvalidModel, match="other keys"):
            await engine.bind(Clash)
        assert recorder.calls == []


# -- deleting tables ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_deleting_dynalite() -> Iterator[Dynalite]:
    """A dynalite server of its own whose deleted tables stay DELETING for 300 ms, as DynamoDB's do for a while."""
    with Dynalite(delete_table_ms=300) as server:
        yield server


class TestDeleteTables:
    async def test_delete_tables_drops_and_unbinds(self, engine: Engine) -> None:
        """delete_tables() drops the table and unbinds the model: using it afterwards raises UnboundModel."""
        await engine.bind(Plain)
        await engine.save(Plain(id="x"))
        await engine.delete_tables(Plain)
        with pytest.raises(TableNotFound):
            await describe(engine, engine.table_name(Plain))
        with pytest.raises(UnboundModel, match="Plain is not bound"):
            await engine.save(Plain(id="x"))
        with pytest.raises(UnboundModel):
            await engine.get(Plain, "x")

    async def test_delete_tables_unbinds_models_sharing_the_table(self, engine: Engine) -> None:
        """Deleting the table of one model unbinds every model bound to that table."""
        await engine.bind(Question, Answer)
        await engine.delete_tables(Question)
        with pytest.raises(UnboundModel):
            await engine.get(Answer, ("b", "a"))

    async def test_delete_missing_table_is_fine(self, engine: Engine, recorder: Recorder) -> None:
        """delete_tables() of a table that does not exist returns quietly."""
        await engine.delete_tables(Plain)
        assert recorder.operations == ["DeleteTable"]

    async def test_delete_unbound_model_table(self, engine: Engine) -> None:
        """delete_tables() drops the table of a model never bound to this engine."""
        name = engine.table_name(Plain)
        await raw_create(engine, create_table_request(name, [Plain.__adyn__]))
        await engine.delete_tables(Plain)
        with pytest.raises(TableNotFound):
            await describe(engine, name)

    async def test_delete_tables_waits_until_the_table_is_gone(
        self, slow_deleting_dynalite: Dynalite
    ) -> None:
        """delete_tables() returns once the table is gone, not while it is still DELETING, so binding the model
        again right away creates a fresh table (instead of finding the old one and losing it)."""
        async with Engine(**slow_deleting_dynalite.engine_options(), retries=1) as engine:
            await engine.bind(Plain)
            await engine.save(Plain(id="x"))
            await engine.delete_tables(Plain)
            with pytest.raises(TableNotFound):
                await describe(engine, engine.table_name(Plain))
            await engine.bind(Plain)
            assert await engine.get(Plain, "x") is None
            await engine.delete_tables(Plain)

    async def test_bind_again_after_delete(self, engine: Engine) -> None:
        """A model bound again after delete_tables() gets a fresh, empty table."""
        await engine.bind(Plain)
        await engine.save(Plain(id="x"))
        await engine.delete_tables(Plain)
        await engine.bind(Plain)
        assert await engine.get(Plain, "x") is None


# -- table names --------------------------------------------------------------------------------------------------


class TestTableNames:
    async def test_template_string(self, engine_options: dict[str, Any]) -> None:
        """A string template puts a prefix and suffix around Meta.table_name."""
        prefix = uuid.uuid4().hex[:10]
        options = {**engine_options, "table_name_template": f"{prefix}-app-{{table_name}}-v1"}
        async with Engine(**options) as engine:
            assert engine.table_name(Topic) == f"{prefix}-app-topics-v1"
            assert engine.table_name(Plain) == f"{prefix}-app-Plain-v1"
            await engine.bind(Plain)
            await engine.save(Plain(id="x", text="t"))
            item = await engine._transport.call(
                "GetItem", {"TableName": f"{prefix}-app-Plain-v1", "Key": {"id": {"S": "x"}}}
            )
            assert item["Item"] == {"id": {"S": "x"}, "text": {"S": "t"}}

    async def test_template_callable(self, engine_options: dict[str, Any]) -> None:
        """A callable template receives the model class and returns the full table name."""
        prefix = uuid.uuid4().hex[:10]
        seen: list[type[Model]] = []

        def name(model: type[Model]) -> str:
            seen.append(model)
            return f"{prefix}.{model.__name__.lower()}"

        async with Engine(**{**engine_options, "table_name_template": name}) as engine:
            await engine.bind(Plain)
            assert Plain in seen
            assert engine.table_name(Plain) == f"{prefix}.plain"
            table = await describe(engine, f"{prefix}.plain")
            assert table["TableStatus"] == "ACTIVE"
            await engine.save(Plain(id="x"))
            assert await engine.get(Plain, "x") == Plain(id="x")

    def test_template_without_placeholder(self, engine_options: dict[str, Any]) -> None:
        """A string template without {table_name} is refused when the engine is made."""
        with pytest.raises(ValueError, match="must contain"):
            Engine(**{**engine_options, "table_name_template": "fixed"})


# -- what bind() refuses ------------------------------------------------------------------------------------------


class TestBindRefuses:
    async def test_abstract_model(self, engine: Engine, recorder: Recorder) -> None:
        """Binding an abstract model raises InvalidModel naming it, before any request."""
        with pytest.raises(InvalidModel, match="abstract") as info:
            await engine.bind(Base)
        assert info.value.model is Base
        assert recorder.calls == []

    @pytest.mark.parametrize(
        "thing",
        [int, "Plain", Model, Note, Plain(id="x")],
        ids=["int", "str", "Model", "Document", "instance"],
    )
    async def test_not_a_model(self, engine: Engine, recorder: Recorder, thing: Any) -> None:
        """Binding something that is not a Model subclass raises InvalidModel before any request."""
        with pytest.raises(InvalidModel, match="bind\\(\\) takes Model subclasses"):
            await engine.bind(thing)
        assert recorder.calls == []

    async def test_refusal_binds_nothing(self, engine: Engine, recorder: Recorder) -> None:
        """When one of several models is refused, none of them is bound or created."""
        with pytest.raises(InvalidModel):
            await engine.bind(Plain, Base)
        assert recorder.calls == []
        with pytest.raises(UnboundModel):
            await engine.get(Plain, "x")
