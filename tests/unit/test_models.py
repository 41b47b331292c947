"""
Model and document classes: attrs behaviour, columns, type inference, Meta, indexes, inheritance, class-definition
errors, the compiled codec, change tracking and the dict forms.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib
import pathlib
import uuid
from typing import Any

import attrs
import pendulum
import pytest

from adyn import (
    Billing,
    Column,
    Document,
    GlobalSecondaryIndex,
    InvalidModel,
    InvalidStoredValue,
    InvalidValue,
    LocalSecondaryIndex,
    Model,
    UnknownColumn,
    column,
    compile_expressions,
)
from adyn import types as t
from adyn._models import LOADED
from adyn._writes import put_write, save_write, update_write


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(Document):
    city: Column[str] = column(name="c")
    zip: Column[str | None] = column(default=None)


class Post(Model):
    class Meta:
        table_name = "posts"

    id: Column[uuid.UUID] = column(hash_key=True)
    user: Column[uuid.UUID] = column(name="u")
    date: Column[pendulum.DateTime] = column(t.DateTime(timezone="US/Pacific"), name="d")
    views: Column[int] = column(name="v", default=0)
    content: Column[str | None] = column(name="c", default=None)
    tags: Column[set[str]] = column(factory=set)
    meta: Column[dict[str, Any]] = column(factory=dict)
    scores: Column[list[int]] = column(factory=list)
    address: Column[Address | None] = column(default=None)

    by_user = GlobalSecondaryIndex(hash_key="user", range_key="date", projection="keys")


def make_post(**changes: Any) -> Post:
    values: dict[str, Any] = {
        "id": uuid.UUID(int=1),
        "user": uuid.UUID(int=2),
        "date": pendulum.datetime(2026, 1, 2, 3, 4, 5, tz="UTC"),
    }
    values.update(changes)
    return Post(**values)


# -- attrs behaviour ----------------------------------------------------------------------------------------------


class TestAttrs:
    def test_is_attrs_class(self) -> None:
        """A model is an attrs class whose fields are its columns, in declaration order."""
        assert attrs.has(Post)
        assert [f.name for f in attrs.fields(Post)] == [
            "id",
            "user",
            "date",
            "views",
            "content",
            "tags",
            "meta",
            "scores",
            "address",
        ]

    def test_keyword_only_init(self) -> None:
        """__init__ takes keyword arguments only."""
        with pytest.raises(TypeError):
            Post(uuid.uuid4())  # type: ignore[misc]  # pyright: ignore[reportCallIssue]

    def test_defaults_and_factories(self) -> None:
        """Defaults apply and factories give each object its own mutable value."""
        a, b = make_post(), make_post()
        assert a.views == 0
        assert a.content is None
        a.tags.add("x")
        assert b.tags == set()

    def test_eq_and_repr(self) -> None:
        """attrs equality compares column values; the repr names the class and columns."""
        assert make_post() == make_post()
        assert make_post(views=1) != make_post()
        assert repr(make_post()).startswith("Post(id=UUID(")

    def test_validators_and_converters(self) -> None:
        """attrs validators and converters given to column() run on init and on assignment."""

        class Checked(Model):
            id: Column[str] = column(hash_key=True, converter=str.strip)
            n: Column[int] = column(default=0, validator=attrs.validators.ge(0))

        assert Checked(id="  a ").id == "a"
        with pytest.raises(ValueError, match="n"):
            Checked(id="a", n=-1)
        obj = Checked(id="a")
        with pytest.raises(ValueError, match="n"):
            obj.n = -5

    def test_evolve_and_asdict(self) -> None:
        """attrs.evolve and attrs.asdict work on models."""
        post = make_post(views=3)
        assert attrs.evolve(post, views=4).views == 4
        assert attrs.asdict(post)["views"] == 3

    def test_class_attribute_is_column_instance_attribute_is_value(self) -> None:
        """Post.views is the Column; post.views is the plain value from the instance dict."""
        assert isinstance(Post.views, Column)
        assert Post.views.dynamo_name == "v"
        post = make_post(views=7)
        assert post.views == 7
        assert post.__dict__["views"] == 7

    def test_missing_instance_value(self) -> None:
        """Reading a deleted column value raises AttributeError naming the column."""
        post = make_post()
        del post.views
        with pytest.raises(AttributeError, match="views"):
            _ = post.views


# -- type inference -----------------------------------------------------------------------------------------------


class TestInference:
    @pytest.mark.parametrize(
        ("annotation", "expected"),
        [
            pytest.param(str, "String()", id="str"),
            pytest.param(int, "Integer()", id="int"),
            pytest.param(float, "Float()", id="float"),
            pytest.param(decimal.Decimal, "Number()", id="decimal"),
            pytest.param(bool, "Boolean()", id="bool"),
            pytest.param(bytes, "Binary()", id="bytes"),
            pytest.param(uuid.UUID, "UUID()", id="uuid"),
            pytest.param(pendulum.DateTime, "DateTime(timezone='UTC')", id="pendulum-datetime"),
            pytest.param(datetime.datetime, "DateTime(timezone='UTC')", id="datetime"),
            pytest.param(pendulum.Date, "Date()", id="pendulum-date"),
            pytest.param(datetime.date, "Date()", id="date"),
            pytest.param(datetime.timedelta, "Timedelta()", id="timedelta"),
            pytest.param(Color, "Enum(Color, by='value')", id="enum"),
            pytest.param(set[str], "Set(String())", id="set-str"),
            pytest.param(frozenset[int], "Set(Integer())", id="frozenset-int"),
            pytest.param(list[int], "List(Integer())", id="list-int"),
            pytest.param(list[Any], "DynamicList()", id="list-any"),
            pytest.param(dict[str, int], "Dict(Integer())", id="dict-str-int"),
            pytest.param(dict[str, Any], "DynamicMap()", id="dict-any"),
            pytest.param(Any, "Dynamic()", id="any"),
            pytest.param(Address, "Map(Address)", id="document"),
            pytest.param(int | None, "Integer()", id="optional"),
            pytest.param(Column[str], "String()", id="column-wrapper"),
        ],
    )
    def test_annotation_to_type(self, annotation: Any, expected: str) -> None:
        """Each supported annotation infers its adyn type."""
        model = type(
            "Inferred",
            (Model,),
            {
                "__annotations__": {"id": str, "x": annotation},
                "id": column(hash_key=True),
                "x": column(default=None),
            },
        )
        assert repr(model.__adyn__.columns_by_name["x"].type) == expected

    def test_explicit_type_wins(self) -> None:
        """A type passed to column() is used instead of the inferred one."""
        assert repr(Post.date.type) == "DateTime(timezone='US/Pacific')"

    def test_type_class_is_instantiated(self) -> None:
        """column(String) accepts a type class as well as an instance."""

        class WithClass(Model):
            id: Column[str] = column(t.String, hash_key=True)

        assert isinstance(WithClass.id.type, t.String)

    def test_uninferable_annotation(self) -> None:
        """An annotation with no adyn type fails at class definition, naming model and column."""
        with pytest.raises(InvalidModel) as info:

            class Bad(Model):
                id: Column[str] = column(hash_key=True)
                when: Column[complex] = column()

        assert info.value.column == "when"
        assert "Bad" in str(info.value)

    def test_ambiguous_union(self) -> None:
        """A union of two types cannot be inferred."""
        with pytest.raises(InvalidModel, match="x"):

            class Bad(Model):
                id: Column[str] = column(hash_key=True)
                x: Column[int | str] = column()


# -- keys, indexes and Meta ---------------------------------------------------------------------------------------


class TestDefinitionErrors:
    def test_no_hash_key(self) -> None:
        """A concrete model without a hash key fails at class definition."""
        with pytest.raises(InvalidModel, match="needs a hash key") as info:

            class NoKey(Model):
                x: Column[str] = column()

        assert info.value.model.__name__ == "NoKey"

    def test_two_hash_keys(self) -> None:
        """Two hash keys fail, naming the second column."""
        with pytest.raises(InvalidModel, match="two hash keys") as info:

            class TwoKeys(Model):
                a: Column[str] = column(hash_key=True)
                b: Column[str] = column(hash_key=True)

        assert info.value.column == "b"

    def test_two_range_keys(self) -> None:
        """Two range keys fail."""
        with pytest.raises(InvalidModel, match="two range keys"):

            class TwoRanges(Model):
                a: Column[str] = column(hash_key=True)
                b: Column[str] = column(range_key=True)
                c: Column[str] = column(range_key=True)

    @pytest.mark.parametrize("annotation", [bool, list[int], dict[str, str], set[str]])
    def test_bad_key_type(self, annotation: Any) -> None:
        """Keys must be string, number or binary types."""
        with pytest.raises(InvalidModel, match="key columns must be") as info:
            type("BadKey", (Model,), {"__annotations__": {"k": annotation}, "k": column(hash_key=True)})
        assert info.value.column == "k"

    def test_hash_and_range_on_one_column(self) -> None:
        """One column cannot be both keys."""
        with pytest.raises(InvalidModel, match="both"):

            class Both(Model):
                a: Column[str] = column(hash_key=True, range_key=True)

    def test_duplicate_backing_name(self) -> None:
        """Two columns with the same backing name fail."""
        with pytest.raises(InvalidModel, match="backing name"):

            class Dup(Model):
                a: Column[str] = column(hash_key=True, name="x")
                b: Column[str] = column(name="x")

    def test_lsi_without_range_key(self) -> None:
        """A local index on a table without a range key fails."""
        with pytest.raises(InvalidModel, match="range key"):

            class NoRange(Model):
                a: Column[str] = column(hash_key=True)
                b: Column[int] = column()
                by_b = LocalSecondaryIndex(range_key="b")

    def test_index_names_missing_column(self) -> None:
        """An index naming a column the model lacks fails."""
        with pytest.raises(InvalidModel, match="nope"):

            class Missing(Model):
                a: Column[str] = column(hash_key=True)
                by_x = GlobalSecondaryIndex(hash_key="nope")

    def test_document_with_key(self) -> None:
        """A Document cannot declare table keys."""
        with pytest.raises(InvalidModel, match="Document"):

            class Doc(Document):
                a: Column[str] = column(hash_key=True)

    @pytest.mark.parametrize(
        ("meta", "match"),
        [
            pytest.param({"billing": {"read": 1}}, "billing", id="half-provisioned"),
            pytest.param({"billing": "cheap"}, "billing", id="unknown-billing"),
            pytest.param({"stream": "everything"}, "stream", id="stream"),
            pytest.param({"ttl": "nope"}, "ttl", id="ttl-missing"),
            pytest.param({"ttl": "a"}, "Timestamp", id="ttl-wrong-type"),
            pytest.param({"init": 3}, "init", id="init"),
            pytest.param({"table_name": ""}, "table_name", id="table-name"),
        ],
    )
    def test_bad_meta(self, meta: dict[str, Any], match: str) -> None:
        """Invalid Meta settings fail at class definition."""
        with pytest.raises(InvalidModel, match=match):
            type(
                "BadMeta",
                (Model,),
                {"__annotations__": {"a": str}, "a": column(hash_key=True), "Meta": type("Meta", (), meta)},
            )


class TestMetaAndIndexes:
    def test_table_name(self) -> None:
        """Meta.table_name sets the table name; the class name is the default."""

        class Plain(Model):
            id: Column[str] = column(hash_key=True)

        assert Post.__adyn__.table_name == "posts"
        assert Plain.__adyn__.table_name == "Plain"

    def test_meta_settings(self) -> None:
        """billing, stream and ttl resolve to what a table needs."""

        class Session(Model):
            class Meta:
                billing = {"read": 5, "write": 2}  # noqa: RUF012 - Meta is read once, never mutated
                stream = "new_and_old"
                ttl = "expires"

            id: Column[str] = column(hash_key=True)
            expires: Column[pendulum.DateTime] = column(t.Timestamp())

        info = Session.__adyn__
        assert info.billing == Billing(read=5, write=2)
        assert info.billing.mode == "PROVISIONED"
        assert info.stream == "NEW_AND_OLD_IMAGES"
        assert info.ttl is Session.expires
        assert Post.__adyn__.billing.mode == "PAY_PER_REQUEST"

    def test_index_binding(self) -> None:
        """An index resolves its key columns and projection on the model."""
        index = Post.by_user
        assert index.model is Post
        assert index.name == index.dynamo_name == "by_user"
        assert index.hash_key is Post.user
        assert index.range_key is Post.date
        assert index.projection == "KEYS_ONLY"
        assert {c.name for c in index.projected} == {"id", "user", "date"}

    def test_include_projection_and_lsi(self) -> None:
        """An INCLUDE projection lists its non-key columns; an LSI takes the table's hash key."""

        class Thread(Model):
            forum: Column[str] = column(hash_key=True)
            subject: Column[str] = column(range_key=True)
            views: Column[int] = column(default=0)
            replies: Column[int] = column(default=0)
            by_views = LocalSecondaryIndex(range_key="views", projection=["replies"], name="views-index")

        index = Thread.by_views
        assert index.dynamo_name == "views-index"
        assert index.hash_key is Thread.forum
        assert index.projection == "INCLUDE"
        assert index.included == (Thread.replies,)

    def test_custom_init_used_on_load(self) -> None:
        """Meta.init builds loaded objects from keyword arguments."""
        calls: list[dict[str, Any]] = []

        def build(**kwargs: Any) -> Custom:
            calls.append(kwargs)
            return Custom(**kwargs)

        class Custom(Model):
            class Meta:
                init = build

            id: Column[str] = column(hash_key=True)
            n: Column[int] = column(default=0)

        obj = Custom.__adyn__.load_item({"id": {"S": "a"}, "n": {"N": "2"}})
        assert obj == Custom(id="a", n=2)
        assert calls == [{"id": "a", "n": 2}]


