"""
What the differential properties share: their models (every column stored under a reserved word or a name made
of expression punctuation), the reference's verdict, and items drawn to collide with a condition's values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from adyn import Condition, Engine, Model
from adyn._expressions import (
    Action,
    And,
    AttributeType,
    BeginsWith,
    Comparison,
    Contains,
    Not,
    Operand,
    Or,
    _Value,
)
from tests.backends import backend
from tests.reference import Undetermined, _term, evaluate, resolve  # pyright: ignore[reportPrivateUsage]
from tests.strategies import DIFF_RANGE_KINDS, diff_items, diff_range_values, make_diff_model

__all__ = [
    "MODELS",
    "MOTO",
    "NAMES",
    "bind",
    "dump",
    "judge",
    "key_of",
    "moto_fails",
    "moto_fails_update",
    "property_settings",
    "scenarios",
]

#: Whether the server is moto, whose known bugs (`moto_fails`, `moto_fails_update`) the properties steer around.
MOTO = backend() == "moto"

#: Backing names: DynamoDB reserved words and names holding expression punctuation.
NAMES = {
    "pk": "name",
    "sk": "#n0.date[0]",
    "n": "count",
    "d": ":v0",
    "s": "status",
    "b": "a.b",
    "flag": "[0]",
    "ss": "comment",
    "ns": "two words",
    "bs": "é😀",
    "li": "list_append",
    "doc": "user",
    "any": "AND",
}
MODELS: dict[str, type[Model]] = {kind: make_diff_model(kind, NAMES) for kind in DIFF_RANGE_KINDS}


def property_settings(max_examples: int) -> settings:
    """
    Settings for a server-backed property. The engine fixture is per test, not per example: each example writes
    under a hash-key prefix of its own, so examples never see each other's items.

    Under the default "ci" profile the examples are derandomized: the same ones every run, so CI is reproducible
    and a moto bug newly met by chance cannot turn it red at random. ``HYPOTHESIS_PROFILE=dev`` draws fresh
    examples (more of them) on every run, to explore.
    """
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci",
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def key_of(obj: Any) -> tuple[Any, Any]:
    """An item's (hash, range) key."""
    return (obj.pk, obj.sk)


def dump(obj: Model) -> dict[str, Any]:
    """The item adyn stores for `obj` (DynamoDB JSON by backing name)."""
    return type(obj).__adyn__.dump_item(obj)


def judge(condition: Condition, item: dict[str, Any]) -> bool | None:
    """
    The reference's answer, or None where it is undetermined (see `tests.reference.Undetermined`) or, on moto,
    where moto is known to fail (`moto_fails`).
    """
    if MOTO and moto_fails(condition, item):
        return None
    try:
        return evaluate(condition, item)
    except Undetermined:
        return None


def leaves(condition: Condition) -> list[Condition]:
    """The comparisons and functions inside `condition`, through every AND, OR and NOT."""
    if isinstance(condition, (And, Or)):
        return [leaf for part in condition.conditions for leaf in leaves(part)]
    if isinstance(condition, Not):
        return leaves(condition.condition)
    return [] if condition.is_empty else [condition]


_ORDERING = frozenset({"<", "<=", ">", ">="})


def moto_fails(condition: Condition, item: dict[str, Any]) -> bool:
    """
    Whether `condition` holds, for `item`, a shape moto 5.2 is known to get wrong (each found by these properties
    and reproduced alone on moto 5.2; DynamoDB's documented answer is what the reference computes):

    * an ordering comparison (``<``, ``<=``, ``>``, ``>=``) between two present values of different types
      (``"a" < [1]``, ``1 >= "a"``, ``b"a" < "a"``): moto compares the Python values and answers a 500 (a
      TypeError); DynamoDB's comparison is false. Every pair among S, N, B, L, M, SS, NS, BS fails so (and BOOL
      against S or B); a NULL or a missing side does not.
    * begins_with or contains on a stored binary value: moto compares the bytes with the base64 text of the
      argument and is always false (``begins_with(b, b"a")`` on ``b"ab"``, ``contains(any, b"")`` on ``b""``);
      contains on a binary set is right.
    """
    for part in leaves(condition):
        if isinstance(part, Comparison) and part.op in _ORDERING:
            left, right = _term(part.lhs, item), _term(part.rhs, item)
            if (
                left is not None
                and right is not None
                and set(left) != set(right)
                and "NULL" not in (*left, *right)
            ):
                return True
        if isinstance(part, (BeginsWith, Contains)):
            value = _term(part.operand, item)
            if value is not None and "B" in value:
                return True
    return False


async def bind(engine: Engine, *models: type[Model]) -> None:
    """Bind the models `engine` has not bound yet (creating their tables once per test, not per example)."""
    bound = engine._bound  # pyright: ignore[reportPrivateUsage]
    new = [m for m in models if m not in bound]
    if new:
        await engine.bind(*new)


_prefixes = iter(range(10**9))


def prefix() -> str:
    """A hash-key prefix no other example of this run uses."""
    return f"{next(_prefixes)}/"


