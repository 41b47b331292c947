"""
Unit tests of the pure expression compiler: conditions, key conditions, projections and update actions rendered
into the exact fragments of a DynamoDB request, and the errors raised for what DynamoDB would refuse.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from adyn import (
    Action,
    Column,
    Condition,
    Document,
    InvalidCondition,
    InvalidExpression,
    InvalidKeyCondition,
    InvalidValue,
    Model,
    UnknownColumn,
    column,
    compile_expressions,
)
from adyn._expressions import check_key_condition, hash_first
from adyn.types import DateTime


class Address(Document):
    city: Column[str] = column(name="c")


class Post(Model):
    id: Column[uuid.UUID] = column(hash_key=True)
    views: Column[int] = column(name="v", default=0)
    other: Column[int] = column(default=0)
    content: Column[str | None] = column(name="c", default=None)
    tags: Column[set[str]] = column(factory=set)
    nums: Column[set[int]] = column(factory=set)
    meta: Column[dict[str, Any]] = column(factory=dict)
    counts: Column[dict[str, int]] = column(factory=dict)
    scores: Column[list[int]] = column(factory=list)
    address: Column[Address | None] = column(default=None)
    flag: Column[bool] = column(default=False)
    data: Column[bytes | None] = column(default=None)
    when: Column[datetime.datetime | None] = column(DateTime(), default=None)


class Comment(Model):
    post: Column[uuid.UUID] = column(hash_key=True, name="p")
    sort: Column[str] = column(range_key=True, name="s")
    votes: Column[int] = column(default=0)
    body: Column[str] = column(default="")


U = uuid.UUID("12345678-1234-5678-1234-567812345678")
U2 = uuid.UUID("87654321-4321-8765-4321-876543218765")
U_TEXT = "12345678-1234-5678-1234-567812345678"

Build = Callable[[], Any]


# -- every operator -------------------------------------------------------------------------------------------------

CONDITION_CASES = [
    pytest.param(
        lambda: Post.views == 3,
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="eq",
    ),
    pytest.param(
        lambda: Post.views != 3,
        {
            "ConditionExpression": "#n0 <> :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="ne",
    ),
    pytest.param(
        lambda: Post.views < 3,
        {
            "ConditionExpression": "#n0 < :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="lt",
    ),
    pytest.param(
        lambda: Post.views <= 3,
        {
            "ConditionExpression": "#n0 <= :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="le",
    ),
    pytest.param(
        lambda: Post.views > 3,
        {
            "ConditionExpression": "#n0 > :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="gt",
    ),
    pytest.param(
        lambda: Post.views >= 3,
        {
            "ConditionExpression": "#n0 >= :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="ge",
    ),
    pytest.param(
        lambda: 3 < Post.views,  # noqa: SIM300 - the reflected operator under test
        {
            "ConditionExpression": "#n0 > :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="value-on-the-left-is-reflected",
    ),
    pytest.param(
        lambda: Post.content == "hello",
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "hello"}},
        },
        id="eq-string",
    ),
    pytest.param(
        lambda: Post.content == None,  # noqa: E711 - the operator under test
        {"ConditionExpression": "attribute_not_exists(#n0)", "ExpressionAttributeNames": {"#n0": "c"}},
        id="eq-none-is-attribute_not_exists",
    ),
    pytest.param(
        lambda: Post.content.is_(None),
        {"ConditionExpression": "attribute_not_exists(#n0)", "ExpressionAttributeNames": {"#n0": "c"}},
        id="is_-none-is-attribute_not_exists",
    ),
    pytest.param(
        lambda: Post.content != None,  # noqa: E711 - the operator under test
        {"ConditionExpression": "attribute_exists(#n0)", "ExpressionAttributeNames": {"#n0": "c"}},
        id="ne-none-is-attribute_exists",
    ),
    pytest.param(
        lambda: Post.content.is_not(None),
        {"ConditionExpression": "attribute_exists(#n0)", "ExpressionAttributeNames": {"#n0": "c"}},
        id="is_not-none-is-attribute_exists",
    ),
    pytest.param(
        lambda: Post.content.is_("x"),
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}},
        },
        id="is_-value",
    ),
    pytest.param(
        lambda: Post.content.is_not("x"),
        {
            "ConditionExpression": "#n0 <> :v0",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}},
        },
        id="is_not-value",
    ),
    pytest.param(
        lambda: Post.content.exists(),
        {"ConditionExpression": "attribute_exists(#n0)", "ExpressionAttributeNames": {"#n0": "c"}},
        id="exists",
    ),
    pytest.param(
        lambda: Post.content.not_exists(),
        {"ConditionExpression": "attribute_not_exists(#n0)", "ExpressionAttributeNames": {"#n0": "c"}},
        id="not_exists",
    ),
    pytest.param(
        lambda: Post.views.between(1, 10),
        {
            "ConditionExpression": "#n0 BETWEEN :v0 AND :v1",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "10"}},
        },
        id="between",
    ),
    pytest.param(
        lambda: Post.content.between("a", "m"),
        {
            "ConditionExpression": "#n0 BETWEEN :v0 AND :v1",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "a"}, ":v1": {"S": "m"}},
        },
        id="between-strings",
    ),
    pytest.param(
        lambda: Post.views.between(Post.other, 10),
        {
            "ConditionExpression": "#n0 BETWEEN #n1 AND :v0",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "other"},
            "ExpressionAttributeValues": {":v0": {"N": "10"}},
        },
        id="between-column-bound",
    ),
    pytest.param(
        lambda: Post.views.in_(1, 2, 3),
        {
            "ConditionExpression": "#n0 IN (:v0, :v1, :v2)",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "2"}, ":v2": {"N": "3"}},
        },
        id="in-varargs",
    ),
    pytest.param(
        lambda: Post.views.in_([1, 2]),
        {
            "ConditionExpression": "#n0 IN (:v0, :v1)",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "2"}},
        },
        id="in-single-list",
    ),
    pytest.param(
        lambda: Post.content.in_(("a", "b")),
        {
            "ConditionExpression": "#n0 IN (:v0, :v1)",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "a"}, ":v1": {"S": "b"}},
        },
        id="in-single-tuple",
    ),
    pytest.param(
        lambda: Post.views.in_(7),
        {
            "ConditionExpression": "#n0 IN (:v0)",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "7"}},
        },
        id="in-one-value",
    ),
    pytest.param(
        lambda: Post.scores.in_([1, 2]),
        {
            "ConditionExpression": "#n0 IN (:v0)",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"L": [{"N": "1"}, {"N": "2"}]}},
        },
        id="in-on-a-list-column-takes-the-list-as-one-value",
    ),
    pytest.param(
        lambda: Post.content.begins_with("re:"),
        {
            "ConditionExpression": "begins_with(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "re:"}},
        },
        id="begins_with",
    ),
    pytest.param(
        lambda: Post.data.begins_with(b"\x00\x01"),
        {
            "ConditionExpression": "begins_with(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "data"},
            "ExpressionAttributeValues": {":v0": {"B": b"\x00\x01"}},
        },
        id="begins_with-binary",
    ),
    pytest.param(
        lambda: Post.id.begins_with("1234"),
        {
            "ConditionExpression": "begins_with(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "id"},
            "ExpressionAttributeValues": {":v0": {"S": "1234"}},
        },
        id="begins_with-str-prefix-on-a-uuid-column",
    ),
    pytest.param(
        lambda: Post.content.contains("ell"),
        {
            "ConditionExpression": "contains(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "ell"}},
        },
        id="contains-string",
    ),
    pytest.param(
        lambda: Post.tags.contains("x"),
        {
            "ConditionExpression": "contains(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}},
        },
        id="contains-string-set-element",
    ),
    pytest.param(
        lambda: Post.nums.contains(3),
        {
            "ConditionExpression": "contains(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "nums"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="contains-number-set-element",
    ),
    pytest.param(
        lambda: Post.scores.contains(3),
        {
            "ConditionExpression": "contains(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="contains-list-element",
    ),
    pytest.param(
        lambda: Post.meta["a"].contains("x"),
        {
            "ConditionExpression": "contains(#n0.#n1, :v0)",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}},
        },
        id="contains-untyped-path",
    ),
    pytest.param(
        lambda: Post.tags.size() > 2,
        {
            "ConditionExpression": "size(#n0) > :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"N": "2"}},
        },
        id="size-gt",
    ),
    pytest.param(
        lambda: Post.content.size() == 0,
        {
            "ConditionExpression": "size(#n0) = :v0",
            "ExpressionAttributeNames": {"#n0": "c"},
            "ExpressionAttributeValues": {":v0": {"N": "0"}},
        },
        id="size-eq",
    ),
    pytest.param(
        lambda: Post.scores.size() != 1,
        {
            "ConditionExpression": "size(#n0) <> :v0",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="size-ne",
    ),
    pytest.param(
        lambda: Post.data.size() < 100,
        {
            "ConditionExpression": "size(#n0) < :v0",
            "ExpressionAttributeNames": {"#n0": "data"},
            "ExpressionAttributeValues": {":v0": {"N": "100"}},
        },
        id="size-lt",
    ),
    pytest.param(
        lambda: Post.meta["a"].size() >= 1,
        {
            "ConditionExpression": "size(#n0.#n1) >= :v0",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="size-of-a-path-ge",
    ),
    pytest.param(
        lambda: Post.tags.size() <= Post.views,
        {"ConditionExpression": "size(#n0) <= #n1", "ExpressionAttributeNames": {"#n0": "tags", "#n1": "v"}},
        id="size-le-column",
    ),
    pytest.param(
        lambda: Post.scores.size().between(1, 3),
        {
            "ConditionExpression": "size(#n0) BETWEEN :v0 AND :v1",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "3"}},
        },
        id="size-between",
    ),
    pytest.param(
        lambda: Post.meta.attribute_type("M"),
        {
            "ConditionExpression": "attribute_type(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "meta"},
            "ExpressionAttributeValues": {":v0": {"S": "M"}},
        },
        id="attribute_type",
    ),
    pytest.param(
        lambda: Post.views == Post.other,
        {"ConditionExpression": "#n0 = #n1", "ExpressionAttributeNames": {"#n0": "v", "#n1": "other"}},
        id="column-on-the-right",
    ),
    pytest.param(
        lambda: Post.views < Post.other,
        {"ConditionExpression": "#n0 < #n1", "ExpressionAttributeNames": {"#n0": "v", "#n1": "other"}},
        id="column-on-the-right-lt",
    ),
    pytest.param(
        lambda: Post.meta["a"]["b"] == 1,
        {
            "ConditionExpression": "#n0.#n1.#n2 = :v0",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a", "#n2": "b"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="path-map-keys",
    ),
    pytest.param(
        lambda: Post.scores[0] > 1,
        {
            "ConditionExpression": "#n0[0] > :v0",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="path-list-position",
    ),
    pytest.param(
        lambda: Post.meta["a"][2]["b"] == "x",
        {
            "ConditionExpression": "#n0.#n1[2].#n2 = :v0",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a", "#n2": "b"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}},
        },
        id="path-keys-and-positions",
    ),
    pytest.param(
        lambda: Post.address["city"] == "Paris",
        {
            "ConditionExpression": "#n0.#n1 = :v0",
            "ExpressionAttributeNames": {"#n0": "address", "#n1": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "Paris"}},
        },
        id="path-document-column-renders-its-backing-name",
    ),
    pytest.param(
        lambda: Post.meta["meta"] == 1,
        {
            "ConditionExpression": "#n0.#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "meta"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="path-repeated-name-shares-a-placeholder",
    ),
    pytest.param(
        lambda: Post.meta["a.b"]["#n0"][":v0"] == 1,
        {
            "ConditionExpression": "#n0.#n1.#n2.#n3 = :v0",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a.b", "#n2": "#n0", "#n3": ":v0"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="path-keys-with-expression-punctuation",
    ),
    pytest.param(
        lambda: Post.counts["x"] > 3,
        {
            "ConditionExpression": "#n0.#n1 > :v0",
            "ExpressionAttributeNames": {"#n0": "counts", "#n1": "x"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="path-typed-dict-value",
    ),
    pytest.param(
        lambda: Post.meta["n"] > 3,
        {
            "ConditionExpression": "#n0.#n1 > :v0",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "n"},
            "ExpressionAttributeValues": {":v0": {"N": "3"}},
        },
        id="untyped-path-ordered-by-its-value",
    ),
    pytest.param(
        lambda: Post.meta["n"].between("a", "b"),
        {
            "ConditionExpression": "#n0.#n1 BETWEEN :v0 AND :v1",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "n"},
            "ExpressionAttributeValues": {":v0": {"S": "a"}, ":v1": {"S": "b"}},
        },
        id="untyped-path-between",
    ),
    pytest.param(
        lambda: Post.meta["s"].begins_with(b"x"),
        {
            "ConditionExpression": "begins_with(#n0.#n1, :v0)",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "s"},
            "ExpressionAttributeValues": {":v0": {"B": b"x"}},
        },
        id="untyped-path-begins_with",
    ),
    pytest.param(
        lambda: Post.when > pendulum.datetime(2026, 1, 2, 3, 4, 5, tz="Europe/Paris"),
        {
            "ConditionExpression": "#n0 > :v0",
            "ExpressionAttributeNames": {"#n0": "when"},
            "ExpressionAttributeValues": {":v0": {"S": "2026-01-02T02:04:05.000000+00:00"}},
        },
        id="datetime-in-another-zone-dumped-as-utc",
    ),
    pytest.param(
        lambda: (
            Post.when <= datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
        ),
        {
            "ConditionExpression": "#n0 <= :v0",
            "ExpressionAttributeNames": {"#n0": "when"},
            "ExpressionAttributeValues": {":v0": {"S": "2026-01-01T05:00:00.000000+00:00"}},
        },
        id="stdlib-datetime-with-offset-dumped-as-utc",
    ),
    pytest.param(
        lambda: Post.id == U,
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "id"},
            "ExpressionAttributeValues": {":v0": {"S": U_TEXT}},
        },
        id="uuid-value",
    ),
    pytest.param(
        lambda: Post.tags == {"b", "a"},
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["a", "b"]}},
        },
        id="set-value-sorted",
    ),
    pytest.param(
        lambda: Post.flag.is_(True),
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "flag"},
            "ExpressionAttributeValues": {":v0": {"BOOL": True}},
        },
        id="bool-value",
    ),
    pytest.param(
        lambda: Post.meta == {"a": 1},
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "meta"},
            "ExpressionAttributeValues": {":v0": {"M": {"a": {"N": "1"}}}},
        },
        id="map-value",
    ),
    pytest.param(
        lambda: Post.address == Address(city="Paris"),
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "address"},
            "ExpressionAttributeValues": {":v0": {"M": {"c": {"S": "Paris"}}}},
        },
        id="document-value-under-backing-names",
    ),
    pytest.param(
        lambda: Post.scores == [1, 2],
        {
            "ConditionExpression": "#n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"L": [{"N": "1"}, {"N": "2"}]}},
        },
        id="list-value",
    ),
]


@pytest.mark.parametrize(("build", "expected"), CONDITION_CASES)
def test_condition_renders(build: Build, expected: dict[str, Any]) -> None:
    """Each operator, function and path renders exactly this ConditionExpression with its name and value maps."""
    assert compile_expressions(condition=build()) == expected


# -- and, or, not ---------------------------------------------------------------------------------------------------


def _a() -> Condition:
    return Post.views > 1


def _b() -> Condition:
    return Post.content == "x"


def _c() -> Condition:
    return Post.tags.exists()


def _d() -> Condition:
    return Post.flag.is_(True)


_ABC_NAMES = {"#n0": "v", "#n1": "c", "#n2": "tags"}
_AB_VALUES = {":v0": {"N": "1"}, ":v1": {"S": "x"}}

COMBINATION_CASES = [
    pytest.param(
        lambda: _a() & _b(),
        {
            "ConditionExpression": "(#n0 > :v0 AND #n1 = :v1)",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="and",
    ),
    pytest.param(
        lambda: _a() | _b(),
        {
            "ConditionExpression": "(#n0 > :v0 OR #n1 = :v1)",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="or",
    ),
    pytest.param(
        lambda: ~_a(),
        {
            "ConditionExpression": "(NOT #n0 > :v0)",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="not",
    ),
    pytest.param(
        lambda: ~(_a() & _b()),
        {
            "ConditionExpression": "(NOT (#n0 > :v0 AND #n1 = :v1))",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="not-of-and",
    ),
    pytest.param(
        lambda: (_a() & _b()) & _c(),
        {
            "ConditionExpression": "(#n0 > :v0 AND #n1 = :v1 AND attribute_exists(#n2))",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c", "#n2": "tags"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="and-flattens-left",
    ),
    pytest.param(
        lambda: _a() & (_b() & _c()),
        {
            "ConditionExpression": "(#n0 > :v0 AND #n1 = :v1 AND attribute_exists(#n2))",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c", "#n2": "tags"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="and-flattens-right",
    ),
    pytest.param(
        lambda: (_a() & _b()) & (_c() & _d()),
        {
            "ConditionExpression": "(#n0 > :v0 AND #n1 = :v1 AND attribute_exists(#n2) AND #n3 = :v2)",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c", "#n2": "tags", "#n3": "flag"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}, ":v2": {"BOOL": True}},
        },
        id="and-flattens-both-sides",
    ),
    pytest.param(
        lambda: (_a() | _b()) | _c(),
        {
            "ConditionExpression": "(#n0 > :v0 OR #n1 = :v1 OR attribute_exists(#n2))",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c", "#n2": "tags"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="or-flattens",
    ),
    pytest.param(
        lambda: (_a() | _b()) & _c(),
        {
            "ConditionExpression": "((#n0 > :v0 OR #n1 = :v1) AND attribute_exists(#n2))",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c", "#n2": "tags"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="or-inside-and-stays-grouped",
    ),
    pytest.param(
        lambda: _c() & (_a() | _b()),
        {
            "ConditionExpression": "(attribute_exists(#n0) AND (#n1 > :v0 OR #n2 = :v1))",
            "ExpressionAttributeNames": {"#n0": "tags", "#n1": "v", "#n2": "c"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="or-on-the-right-of-and-stays-grouped",
    ),
    pytest.param(
        lambda: (_a() & _b()) | _c(),
        {
            "ConditionExpression": "((#n0 > :v0 AND #n1 = :v1) OR attribute_exists(#n2))",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c", "#n2": "tags"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="and-inside-or-stays-grouped",
    ),
    pytest.param(
        lambda: ~(_a() | _b()) & _c(),
        {
            "ConditionExpression": "((NOT (#n0 > :v0 OR #n1 = :v1)) AND attribute_exists(#n2))",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c", "#n2": "tags"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="not-inside-and",
    ),
    pytest.param(
        lambda: (Post.views > 1) & (Post.views < 5),
        {
            "ConditionExpression": "(#n0 > :v0 AND #n0 < :v1)",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "5"}},
        },
        id="same-name-shares-a-placeholder",
    ),
    pytest.param(
        lambda: (Post.views > 1) | (Post.other > 1),
        {
            "ConditionExpression": "(#n0 > :v0 OR #n1 > :v1)",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "other"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "1"}},
        },
        id="same-value-twice-gets-two-placeholders",
    ),
    pytest.param(
        lambda: (_a() & Condition()) & (Condition() & _b()),
        {
            "ConditionExpression": "(#n0 > :v0 AND #n1 = :v1)",
            "ExpressionAttributeNames": {"#n0": "v", "#n1": "c"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"S": "x"}},
        },
        id="empty-conditions-vanish-inside-and",
    ),
]


@pytest.mark.parametrize(("build", "expected"), COMBINATION_CASES)
def test_combination_renders(build: Build, expected: dict[str, Any]) -> None:
    """And, or and not render grouped in parentheses, nested groups of the same kind flattening into one."""
    assert compile_expressions(condition=build()) == expected


def test_double_negation_is_the_condition_itself() -> None:
    """`~~a` is `a` itself, and `~~~a` renders as `~a`."""
    a = _a()
    assert ~~a is a
    assert compile_expressions(condition=~~~a) == compile_expressions(condition=~a)


@pytest.mark.parametrize(
    "combine",
    [
        pytest.param(lambda e, a: e & a, id="empty-and-a"),
        pytest.param(lambda e, a: a & e, id="a-and-empty"),
        pytest.param(lambda e, a: e | a, id="empty-or-a"),
        pytest.param(lambda e, a: a | e, id="a-or-empty"),
    ],
)
def test_empty_condition_is_the_identity(combine: Callable[[Condition, Condition], Condition]) -> None:
    """The empty condition combined with `a` by & or |, on either side, gives `a` itself."""
    a = _a()
    assert combine(Condition(), a) is a


def test_empty_condition_renders_nothing() -> None:
    """The empty condition, alone, negated or combined with itself, adds no expression and no name or value map."""
    empty = Condition()
    assert empty.is_empty
    assert (~empty).is_empty
    assert (empty & Condition()).is_empty
    assert (empty | Condition()).is_empty
    assert not _a().is_empty
    assert compile_expressions(condition=empty) == {}
    assert compile_expressions(key=empty, filter=~empty, condition=empty | Condition()) == {}


def test_empty_condition_next_to_a_real_one() -> None:
    """An empty filter is left out while the real condition beside it renders alone."""
    assert compile_expressions(filter=Condition(), condition=Post.views > 1) == {
        "ConditionExpression": "#n0 > :v0",
        "ExpressionAttributeNames": {"#n0": "v"},
        "ExpressionAttributeValues": {":v0": {"N": "1"}},
    }


# -- update actions -------------------------------------------------------------------------------------------------

UPDATE_CASES = [
    pytest.param(
        lambda: [Post.views.set(5)],
        {
            "UpdateExpression": "SET #n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "5"}},
        },
        id="set-value",
    ),
    pytest.param(
        lambda: [Post.views.set(Post.other)],
        {"UpdateExpression": "SET #n0 = #n1", "ExpressionAttributeNames": {"#n0": "v", "#n1": "other"}},
        id="set-other-column",
    ),
    pytest.param(
        lambda: [Post.content.set(None)],
        {"UpdateExpression": "REMOVE #n0", "ExpressionAttributeNames": {"#n0": "c"}},
        id="set-none-is-remove",
    ),
    pytest.param(
        lambda: [Post.content.remove()],
        {"UpdateExpression": "REMOVE #n0", "ExpressionAttributeNames": {"#n0": "c"}},
        id="remove",
    ),
    pytest.param(
        lambda: [Post.scores[2].remove()],
        {"UpdateExpression": "REMOVE #n0[2]", "ExpressionAttributeNames": {"#n0": "scores"}},
        id="remove-list-position",
    ),
    pytest.param(
        lambda: [Post.meta["a"]["b"].set("x")],
        {
            "UpdateExpression": "SET #n0.#n1.#n2 = :v0",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a", "#n2": "b"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}},
        },
        id="set-map-path",
    ),
    pytest.param(
        lambda: [Post.address["city"].set("Oslo")],
        {
            "UpdateExpression": "SET #n0.#n1 = :v0",
            "ExpressionAttributeNames": {"#n0": "address", "#n1": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "Oslo"}},
        },
        id="set-document-column",
    ),
    pytest.param(
        lambda: [Post.scores[1].set(7)],
        {
            "UpdateExpression": "SET #n0[1] = :v0",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"N": "7"}},
        },
        id="set-list-position",
    ),
    pytest.param(
        lambda: [Post.tags.set({"b", "a"})],
        {
            "UpdateExpression": "SET #n0 = :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["a", "b"]}},
        },
        id="set-a-set",
    ),
    pytest.param(
        lambda: [Post.views.add(2)],
        {
            "UpdateExpression": "ADD #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "2"}},
        },
        id="add-number",
    ),
    pytest.param(
        lambda: [Post.views.add(-2)],
        {
            "UpdateExpression": "ADD #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "-2"}},
        },
        id="add-negative-number",
    ),
    pytest.param(
        lambda: [Post.tags.add({"y", "x"})],
        {
            "UpdateExpression": "ADD #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["x", "y"]}},
        },
        id="add-set",
    ),
    pytest.param(
        lambda: [Post.tags.add(frozenset({"x"}))],
        {
            "UpdateExpression": "ADD #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["x"]}},
        },
        id="add-frozenset",
    ),
    pytest.param(
        lambda: [Post.tags.add("x")],
        {
            "UpdateExpression": "ADD #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["x"]}},
        },
        id="add-single-element-to-a-set",
    ),
    pytest.param(
        lambda: [Post.nums.add(3)],
        {
            "UpdateExpression": "ADD #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "nums"},
            "ExpressionAttributeValues": {":v0": {"NS": ["3"]}},
        },
        id="add-single-element-to-a-number-set",
    ),
    pytest.param(
        lambda: [Post.tags.delete({"x"})],
        {
            "UpdateExpression": "DELETE #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "tags"},
            "ExpressionAttributeValues": {":v0": {"SS": ["x"]}},
        },
        id="delete-set",
    ),
    pytest.param(
        lambda: [Post.nums.delete(3)],
        {
            "UpdateExpression": "DELETE #n0 :v0",
            "ExpressionAttributeNames": {"#n0": "nums"},
            "ExpressionAttributeValues": {":v0": {"NS": ["3"]}},
        },
        id="delete-single-element",
    ),
    pytest.param(
        lambda: [Post.scores.append([1, 2])],
        {
            "UpdateExpression": "SET #n0 = list_append(if_not_exists(#n0, :v0), :v1)",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"L": []}, ":v1": {"L": [{"N": "1"}, {"N": "2"}]}},
        },
        id="append",
    ),
    pytest.param(
        lambda: [Post.scores.append(x for x in (3,))],
        {
            "UpdateExpression": "SET #n0 = list_append(if_not_exists(#n0, :v0), :v1)",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"L": []}, ":v1": {"L": [{"N": "3"}]}},
        },
        id="append-from-an-iterator",
    ),
    pytest.param(
        lambda: [Post.scores.prepend([1])],
        {
            "UpdateExpression": "SET #n0 = list_append(:v1, if_not_exists(#n0, :v0))",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"L": []}, ":v1": {"L": [{"N": "1"}]}},
        },
        id="prepend",
    ),
    pytest.param(
        lambda: [Post.meta["l"].append([1, "a"])],
        {
            "UpdateExpression": "SET #n0.#n1 = list_append(if_not_exists(#n0.#n1, :v0), :v1)",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "l"},
            "ExpressionAttributeValues": {":v0": {"L": []}, ":v1": {"L": [{"N": "1"}, {"S": "a"}]}},
        },
        id="append-untyped-path",
    ),
    pytest.param(
        lambda: [Post.views.set_if_not_exists(5)],
        {
            "UpdateExpression": "SET #n0 = if_not_exists(#n0, :v0)",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "5"}},
        },
        id="set_if_not_exists",
    ),
    pytest.param(
        lambda: [Post.views.increment()],
        {
            "UpdateExpression": "SET #n0 = if_not_exists(#n0, :v0) + :v1",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "0"}, ":v1": {"N": "1"}},
        },
        id="increment-by-one",
    ),
    pytest.param(
        lambda: [Post.views.increment(5)],
        {
            "UpdateExpression": "SET #n0 = if_not_exists(#n0, :v0) + :v1",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "0"}, ":v1": {"N": "5"}},
        },
        id="increment-by-amount",
    ),
    pytest.param(
        lambda: [Post.views.decrement()],
        {
            "UpdateExpression": "SET #n0 = if_not_exists(#n0, :v0) - :v1",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "0"}, ":v1": {"N": "1"}},
        },
        id="decrement-by-one",
    ),
    pytest.param(
        lambda: [Post.views.decrement(3)],
        {
            "UpdateExpression": "SET #n0 = if_not_exists(#n0, :v0) - :v1",
            "ExpressionAttributeNames": {"#n0": "v"},
            "ExpressionAttributeValues": {":v0": {"N": "0"}, ":v1": {"N": "3"}},
        },
        id="decrement-by-amount",
    ),
    pytest.param(
        lambda: [Post.counts["x"].increment()],
        {
            "UpdateExpression": "SET #n0.#n1 = if_not_exists(#n0.#n1, :v0) + :v1",
            "ExpressionAttributeNames": {"#n0": "counts", "#n1": "x"},
            "ExpressionAttributeValues": {":v0": {"N": "0"}, ":v1": {"N": "1"}},
        },
        id="increment-typed-path",
    ),
    pytest.param(
        lambda: [Post.meta["n"].increment(2)],
        {
            "UpdateExpression": "SET #n0.#n1 = if_not_exists(#n0.#n1, :v0) + :v1",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "n"},
            "ExpressionAttributeValues": {":v0": {"N": "0"}, ":v1": {"N": "2"}},
        },
        id="increment-untyped-path",
    ),
    pytest.param(
        lambda: [
            Post.tags.delete("old"),
            Post.views.increment(),
            Post.data.remove(),
            Post.nums.add(1),
            Post.content.set("x"),
            Post.flag.set(None),
        ],
        {
            "UpdateExpression": (
                "SET #n1 = if_not_exists(#n1, :v1) + :v2, #n4 = :v4 REMOVE #n2, #n5 ADD #n3 :v3 DELETE #n0 :v0"
            ),
            "ExpressionAttributeNames": {
                "#n0": "tags",
                "#n1": "v",
                "#n2": "data",
                "#n3": "nums",
                "#n4": "c",
                "#n5": "flag",
            },
            "ExpressionAttributeValues": {
                ":v0": {"SS": ["old"]},
                ":v1": {"N": "0"},
                ":v2": {"N": "1"},
                ":v3": {"NS": ["1"]},
                ":v4": {"S": "x"},
            },
        },
        id="several-actions-grouped-set-remove-add-delete",
    ),
    pytest.param(
        lambda: [Post.meta["a"].set(1), Post.meta["ab"].set(2)],
        {
            "UpdateExpression": "SET #n0.#n1 = :v0, #n0.#n2 = :v1",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a", "#n2": "ab"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "2"}},
        },
        id="sibling-map-keys-do-not-overlap",
    ),
    pytest.param(
        lambda: [Post.scores[0].set(1), Post.scores[1].remove()],
        {
            "UpdateExpression": "SET #n0[0] = :v0 REMOVE #n0[1]",
            "ExpressionAttributeNames": {"#n0": "scores"},
            "ExpressionAttributeValues": {":v0": {"N": "1"}},
        },
        id="sibling-list-positions-do-not-overlap",
    ),
    pytest.param(
        lambda: [Post.address["city"].set("x"), Post.content.set("y")],
        {
            "UpdateExpression": "SET #n0.#n1 = :v0, #n1 = :v1",
            "ExpressionAttributeNames": {"#n0": "address", "#n1": "c"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}, ":v1": {"S": "y"}},
        },
        id="nested-name-equal-to-a-top-level-name-does-not-overlap",
    ),
]


@pytest.mark.parametrize(("build", "expected"), UPDATE_CASES)
def test_update_renders(build: Build, expected: dict[str, Any]) -> None:
    """Each update action, alone or with others, renders exactly this UpdateExpression with its maps."""
    assert compile_expressions(update=build()) == expected


@pytest.mark.parametrize(
    ("build", "label"),
    [
        pytest.param(lambda: [Post.views.set(1), Post.views.set(2)], "views", id="same-column-twice"),
        pytest.param(lambda: [Post.views.add(1), Post.views.set(2)], "views", id="same-column-two-verbs"),
        pytest.param(lambda: [Post.content.set("x"), Post.content.remove()], "content", id="set-and-remove"),
        pytest.param(
            lambda: [Post.meta.set({}), Post.meta["a"].set(1)], "meta['a']", id="document-then-path"
        ),
        pytest.param(lambda: [Post.meta["a"].set(1), Post.meta.remove()], "meta", id="path-then-document"),
        pytest.param(
            lambda: [Post.meta["a"].set(1), Post.meta["a"]["b"].set(2)], "meta['a']['b']", id="nested"
        ),
        pytest.param(lambda: [Post.meta["a"].set(1), Post.meta["a"].remove()], "meta['a']", id="same-path"),
        pytest.param(
            lambda: [Post.scores.append([1]), Post.scores[0].set(2)], "scores[0]", id="list-and-element"
        ),
    ],
)
def test_update_overlapping_paths_raise(build: Build, label: str) -> None:
    """Updating one path twice, or a path and a path inside it, raises InvalidExpression naming the later one."""
    actions = build()
    with pytest.raises(InvalidExpression) as excinfo:
        compile_expressions(update=actions)
    assert excinfo.type is InvalidExpression
    assert excinfo.value.model is Post
    assert excinfo.value.column == label
    assert excinfo.value.value is actions[1]
    assert "updated twice" in str(excinfo.value)


def test_update_with_no_actions_renders_nothing() -> None:
    """An empty list of actions and an empty projection add no fragment at all."""
    assert compile_expressions(update=[], projection=[]) == {}


# -- projections ----------------------------------------------------------------------------------------------------

PROJECTION_CASES = [
    pytest.param(
        lambda: [Post.views, Post.content],
        {"ProjectionExpression": "#n0, #n1", "ExpressionAttributeNames": {"#n0": "v", "#n1": "c"}},
        id="columns",
    ),
    pytest.param(
        lambda: [Post.meta["a"]["b"], Post.scores[1], Post.address["city"]],
        {
            "ProjectionExpression": "#n0.#n1.#n2, #n3[1], #n4.#n5",
            "ExpressionAttributeNames": {
                "#n0": "meta",
                "#n1": "a",
                "#n2": "b",
                "#n3": "scores",
                "#n4": "address",
                "#n5": "c",
            },
        },
        id="paths",
    ),
    pytest.param(
        lambda: [Post.meta["a"], Post.meta["b"], Post.content],
        {
            "ProjectionExpression": "#n0.#n1, #n0.#n2, #n3",
            "ExpressionAttributeNames": {"#n0": "meta", "#n1": "a", "#n2": "b", "#n3": "c"},
        },
        id="sibling-paths-share-the-parent-name",
    ),
]


@pytest.mark.parametrize(("build", "expected"), PROJECTION_CASES)
def test_projection_renders(build: Build, expected: dict[str, Any]) -> None:
    """Projected columns and document paths render as placeholders joined by commas, with no value map."""
    assert compile_expressions(projection=build()) == expected


@pytest.mark.parametrize(
    ("build", "label"),
    [
        pytest.param(lambda: [Post.views, Post.views], "views", id="same-column-twice"),
        pytest.param(lambda: [Post.meta, Post.meta["a"]], "meta['a']", id="column-then-path"),
        pytest.param(lambda: [Post.scores[0], Post.scores], "scores", id="path-then-column"),
    ],
)
def test_projection_overlapping_paths_raise(build: Build, label: str) -> None:
    """Projecting one path twice, or a path and a path inside it (which DynamoDB rejects), raises InvalidExpression."""
    operands = build()
    with pytest.raises(InvalidExpression) as excinfo:
        compile_expressions(projection=operands)
    assert excinfo.type is InvalidExpression
    assert excinfo.value.model is Post
    assert excinfo.value.column == label
    assert excinfo.value.value is operands[1]


def test_hash_first_puts_the_hash_part_of_a_key_condition_first() -> None:
    """A key condition written range part first is sent hash part first (moto 5.2 fails the other order with a
    BETWEEN); one already in that order, or a lone hash part, is left as it is."""
    written = Comment.sort.between("a", "b") & (Comment.post == U)
    assert compile_expressions(key=hash_first(written, Comment.post))["KeyConditionExpression"] == (
        "(#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2)"
    )
    in_order = (Comment.post == U) & (Comment.sort < "b")
    assert hash_first(in_order, Comment.post).conditions == in_order.conditions  # type: ignore[attr-defined]
    alone = Comment.post == U
    assert hash_first(alone, Comment.post) is alone


# -- placeholders across the fragments of one request ---------------------------------------------------------------


def test_placeholders_shared_across_all_fragments_in_fixed_order() -> None:
    """One call numbers names once for all fragments and hands placeholders out in key, filter, projection,
    update, condition order."""
    actual = compile_expressions(
        condition=Comment.post.exists() & (Comment.votes < 100),
        update=[Comment.votes.increment(), Comment.body.set("hi")],
        projection=[Comment.votes, Comment.body, Comment.sort],
        filter=Comment.votes > 1,
        key=(Comment.post == U) & Comment.sort.begins_with("2026-"),
    )
    assert actual == {
        "KeyConditionExpression": "(#n0 = :v0 AND begins_with(#n1, :v1))",
        "FilterExpression": "#n2 > :v2",
        "ProjectionExpression": "#n2, #n3, #n1",
        "UpdateExpression": "SET #n2 = if_not_exists(#n2, :v3) + :v4, #n3 = :v5",
        "ConditionExpression": "(attribute_exists(#n0) AND #n2 < :v6)",
        "ExpressionAttributeNames": {"#n0": "p", "#n1": "s", "#n2": "votes", "#n3": "body"},
        "ExpressionAttributeValues": {
            ":v0": {"S": U_TEXT},
            ":v1": {"S": "2026-"},
            ":v2": {"N": "1"},
            ":v3": {"N": "0"},
            ":v4": {"N": "1"},
            ":v5": {"S": "hi"},
            ":v6": {"N": "100"},
        },
    }


def test_key_and_filter_render_under_their_own_keys() -> None:
    """A key condition and a filter render as KeyConditionExpression and FilterExpression."""
    assert compile_expressions(key=Comment.post == U, filter=Comment.body.contains("x")) == {
        "KeyConditionExpression": "#n0 = :v0",
        "FilterExpression": "contains(#n1, :v1)",
        "ExpressionAttributeNames": {"#n0": "p", "#n1": "body"},
        "ExpressionAttributeValues": {":v0": {"S": U_TEXT}, ":v1": {"S": "x"}},
    }


# -- errors ---------------------------------------------------------------------------------------------------------

ERROR_CASES = [
    # Values the column's type cannot dump.
    pytest.param(lambda: Post.views > "x", InvalidValue, "views", "x", id="str-for-int"),
    pytest.param(lambda: Post.content == 3, InvalidValue, "content", 3, id="int-for-str"),
    pytest.param(lambda: Post.views.is_(True), InvalidValue, "views", True, id="bool-for-int"),
    pytest.param(lambda: Post.views.in_(1, "x"), InvalidValue, "views", "x", id="in-wrong-type"),
    pytest.param(lambda: Post.views.between(1, "x"), InvalidValue, "views", "x", id="between-wrong-type"),
    pytest.param(lambda: Post.views.set("x"), InvalidValue, "views", "x", id="set-wrong-type"),
    pytest.param(lambda: Post.views.increment(1.5), InvalidValue, "views", 1.5, id="increment-wrong-type"),
    pytest.param(lambda: Post.address["city"] == 3, InvalidValue, "address['city']", 3, id="document-path"),
    pytest.param(lambda: Post.tags.contains(3), InvalidValue, "tags", 3, id="set-element-wrong-type"),
    pytest.param(
        lambda: Post.when > datetime.datetime(2026, 1, 1),
        InvalidValue,
        "when",
        datetime.datetime(2026, 1, 1),
        id="naive-datetime",
    ),
    # Operators the column's type does not support.
    pytest.param(lambda: Post.views < None, InvalidCondition, "views", None, id="lt-none"),
    pytest.param(lambda: Post.views <= None, InvalidCondition, "views", None, id="le-none"),
    pytest.param(lambda: Post.views > None, InvalidCondition, "views", None, id="gt-none"),
    pytest.param(lambda: Post.views >= None, InvalidCondition, "views", None, id="ge-none"),
    pytest.param(lambda: Post.flag < True, InvalidCondition, "flag", True, id="order-bool"),
    pytest.param(lambda: Post.tags > {"a"}, InvalidCondition, "tags", {"a"}, id="order-set"),
    pytest.param(lambda: Post.meta >= {}, InvalidCondition, "meta", {}, id="order-map"),
    pytest.param(lambda: Post.scores <= [1], InvalidCondition, "scores", [1], id="order-list"),
    pytest.param(
        lambda: Post.address > Address(city="x"),
        InvalidCondition,
        "address",
        Address(city="x"),
        id="order-doc",
    ),
    pytest.param(
        lambda: Post.flag.between(False, True), InvalidCondition, "flag", (False, True), id="between-bool"
    ),
    pytest.param(
        lambda: Post.views.between(None, 3), InvalidCondition, "views", (None, 3), id="between-none"
    ),
    pytest.param(
        lambda: Post.meta["a"] > {"b": 1}, InvalidCondition, "meta['a']", {"b": 1}, id="order-untyped"
    ),
    pytest.param(
        lambda: Post.views.begins_with("1"), InvalidCondition, "views", "1", id="begins_with-number"
    ),
    pytest.param(lambda: Post.tags.begins_with("a"), InvalidCondition, "tags", "a", id="begins_with-set"),
    pytest.param(
        lambda: Post.content.begins_with(None), InvalidCondition, "content", None, id="begins_with-none"
    ),
    pytest.param(
        lambda: Post.meta["a"].begins_with(3), InvalidCondition, "meta['a']", 3, id="begins_with-n-path"
    ),
    pytest.param(lambda: Post.views.contains(1), InvalidCondition, "views", 1, id="contains-number"),
    pytest.param(lambda: Post.meta.contains("a"), InvalidCondition, "meta", "a", id="contains-map"),
    pytest.param(lambda: Post.flag.contains(True), InvalidCondition, "flag", True, id="contains-bool"),
    pytest.param(lambda: Post.content.contains(None), InvalidCondition, "content", None, id="contains-none"),
    pytest.param(lambda: Post.views.in_(), InvalidCondition, "views", (), id="in-no-values"),
    pytest.param(
        lambda: Post.views.in_(*range(101)), InvalidCondition, "views", tuple(range(101)), id="in-101-values"
    ),
    pytest.param(lambda: Post.views.in_(1, None), InvalidCondition, "views", (1, None), id="in-none"),
    pytest.param(lambda: Post.views.attribute_type("X"), InvalidCondition, "views", "X", id="attribute_type"),
    pytest.param(lambda: Post.tags.size() > None, InvalidCondition, "tags", None, id="size-none"),
    pytest.param(lambda: Post.tags.size() == "3", InvalidCondition, "tags", "3", id="size-str"),
    pytest.param(lambda: Post.tags.size() >= True, InvalidCondition, "tags", True, id="size-bool"),
    pytest.param(lambda: Post.tags.size() < 1.5, InvalidCondition, "tags", 1.5, id="size-float"),
    pytest.param(lambda: Post.tags.size().between(1, "x"), InvalidCondition, "tags", "x", id="size-between"),
    pytest.param(lambda: Post.tags == set(), InvalidCondition, "tags", set(), id="empty-set-compared"),
    pytest.param(lambda: Post.tags.add(set()), InvalidCondition, "tags", set(), id="empty-set-added"),
    # Update actions on the wrong type.
    pytest.param(lambda: Post.content.add("x"), InvalidExpression, "content", "x", id="add-string"),
    pytest.param(lambda: Post.flag.add(True), InvalidExpression, "flag", True, id="add-bool"),
    pytest.param(lambda: Post.scores.add([1]), InvalidExpression, "scores", [1], id="add-list"),
    pytest.param(lambda: Post.views.delete(1), InvalidExpression, "views", 1, id="delete-number"),
    pytest.param(lambda: Post.scores.delete([1]), InvalidExpression, "scores", [1], id="delete-list"),
    pytest.param(lambda: Post.views.append([1]), InvalidExpression, "views", [1], id="append-number"),
    pytest.param(lambda: Post.tags.prepend(["a"]), InvalidExpression, "tags", ["a"], id="prepend-set"),
    pytest.param(lambda: Post.content.increment(), InvalidExpression, "content", 1, id="increment-string"),
    pytest.param(lambda: Post.flag.decrement(2), InvalidExpression, "flag", 2, id="decrement-bool"),
    pytest.param(
        lambda: Post.meta["a"].increment("x"), InvalidExpression, "meta['a']", "x", id="increment-n-path"
    ),
    # Paths that do not exist.
    pytest.param(
        lambda: Post.address["nope"], UnknownColumn, "address", "nope", id="unknown-document-column"
    ),
    pytest.param(lambda: Post.views["x"], InvalidExpression, "views", "x", id="key-into-number"),
    pytest.param(lambda: Post.views[0], InvalidExpression, "views", 0, id="position-into-number"),
    pytest.param(lambda: Post.tags[0], InvalidExpression, "tags", 0, id="position-into-set"),
    pytest.param(lambda: Post.scores["a"], InvalidExpression, "scores", "a", id="key-into-list"),
    pytest.param(lambda: Post.scores[-1], InvalidExpression, "scores", -1, id="negative-position"),
    pytest.param(lambda: Post.scores[1.5], InvalidExpression, "scores", 1.5, id="float-position"),
    pytest.param(lambda: Post.scores[True], InvalidExpression, "scores", True, id="bool-position"),
    pytest.param(
        lambda: Post.address["city"]["x"], InvalidExpression, "address['city']", "x", id="into-doc-str"
    ),
    pytest.param(lambda: Post.counts["a"][0], InvalidExpression, "counts['a']", 0, id="into-dict-value"),
]


@pytest.mark.parametrize(("build", "error", "label", "value"), ERROR_CASES)
def test_invalid_expression_raises_located_error(
    build: Build, error: type[Exception], label: str, value: Any
) -> None:
    """A bad value, operator, action or path raises this exact adyn exception naming model, column and value."""
    with pytest.raises(error) as excinfo:
        build()
    exc: Any = excinfo.value
    assert excinfo.type is error
    assert exc.model is Post
    assert exc.column == label
    assert exc.value == value
    assert type(exc.value) is type(value)
    assert str(exc).startswith(f"Post.{label}: ")


def test_error_message_is_readable() -> None:
    """A wrong-typed value's message names the model, the column, what was expected and the value."""
    with pytest.raises(InvalidValue) as excinfo:
        Post.views > "x"  # noqa: B015 - building the condition is what raises
    assert str(excinfo.value) == "Post.views: expected int, got str (value: 'x')"


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(bool, id="bool"),
        pytest.param(lambda c: 1 if c else 0, id="if"),
        pytest.param(lambda c: not c, id="not"),
        pytest.param(lambda c: c and True, id="and-keyword"),
        pytest.param(lambda c: c or True, id="or-keyword"),
    ],
)
@pytest.mark.parametrize(
    "build", [pytest.param(lambda: Post.views > 3, id="condition"), pytest.param(Condition, id="empty")]
)
def test_condition_has_no_truth_value(use: Callable[[Condition], Any], build: Build) -> None:
    """Using a condition as a bool (``if cond:``, ``not``, ``and``) raises InvalidCondition carrying the condition."""
    cond = build()
    with pytest.raises(InvalidCondition) as excinfo:
        use(cond)
    assert excinfo.type is InvalidCondition
    assert excinfo.value.value is cond
    assert "no truth value" in str(excinfo.value)