class TestInheritance:
    def test_abstract_base_and_mixins(self) -> None:
        """Abstract models contribute columns and indexes to concrete subclasses, which get their own columns."""

        class Timestamped(Model):
            class Meta:
                abstract = True

            created: Column[pendulum.DateTime | None] = column(default=None)

        class Keyed(Model):
            class Meta:
                abstract = True

            id: Column[str] = column(hash_key=True)
            owner: Column[str] = column(default="")
            by_owner = GlobalSecondaryIndex(hash_key="owner")

        class Note(Keyed, Timestamped):
            text: Column[str] = column(default="")

        info = Note.__adyn__
        assert {c.name for c in info.columns} == {"id", "owner", "created", "text"}
        assert info.hash_key is Note.id
        assert Note.id is not Keyed.id
        assert Note.id.model is Note
        assert Note.by_owner.model is Note
        assert Note.by_owner.hash_key is Note.owner
        assert info.table_name == "Note"
        assert Keyed.__adyn__.abstract

    def test_override_column(self) -> None:
        """A subclass can redeclare a column with another type or default."""

        class Base(Model):
            id: Column[str] = column(hash_key=True)
            n: Column[int] = column(default=1)

        class Child(Base):
            n: Column[float] = column(default=2.5)

        assert Child(id="a").n == 2.5
        assert isinstance(Child.n.type, t.Float)
        assert isinstance(Base.n.type, t.Integer)

    def test_meta_inheritance(self) -> None:
        """billing, stream, ttl and init are inherited; table_name is not."""

        class Base(Model):
            class Meta:
                table_name = "base"
                stream = "keys"

            id: Column[str] = column(hash_key=True)

        class Child(Base):
            pass

        assert Child.__adyn__.stream == "KEYS_ONLY"
        assert Child.__adyn__.table_name == "Child"


