"""
The reference evaluator and update applier (tests/reference.py) on hand-picked cases whose DynamoDB answers are
known from its documentation, so the oracle of the differential tests is not trusted blindly.
"""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from adyn import Column, Condition, Model, column
from tests.reference import UpdateError, apply_actions, canonical_item, evaluate, key_order


class R(Model):
    """Every kind of column the reference must handle, stored under plain names."""

    id: Column[str] = column(hash_key=True)
    n: Column[int | None] = column(default=None)
    d: Column[decimal.Decimal | None] = column(default=None)
    s: Column[str | None] = column(default=None)
    b: Column[bytes | None] = column(default=None)
    ss: Column[set[str]] = column(factory=set)
    ns: Column[set[int]] = column(factory=set)
    bs: Column[set[bytes]] = column(factory=set)
    li: Column[list[int]] = column(factory=list)
    doc: Column[dict[str, Any]] = column(factory=dict)
    any: Column[Any] = column(default=None)


def item(**values: Any) -> dict[str, Any]:
    return {"id": {"S": "k"}, **values}


N = lambda v: {"N": str(v)}  # noqa: E731 - short wire-value builders read best inline
S = lambda v: {"S": v}  # noqa: E731
B = lambda v: {"B": v}  # noqa: E731

CONDITIONS: list[tuple[str, Condition, dict[str, Any], bool]] = [
    # Comparisons: numbers by value, types never mix, a missing attribute fails all but <>.
    ("number equal by value", R.n == 1, item(n=N("1.0")), True),
    ("number equal missing", R.n == 1, item(), False),
    ("not-equal on missing is true", R.n != 1, item(), True),
    ("not-equal across types is true", R.any != 1, item(any=S("1")), True),
    ("equal across types is false", R.any == 1, item(any=S("1")), False),
    ("less-than across types is false", R.any < 5, item(any=S("4")), False),
    ("less-than on missing is false", R.n < 5, item(), False),
    ("NOT of a missing comparison is true", ~(R.n > 1), item(), True),
    ("numbers order by value", R.d > decimal.Decimal("9.5"), item(d=N("10")), True),
    ("big numbers", R.n < 10**30, item(n=N("-1E+31")), True),
    # Strings order by UTF-8 bytes (code points), not UTF-16 units.
    ("ascii before non-ascii", R.s < "é", item(s=S("z")), True),
    ("private use before astral", R.s < "😀", item(s=S("\ue000")), True),
    ("prefix orders first", R.s < "ab", item(s=S("a")), True),
    ("empty string is least", R.s <= "", item(s=S("")), True),
    # Binaries order by unsigned bytes.
    ("binary unsigned", R.b > b"\x7f", item(b=B(b"\x80")), True),
    ("binary prefix", R.b < b"\x00\x00", item(b=B(b"\x00")), True),
    # Between and in.
    ("between inclusive high", R.n.between(1, 3), item(n=N(3)), True),
    ("between above", R.n.between(1, 3), item(n=N(4)), False),
    ("between missing", R.n.between(1, 3), item(), False),
    ("in", R.n.in_(1, 2), item(n=N(2)), True),
    ("in missing", R.n.in_(1, 2), item(), False),
    ("in mixed types", R.any.in_("1", 2), item(any=N(1)), False),
    # Functions.
    ("begins_with string", R.s.begins_with("ab"), item(s=S("abc")), True),
    ("begins_with empty prefix", R.s.begins_with(""), item(s=S("x")), True),
    ("begins_with binary", R.b.begins_with(b"\x00"), item(b=B(b"\x00\x01")), True),
    ("begins_with on a number", R.any.begins_with("1"), item(any=N(1)), False),
    ("contains substring", R.s.contains("bc"), item(s=S("abcd")), True),
    ("contains string set", R.ss.contains("a"), item(ss={"SS": ["a", "b"]}), True),
    ("contains number set by value", R.ns.contains(1), item(ns={"NS": ["1.0"]}), True),
    ("contains binary set", R.bs.contains(b"x"), item(bs={"BS": [b"y", b"x"]}), True),
    ("contains list element", R.li.contains(2), item(li={"L": [N(1), N(2)]}), True),
    ("contains list wrong type", R.any.contains("2"), item(any={"L": [N(2)]}), False),
    ("contains bytes in bytes", R.any.contains(b"\x01\x02"), item(any=B(b"\x00\x01\x02")), True),
    ("contains on a map", R.any.contains("a"), item(any={"M": {"a": N(1)}}), False),
    ("attribute_type", R.any.attribute_type("NULL"), item(any={"NULL": True}), True),
    ("attribute_type missing", R.any.attribute_type("S"), item(), False),
    ("attribute_type mismatch", R.any.attribute_type("SS"), item(any=S("a")), False),
    ("exists", R.s.exists(), item(s=S("")), True),
    ("is None", R.s == None, item(), True),  # noqa: E711 - the operator under test
    ("is not None", R.s != None, item(), False),  # noqa: E711
    # size().
    ("size of a string in characters", R.s.size() == 2, item(s=S("é😀")), True),
    ("size of a binary", R.b.size() == 3, item(b=B(b"abc")), True),
    ("size of a set", R.ns.size() >= 2, item(ns={"NS": ["1", "2"]}), True),
    ("size of a map", R.doc.size() == 1, item(doc={"M": {"a": N(1)}}), True),
    ("size of a number is missing", R.any.size() >= 0, item(any=N(5)), False),
    ("size of a number, not-equal", R.any.size() != 0, item(any=N(5)), True),
    ("size between", R.li.size().between(1, 2), item(li={"L": [N(1)]}), True),
    ("size against a column", R.ss.size() < R.n, item(ss={"SS": ["a"]}, n=N(2)), True),
    # Paths.
    ("nested key", R.doc["a"]["b"] == 1, item(doc={"M": {"a": {"M": {"b": N(1)}}}}), True),
    ("nested missing", R.doc["a"]["b"].exists(), item(any={"M": {"a": N(1)}}), False),
    ("list position", R.li[1] == 5, item(li={"L": [N(4), N(5)]}), True),
    ("list position past the end", R.li[2].not_exists(), item(li={"L": [N(4), N(5)]}), True),
    ("position into a map", R.doc["a"][0] == 1, item(doc={"M": {"a": {"M": {"0": N(1)}}}}), False),
    ("list equality", R.li == [1, 2], item(li={"L": [N(1), N(2.0)]}), True),
    ("list order matters", R.li == [2, 1], item(li={"L": [N(1), N(2)]}), False),
    ("map equality", R.doc == {"a": 1}, item(doc={"M": {"a": N(1)}}), True),
    ("set equality is unordered", R.ss == {"a", "b"}, item(ss={"SS": ["b", "a"]}), True),
    # Columns on both sides.
    ("column against column", R.n < R.d, item(n=N(1), d=N("1.5")), True),
    ("column against a missing column", R.n != R.d, item(n=N(1)), True),
    # Logic.
    ("and", (R.n == 1) & (R.s == "x"), item(n=N(1), s=S("y")), False),
    ("or", (R.n == 1) | (R.s == "x"), item(n=N(1), s=S("y")), True),
    ("empty", Condition(), item(), True),
]