def echoes(
    model: type[Model], conditions: Iterable[Condition]
) -> list[tuple[str, tuple[str | int, ...], Any]]:
    """
    The values `conditions` compare with a column or a path inside one, as (column's Python name, steps below the
    column, value): writing them into items makes items hit a condition's boundaries (equal to its bound, its
    prefix, a member of its IN list, the element it looks for) far more often than independent draws would.
    """
    info = model.__adyn__
    found: list[tuple[str, tuple[str | int, ...], Any]] = []
    for condition in conditions:
        for part in leaves(condition):
            operand = getattr(part, "operand", getattr(part, "lhs", None))
            if not isinstance(operand, Operand) or isinstance(part, AttributeType):  # a type name is no value
                continue
            path = operand._path  # pyright: ignore[reportPrivateUsage]
            column = info.columns_by_dynamo[str(path[0])]
            if column.name == "pk":
                continue
            terms = [getattr(part, name, None) for name in ("rhs", "argument", "low", "high")]
            terms += getattr(part, "values", None) or []
            found += [(column.name, path[1:], term.raw) for term in terms if isinstance(term, _Value)]
    return found


def _nest(steps: tuple[str | int, ...], value: Any) -> Any:
    # A value holding `value` at `steps` (list positions filled with copies of it).
    if not steps:
        return value
    inner = _nest(steps[1:], value)
    step = steps[0]
    return [inner] * (step + 1) if isinstance(step, int) else {step: inner}


def _echo(item: Model, name: str, steps: tuple[str | int, ...], value: Any) -> None:
    # Write `value` where a condition on `name` and `steps` would look for it.
    current = getattr(item, name)
    if name in ("ss", "ns", "bs") and not steps:
        # A whole set (compared with ==) replaces the set; an element (from contains) joins it.
        setattr(item, name, set(value) if isinstance(value, (set, frozenset)) else {*current, value})
    elif name == "li" and not steps:
        setattr(item, name, list(value) if isinstance(value, list) else [*current, value])
    elif name == "doc":
        if steps:
            setattr(item, name, {**current, str(steps[0]): _nest(steps[1:], value)})
        elif value is not None:  # the document column is never None
            setattr(item, name, value)
    else:
        setattr(item, name, _nest(steps, value))


@st.composite
def scenarios(
    draw: st.DrawFn,
    kind: str,
    pk: str,
    *,
    conditions: Iterable[Condition] = (),
    hashes: int = 2,
    size: int = 10,
) -> list[Model]:
    """
    Up to `size` items of the model for `kind` over `hashes` hash keys under `pk`, each holding, half the time
    each, the values `conditions` compare with where they look for them (`echoes`); sort keys are often those
    values too.
    """
    model = MODELS[kind]
    hints = echoes(model, conditions)
    # Sort keys too echo the conditions' bounds (a key is never empty).
    bounds = [value for name, _, value in hints if name == "sk" and value not in ("", b"")]
    sort_keys = st.one_of(diff_range_values(kind), *([st.sampled_from(bounds)] if bounds else []))
    hints = [hint for hint in hints if hint[0] != "sk"]
    keys = draw(
        st.lists(
            st.tuples(st.integers(0, hashes - 1), sort_keys),
            unique=True,
            min_size=min(4, size),
            max_size=size,
        )
    )
    items: list[Model] = []
    for h, sk in keys:
        item = draw(diff_items(model, f"{pk}{h}", sk))
        for name, steps, value in hints:
            if draw(st.booleans()):
                _echo(item, name, steps, value)
        items.append(item)
    return items


def moto_fails_update(actions: Iterable[Action], item: dict[str, Any]) -> bool:
    """
    Whether an action does arithmetic (ADD of a number, ``increment``, ``decrement``) with a number in exponent
    notation, stored in `item` or given (``{"N": "1E+5"}``, as adyn dumps ``Decimal("1E+5")``): moto 5.2 answers
    a 500, where DynamoDB computes. Found by the update property; ``ADD d :one`` and ``SET d = d + :one`` on a
    stored ``1E+5``, and ``ADD d :v`` with ``:v`` = ``1E+5``, reproduce it alone; on ``100000`` and ``0.5`` they
    work. Also whether an action SETs a map key under a present value that is no map (``SET doc.a.b = :v`` where
    ``doc.a`` is ``"t"``, ``5``, ``[1]``, null or a bool): moto 5.2 succeeds and changes nothing, where DynamoDB
    rejects the document path.
    """
    for action in actions:
        path = action.operand._path  # pyright: ignore[reportPrivateUsage]
        parent = resolve(path[:-1], item) if len(path) > 1 else None
        if action.verb == "SET" and isinstance(path[-1], str) and parent is not None and "M" not in parent:
            return True
        if not (action.verb == "ADD" or action.form in ("+", "-")):
            continue
        current = resolve(action.operand._path, item)  # pyright: ignore[reportPrivateUsage]
        operand = action.value.av if isinstance(action.value, _Value) else None
        if any(v is not None and "E" in v.get("N", "").upper() for v in (current, operand)):
            return True
    return False