# -- the codec ----------------------------------------------------------------------------------------------------


class TestCodec:
    def test_dump_uses_backing_names_and_skips_none(self) -> None:
        """dump_item writes backing names, skips None and empty sets."""
        item = Post.__adyn__.dump_item(make_post(views=3))
        assert item == {
            "id": {"S": "00000000-0000-0000-0000-000000000001"},
            "u": {"S": "00000000-0000-0000-0000-000000000002"},
            "d": {"S": "2026-01-02T03:04:05.000000+00:00"},
            "v": {"N": "3"},
            "meta": {"M": {}},
            "scores": {"L": []},
        }

    def test_round_trip(self) -> None:
        """load_item(dump_item(obj)) equals obj, nested documents included."""
        post = make_post(tags={"a", "b"}, meta={"x": [1, "y"]}, scores=[3, 1], address=Address(city="Oslo"))
        loaded = Post.__adyn__.load_item(Post.__adyn__.dump_item(post))
        assert loaded == post
        assert loaded.date.timezone_name == "US/Pacific"

    def test_missing_attributes_take_defaults(self) -> None:
        """Attributes absent from an item load as the column default, else None or an empty set."""
        post = Post.__adyn__.load_item({"id": {"S": str(uuid.UUID(int=1))}})
        assert post.views == 0
        assert post.content is None
        assert post.tags == set()
        assert post.scores == []

    def test_unknown_attributes_ignored(self) -> None:
        """Attributes the model does not declare are ignored on load."""
        post = Post.__adyn__.load_item({"id": {"S": str(uuid.UUID(int=1))}, "zzz": {"S": "x"}})
        assert post.id == uuid.UUID(int=1)

    def test_bad_value_names_model_and_column(self) -> None:
        """A wrong-typed value fails the dump with InvalidValue naming model, column and value."""
        post = make_post()
        post.views = "many"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        with pytest.raises(InvalidValue) as info:
            Post.__adyn__.dump_item(post)
        assert info.value.model is Post
        assert info.value.column == "views"
        assert info.value.value == "many"
        assert "Post.views" in str(info.value)

    def test_bad_stored_value_names_model_and_column(self) -> None:
        """An undecodable stored value fails the load with InvalidStoredValue naming model and column."""
        with pytest.raises(InvalidStoredValue) as info:
            Post.__adyn__.load_item({"id": {"S": "not-a-uuid"}})
        assert info.value.column == "id"
        with pytest.raises(InvalidStoredValue) as info:
            Post.__adyn__.load_item({"id": {"S": str(uuid.UUID(int=1))}, "v": {"S": "3"}})
        assert info.value.column == "views"

    def test_key(self) -> None:
        """key() dumps only the key columns and rejects missing or empty key values."""
        assert Post.__adyn__.key(make_post()) == {"id": {"S": "00000000-0000-0000-0000-000000000001"}}
        post = make_post()
        post.id = None  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        with pytest.raises(InvalidValue, match="missing key value") as info:
            Post.__adyn__.key(post)
        assert info.value.column == "id"

        class Named(Model):
            name: Column[str] = column(hash_key=True)

        with pytest.raises(InvalidValue, match="empty"):
            Named.__adyn__.key(Named(name=""))


