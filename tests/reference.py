"""
A pure-Python reference of DynamoDB's expression semantics, the oracle of the differential tests: which items an
adyn `Condition` selects, which items a key condition selects and in what order, and what an item becomes under
a list of adyn update `Action` objects.

It works on stored items in DynamoDB JSON (``{"name": {"S": "x"}, "count": {"N": "3"}}``, what
``Model.__adyn__.dump_item`` returns and what the server stores), not on Python model objects: DynamoDB's rules
are rules about wire types (an ``N`` never equals an ``S``; a string orders by its UTF-8 bytes, a binary by its
bytes; a Timestamp column compares as a number, a DateTime as text), and the values inside a condition are already
dumped to wire values when adyn builds it. Evaluating the dump therefore needs no knowledge of adyn's types and
tests exactly what the server sees.

The semantics followed (DynamoDB's developer guide, "Condition and filter expressions, operators, and functions",
and "Update expressions"):

* A path resolves through map keys and list positions; any missing step makes the operand missing.
* ``=`` holds when both sides exist, have the same type and are equal (numbers by value, sets as sets, lists and
  maps deeply); ``<>`` is its negation, so it holds on a missing attribute and across types.
* ``<``, ``<=``, ``>``, ``>=`` and BETWEEN hold only between two present values of one ordered type (N by value,
  S by UTF-8 bytes, which is code point order, B by bytes).
* IN is ``=`` against any of the values; ``begins_with`` works on S and B; ``contains`` finds a substring of an S,
  a byte string in a B, an element of a set (of the set's element type) or an element of a list.
* ``size`` is the length of an S (in characters), a B (in bytes), a set, a list or a map; of any other type, or a
  missing attribute, it is missing (so every comparison with it but ``<>`` is false).
* AND, OR and NOT are two-valued: a comparison with a missing attribute is false, and its NOT is true.
"""

from __future__ import annotations

import copy
import decimal
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from adyn import Condition
from adyn._expressions import (
    Action,
    And,
    AttributeExists,
    AttributeType,
    BeginsWith,
    Between,
    Comparison,
    Contains,
    In,
    Not,
    Operand,
    Or,
    Size,
    _Value,
)

__all__ = ["Undetermined", "UpdateError", "apply_actions", "canonical", "evaluate", "key_order", "select"]

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

# Arithmetic in DynamoDB's number context: 38 significant digits.
_CONTEXT = decimal.Context(prec=38)
_ORDERED = ("N", "S", "B")
_SET_ELEMENT = {"SS": "S", "NS": "N", "BS": "B"}
_COMPARATORS: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Undetermined(Exception):
    """
    The documentation leaves the answer open: ``a = b`` (and the other comparisons) between two attributes that
    are both missing, and ``a BETWEEN b AND c`` with `a` and a bound both missing attributes. moto and dynalite say ``=``, ``<=`` and ``>=`` hold there; nothing local can say what
    DynamoDB does, so the differential tests accept either answer for such items.
    """


class UpdateError(Exception):
    """
    DynamoDB would reject this update for this item (a ValidationException): a path through a missing or
    mistyped parent, arithmetic on a non-number, an ADD or DELETE of the wrong type, a copy from a missing path.
    """


# -- values ---------------------------------------------------------------------------------------------------------


def _kind(av: AttributeValue) -> str:
    (kind,) = av
    return kind


def _bytes(value: Any) -> bytes:
    return bytes(value)


def resolve(path: Sequence[str | int], item: Mapping[str, AttributeValue]) -> AttributeValue | None:
    """
    The value at `path` in `item` (map keys and list positions), or None when any step is missing.
    """
    value: AttributeValue | None = item.get(path[0]) if isinstance(path[0], str) else None
    for step in path[1:]:
        if value is None:
            return None
        if isinstance(step, int):
            elements = value.get("L")
            value = elements[step] if elements is not None and step < len(elements) else None
        else:
            members = value.get("M")
            value = members.get(step) if members is not None else None
    return value