@pytest.mark.parametrize(
    ("combine", "other"),
    [
        pytest.param(lambda c, o: c & o, 3, id="and-int"),
        pytest.param(lambda c, o: c | o, "x", id="or-str"),
        pytest.param(lambda c, o: c & o, None, id="and-none"),
        pytest.param(lambda c, o: c & o, True, id="and-bool"),
        pytest.param(lambda c, o: c | o, Post.views, id="or-column"),
        pytest.param(lambda c, o: c & o, Post.tags.size(), id="and-size"),
        pytest.param(lambda c, o: Condition() & o, 3, id="empty-and-int"),
        pytest.param(lambda c, o: Condition() | o, Post.views.set(1), id="empty-or-action"),
    ],
)
def test_combining_with_a_non_condition_raises(combine: Callable[[Condition, Any], Any], other: Any) -> None:
    """Combining a condition with something that is not one raises InvalidCondition carrying that thing."""
    with pytest.raises(InvalidCondition) as excinfo:
        combine(Post.views > 3, other)
    assert excinfo.type is InvalidCondition
    assert excinfo.value.value is other
    assert "cannot combine" in str(excinfo.value)


# -- key conditions -------------------------------------------------------------------------------------------------


def _hash() -> Condition:
    return Comment.post == U


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_hash, id="hash-only"),
        pytest.param(lambda: _hash() & (Comment.sort == "a"), id="range-eq"),
        pytest.param(lambda: _hash() & (Comment.sort < "a"), id="range-lt"),
        pytest.param(lambda: _hash() & (Comment.sort <= "a"), id="range-le"),
        pytest.param(lambda: _hash() & (Comment.sort > "a"), id="range-gt"),
        pytest.param(lambda: _hash() & (Comment.sort >= "a"), id="range-ge"),
        pytest.param(lambda: _hash() & Comment.sort.between("a", "m"), id="range-between"),
        pytest.param(lambda: _hash() & Comment.sort.begins_with("2026-"), id="range-begins_with"),
        pytest.param(lambda: (Comment.sort > "a") & _hash(), id="range-first"),
        pytest.param(lambda: Condition() & _hash() & Condition(), id="with-empty-conditions"),
    ],
)
def test_valid_key_conditions_pass(build: Build) -> None:
    """``hash == v``, alone or ANDed with one range-key condition DynamoDB accepts, passes the key check."""
    assert check_key_condition(build(), Comment.post, Comment.sort, target="table Comment") is None