# -- change tracking ----------------------------------------------------------------------------------------------


def update_of(post: Post) -> dict[str, Any]:
    actions, _ = Post.__adyn__.diff(post)
    return dict(compile_expressions(update=actions))


class TestChangeTracking:
    def loaded(self, **changes: Any) -> Post:
        return Post.__adyn__.load_item(Post.__adyn__.dump_item(make_post(**changes)))

    def test_new_object_sets_values_and_removes_nones(self) -> None:
        """An object never loaded or saved sets every value it holds and removes the columns it holds None for."""
        assert update_of(make_post(views=2, tags={"a"})) == {
            "UpdateExpression": "SET #n0 = :v0, #n1 = :v1, #n2 = :v2, #n4 = :v3, #n5 = :v4, #n6 = :v5 REMOVE #n3, #n7",
            "ExpressionAttributeNames": {
                "#n0": "u",
                "#n1": "d",
                "#n2": "v",
                "#n3": "c",
                "#n4": "tags",
                "#n5": "meta",
                "#n6": "scores",
                "#n7": "address",
            },
            "ExpressionAttributeValues": {
                ":v0": {"S": "00000000-0000-0000-0000-000000000002"},
                ":v1": {"S": "2026-01-02T03:04:05.000000+00:00"},
                ":v2": {"N": "2"},
                ":v3": {"SS": ["a"]},
                ":v4": {"M": {}},
                ":v5": {"L": []},
            },
        }

    def test_unchanged_loaded_object_sends_nothing(self) -> None:
        """A loaded object that was not changed produces no actions."""
        assert update_of(self.loaded(tags={"a", "b"}, views=3)) == {}

    def test_changed_value_is_set(self) -> None:
        """Changing one column sets exactly that column."""
        post = self.loaded(views=3)
        post.views += 1
        assert update_of(post) == {
            "UpdateExpression": "SET #n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "4"}},
        }

    def test_value_set_to_none_is_removed(self) -> None:
        """Setting a column to None removes it."""
        post = self.loaded(content="hi")
        post.content = None
        assert update_of(post) == {"UpdateExpression": "REMOVE #n0", "ExpressionAttributeNames": {"#n0": "c"}}

    def test_in_place_mutation_detected(self) -> None:
        """Mutating a list or a dict in place is detected."""
        post = self.loaded(scores=[1], meta={"k": 1})
        post.scores.append(2)
        post.meta["k"] = 2
        assert update_of(post) == {
            "UpdateExpression": "SET #n0 = :v0, #n1 = :v1",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "scores"},
            "ExpressionAttributeValues": {
                ":v0": {"M": {"k": {"N": "2"}}},
                ":v1": {"L": [{"N": "1"}, {"N": "2"}]},
            },
        }

    def test_set_additions_are_add(self) -> None:
        """A set that only gained elements is an ADD of the new ones."""
        post = self.loaded(tags={"a"})
        post.tags.add("b")
        assert update_of(post) == {
            "UpdateExpression": "ADD #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["b"]}},
        }

    def test_set_removals_are_delete(self) -> None:
        """A set that only lost elements is a DELETE of those."""
        post = self.loaded(tags={"a", "b"})
        post.tags.discard("a")
        assert update_of(post) == {
            "UpdateExpression": "DELETE #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["a"]}},
        }

    def test_set_both_ways_is_set_and_emptied_is_remove(self) -> None:
        """A set that gained and lost elements is SET; an emptied set is REMOVEd."""
        post = self.loaded(tags={"a", "b"})
        post.tags = {"b", "c"}
        assert update_of(post)["UpdateExpression"] == "SET #n0 = :v0"
        post.tags = set()
        assert update_of(post)["UpdateExpression"] == "REMOVE #n0"

    def test_wire_spelling_differences_are_not_changes(self) -> None:
        """A stored value spelled differently on the wire (set order, number form) is not a change."""
        item = Post.__adyn__.dump_item(make_post(tags={"a", "b"}, views=3))
        item["tags"] = {"SS": ["b", "a"]}
        item["v"] = {"N": "3.0"}
        post = Post.__adyn__.load_item(item)
        assert update_of(post) == {}

    def test_keys_never_updated(self) -> None:
        """Key columns are never part of the update, even when changed."""
        post = self.loaded()
        post.id = uuid.UUID(int=9)
        assert update_of(post) == {}

    def test_diff_returns_the_dumped_item(self) -> None:
        """diff() also returns the object's dumped item, to become its new snapshot."""
        post = self.loaded(views=5)
        _, item = Post.__adyn__.diff(post)
        assert item == Post.__adyn__.dump_item(post)