@pytest.mark.parametrize(
    ("condition", "stored", "expected"), [c[1:] for c in CONDITIONS], ids=[c[0] for c in CONDITIONS]
)
def test_condition(condition: Condition, stored: dict[str, Any], expected: bool) -> None:
    """The reference gives DynamoDB's documented answer."""
    assert evaluate(condition, stored) is expected


def test_key_order() -> None:
    """Key values sort by number value, by UTF-8 bytes and by unsigned bytes."""
    assert sorted([N(10), N(-1), N("2.5")], key=key_order) == [N(-1), N("2.5"), N(10)]
    assert sorted([S("😀"), S("\ue000"), S("z")], key=key_order) == [S("z"), S("\ue000"), S("😀")]
    assert sorted([B(b"\x80"), B(b"\x7f"), B(b"")], key=key_order) == [B(b""), B(b"\x7f"), B(b"\x80")]


UPDATES: list[tuple[str, list[Any], dict[str, Any], dict[str, Any] | None]] = [
    ("set", [R.n.set(3)], item(n=N(1)), item(n=N(3))),
    ("set None removes", [R.s.set(None)], item(s=S("x")), item()),
    ("increment a missing number", [R.n.increment(2)], item(), item(n=N(2))),
    ("decrement", [R.n.decrement(5)], item(n=N(3)), item(n=N(-2))),
    ("decimal arithmetic", [R.d.increment(decimal.Decimal("0.1"))], item(d=N("0.2")), item(d=N("0.3"))),
    ("set_if_not_exists keeps", [R.s.set_if_not_exists("new")], item(s=S("old")), item(s=S("old"))),
    ("set_if_not_exists sets", [R.s.set_if_not_exists("new")], item(), item(s=S("new"))),
    ("copy a column", [R.n.set(R.d)], item(d=N(7)), item(n=N(7), d=N(7))),
    ("copy a missing column", [R.n.set(R.d)], item(), None),
    ("add to a number", [R.n.add(2)], item(n=N(1)), item(n=N(3))),
    ("add to a missing set", [R.ns.add({1, 2})], item(), item(ns={"NS": ["1", "2"]})),
    ("add to a set", [R.ss.add("b")], item(ss={"SS": ["a"]}), item(ss={"SS": ["a", "b"]})),
    ("delete from a set", [R.ss.delete("a")], item(ss={"SS": ["a", "b"]}), item(ss={"SS": ["b"]})),
    ("delete the last element", [R.ss.delete("a")], item(ss={"SS": ["a"]}), item()),
    ("delete from a missing set", [R.ss.delete("a")], item(), item()),
    ("append to a missing list", [R.li.append([1])], item(), item(li={"L": [N(1)]})),
    ("append", [R.li.append([3])], item(li={"L": [N(1)]}), item(li={"L": [N(1), N(3)]})),
    ("prepend", [R.li.prepend([3])], item(li={"L": [N(1)]}), item(li={"L": [N(3), N(1)]})),
    ("set past the end appends", [R.li[5].set(9)], item(li={"L": [N(1)]}), item(li={"L": [N(1), N(9)]})),
    ("set a position", [R.li[0].set(9)], item(li={"L": [N(1)]}), item(li={"L": [N(9)]})),
    ("remove a position", [R.li[0].remove()], item(li={"L": [N(1), N(2)]}), item(li={"L": [N(2)]})),
    ("remove past the end", [R.li[3].remove()], item(li={"L": [N(1)]}), item(li={"L": [N(1)]})),
    ("set a map key", [R.doc["a"].set(1)], item(doc={"M": {}}), item(doc={"M": {"a": N(1)}})),
    ("set under a missing map", [R.doc["a"]["b"].set(1)], item(doc={"M": {}}), None),
    ("set under a missing column", [R.doc["a"].set(1)], item(), None),
    ("remove a map key", [R.doc["a"].remove()], item(doc={"M": {"a": N(1)}}), item(doc={"M": {}})),
    ("remove a missing key", [R.doc["x"].remove()], item(doc={"M": {}}), item(doc={"M": {}})),
    ("increment a string", [R.doc["a"].increment(1)], item(doc={"M": {"a": S("x")}}), None),
    ("append to a map", [R.doc["a"].append([1])], item(doc={"M": {"a": {"M": {}}}}), None),
    (
        "every operand reads the old item",
        [R.n.set(R.d), R.d.set(5)],
        item(n=N(1), d=N(2)),
        item(n=N(2), d=N(5)),
    ),
]


@pytest.mark.parametrize(
    ("actions", "stored", "expected"), [u[1:] for u in UPDATES], ids=[u[0] for u in UPDATES]
)
def test_update(actions: list[Any], stored: dict[str, Any], expected: dict[str, Any] | None) -> None:
    """The reference applies updates as DynamoDB documents them (None: DynamoDB rejects the update)."""
    before = canonical_item(stored)
    if expected is None:
        with pytest.raises(UpdateError):
            apply_actions(actions, stored)
    else:
        assert canonical_item(apply_actions(actions, stored)) == canonical_item(expected)
    assert canonical_item(stored) == before  # the input is left alone