INVALID_KEY_CASES = [
    pytest.param(Condition, Comment.sort, "post", "needs post == value", id="empty"),
    pytest.param(lambda: Comment.sort == "a", Comment.sort, "post", "needs post == value", id="no-hash"),
    pytest.param(lambda: Comment.post != U, Comment.sort, "post", "takes only ==", id="hash-ne"),
    pytest.param(lambda: Comment.post < U, Comment.sort, "post", "takes only ==", id="hash-lt"),
    pytest.param(lambda: Comment.post.in_(U), Comment.sort, "post", "takes only ==", id="hash-in"),
    pytest.param(lambda: Comment.post.exists(), Comment.sort, "post", "takes only ==", id="hash-exists"),
    pytest.param(
        lambda: Comment.post.begins_with("1"), Comment.sort, "post", "takes only ==", id="hash-begins"
    ),
    pytest.param(lambda: _hash() | (Comment.sort == "a"), Comment.sort, None, "with values", id="or"),
    pytest.param(lambda: ~_hash(), Comment.sort, None, "with values", id="not"),
    pytest.param(
        lambda: _hash() & (Comment.votes > 1), Comment.sort, "votes", "not a key", id="non-key-column"
    ),
    pytest.param(
        lambda: _hash() & (Comment.sort == "a"), None, "sort", "not a key", id="range-on-hash-only-table"
    ),
    pytest.param(
        lambda: _hash() & (Comment.sort != "a"), Comment.sort, "sort", "range key takes", id="range-ne"
    ),
    pytest.param(
        lambda: _hash() & Comment.sort.in_("a"), Comment.sort, "sort", "range key takes", id="range-in"
    ),
    pytest.param(
        lambda: _hash() & Comment.sort.contains("a"),
        Comment.sort,
        "sort",
        "range key takes",
        id="range-contains",
    ),
    pytest.param(
        lambda: _hash() & Comment.sort.exists(), Comment.sort, "sort", "range key takes", id="range-exists"
    ),
    pytest.param(
        lambda: _hash() & (Comment.sort == Comment.body),
        Comment.sort,
        "sort",
        "not with other attributes",
        id="range-vs-column",
    ),
    pytest.param(
        lambda: _hash() & Comment.sort.between("a", Comment.body),
        Comment.sort,
        "sort",
        "not with other attributes",
        id="range-between-column",
    ),
    pytest.param(
        lambda: Comment.post == Comment.body,
        Comment.sort,
        "post",
        "not with other attributes",
        id="hash-vs-column",
    ),
    pytest.param(
        lambda: _hash() & (Comment.post == U2), Comment.sort, "post", "appears twice", id="hash-twice"
    ),
    pytest.param(
        lambda: _hash() & (Comment.sort > "a") & (Comment.sort < "z"),
        Comment.sort,
        "sort",
        "appears twice",
        id="range-twice",
    ),
    pytest.param(lambda: _hash() & (Comment.sort.size() > 1), Comment.sort, None, "with values", id="size"),
    pytest.param(
        lambda: _hash() & (Post.views == 1),
        Comment.sort,
        "views",
        "not a column of Comment",
        id="other-model",
    ),
]