def _size(value: AttributeValue | None) -> AttributeValue | None:
    if value is None:
        return None
    kind = _kind(value)
    if kind in ("S", "B", "SS", "NS", "BS", "L", "M"):
        return {"N": str(len(value[kind]))}
    return None


def _term(term: Any, item: Mapping[str, AttributeValue]) -> AttributeValue | None:
    if isinstance(term, _Value):
        return term.av
    if isinstance(term, Size):
        return _size(resolve(term.operand._path, item))  # pyright: ignore[reportPrivateUsage]
    if isinstance(term, Operand):
        return resolve(term._path, item)  # pyright: ignore[reportPrivateUsage]
    raise TypeError(f"not a term: {term!r}")


def canonical(value: AttributeValue) -> Any:
    """
    A hashable form of an attribute value in which equal DynamoDB values are equal: numbers by value, sets
    unordered, maps by key.
    """
    kind = _kind(value)
    raw = value[kind]
    if kind == "N":
        return ("N", decimal.Decimal(raw))
    if kind == "B":
        return ("B", _bytes(raw))
    if kind in ("S", "BOOL", "NULL"):
        return (kind, raw)
    if kind == "NS":
        return ("NS", frozenset(decimal.Decimal(v) for v in raw))
    if kind == "BS":
        return ("BS", frozenset(_bytes(v) for v in raw))
    if kind == "SS":
        return ("SS", frozenset(raw))
    if kind == "L":
        return ("L", tuple(canonical(v) for v in raw))
    if kind == "M":
        return ("M", frozenset((k, canonical(v)) for k, v in raw.items()))
    raise ValueError(f"not an attribute value: {value!r}")