# -- dict forms ---------------------------------------------------------------------------------------------------


class TestDictForms:
    def test_to_dict_plain(self) -> None:
        """to_dict() gives Python values by column name, nested documents as dicts."""
        post = make_post(address=Address(city="Oslo"), tags={"a"})
        data = post.to_dict()
        assert data["id"] == uuid.UUID(int=1)
        assert data["address"] == {"city": "Oslo", "zip": None}
        assert data["tags"] == {"a"}
        assert Post.from_dict(data) == post

    def test_to_dict_json(self) -> None:
        """to_dict(json=True) is JSON-safe and from_dict(json=True) restores the object exactly."""
        import json

        post = make_post(address=Address(city="Oslo"), tags={"b", "a"}, meta={"n": decimal.Decimal("1.5")})
        data = post.to_dict(json=True)
        assert data["id"] == "00000000-0000-0000-0000-000000000001"
        assert data["date"] == "2026-01-02T03:04:05.000000+00:00"
        assert data["tags"] == ["a", "b"]
        json.dumps(data)
        restored = Post.from_dict(json.loads(json.dumps(data)), json=True)
        assert restored.to_dict() == {**post.to_dict(), "meta": {"n": "1.5"}}

    def test_from_dict_unknown_column(self) -> None:
        """from_dict() rejects names that are not columns."""
        with pytest.raises(UnknownColumn, match="nope"):
            Post.from_dict({"nope": 1})

    def test_from_dict_bad_value(self) -> None:
        """from_dict(json=True) reports an unconvertible value with model and column."""
        with pytest.raises(InvalidValue) as info:
            Post.from_dict({"id": "not-a-uuid"}, json=True)
        assert info.value.column == "id"


