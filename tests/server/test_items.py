"""
Item operations against the local DynamoDB server: save (change tracking, conditions, many objects at once), create,
put, load, get, delete and update, the input adyn refuses before sending anything, and the engine's hooks.

Server state is read back with raw calls through the aiobotocore client (no hooks, no adyn item code), and the
requests adyn sends are asserted exactly from the recorder.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pendulum
import pytest

from adyn import (
    Column,
    ConditionFailed,
    Document,
    Engine,
    GlobalSecondaryIndex,
    InvalidExpression,
    InvalidKeyCondition,
    InvalidValue,
    ItemExists,
    MissingObjects,
    Model,
    PartialFailure,
    UnboundModel,
    UnknownColumn,
    column,
)
from adyn import types as t
from adyn._models import SNAPSHOT
from tests.server.conftest import Recorder


class Author(Document):
    name: Column[str] = column(name="n")
    email: Column[str | None] = column(default=None)


class Post(Model):
    class Meta:
        table_name = "posts"

    id: Column[uuid.UUID] = column(hash_key=True)
    user: Column[uuid.UUID] = column(name="u")
    date: Column[pendulum.DateTime] = column(t.DateTime(timezone="America/New_York"), name="d")
    content: Column[str | None] = column(name="c", default=None)
    views: Column[int] = column(name="v", default=0)
    tags: Column[set[str]] = column(factory=set)
    scores: Column[list[int]] = column(factory=list)
    meta: Column[dict[str, Any]] = column(factory=dict)
    author: Column[Author | None] = column(default=None)

    by_user = GlobalSecondaryIndex(hash_key="user", range_key="date")


class Reply(Model):
    class Meta:
        table_name = "replies"

    thread: Column[uuid.UUID] = column(hash_key=True)
    number: Column[int] = column(range_key=True)
    body: Column[str | None] = column(default=None)
    ratings: Column[set[int]] = column(factory=set)


class Stray(Model):
    """Never bound."""

    id: Column[str] = column(hash_key=True)


USER = uuid.UUID(int=7)
DATE = pendulum.datetime(2026, 1, 2, 3, 4, 5, tz="America/New_York")
DATE_WIRE = "2026-01-02T08:04:05.000000+00:00"


def make_post(**changes: Any) -> Post:
    values: dict[str, Any] = {"id": uuid.uuid4(), "user": USER, "date": DATE}
    values.update(changes)
    return Post(**values)


def key_of(obj: Model) -> dict[str, Any]:
    return type(obj).__adyn__.key(obj)


def post_key(post_id: uuid.UUID) -> dict[str, Any]:
    return {"id": {"S": str(post_id)}}


async def raw(engine: Engine, operation: str, **request: Any) -> dict[str, Any]:
    """A raw DynamoDB call straight through the engine's client: no adyn item code, no hooks, no recording."""
    method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()  # GetItem -> get_item
    return await getattr(engine._transport._client, method)(**request)  # type: ignore[no-any-return]


async def stored(engine: Engine, obj: Model) -> dict[str, Any] | None:
    """The item DynamoDB holds under the object's key (a consistent read), or None."""
    response = await raw(
        engine, "GetItem", TableName=engine.table_name(type(obj)), Key=key_of(obj), ConsistentRead=True
    )
    return response.get("Item")


async def raw_put(engine: Engine, model: type[Model], item: dict[str, Any]) -> None:
    await raw(engine, "PutItem", TableName=engine.table_name(model), Item=item)


async def raw_put_many(engine: Engine, model: type[Model], items: list[dict[str, Any]]) -> None:
    """Write items with BatchWriteItem, 25 at a time (cheaper for the server than one PutItem each)."""
    table = engine.table_name(model)
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        response = await raw(engine, "BatchWriteItem", RequestItems={table: requests})
        assert not response.get("UnprocessedItems")