@pytest.mark.parametrize(("build", "range_key", "label", "reason"), INVALID_KEY_CASES)
def test_invalid_key_conditions_raise(build: Build, range_key: Any, label: str | None, reason: str) -> None:
    """Each key condition DynamoDB refuses raises InvalidKeyCondition naming the target, the model and the column."""
    cond = build()
    with pytest.raises(InvalidKeyCondition) as excinfo:
        check_key_condition(cond, Comment.post, range_key, target="table Comment")
    exc = excinfo.value
    assert excinfo.type is InvalidKeyCondition
    assert exc.model is Comment
    assert exc.column == label
    assert exc.value is cond
    assert str(exc).startswith("Comment" + (f".{label}" if label else "") + ": table Comment: ")
    assert reason in str(exc)


# -- repr -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(lambda: Post.views > 3, "<Condition Post.views > 3>", id="comparison"),
        pytest.param(lambda: Post.content == "x", "<Condition Post.content = 'x'>", id="string-value"),
        pytest.param(
            lambda: Post.content == None,  # noqa: E711 - the operator under test
            "<Condition attribute_not_exists(Post.content)>",
            id="none",
        ),
        pytest.param(
            lambda: Post.views.between(1, 5), "<Condition Post.views BETWEEN 1 AND 5>", id="between"
        ),
        pytest.param(lambda: Post.views.in_(1, 2), "<Condition Post.views IN (1, 2)>", id="in"),
        pytest.param(
            lambda: Post.content.begins_with("re:"),
            "<Condition begins_with(Post.content, 're:')>",
            id="function",
        ),
        pytest.param(lambda: Post.tags.size() >= 2, "<Condition size(Post.tags) >= 2>", id="size"),
        pytest.param(lambda: Post.views == Post.other, "<Condition Post.views = Post.other>", id="columns"),
        pytest.param(
            lambda: Post.address["city"] == "Oslo",
            "<Condition Post.address['city'] = 'Oslo'>",
            id="document-path",
        ),
        pytest.param(lambda: Post.scores[0] < 3, "<Condition Post.scores[0] < 3>", id="list-path"),
        pytest.param(
            lambda: ((Post.views > 3) & ~(Post.content == "x")) | Post.flag.is_(True),
            "<Condition ((Post.views > 3 AND (NOT Post.content = 'x')) OR Post.flag = True)>",
            id="and-or-not",
        ),
        pytest.param(Condition, "<Condition (empty)>", id="empty"),
        pytest.param(lambda: Post.views.set(3), "<Action SET Post.views 3>", id="action-set"),
        pytest.param(
            lambda: Post.views.set(Post.other), "<Action SET Post.views Post.other>", id="action-column"
        ),
        pytest.param(lambda: Post.views.increment(), "<Action SET(+) Post.views 1>", id="action-increment"),
        pytest.param(
            lambda: Post.scores.append([1]), "<Action SET(append) Post.scores [1]>", id="action-append"
        ),
        pytest.param(lambda: Post.content.remove(), "<Action REMOVE Post.content>", id="action-remove"),
        pytest.param(lambda: Post.tags.add({"a"}), "<Action ADD Post.tags {'a'}>", id="action-add"),
        pytest.param(lambda: Post.meta["a"][0], "<Path Post.meta['a'][0]>", id="path"),
        pytest.param(lambda: Post.views, "<Column Post.views: Integer() as 'v'>", id="column"),
    ],
)
def test_repr_is_readable(build: Build, expected: str) -> None:
    """Conditions, actions, paths and columns repr as the Python-side expression, with model and column names."""
    assert repr(build()) == expected


def test_actions_are_action_objects() -> None:
    """Every update method returns an Action, and set(None) is a REMOVE action."""
    actions = [
        Post.views.set(1),
        Post.views.add(1),
        Post.tags.delete("a"),
        Post.content.set(None),
        Post.scores.prepend([1]),
        Post.views.set_if_not_exists(1),
    ]
    assert all(isinstance(a, Action) for a in actions)
    assert [a.verb for a in actions] == ["SET", "ADD", "DELETE", "REMOVE", "SET", "SET"]