def test_subclass_in_another_module_with_postponed_annotations(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subclass defined in a module that imports neither Column nor the types keeps its base's columns."""
    (tmp_path / "adyn_base_models.py").write_text(
        "from __future__ import annotations\n"
        "import uuid\n"
        "from adyn import Column, Model, column\n"
        "class Base(Model):\n"
        "    class Meta:\n"
        "        abstract = True\n"
        "    id: Column[uuid.UUID] = column(hash_key=True)\n"
        "    tags: Column[set[str]] = column(factory=set)\n"
    )
    (tmp_path / "adyn_child_models.py").write_text(
        "from __future__ import annotations\n"
        "from adyn_base_models import Base\n"
        "class Child(Base):\n"
        "    class Meta:\n"
        "        table_name = 'children'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    child = importlib.import_module("adyn_child_models").Child
    assert repr(child.id.type) == "UUID()"
    assert repr(child.tags.type) == "Set(String())"
    assert child.id.model is child


# -- secondary index key values, checked before a write -------------------------------------------------------------


class Code(t.Type[Any]):
    """A string key type that (wrongly) dumps ints as numbers: what a careless custom type may do."""

    python_type = (str, int)
    backing_type = "S"

    def dump(self, value: Any) -> Any:
        return {"N": str(value)} if isinstance(value, int) else {"S": value}

    def dynamo_load(self, value: Any) -> Any:
        return value


class Topic(Model):
    board: Column[str] = column(hash_key=True)
    number: Column[int] = column(range_key=True)
    label: Column[str] = column(default="")
    subject: Column[str | None] = column(default=None)
    digest: Column[bytes | None] = column(default=None)
    code: Column[Any] = column(Code(), default=None)
    rank: Column[int | None] = column(default=None)

    by_label = GlobalSecondaryIndex(hash_key="label", projection="keys")
    by_subject = GlobalSecondaryIndex(hash_key="subject", range_key="rank")
    by_label_board = GlobalSecondaryIndex(hash_key="label", range_key="board", projection="keys")
    by_digest = LocalSecondaryIndex(range_key="digest")
    by_code = GlobalSecondaryIndex(hash_key="code")


def topic(**values: Any) -> Topic:
    return Topic(**{"board": "b", "number": 1, "label": "l", **values})


def _put(obj: Model) -> None:
    put_write(type(obj).__adyn__, "t", obj, None)


def _save(obj: Model) -> None:
    save_write(type(obj).__adyn__, "t", obj, None)


class TestIndexKeyValues:
    def test_index_keys(self) -> None:
        """Each index key column is checked under its strictest limit; table keys only where an index is stricter."""
        keys = {name: (k.column.name, k.limit, k.role) for name, k in Topic.__adyn__.index_keys.items()}
        assert keys == {
            "label": ("label", 2048, "the hash key of index by_label"),
            "subject": ("subject", 2048, "the hash key of index by_subject"),
            "rank": ("rank", 1024, "the range key of index by_subject"),
            "board": ("board", 1024, "the range key of index by_label_board"),
            "digest": ("digest", 1024, "the range key of index by_digest"),
            "code": ("code", 2048, "the hash key of index by_code"),
        }

    def test_no_indexes_no_checks(self) -> None:
        """A model without indexes has no index keys to check."""

        class Bare(Model):
            id: Column[str] = column(hash_key=True)
            text: Column[str] = column(default="")

        assert Bare.__adyn__.index_keys == {}
        _put(Bare(id="x"))

    @pytest.mark.parametrize(
        ("write", "values", "parts"),
        [
            pytest.param(
                _put, {"label": ""}, ("Topic.label", "hash key of index by_label", "empty"), id="put-empty"
            ),
            pytest.param(_save, {"subject": ""}, ("Topic.subject", "by_subject", "empty"), id="save-empty"),
            pytest.param(
                _put, {"digest": b""}, ("Topic.digest", "by_digest", "(value: b'')"), id="put-empty-bytes"
            ),
            pytest.param(
                _save, {"label": "x" * 2049}, ("Topic.label", "2049 bytes", "2048"), id="save-oversize"
            ),
            pytest.param(
                _put, {"digest": b"x" * 1025}, ("Topic.digest", "1025 bytes", "1024"), id="put-oversize"
            ),
            pytest.param(
                _put,
                {"board": "é" * 600},
                ("Topic.board", "1200 bytes", "range key of index by_label_board", "1024"),
                id="table-hash-key-as-index-range-key",
            ),
            pytest.param(
                _save,
                {"code": 7},
                ("Topic.code", "by_code", "takes DynamoDB S values, not N", "(value: 7)"),
                id="type",
            ),
        ],
    )
    def test_refused(self, write: Any, values: dict[str, Any], parts: tuple[str, ...]) -> None:
        """Empty, oversize and mistyped index key values raise InvalidValue naming model, column and value."""
        with pytest.raises(InvalidValue) as caught:
            write(topic(**values))
        message = str(caught.value)
        assert [p for p in parts if p not in message] == [], message

    def test_allowed(self) -> None:
        """Absent index keys (sparse indexes), values at the limits, and numbers of any size are written."""
        _put(topic(subject=None, digest=None, code=None))
        _save(topic(label="é" * 512, digest=b"x" * 1024, code="c", subject="s", rank=10**37))

    def test_update_actions(self) -> None:
        """update() checks the literal values its SETs give index keys; removing one (leaving the index) is fine."""
        info = Topic.__adyn__
        for action in (
            Topic.label.set(""),
            Topic.digest.set_if_not_exists(b""),
            Topic.subject.set("s" * 2049),
        ):
            with pytest.raises(InvalidValue, match=r"^Topic\.(label|digest|subject): "):
                update_write(info, "t", topic(), [action], None)
        for action in (Topic.subject.set(None), Topic.label.set("x"), Topic.rank.increment()):
            update_write(info, "t", topic(), [action], None)

    def test_save_checks_what_it_writes(self) -> None:
        """
        A save sends only the changed columns: a partial object holding the default "" for an index key it did not
        load (and does not write) is saved, while setting that key to "" is refused.
        """
        info = Topic.__adyn__
        obj = info.load_item({"board": {"S": "b"}, "number": {"N": "1"}, "subject": {"S": "s"}})
        vars(obj)[LOADED] = frozenset({"board", "number", "subject"})
        assert obj.label == ""
        obj.subject = "t"
        write = save_write(info, "t", obj, None)
        assert write is not None
        assert "label" not in str(write.body)
        loaded = info.load_item({"board": {"S": "b"}, "number": {"N": "1"}, "label": {"S": "l"}})
        loaded.label = ""
        with pytest.raises(InvalidValue, match=r"^Topic\.label: "):
            save_write(info, "t", loaded, None)


# -- errors inside documents name the path from the model ----------------------------------------------------------


class Street(Document):
    name: Column[str] = column()


class Place(Document):
    street: Column[Street | None] = column(default=None)


class Atlas(Model):
    id: Column[str] = column(hash_key=True)
    home: Column[Place | None] = column(default=None)
    places: Column[list[Place]] = column(factory=list)
    named: Column[dict[str, Street]] = column(factory=dict)
    counts: Column[list[int]] = column(factory=list)


class TestNestedErrorPaths:
    @pytest.mark.parametrize(
        ("values", "column"),
        [
            pytest.param(
                {"home": Place(street=Street(name=5))}, "home.street.name", id="document-in-document"
            ),
            pytest.param(
                {"places": [Place(), Place(street=Street(name="a")), Place(street=Street(name=5))]},
                "places[2].street.name",
                id="list-of-documents",
            ),
            pytest.param({"named": {"main": Street(name=5)}}, "named['main'].name", id="map-of-documents"),
            pytest.param({"counts": [1, "x"]}, "counts[1]", id="list-element"),
        ],
    )
    def test_dump(self, values: dict[str, Any], column: str) -> None:
        """A bad value deep in a column names the model and the path to it, on dump and put."""
        obj = Atlas(id="a", **values)
        for dump in (Atlas.__adyn__.dump_item, lambda o: put_write(Atlas.__adyn__, "t", o, None)):
            with pytest.raises(InvalidValue) as caught:
                dump(obj)
            assert (caught.value.model, caught.value.column) == (Atlas, column)
            assert str(caught.value).startswith(f"Atlas.{column}: ")

    @pytest.mark.parametrize(
        ("item", "column", "value"),
        [
            pytest.param(
                {"home": {"M": {"street": {"M": {"name": {"N": "5"}}}}}},
                "home.street.name",
                {"N": "5"},
                id="doc",
            ),
            pytest.param(
                {"places": {"L": [{"M": {}}, {"M": {"street": {"M": {"name": {"B": b"x"}}}}}]}},
                "places[1].street.name",
                {"B": b"x"},
                id="list-of-documents",
            ),
            pytest.param(
                {"named": {"M": {"a": {"M": {"name": {"S": "ok"}}}, "b": {"M": {"name": {"N": "1"}}}}}},
                "named['b'].name",
                {"N": "1"},
                id="map-of-documents",
            ),
            pytest.param(
                {"counts": {"L": [{"N": "1"}, {"S": "x"}]}}, "counts[1]", {"S": "x"}, id="list-element"
            ),
        ],
    )
    def test_load(self, item: dict[str, Any], column: str, value: Any) -> None:
        """A bad stored value deep in an item names the model, the path to it and the stored value itself."""
        with pytest.raises(InvalidStoredValue) as caught:
            Atlas.__adyn__.load_item({"id": {"S": "a"}, **item})
        error = caught.value
        assert (error.model, error.column, error.value) == (Atlas, column, value)
        message = str(error)
        assert message.startswith(f"Atlas.{column}: expected a DynamoDB ")
        assert message.endswith(f" value (value: {value!r})")

    def test_update_action_and_json(self) -> None:
        """An update action's document value and the JSON form also name the path from the model."""
        with pytest.raises(InvalidValue, match=r"^Atlas\.home\.street\.name: "):
            Atlas.home.set(Place(street=Street(name=5)))
        with pytest.raises(InvalidValue, match=r"^Atlas\.home\.street\.name: "):
            Atlas(id="a", home=Place(street=Street(name=5))).to_dict(json=True)

    def test_document_alone(self) -> None:
        """A document dumped on its own still names the document class and column."""
        with pytest.raises(InvalidValue, match=r"^Street\.name: "):
            Street.__adyn__.dump_item(Street(name=5))