def normalized(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """An item with its string and number sets sorted (DynamoDB does not keep set order)."""
    if item is None:
        return None
    return {
        k: {kind: sorted(v) if kind in ("SS", "NS", "BS") else v for kind, v in av.items()}
        for k, av in item.items()
    }


@pytest.fixture
async def db(engine: Engine, recorder: Recorder) -> Engine:
    """The engine with Post and Reply bound, and the recorder emptied of the binding traffic."""
    await engine.bind(Post, Reply)
    recorder.clear()
    return engine


# -- save -----------------------------------------------------------------------------------------------------------


class TestSave:
    async def test_new_object_stores_its_non_none_values(self, db: Engine, recorder: Recorder) -> None:
        """Saving a new object stores exactly its non-None values, as dumped, in one UpdateItem."""
        post = make_post(
            views=3,
            tags={"b", "a"},
            scores=[3, 1],
            meta={"k": 1, "nested": {"x": [True]}},
            author=Author(name="ann"),
        )
        await db.save(post)
        assert recorder.operations == ["UpdateItem"]
        item = await stored(db, post)
        assert normalized(item) == normalized(Post.__adyn__.dump_item(post))
        assert normalized(item) == {
            "id": {"S": str(post.id)},
            "u": {"S": str(USER)},
            "d": {"S": DATE_WIRE},
            "v": {"N": "3"},
            "tags": {"SS": ["a", "b"]},
            "scores": {"L": [{"N": "3"}, {"N": "1"}]},
            "meta": {"M": {"k": {"N": "1"}, "nested": {"M": {"x": {"L": [{"BOOL": True}]}}}}},
            "author": {"M": {"n": {"S": "ann"}}},
        }

    async def test_new_object_round_trips(self, db: Engine) -> None:
        """A saved object reads back equal, its date in the column's timezone."""
        post = make_post(content="hi", tags={"x"}, author=Author(name="ann", email="a@example.com"))
        await db.save(post)
        loaded = await db.get(Post, post.id)
        assert loaded == post
        assert loaded is not None
        assert loaded.date.timezone_name == "America/New_York"
        assert loaded.date == DATE

    async def test_new_object_removes_attributes_it_holds_none_for(
        self, db: Engine, recorder: Recorder
    ) -> None:
        """Saving a never-loaded object over a stored item removes the columns the object holds None for."""
        post = make_post(content="old", author=Author(name="ann"))
        await db.save(post)
        fresh = make_post(id=post.id, views=1)
        recorder.clear()
        await db.save(fresh)
        assert recorder.calls == [
            (
                "UpdateItem",
                {
                    "TableName": db.table_name(Post),
                    "Key": post_key(post.id),
                    "UpdateExpression": "SET #n0 = :v0, #n1 = :v1, #n3 = :v2, #n5 = :v3, #n6 = :v4 REMOVE #n2, #n4, #n7",
                    "ExpressionAttributeNames": {
                        "#n0": "u",
                        "#n1": "d",
                        "#n2": "c",
                        "#n3": "v",
                        "#n4": "tags",
                        "#n5": "scores",
                        "#n6": "meta",
                        "#n7": "author",
                    },
                    "ExpressionAttributeValues": {
                        ":v0": {"S": str(USER)},
                        ":v1": {"S": DATE_WIRE},
                        ":v2": {"N": "1"},
                        ":v3": {"L": []},
                        ":v4": {"M": {}},
                    },
                },
            )
        ]
        assert normalized(await stored(db, post)) == normalized(Post.__adyn__.dump_item(fresh))

    async def test_loaded_object_sends_only_changes(self, db: Engine, recorder: Recorder) -> None:
        """Saving a loaded object sends exactly the changed columns: SET for new values, REMOVE for None."""
        post = make_post(content="old", views=1, author=Author(name="ann"), tags={"t"})
        await db.save(post)
        loaded = await db.get(Post, post.id)
        assert loaded is not None
        loaded.content = "new"
        loaded.views = 5
        loaded.author = None
        recorder.clear()
        await db.save(loaded)
        assert recorder.calls == [
            (
                "UpdateItem",
                {
                    "TableName": db.table_name(Post),
                    "Key": post_key(post.id),
                    "UpdateExpression": "SET #n0 = :v0, #n1 = :v1 REMOVE #n2",
                    "ExpressionAttributeNames": {"#n0": "c", "#n1": "v", "#n2": "author"},
                    "ExpressionAttributeValues": {":v0": {"S": "new"}, ":v1": {"N": "5"}},
                },
            )
        ]
        item = await stored(db, post)
        assert item is not None
        assert item["c"] == {"S": "new"}
        assert item["v"] == {"N": "5"}
        assert "author" not in item
        assert item["tags"] == {"SS": ["t"]}

    async def test_unchanged_object_sends_nothing(self, db: Engine, recorder: Recorder) -> None:
        """Saving a loaded, or just saved, object that has not changed sends no request."""
        post = make_post(tags={"b", "a", "c"}, meta={"z": 1, "a": 2}, scores=[2, 1])
        await db.save(post)
        recorder.clear()
        await db.save(post)
        loaded = await db.get(Post, post.id)
        assert loaded is not None
        recorder.clear()
        await db.save(loaded)
        loaded.tags = {"c", "a", "b"}  # an equal set: no change
        await db.save(loaded)
        assert recorder.calls == []

    async def test_saved_object_snapshot_tracks_later_changes(self, db: Engine, recorder: Recorder) -> None:
        """After a save, the next save of the same object sends only what changed since."""
        post = make_post(content="a")
        await db.save(post)
        post.views = 9
        recorder.clear()
        await db.save(post)
        ((_, request),) = recorder.calls
        assert request["UpdateExpression"] == "SET #n0 = :v0"
        assert request["ExpressionAttributeNames"] == {"#n0": "v"}
        assert request["ExpressionAttributeValues"] == {":v0": {"N": "9"}}

    async def test_undeclared_attributes_left_alone(self, db: Engine) -> None:
        """Attributes the model does not declare survive saving a loaded object and saving a new one."""
        post = make_post(content="a")
        await raw_put(db, Post, {**Post.__adyn__.dump_item(post), "legacy": {"S": "keep"}, "n": {"N": "1"}})
        loaded = await db.get(Post, post.id)
        assert loaded is not None
        loaded.content = "b"
        await db.save(loaded)
        item = await stored(db, post)
        assert item is not None
        assert item["legacy"] == {"S": "keep"}
        assert item["c"] == {"S": "b"}
        await db.save(make_post(id=post.id, content="c"))
        item = await stored(db, post)
        assert item is not None
        assert (item["legacy"], item["n"], item["c"]) == ({"S": "keep"}, {"N": "1"}, {"S": "c"})

    async def test_set_add_and_delete_merge_with_other_writers(self, db: Engine, recorder: Recorder) -> None:
        """A set that only grew is saved as ADD and one that only shrank as DELETE, keeping other writers' elements."""
        post = make_post(tags={"a", "b"})
        await db.save(post)
        # Another writer adds "z" meanwhile.
        await raw(
            db,
            "UpdateItem",
            TableName=db.table_name(Post),
            Key=post_key(post.id),
            UpdateExpression="ADD tags :z",
            ExpressionAttributeValues={":z": {"SS": ["z"]}},
        )
        post.tags.add("c")
        recorder.clear()
        await db.save(post)
        ((_, request),) = recorder.calls
        assert request["UpdateExpression"] == "ADD #n0 :v0"
        assert request["ExpressionAttributeNames"] == {"#n0": "tags"}
        assert request["ExpressionAttributeValues"] == {":v0": {"SS": ["c"]}}
        assert sorted((await stored(db, post) or {})["tags"]["SS"]) == ["a", "b", "c", "z"]

        post.tags.discard("a")
        recorder.clear()
        await db.save(post)
        ((_, request),) = recorder.calls
        assert request["UpdateExpression"] == "DELETE #n0 :v0"
        assert request["ExpressionAttributeValues"] == {":v0": {"SS": ["a"]}}
        assert sorted((await stored(db, post) or {})["tags"]["SS"]) == ["b", "c", "z"]

    async def test_set_replaced_when_it_both_grew_and_shrank(self, db: Engine, recorder: Recorder) -> None:
        """A set that gained and lost elements is SET whole; one emptied is REMOVEd."""
        reply = Reply(thread=uuid.uuid4(), number=1, ratings={1, 2})
        await db.save(reply)
        reply.ratings = {2, 3}
        recorder.clear()
        await db.save(reply)
        ((_, request),) = recorder.calls
        assert request["UpdateExpression"] == "SET #n0 = :v0"
        assert request["ExpressionAttributeValues"] == {":v0": {"NS": ["2", "3"]}}
        assert sorted((await stored(db, reply) or {})["ratings"]["NS"]) == ["2", "3"]
        reply.ratings = set()
        recorder.clear()
        await db.save(reply)
        ((_, request),) = recorder.calls
        assert request["UpdateExpression"] == "REMOVE #n0"
        assert "ratings" not in (await stored(db, reply) or {})

    async def test_condition_holds(self, db: Engine, recorder: Recorder) -> None:
        """save(condition=...) writes when the condition holds, asking for the old item on failure."""
        post = make_post()
        await db.save(post)
        post.content = "edited"
        recorder.clear()
        await db.save(post, condition=Post.views == 0)
        ((_, request),) = recorder.calls
        assert request == {
            "TableName": db.table_name(Post),
            "Key": post_key(post.id),
            "UpdateExpression": "SET #n0 = :v0",
            "ConditionExpression": "#n1 = :v1",
            "ExpressionAttributeNames": {"#n0": "c", "#n1": "v"},
            "ExpressionAttributeValues": {":v0": {"S": "edited"}, ":v1": {"N": "0"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        assert (await stored(db, post) or {})["c"] == {"S": "edited"}

    @pytest.mark.needs("condition_item")
    async def test_condition_fails(self, db: Engine, recorder: Recorder) -> None:
        """A failed save condition raises ConditionFailed carrying the object, the stored item as a model object and
        the condition; the object keeps its pending change, so a retry sends the same update."""
        post = make_post(content="first")
        await db.save(post)
        await raw(
            db,
            "UpdateItem",
            TableName=db.table_name(Post),
            Key=post_key(post.id),
            UpdateExpression="SET v = :five",
            ExpressionAttributeValues={":five": {"N": "5"}},
        )
        post.content = "second"
        condition = Post.views == 0
        recorder.clear()
        with pytest.raises(ConditionFailed) as info:
            await db.save(post, condition=condition)
        exc = info.value
        assert type(exc) is ConditionFailed
        assert exc.obj is post
        assert exc.condition is condition
        assert isinstance(exc.item, Post)
        assert exc.item == make_post(id=post.id, content="first", views=5)
        assert isinstance(exc.__cause__, Exception)
        assert (await stored(db, post) or {})["c"] == {"S": "first"}

        await db.save(post, condition=Post.views == 5)
        (_, failed), (_, retried) = recorder.calls
        assert retried["UpdateExpression"] == failed["UpdateExpression"] == "SET #n0 = :v0"
        assert (
            retried["ExpressionAttributeValues"][":v0"]
            == failed["ExpressionAttributeValues"][":v0"]
            == {"S": "second"}
        )
        assert retried["ExpressionAttributeValues"][":v1"] == {"N": "5"}
        assert (await stored(db, post) or {})["c"] == {"S": "second"}

    async def test_condition_fails_without_item(self, db: Engine) -> None:
        """A condition failing where nothing is stored raises ConditionFailed with item None, and writes nothing."""
        post = make_post(content="x")
        with pytest.raises(ConditionFailed) as info:
            await db.save(post, condition=Post.content.exists())
        assert info.value.item is None
        assert info.value.obj is post
        assert await stored(db, post) is None

    async def test_many_objects_sent_concurrently(self, db: Engine, recorder: Recorder) -> None:
        """save(*objs) keeps as many requests in flight as the engine's concurrency (16) allows, and stores all."""
        events: list[str] = []
        db.hooks.request.append(lambda operation, request: events.append("request"))
        db.hooks.response.append(lambda operation, request, response, seconds: events.append("response"))
        posts = [make_post(views=i) for i in range(30)]
        await db.save(*posts)
        assert recorder.operations == ["UpdateItem"] * 30
        in_flight = peak = 0
        for event in events:
            in_flight += 1 if event == "request" else -1
            peak = max(peak, in_flight)
        limit = db._concurrency  # 16 by default: below 30, so the bound is reached and held
        assert limit < 30
        assert peak == limit
        assert events[:limit] == ["request"] * limit  # all in flight before the first response came back
        copies = [make_post(id=p.id, user=uuid.uuid4()) for p in posts]
        await db.load(*copies)
        assert copies == posts

    @pytest.mark.needs("condition_item")
    async def test_many_objects_partial_failure(self, db: Engine) -> None:
        """When the condition fails for some of several objects, PartialFailure lists exactly those as failed and the
        others, really saved, as succeeded."""
        posts = [make_post(content="old") for _ in range(30)]
        await raw_put_many(db, Post, [Post.__adyn__.dump_item(p) for p in posts])
        blocked = [posts[1], posts[6], posts[7], posts[20], posts[29]]
        for post in blocked:
            await raw_put(db, Post, {**Post.__adyn__.dump_item(post), "v": {"N": "500"}})
        for post in posts:
            post.content = "new"
        with pytest.raises(PartialFailure) as info:
            await db.save(*posts, condition=Post.views < 100)
        exc = info.value
        assert [obj for obj, _ in exc.failed] == blocked
        assert all(isinstance(e, ConditionFailed) and e.obj is obj for obj, e in exc.failed)
        assert all(e.item.views == 500 for _, e in exc.failed)  # type: ignore[attr-defined]
        assert exc.succeeded == [p for p in posts if p not in blocked]
        assert "save failed for 5 of 30 objects" in str(exc)
        for post in posts:
            expected = "old" if post in blocked else "new"
            assert (await stored(db, post) or {})["c"] == {"S": expected}

    async def test_invalid_condition_argument(self, db: Engine, recorder: Recorder) -> None:
        """A condition that is not a Condition is refused before any request."""
        with pytest.raises(InvalidExpression, match="condition= takes a Condition"):
            await db.save(make_post(), condition="views = 0")  # type: ignore[arg-type]
        assert recorder.calls == []


# -- create and put ---------------------------------------------------------------------------------------------------


class TestCreateAndPut:
    async def test_create_new(self, db: Engine, recorder: Recorder) -> None:
        """create() writes the whole item with PutItem, conditioned on no item having its key."""
        post = make_post(content="hi")
        await db.create(post)
        assert recorder.calls == [
            (
                "PutItem",
                {
                    "TableName": db.table_name(Post),
                    "Item": Post.__adyn__.dump_item(post),
                    "ConditionExpression": "attribute_not_exists(#n0)",
                    "ExpressionAttributeNames": {"#n0": "id"},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                },
            )
        ]
        assert normalized(await stored(db, post)) == normalized(Post.__adyn__.dump_item(post))

    @pytest.mark.needs("condition_item")
    async def test_create_existing(self, db: Engine) -> None:
        """create() of a key already stored raises ItemExists (a ConditionFailed) carrying the stored item."""
        post = make_post(content="first")
        await db.create(post)
        again = make_post(id=post.id, content="second")
        with pytest.raises(ItemExists) as info:
            await db.create(again)
        exc = info.value
        assert isinstance(exc, ConditionFailed)
        assert exc.obj is again
        assert exc.item == post
        assert exc.condition is None
        assert (await stored(db, post) or {})["c"] == {"S": "first"}

    async def test_create_with_condition(self, db: Engine, recorder: Recorder) -> None:
        """create(condition=...) ANDs the condition with the existence check."""
        post = make_post()
        await db.create(post, condition=Post.views.not_exists())
        ((_, request),) = recorder.calls
        assert request["ConditionExpression"] == "(attribute_not_exists(#n0) AND attribute_not_exists(#n1))"
        assert request["ExpressionAttributeNames"] == {"#n0": "id", "#n1": "v"}
        assert await stored(db, post) is not None

    @pytest.mark.needs("condition_item")
    async def test_create_many_some_existing(self, db: Engine) -> None:
        """create() of several objects where some keys exist raises PartialFailure with ItemExists for those."""
        existing = make_post(content="there")
        await db.create(existing)
        new = [make_post(), make_post()]
        clash = make_post(id=existing.id)
        with pytest.raises(PartialFailure) as info:
            await db.create(new[0], clash, new[1])
        assert [(obj, type(e)) for obj, e in info.value.failed] == [(clash, ItemExists)]
        assert info.value.succeeded == new
        assert all([await stored(db, p) is not None for p in new])

    async def test_put_replaces_the_whole_item(self, db: Engine, recorder: Recorder) -> None:
        """put() replaces the stored item: attributes the model does not declare disappear."""
        post = make_post(content="a", tags={"x"})
        await raw_put(db, Post, {**Post.__adyn__.dump_item(post), "legacy": {"S": "gone"}})
        replacement = make_post(id=post.id, views=2)
        await db.put(replacement)
        assert recorder.calls == [
            ("PutItem", {"TableName": db.table_name(Post), "Item": Post.__adyn__.dump_item(replacement)})
        ]
        assert await stored(db, post) == Post.__adyn__.dump_item(replacement)

    async def test_put_then_save_sends_nothing(self, db: Engine, recorder: Recorder) -> None:
        """After put(), the object's snapshot is what was written: saving it unchanged sends nothing."""
        post = make_post(tags={"a"})
        await db.put(post)
        recorder.clear()
        await db.save(post)
        assert recorder.calls == []

    @pytest.mark.needs("condition_item")
    async def test_put_with_condition(self, db: Engine) -> None:
        """put(condition=...) replaces only when the condition holds, else ConditionFailed with the stored item."""
        post = make_post(views=1)
        await db.put(post)
        await db.put(make_post(id=post.id, views=2), condition=Post.views == 1)
        condition = Post.views == 1
        loser = make_post(id=post.id, views=3)
        with pytest.raises(ConditionFailed) as info:
            await db.put(loser, condition=condition)
        assert type(info.value) is ConditionFailed
        assert info.value.obj is loser
        assert info.value.condition is condition
        assert info.value.item == make_post(id=post.id, views=2)
        assert (await stored(db, post) or {})["v"] == {"N": "2"}


# -- load -------------------------------------------------------------------------------------------------------------


class TestLoad:
    async def test_one_object(self, db: Engine, recorder: Recorder) -> None:
        """Loading one object is one GetItem; the object is filled and tracks changes from there."""
        post = make_post(content="c", tags={"a"}, author=Author(name="ann"))
        await db.save(post)
        target = make_post(id=post.id, user=uuid.uuid4(), content="local")
        recorder.clear()
        await db.load(target)
        assert recorder.calls == [
            ("GetItem", {"TableName": db.table_name(Post), "Key": post_key(post.id), "ConsistentRead": False})
        ]
        assert target == post
        recorder.clear()
        await db.save(target)
        assert recorder.calls == []

    async def test_several_objects(self, db: Engine, recorder: Recorder) -> None:
        """Loading several objects, across tables, is one BatchGetItem when they fit in one."""
        post = make_post(content="p")
        reply = Reply(thread=uuid.uuid4(), number=2, body="r")
        await db.save(post, reply)
        targets = [make_post(id=post.id), Reply(thread=reply.thread, number=2)]
        recorder.clear()
        await db.load(*targets)
        assert recorder.calls == [
            (
                "BatchGetItem",
                {
                    "RequestItems": {
                        db.table_name(Post): {"Keys": [post_key(post.id)], "ConsistentRead": False},
                        db.table_name(Reply): {
                            "Keys": [{"thread": {"S": str(reply.thread)}, "number": {"N": "2"}}],
                            "ConsistentRead": False,
                        },
                    }
                },
            )
        ]
        assert targets == [post, reply]

    async def test_250_objects_across_two_tables(self, db: Engine, recorder: Recorder) -> None:
        """250 objects in two tables are fetched in BatchGetItem requests of at most 100 keys, each key once."""
        posts = [make_post(views=i) for i in range(150)]
        thread = uuid.uuid4()
        replies = [Reply(thread=thread, number=i, body=str(i)) for i in range(100)]
        await raw_put_many(db, Post, [Post.__adyn__.dump_item(p) for p in posts])
        await raw_put_many(db, Reply, [Reply.__adyn__.dump_item(r) for r in replies])
        post_targets = [make_post(id=p.id) for p in posts]
        reply_targets = [Reply(thread=thread, number=r.number) for r in replies]
        targets: list[Model] = [*post_targets, *reply_targets]
        await db.load(*targets)
        assert post_targets == posts
        assert reply_targets == replies
        assert set(recorder.operations) == {"BatchGetItem"}
        assert len(recorder.calls) >= 3
        sizes = [sum(len(t["Keys"]) for t in r["RequestItems"].values()) for _, r in recorder.calls]
        assert all(size <= 100 for size in sizes)
        sent = [
            (table, tuple(sorted((k, next(iter(v.values()))) for k, v in key.items())))
            for _, request in recorder.calls
            for table, entry in request["RequestItems"].items()
            for key in entry["Keys"]
        ]
        assert len(sent) == len(set(sent)) == 250

    async def test_duplicate_keys_fill_every_object(self, db: Engine, recorder: Recorder) -> None:
        """Objects sharing a key are each filled, from one key in the request."""
        a, b = make_post(content="a"), make_post(content="b")
        await db.save(a, b)
        targets = [make_post(id=a.id), make_post(id=b.id), make_post(id=a.id)]
        recorder.clear()
        await db.load(*targets)
        ((operation, request),) = recorder.calls
        assert operation == "BatchGetItem"
        assert request["RequestItems"][db.table_name(Post)]["Keys"] == [post_key(a.id), post_key(b.id)]
        assert targets == [a, b, a]
        pair = [make_post(id=a.id), make_post(id=a.id)]
        recorder.clear()
        await db.load(*pair)
        assert recorder.operations == ["GetItem"]
        assert pair == [a, a]

    async def test_consistent(self, db: Engine, recorder: Recorder) -> None:
        """consistent=True asks for strongly consistent reads, in GetItem and in each table of BatchGetItem."""
        post = make_post()
        reply = Reply(thread=uuid.uuid4(), number=1)
        await db.save(post, reply)
        recorder.clear()
        await db.load(make_post(id=post.id), consistent=True)
        await db.load(make_post(id=post.id), Reply(thread=reply.thread, number=1), consistent=True)
        (_, get), (_, batch) = recorder.calls
        assert get["ConsistentRead"] is True
        assert [entry["ConsistentRead"] for entry in batch["RequestItems"].values()] == [True, True]

    async def test_missing_objects(self, db: Engine) -> None:
        """MissingObjects lists exactly the objects with no item, in the order given; the others are filled."""
        a, b = make_post(content="a"), make_post(content="b")
        await db.save(a, b)
        gone_key = uuid.uuid4()
        m1, ta, m2, m1_again, tb = (
            make_post(id=gone_key),
            make_post(id=a.id),
            make_post(id=uuid.uuid4()),
            make_post(id=gone_key),
            make_post(id=b.id),
        )
        with pytest.raises(MissingObjects) as info:
            await db.load(m1, ta, m2, m1_again, tb)
        assert [id(o) for o in info.value.objects] == [id(m1), id(m2), id(m1_again)]
        assert "3 object(s) not found" in str(info.value)
        assert (ta, tb) == (a, b)

    async def test_missing_one_object(self, db: Engine) -> None:
        """Loading one object with no item raises MissingObjects naming it and leaves it as it was."""
        target = make_post(content="mine")
        with pytest.raises(MissingObjects) as info:
            await db.load(target)
        assert info.value.objects == [target]
        assert target.content == "mine"


# -- get --------------------------------------------------------------------------------------------------------------


class TestGet:
    async def test_key_forms(self, db: Engine, recorder: Recorder) -> None:
        """get() takes the key as a hash value, a tuple, a dict, an instance, a key condition or keywords."""
        post = make_post(content="p")
        reply = Reply(thread=uuid.uuid4(), number=3, body="r")
        await db.save(post, reply)
        recorder.clear()
        post_forms: list[Any] = [post.id, {"id": post.id}, make_post(id=post.id), Post.id == post.id]
        for key in post_forms:
            assert await db.get(Post, key) == post
        assert await db.get(Post, id=post.id) == post
        reply_forms: list[Any] = [
            (reply.thread, 3),
            {"thread": reply.thread, "number": 3},
            Reply(thread=reply.thread, number=3),
            (Reply.thread == reply.thread) & (Reply.number == 3),
        ]
        for key in reply_forms:
            assert await db.get(Reply, key) == reply
        assert await db.get(Reply, thread=reply.thread, number=3) == reply
        reply_key = {"thread": {"S": str(reply.thread)}, "number": {"N": "3"}}
        assert (
            recorder.calls
            == [
                (
                    "GetItem",
                    {"TableName": db.table_name(Post), "Key": post_key(post.id), "ConsistentRead": False},
                )
            ]
            * 5
            + [("GetItem", {"TableName": db.table_name(Reply), "Key": reply_key, "ConsistentRead": False})]
            * 5
        )

    async def test_consistent(self, db: Engine, recorder: Recorder) -> None:
        """get(consistent=True) sets ConsistentRead."""
        await db.get(Post, uuid.uuid4(), consistent=True)
        assert recorder.calls[0][1]["ConsistentRead"] is True

    async def test_missing_is_none(self, db: Engine) -> None:
        """get() returns None when nothing is stored under the key."""
        assert await db.get(Post, uuid.uuid4()) is None
        assert await db.get(Reply, (uuid.uuid4(), 1)) is None

    async def test_loaded_object_tracks_changes(self, db: Engine, recorder: Recorder) -> None:
        """An object from get() carries its snapshot: saving it after one change sends only that change."""
        post = make_post(content="a")
        await db.save(post)
        loaded = await db.get(Post, post.id)
        assert loaded is not None
        assert SNAPSHOT in loaded.__dict__
        loaded.views = 4
        recorder.clear()
        await db.save(loaded)
        assert recorder.calls[0][1]["UpdateExpression"] == "SET #n0 = :v0"

    @pytest.mark.parametrize(
        ("model", "key", "keywords", "error", "column"),
        [
            pytest.param(
                Post,
                {"id": uuid.UUID(int=1), "content": "x"},
                {},
                UnknownColumn,
                "content",
                id="dict-non-key",
            ),
            pytest.param(
                Post, None, {"id": uuid.UUID(int=1), "views": 1}, UnknownColumn, "views", id="keyword-non-key"
            ),
            pytest.param(
                Post,
                (Post.id == uuid.UUID(int=1)) & (Post.views == 1),
                {},
                InvalidKeyCondition,
                "views",
                id="condition-non-key",
            ),
            pytest.param(
                Post, Post.user == uuid.UUID(int=1), {}, InvalidKeyCondition, "user", id="condition-index-key"
            ),
            pytest.param(
                Reply,
                (Reply.thread == uuid.UUID(int=1)) & (Reply.number > 1),
                {},
                InvalidValue,
                None,
                id="condition-range-op",
            ),
            pytest.param(
                Reply, Reply.thread == uuid.UUID(int=1), {}, InvalidValue, "number", id="condition-no-range"
            ),
            pytest.param(Reply, uuid.UUID(int=1), {}, InvalidValue, None, id="hash-only-for-range-model"),
            pytest.param(Reply, (uuid.UUID(int=1),), {}, InvalidValue, None, id="short-tuple"),
            pytest.param(
                Post, uuid.UUID(int=1), {"id": uuid.UUID(int=1)}, InvalidValue, None, id="both-forms"
            ),
            pytest.param(Post, 42, {}, InvalidValue, "id", id="wrong-key-type"),
            pytest.param(Post, None, {}, InvalidValue, "id", id="no-key"),
            pytest.param(Reply, (uuid.UUID(int=1), "3"), {}, InvalidValue, "number", id="wrong-range-type"),
        ],
    )
    async def test_bad_keys(
        self,
        db: Engine,
        recorder: Recorder,
        model: type[Model],
        key: Any,
        keywords: dict[str, Any],
        error: type[Exception],
        column: str | None,
    ) -> None:
        """A key get() cannot use raises a specific adyn error naming model and column, before any request."""
        with pytest.raises(error) as info:
            await db.get(model, key, **keywords)
        assert info.value.model is model  # type: ignore[attr-defined]
        assert info.value.column == column  # type: ignore[attr-defined]
        assert recorder.calls == []


# -- delete -----------------------------------------------------------------------------------------------------------


class TestDelete:
    async def test_delete(self, db: Engine, recorder: Recorder) -> None:
        """delete() removes the item with one DeleteItem and returns None."""
        post = make_post()
        await db.save(post)
        recorder.clear()
        assert await db.delete(post) is None
        assert recorder.calls == [
            ("DeleteItem", {"TableName": db.table_name(Post), "Key": post_key(post.id)})
        ]
        assert await stored(db, post) is None

    @pytest.mark.needs("condition_item")
    async def test_condition_fails(self, db: Engine) -> None:
        """A failed delete condition raises ConditionFailed with the stored item, and the item stays."""
        post = make_post(views=3)
        await db.save(post)
        condition = Post.views > 10
        with pytest.raises(ConditionFailed) as info:
            await db.delete(post, condition=condition)
        assert info.value.obj is post
        assert info.value.item == post
        assert info.value.condition is condition
        assert await stored(db, post) is not None
        await db.delete(post, condition=Post.views == 3)
        assert await stored(db, post) is None

    async def test_returns_old(self, db: Engine, recorder: Recorder) -> None:
        """returns="old" gives the deleted items as objects, None where nothing was stored."""
        post = make_post(content="bye", tags={"t"})
        await db.save(post)
        absent = make_post()
        recorder.clear()
        old = await db.delete(post, absent, returns="old")
        assert old == [post, None]
        assert old[0] is not post
        assert all(request["ReturnValues"] == "ALL_OLD" for _, request in recorder.calls)

    async def test_delete_several(self, db: Engine, recorder: Recorder) -> None:
        """Deleting several objects sends one DeleteItem each and removes every item."""
        posts = [make_post() for _ in range(4)]
        reply = Reply(thread=uuid.uuid4(), number=1)
        await db.save(*posts, reply)
        recorder.clear()
        await db.delete(*posts, reply)
        assert recorder.operations == ["DeleteItem"] * 5
        for obj in [*posts, reply]:
            assert await stored(db, obj) is None

    async def test_delete_several_partial_failure(self, db: Engine) -> None:
        """Deleting several objects under a condition some fail raises PartialFailure; the others are deleted."""
        keep, drop = make_post(views=50), make_post(views=1)
        await db.save(keep, drop)
        with pytest.raises(PartialFailure) as info:
            await db.delete(keep, drop, condition=Post.views < 10)
        assert [obj for obj, _ in info.value.failed] == [keep]
        assert info.value.succeeded == [drop]
        assert await stored(db, keep) is not None
        assert await stored(db, drop) is None

    async def test_deleted_object_saves_whole(self, db: Engine, recorder: Recorder) -> None:
        """A deleted object loses its snapshot: saving it again writes every value."""
        post = make_post(content="again", tags={"t"})
        await db.save(post)
        await db.delete(post)
        recorder.clear()
        await db.save(post)
        assert recorder.operations == ["UpdateItem"]
        assert normalized(await stored(db, post)) == normalized(Post.__adyn__.dump_item(post))


# -- update -----------------------------------------------------------------------------------------------------------


class TestUpdate:
    async def test_increment_absent_number(self, db: Engine, recorder: Recorder) -> None:
        """increment() on an absent number counts from 0; all_new fills the object and returns it."""
        post = make_post()
        item = Post.__adyn__.dump_item(post)
        del item["v"]
        await raw_put(db, Post, item)
        recorder.clear()
        result = await db.update(post, Post.views.increment(2))
        assert result is post
        assert post.views == 2
        assert recorder.calls == [
            (
                "UpdateItem",
                {
                    "TableName": db.table_name(Post),
                    "Key": post_key(post.id),
                    "UpdateExpression": "SET #n0 = if_not_exists(#n0, :v0) + :v1",
                    "ExpressionAttributeNames": {"#n0": "v"},
                    "ExpressionAttributeValues": {":v0": {"N": "0"}, ":v1": {"N": "2"}},
                    "ReturnValues": "ALL_NEW",
                },
            )
        ]
        assert (await stored(db, post) or {})["v"] == {"N": "2"}

    async def test_several_actions(self, db: Engine) -> None:
        """add to a set, append to a list, set_if_not_exists and remove apply on the server in one request."""
        post = make_post(tags={"a"}, scores=[1], author=Author(name="ann"))
        await db.save(post)
        await db.update(
            post,
            Post.tags.add("b"),
            Post.scores.append([2, 3]),
            Post.content.set_if_not_exists("first"),
            Post.author.remove(),
        )
        item = await stored(db, post)
        assert item is not None
        assert sorted(item["tags"]["SS"]) == ["a", "b"]
        assert item["scores"] == {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}
        assert item["c"] == {"S": "first"}
        assert "author" not in item
        assert (post.tags, post.scores, post.content, post.author) == ({"a", "b"}, [1, 2, 3], "first", None)
        await db.update(post, Post.content.set_if_not_exists("second"), Post.tags.delete("a"))
        assert post.content == "first"
        assert post.tags == {"b"}
        assert (await stored(db, post) or {})["c"] == {"S": "first"}

    async def test_update_creates_missing_item(self, db: Engine) -> None:
        """update() on a key with no item creates it from the actions, as DynamoDB's UpdateItem does."""
        post = make_post()
        await db.update(post, Post.views.increment())
        assert await stored(db, post) == {"id": {"S": str(post.id)}, "v": {"N": "1"}}

    @pytest.mark.needs("condition_item")
    async def test_condition(self, db: Engine, recorder: Recorder) -> None:
        """update(condition=...) applies when it holds; when it fails, ConditionFailed carries the stored item and
        the object is left as it was."""
        post = make_post(views=1)
        await db.save(post)
        recorder.clear()
        await db.update(post, Post.views.increment(), condition=Post.views == 1)
        ((_, request),) = recorder.calls
        assert request["ConditionExpression"] == "#n0 = :v2"
        assert request["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
        assert post.views == 2
        condition = Post.views == 1
        with pytest.raises(ConditionFailed) as info:
            await db.update(post, Post.content.set("x"), condition=condition)
        assert info.value.obj is post
        assert info.value.condition is condition
        assert info.value.item == make_post(id=post.id, views=2)
        assert post.content is None
        assert "c" not in (await stored(db, post) or {})

    async def test_returns_all_new_tracks_changes(self, db: Engine, recorder: Recorder) -> None:
        """After update() with all_new the object matches the stored item: saving it sends nothing."""
        post = make_post(content="a")
        await db.save(post)
        await db.update(post, Post.views.increment(5), Post.tags.add("x"))
        assert post == make_post(id=post.id, content="a", views=5, tags={"x"})
        recorder.clear()
        await db.save(post)
        assert recorder.calls == []

    async def test_returns_updated_new(self, db: Engine, recorder: Recorder) -> None:
        """updated_new updates only the updated columns of the object in place, and returns it."""
        post = make_post(content="a", views=1)
        await db.save(post)
        await raw(
            db,
            "UpdateItem",
            TableName=db.table_name(Post),
            Key=post_key(post.id),
            UpdateExpression="SET c = :other",
            ExpressionAttributeValues={":other": {"S": "changed elsewhere"}},
        )
        recorder.clear()
        result = await db.update(post, Post.views.increment(), returns="updated_new")
        assert recorder.calls[0][1]["ReturnValues"] == "UPDATED_NEW"
        assert result is post
        assert post.views == 2
        assert post.content == "a"  # not an updated column: left as it was
        recorder.clear()
        await db.save(post)
        assert recorder.calls == []

    async def test_returns_updated_new_with_remove(self, db: Engine, recorder: Recorder) -> None:
        """updated_new clears a removed column on the object, so the object and its snapshot match the item."""
        post = make_post(content="a", views=1)
        await db.save(post)
        result = await db.update(post, Post.content.remove(), returns="updated_new")
        assert result is post
        assert post.content is None
        assert "c" not in (await stored(db, post) or {})
        post.content = "back"
        recorder.clear()
        await db.save(post)
        assert recorder.calls[0][1]["UpdateExpression"] == "SET #n0 = :v0"
        assert (await stored(db, post) or {})["c"] == {"S": "back"}

    async def test_returns_updated_new_with_nested_path(self, db: Engine, recorder: Recorder) -> None:
        """updated_new on a path inside a map keeps the map's other keys on the object (DynamoDB returns only the
        updated path)."""
        post = make_post(meta={"a": 1, "b": 2})
        await db.save(post)
        recorder.clear()
        result = await db.update(post, Post.meta["a"].set(10), returns="updated_new")
        assert recorder.calls[0][1]["ReturnValues"] == "ALL_NEW"  # UPDATED_NEW would hold only meta.a
        assert result is post
        assert post.meta == {"a": 10, "b": 2}
        post.meta["c"] = 3
        await db.save(post)
        assert (await stored(db, post) or {})["meta"] == {
            "M": {"a": {"N": "10"}, "b": {"N": "2"}, "c": {"N": "3"}}
        }

    async def test_returns_old(self, db: Engine) -> None:
        """all_old returns the previous item and updated_old the previous updated values, as new objects; the
        object itself is left as it was."""
        post = make_post(content="a", views=1)
        await db.save(post)
        old = await db.update(post, Post.views.increment(), returns="all_old")
        assert old == make_post(id=post.id, content="a", views=1)
        assert old is not post
        assert post.views == 1
        old = await db.update(post, Post.views.increment(), Post.content.set("b"), returns="updated_old")
        assert old is not None
        assert (old.id, old.views, old.content) == (post.id, 2, "a")
        assert post.views == 1
        assert await db.update(make_post(), Post.views.increment(), returns="all_old") is None

    async def test_returns_none(self, db: Engine, recorder: Recorder) -> None:
        """returns="none" sends ReturnValues NONE, returns None and leaves the object as it was."""
        post = make_post(views=1)
        await db.save(post)
        recorder.clear()
        assert await db.update(post, Post.views.increment(), returns="none") is None
        assert recorder.calls[0][1]["ReturnValues"] == "NONE"
        assert post.views == 1
        assert (await stored(db, post) or {})["v"] == {"N": "2"}

    @pytest.mark.parametrize(
        ("action", "error", "column"),
        [
            pytest.param(lambda: Post.id.set(uuid.UUID(int=1)), InvalidExpression, "id", id="hash-key"),
            pytest.param(lambda: Reply.body.set("x"), UnknownColumn, None, id="other-model"),
            pytest.param(
                lambda: Reply.thread.set(uuid.UUID(int=1)), UnknownColumn, None, id="other-model-key"
            ),
        ],
    )
    async def test_bad_actions(
        self, db: Engine, recorder: Recorder, action: Any, error: type[Exception], column: str | None
    ) -> None:
        """Updating a key column or a column of another model raises before any request."""
        with pytest.raises(error) as info:
            await db.update(make_post(), action())
        assert info.value.model is Post  # type: ignore[attr-defined]
        assert info.value.column == column  # type: ignore[attr-defined]
        assert recorder.calls == []

    async def test_range_key_and_no_actions(self, db: Engine, recorder: Recorder) -> None:
        """Updating a range key, or updating with no action at all, raises before any request."""
        reply = Reply(thread=uuid.uuid4(), number=1)
        with pytest.raises(InvalidExpression, match="key columns cannot be updated") as info:
            await db.update(reply, Reply.number.increment())
        assert info.value.column == "number"
        with pytest.raises(InvalidExpression, match="at least one action"):
            await db.update(reply)
        assert recorder.calls == []


# -- refused input ----------------------------------------------------------------------------------------------------


def _missing_key() -> Post:
    return make_post(id=None)


def _wrong_type() -> Post:
    return make_post(views="many")


def _too_large() -> Post:
    return make_post(content="x" * 410_000)


def _too_many_digits() -> Post:
    return make_post(views=10**38 + 1)


def _wrong_key_type() -> Post:
    return make_post(id=12345)


def _naive_date() -> Post:
    return make_post(date=pendulum.naive(2026, 1, 2))


BAD_OBJECTS = [
    pytest.param(_missing_key, "id", "missing key value", id="missing-key"),
    pytest.param(_wrong_type, "views", "expected int, got str", id="wrong-type"),
    pytest.param(_too_large, None, "DynamoDB's limit is 409600", id="over-400-kb"),
    pytest.param(_too_many_digits, "views", "38 significant digits", id="39-digits"),
    pytest.param(_wrong_key_type, "id", "expected UUID, got int", id="wrong-key-type"),
    pytest.param(_naive_date, "date", "naive datetime", id="naive-datetime"),
]


class TestRefusedInput:
    @pytest.mark.parametrize("operation", ["save", "put", "create"])
    @pytest.mark.parametrize(("make", "column", "reason"), BAD_OBJECTS)
    async def test_bad_object_writes(
        self, db: Engine, recorder: Recorder, operation: str, make: Any, column: str | None, reason: str
    ) -> None:
        """Writing an object adyn cannot store raises InvalidValue naming model and column, before any request,
        even alongside good objects."""
        with pytest.raises(InvalidValue) as info:
            await getattr(db, operation)(make_post(), make())
        assert info.value.model is Post
        assert info.value.column == column
        assert reason in str(info.value)
        assert str(info.value).startswith(f"Post.{column}: " if column else "Post: ")
        assert recorder.calls == []

    @pytest.mark.parametrize("operation", ["load", "delete"])
    @pytest.mark.parametrize(
        ("make", "column"),
        [(_missing_key, "id"), (_wrong_key_type, "id")],
        ids=["missing-key", "wrong-key-type"],
    )
    async def test_bad_keys(
        self, db: Engine, recorder: Recorder, operation: str, make: Any, column: str
    ) -> None:
        """Loading or deleting an object whose key is missing or of the wrong type raises before any request."""
        with pytest.raises(InvalidValue) as info:
            await getattr(db, operation)(make_post(), make())
        assert (info.value.model, info.value.column) == (Post, column)
        assert recorder.calls == []

    async def test_bad_update_key(self, db: Engine, recorder: Recorder) -> None:
        """Updating an object whose key has the wrong type raises before any request."""
        with pytest.raises(InvalidValue) as info:
            await db.update(_wrong_key_type(), Post.views.increment())
        assert (info.value.model, info.value.column) == (Post, "id")
        assert recorder.calls == []

    async def test_bad_update_value(self, db: Engine, recorder: Recorder) -> None:
        """An update action with a value of the wrong type raises InvalidValue naming the column."""
        with pytest.raises(InvalidValue) as info:
            await db.update(make_post(), Post.views.set("many"))  # type: ignore[arg-type]
        assert (info.value.model, info.value.column) == (Post, "views")
        assert recorder.calls == []

    @pytest.mark.parametrize(
        "call",
        [
            pytest.param(lambda e: e.save(Stray(id="s")), id="save"),
            pytest.param(lambda e: e.put(Stray(id="s")), id="put"),
            pytest.param(lambda e: e.create(Stray(id="s")), id="create"),
            pytest.param(lambda e: e.load(Stray(id="s")), id="load"),
            pytest.param(lambda e: e.get(Stray, "s"), id="get"),
            pytest.param(lambda e: e.delete(Stray(id="s")), id="delete"),
            pytest.param(lambda e: e.update(Stray(id="s"), Stray.id.set("t")), id="update"),
            pytest.param(lambda e: e.save(make_post(), Stray(id="s")), id="save-mixed"),
        ],
    )
    async def test_unbound_model(self, db: Engine, recorder: Recorder, call: Any) -> None:
        """Any operation on a model not bound to the engine raises UnboundModel naming it, before any request."""
        with pytest.raises(
            UnboundModel, match=r"Stray is not bound to this engine: await engine.bind\(Stray\)"
        ) as info:
            await call(db)
        assert info.value.model is Stray
        assert recorder.calls == []


# -- hooks ------------------------------------------------------------------------------------------------------------


class TestHooks:
    async def test_object_hooks(self, db: Engine) -> None:
        """loaded, saved and deleted hooks run with the object after each load/get, write and delete."""
        seen: list[tuple[str, Any]] = []
        db.hooks.loaded.append(lambda obj: seen.append(("loaded", obj)))
        db.hooks.saved.append(lambda obj: seen.append(("saved", obj)))
        db.hooks.deleted.append(lambda obj: seen.append(("deleted", obj)))
        post = make_post()
        await db.save(post)
        await db.save(post)  # unchanged: nothing saved, no hook
        await db.put(post)
        await db.update(post, Post.views.increment())
        target = make_post(id=post.id)
        await db.load(target)
        got = await db.get(Post, post.id)
        await db.delete(post)
        assert seen == [
            ("saved", post),
            ("saved", post),
            ("saved", post),
            ("loaded", target),
            ("loaded", got),
            ("deleted", post),
        ]
        assert [obj for _, obj in seen][3] is target

    async def test_hooks_not_run_on_failure(self, db: Engine) -> None:
        """No saved or deleted hook runs for a write whose condition failed."""
        seen: list[Any] = []
        db.hooks.saved.append(seen.append)
        db.hooks.deleted.append(seen.append)
        post = make_post()
        with pytest.raises(ConditionFailed):
            await db.save(post, condition=Post.views.exists())
        with pytest.raises(ConditionFailed):
            await db.delete(post, condition=Post.views.exists())
        assert seen == []

    async def test_async_hooks_awaited(self, db: Engine) -> None:
        """Coroutine hooks are awaited before the operation returns."""
        seen: list[str] = []

        async def on_saved(obj: Any) -> None:
            await asyncio.sleep(0)
            seen.append("saved")

        async def on_request(operation: str, request: dict[str, Any]) -> None:
            await asyncio.sleep(0)
            seen.append(operation)

        async def on_response(
            operation: str, request: dict[str, Any], response: dict[str, Any], seconds: float
        ) -> None:
            await asyncio.sleep(0)
            seen.append(f"{operation} done")

        db.hooks.saved.append(on_saved)
        db.hooks.request.append(on_request)
        db.hooks.response.append(on_response)
        await db.save(make_post())
        assert seen == ["UpdateItem", "UpdateItem done", "saved"]

    async def test_response_hook_arguments(self, db: Engine) -> None:
        """Response hooks get the operation, the request sent, the parsed response and the seconds it took."""
        calls: list[tuple[str, dict[str, Any], dict[str, Any], float]] = []
        requests: list[dict[str, Any]] = []
        db.hooks.request.append(lambda operation, request: requests.append(request))
        db.hooks.response.append(lambda *args: calls.append(args))
        post = make_post()
        await db.put(post)
        await db.get(Post, post.id)
        (op1, req1, resp1, sec1), (op2, req2, resp2, sec2) = calls
        assert (op1, op2) == ("PutItem", "GetItem")
        assert req1 is requests[0]
        assert req2 is requests[1]
        assert resp1["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert resp2["Item"] == Post.__adyn__.dump_item(post)
        assert isinstance(sec1, float)
        assert 0 < sec1 < 60
        assert 0 < sec2 < 60