def canonical_item(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    """
    `canonical` applied to every attribute of an item.
    """
    return {name: canonical(value) for name, value in item.items()}


def _equal(a: AttributeValue | None, b: AttributeValue | None) -> bool:
    return a is not None and b is not None and canonical(a) == canonical(b)


def _order(a: AttributeValue | None, b: AttributeValue | None) -> int | None:
    # -1, 0 or 1 when a and b are present values of one ordered type; None otherwise.
    if a is None or b is None:
        return None
    kind = _kind(a)
    if kind not in _ORDERED or _kind(b) != kind:
        return None
    x: Any
    y: Any
    if kind == "N":
        x, y = decimal.Decimal(a["N"]), decimal.Decimal(b["N"])
    elif kind == "S":
        x, y = a["S"].encode("utf-8", "surrogatepass"), b["S"].encode("utf-8", "surrogatepass")
    else:
        x, y = _bytes(a["B"]), _bytes(b["B"])
    return (x > y) - (x < y)


def key_order(value: AttributeValue) -> Any:
    """
    A sort key putting key values (N, S or B) in DynamoDB's order.
    """
    kind = _kind(value)
    if kind == "N":
        return decimal.Decimal(value["N"])
    if kind == "S":
        return value["S"].encode("utf-8", "surrogatepass")
    return _bytes(value["B"])


# -- conditions -------------------------------------------------------------------------------------------------------


def evaluate(condition: Condition, item: Mapping[str, AttributeValue]) -> bool:
    """
    Whether `condition` holds for the stored `item` (DynamoDB JSON keyed by backing names; ``{}`` for no item).
    The empty condition holds for every item.
    """
    if condition.is_empty:
        return True
    if isinstance(condition, And):
        return all(evaluate(c, item) for c in condition.conditions)
    if isinstance(condition, Or):
        return any(evaluate(c, item) for c in condition.conditions)
    if isinstance(condition, Not):
        return not evaluate(condition.condition, item)
    if isinstance(condition, Comparison):
        left, right = _term(condition.lhs, item), _term(condition.rhs, item)
        if left is None and right is None and not isinstance(condition.rhs, _Value):
            raise Undetermined(condition)
        if condition.op == "=":
            return _equal(left, right)
        if condition.op == "<>":
            return not _equal(left, right)
        order = _order(left, right)
        return order is not None and _COMPARATORS[condition.op](order, 0)
    if isinstance(condition, Between):
        value = _term(condition.operand, item)
        bounds = [(_term(b, item), isinstance(b, _Value)) for b in (condition.low, condition.high)]
        if value is None and any(av is None and not fixed for av, fixed in bounds):
            raise Undetermined(condition)
        low = _order(value, bounds[0][0])
        high = _order(value, bounds[1][0])
        return low is not None and high is not None and low >= 0 and high <= 0
    if isinstance(condition, In):
        value = _term(condition.operand, item)
        return any(_equal(value, _term(v, item)) for v in condition.values)
    if isinstance(condition, BeginsWith):
        value = _term(condition.operand, item)
        prefix = _term(condition.argument, item)
        if value is None or prefix is None or _kind(value) != _kind(prefix):
            return False
        if _kind(value) == "S":
            return bool(value["S"].startswith(prefix["S"]))
        if _kind(value) == "B":
            return _bytes(value["B"]).startswith(_bytes(prefix["B"]))
        return False
    if isinstance(condition, Contains):
        return _contains(_term(condition.operand, item), _term(condition.argument, item))
    if isinstance(condition, AttributeType):
        value = _term(condition.operand, item)
        wanted = condition.argument.av["S"]
        return value is not None and _kind(value) == wanted
    if isinstance(condition, AttributeExists):
        present = _term(condition.operand, item) is not None
        return present if condition.exists else not present
    raise TypeError(f"the reference does not know {type(condition).__name__}")


def _contains(container: AttributeValue | None, value: AttributeValue | None) -> bool:
    if container is None or value is None:
        return False
    kind, value_kind = _kind(container), _kind(value)
    if kind == "S":
        return value_kind == "S" and value["S"] in container["S"]
    if kind == "B":
        return value_kind == "B" and _bytes(value["B"]) in _bytes(container["B"])
    if kind in _SET_ELEMENT:
        if value_kind != _SET_ELEMENT[kind]:
            return False
        return any(_equal({value_kind: element}, value) for element in container[kind])
    if kind == "L":
        return any(_equal(element, value) for element in container["L"])
    return False


def select(condition: Condition, items: Iterable[Mapping[str, AttributeValue]]) -> list[Mapping[str, Any]]:
    """
    The items `condition` holds for, in the order given.
    """
    return [item for item in items if evaluate(condition, item)]


# -- update actions -------------------------------------------------------------------------------------------------


def _number(av: AttributeValue) -> decimal.Decimal:
    if _kind(av) != "N":
        raise UpdateError(f"arithmetic on a non-number: {av!r}")
    return decimal.Decimal(av["N"])


def _number_av(value: decimal.Decimal) -> AttributeValue:
    result = _CONTEXT.plus(value)
    if result.is_zero():
        return {"N": "0"}
    return {"N": str(result.normalize(_CONTEXT))}


def _new_value(action: Action, item: Mapping[str, AttributeValue]) -> AttributeValue:
    # The value a SET action writes, computed from the item as it was before the update (DynamoDB evaluates every
    # operand against the old item).
    path = action.operand._path  # pyright: ignore[reportPrivateUsage]
    current = resolve(path, item)
    value = _term(action.value, item)
    if value is None:
        raise UpdateError("the update copies from a path that does not exist")
    if action.form == "":
        return copy.deepcopy(value)
    if action.form == "if_not_exists":
        return copy.deepcopy(current if current is not None else value)
    assert action.extra is not None
    base = current if current is not None else action.extra.av
    if action.form in ("+", "-"):
        left, right = _number(base), _number(value)
        return _number_av(_CONTEXT.add(left, right) if action.form == "+" else _CONTEXT.subtract(left, right))
    if _kind(base) != "L" or _kind(value) != "L":
        raise UpdateError("list_append on a non-list")
    head, tail = (base, value) if action.form == "append" else (value, base)
    return {"L": copy.deepcopy(head["L"]) + copy.deepcopy(tail["L"])}


def _parent(path: Sequence[str | int], item: Item) -> AttributeValue:
    parent = resolve(path[:-1], item)
    step = path[-1]
    wanted = "L" if isinstance(step, int) else "M"
    if parent is None or _kind(parent) != wanted:
        raise UpdateError(f"the document path {list(path)!r} is invalid for update")
    return parent


def _assign(path: Sequence[str | int], item: Item, value: AttributeValue) -> None:
    if len(path) == 1:
        item[str(path[0])] = value
        return
    parent = _parent(path, item)
    step = path[-1]
    if isinstance(step, int):
        elements = parent["L"]
        if step < len(elements):
            elements[step] = value
        else:  # a position past the end appends
            elements.append(value)
    else:
        parent["M"][step] = value


def _remove(path: Sequence[str | int], item: Item) -> None:
    if len(path) == 1:
        item.pop(str(path[0]), None)
        return
    parent = resolve(path[:-1], item)
    step = path[-1]
    if parent is None:
        raise UpdateError(f"the document path {list(path)!r} is invalid for update")
    if isinstance(step, int):
        if _kind(parent) != "L":
            raise UpdateError(f"the document path {list(path)!r} is invalid for update")
        if step < len(parent["L"]):
            del parent["L"][step]
    else:
        if _kind(parent) != "M":
            raise UpdateError(f"the document path {list(path)!r} is invalid for update")
        parent["M"].pop(step, None)


def _merge_set(kind: str, old: list[Any], new: list[Any], *, add: bool) -> list[Any]:
    # Union or difference of set elements, equal elements judged as DynamoDB judges them.
    element = _SET_ELEMENT[kind]
    keep = {canonical({element: e}): e for e in old}
    for e in new:
        key = canonical({element: e})
        if add:
            keep.setdefault(key, e)
        else:
            keep.pop(key, None)
    return list(keep.values())


def apply_actions(actions: Iterable[Action], item: Mapping[str, AttributeValue]) -> Item:
    """
    The item `actions` turn `item` into (a new dict; `item` is left alone). Raises `UpdateError` where DynamoDB
    would reject the update.

    Actions must not overlap (adyn rejects that before sending), and at most one may remove from any one list:
    DynamoDB resolves several list positions against the list as it was, which this reference does not model.
    """
    actions = list(actions)
    before = item
    after: Item = copy.deepcopy(dict(item))
    # Every right-hand side reads the old item; then the writes are applied.
    planned = [(action, _new_value(action, before) if action.verb == "SET" else None) for action in actions]
    for action, value in planned:
        path = action.operand._path  # pyright: ignore[reportPrivateUsage]
        if action.verb == "SET":
            assert value is not None
            _assign(path, after, value)
        elif action.verb == "REMOVE":
            _remove(path, after)
        else:
            if len(path) != 1:
                raise UpdateError(f"{action.verb} takes top-level attributes only")
            name = str(path[0])
            operand = _term(action.value, before)
            assert operand is not None
            current = after.get(name)
            kind = _kind(operand)
            if action.verb == "ADD":
                if current is None:
                    after[name] = _number_av(_number(operand)) if kind == "N" else copy.deepcopy(operand)
                elif kind == "N" and _kind(current) == "N":
                    after[name] = _number_av(_CONTEXT.add(_number(current), _number(operand)))
                elif kind in _SET_ELEMENT and _kind(current) == kind:
                    after[name] = {kind: _merge_set(kind, current[kind], operand[kind], add=True)}
                else:
                    raise UpdateError("ADD of a mismatched type")
            else:  # DELETE
                if kind not in _SET_ELEMENT:
                    raise UpdateError("DELETE takes a set")
                if current is None:
                    continue
                if _kind(current) != kind:
                    raise UpdateError("DELETE of a mismatched set type")
                remaining = _merge_set(kind, current[kind], operand[kind], add=False)
                if remaining:
                    after[name] = {kind: remaining}
                else:  # DynamoDB has no empty set: deleting every element removes the attribute
                    del after[name]
    return after
