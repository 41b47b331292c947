"""
Single-item writes, prepared: the request body of each write (UpdateItem, PutItem, DeleteItem, or a transaction's
ConditionCheck), built and checked before anything is sent, plus what to do to the object once it succeeded or
failed. The engine's item operations and transactions share these; nothing here does I/O.

Optimistic locking lives here too: for a model with a version column every write adds "the stored version is
still the object's" to its condition and (except deletes and checks) writes the version plus one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import attrs

from ._expressions import Action, Condition, _Value, compile_expressions  # pyright: ignore[reportPrivateUsage]
from ._models import LOADED, SNAPSHOT
from .exceptions import (
    ConditionFailed,
    InvalidExpression,
    InvalidValue,
    ItemExists,
    UnknownColumn,
    VersionConflict,
)

if TYPE_CHECKING:
    from ._columns import Column
    from ._models import ModelInfo
    from ._wire import AttributeValue, Item

__all__ = ["ITEM_SIZE_LIMIT", "Write", "item_size"]

#: DynamoDB's item size limit (400 KB).
ITEM_SIZE_LIMIT = 400 * 1024

Kind = Literal["UpdateItem", "PutItem", "DeleteItem", "ConditionCheck"]


def _av_size(value: AttributeValue) -> int:
    # Loops rather than sum() over generators, and len() of ASCII text without encoding it: this runs on every
    # item written.
    ((kind, wire),) = value.items()
    if kind == "S":
        return len(wire) if wire.isascii() else len(wire.encode("utf-8"))
    if kind == "N":
        return len(wire.lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(wire)
    size = 0
    if kind == "M":
        size = 3
        for key, inner in wire.items():
            size += 1 + (len(key) if key.isascii() else len(key.encode("utf-8"))) + _av_size(inner)
    elif kind == "L":
        size = 3
        for inner in wire:
            size += 1 + _av_size(inner)
    elif kind in ("BOOL", "NULL"):
        size = 1
    elif kind == "SS":
        for text in wire:
            size += len(text) if text.isascii() else len(text.encode("utf-8"))
    elif kind == "NS":
        for number in wire:
            size += len(number.lstrip("-").replace(".", "")) // 2 + 1
    elif kind == "BS":
        for blob in wire:
            size += len(blob)
    return size


def item_size(item: Item) -> int:
    """
    The item's size as DynamoDB counts it (attribute names plus values), in bytes.
    """
    size = 0
    for name, value in item.items():
        size += (len(name) if name.isascii() else len(name.encode("utf-8"))) + _av_size(value)
    return size


def _check_size(info: ModelInfo, obj: Any, item: Item) -> None:
    size = item_size(item)
    if size > ITEM_SIZE_LIMIT:
        raise InvalidValue(
            f"the item is {size} bytes; DynamoDB's limit is {ITEM_SIZE_LIMIT} (400 KB)",
            value=obj,
            model=info.model,
        )


def _check_index_updates(info: ModelInfo, obj: Any, key: Item, actions: Sequence[Action]) -> None:
    # What an UpdateItem writes to index keys: its key (a table key may key an index under a stricter limit) and
    # the literal values its SETs give them. SETs from another attribute or arithmetic on numbers cannot be checked
    # here, and need not be for numbers.
    index_keys = info.index_keys
    for dynamo_name, index_key in index_keys.items():
        av = key.get(dynamo_name)
        if av is not None:
            index_key.check(av, _state(obj).get(index_key.column.name))
    for action in actions:
        value = action.value
        if action.verb != "SET" or action.form not in ("", "if_not_exists") or not isinstance(value, _Value):
            continue
        path = action.operand._path  # pyright: ignore[reportPrivateUsage]
        target = index_keys.get(str(path[0])) if len(path) == 1 else None
        if target is not None:
            target.check(value.av, value.raw)


def _check_condition(info: ModelInfo, condition: Condition | None) -> None:
    if condition is not None and not isinstance(condition, Condition):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise InvalidExpression("condition= takes a Condition", value=condition, model=info.model)


def _both(a: Condition | None, b: Condition | None) -> Condition | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


@attrs.define(eq=False)
class Write:
    """
    One prepared write of one object.

    Attributes:
        obj, info, table: the object, its model info and its table's full name.
        kind: UpdateItem, PutItem, DeleteItem or ConditionCheck.
        body: the request (without ReturnValues options), also the body of a transaction entry.
        snapshot: the object's snapshot once the write succeeded (None: drop it; for checks: unused).
        condition: the caller's condition (the body may add existence or version checks to it).
        version: (column, expected stored value, value written) for versioned models, else None.
        exists_check: a create(): the key must not exist yet.
    """

    obj: Any
    info: ModelInfo
    table: str
    kind: Kind
    body: dict[str, Any]
    snapshot: Item | None = None
    condition: Condition | None = None
    version: tuple[Column[Any], int | None, int] | None = None
    exists_check: bool = False

    @property
    def key(self) -> Item:
        return self.info.key(self.obj)

    def succeeded(self) -> None:
        """
        Bring the object up to date after the write happened: new version, new snapshot (or none after a delete).
        """
        state = _state(self.obj)
        if self.kind == "ConditionCheck":
            return
        if self.version is not None and self.kind != "DeleteItem":
            column, _, written = self.version
            state[column.name] = written
        if self.kind == "DeleteItem":
            state.pop(SNAPSHOT, None)
        elif self.snapshot is not None:
            state[SNAPSHOT] = self.snapshot

    def failed(self, raw_item: Any, cause: BaseException | None = None) -> ConditionFailed:
        """
        The error for a failed condition, with the stored item (as DynamoDB returned it, raw) loaded: ItemExists
        for a create that found the key taken, VersionConflict when the stored version is not the expected one,
        else ConditionFailed.
        """
        info = self.info
        stored = info.load_item(cast("Item", raw_item)) if isinstance(raw_item, dict) and raw_item else None
        name = type(self.obj).__name__
        error: ConditionFailed
        if self.exists_check and stored is not None:
            error = ItemExists(
                f"{name}: an item with this key exists", obj=self.obj, item=stored, condition=self.condition
            )
        elif self.version is not None and _version_differs(self.version, stored):
            column, expected, _ = self.version
            found = None if stored is None else _state(stored).get(column.name)
            error = VersionConflict(
                f"{name}: stored {column.name} is {found!r}, the object expected {expected!r}",
                obj=self.obj,
                item=stored,
                condition=self.condition,
            )
        else:
            error = ConditionFailed(
                f"{name}: the condition did not hold", obj=self.obj, item=stored, condition=self.condition
            )
        error.__cause__ = cause
        return error


def _state(obj: object) -> dict[str, Any]:
    # The instance dict of a model object (columns, snapshot): attrs models are dict classes.
    state: dict[str, Any] = vars(obj)
    return state


def _version_differs(version: tuple[Column[Any], int | None, int], stored: Any) -> bool:
    column, expected, _ = version
    found = None if stored is None else _state(stored).get(column.name)
    return found != expected or (stored is None and expected is not None)


def _version(
    info: ModelInfo, obj: Any
) -> tuple[Condition | None, tuple[Column[Any], int | None, int] | None]:
    column = info.version
    if column is None:
        return None, None
    current = _state(obj).get(column.name)
    if current is not None and (isinstance(current, bool) or not isinstance(current, int)):
        raise InvalidValue("a version is an int", value=current, model=info.model, column=column.name)
    # A first write expects no version stored yet; later ones the version last loaded or saved.
    expected = column.not_exists() if current is None else column == current
    return expected, (column, current, (current or 0) + 1)


def _with_version(obj: Any, version: tuple[Column[Any], int | None, int] | None) -> Any:
    # What the object will look like once written: its version bumped (restored by the caller).
    if version is None:
        return None
    column, _, written = version
    state = _state(obj)
    previous = state.get(column.name)
    state[column.name] = written
    return previous


def save_write(info: ModelInfo, table: str, obj: Any, condition: Condition | None) -> Write | None:
    """
    The UpdateItem for ``save(obj)``: the diff against the object's snapshot; None when there is nothing to send
    (a loaded object, unchanged, with no condition).
    """
    key = info.key(obj)
    _check_condition(info, condition)
    version_condition, version = _version(info, obj)
    # One diff of the object as it will be stored (its version bumped); the bump alone is not a change to send.
    previous = _with_version(obj, version)
    try:
        actions, item = info.diff(obj)
    finally:
        if version is not None:
            _state(obj)[version[0].name] = previous
    changes = [a for a in actions if version is None or a.operand is not version[0]]
    if not changes and condition is None and SNAPSHOT in _state(obj):
        return None
    if info.index_keys:
        _check_index_updates(info, obj, key, actions)
    _check_size(info, obj, item)
    full = _both(condition, version_condition)
    body: dict[str, Any] = {
        "TableName": table,
        "Key": key,
        **compile_expressions(update=actions, condition=full),
    }
    return Write(obj, info, table, "UpdateItem", body, item, condition, version)


def put_write(
    info: ModelInfo, table: str, obj: Any, condition: Condition | None, *, exists_check: bool = False
) -> Write:
    """
    The PutItem for ``put(obj)`` (``create(obj)`` with `exists_check`): the whole item, replacing what is stored.
    """
    info.key(obj)
    _check_condition(info, condition)
    if LOADED in _state(obj):
        raise InvalidValue(
            "a partial object (loaded through a projection) cannot replace a whole item; use save()",
            value=obj,
            model=info.model,
        )
    version_condition, version = _version(info, obj)
    previous = _with_version(obj, version)
    try:
        item = info.dump_item(obj)
    finally:
        if version is not None:
            _state(obj)[version[0].name] = previous
    if info.index_keys:
        info.check_index_keys(item, obj)
    _check_size(info, obj, item)
    full = _both(condition, version_condition)
    if exists_check:
        assert info.hash_key is not None
        full = _both(info.hash_key.not_exists(), full)
    body: dict[str, Any] = {"TableName": table, "Item": item, **compile_expressions(condition=full)}
    return Write(obj, info, table, "PutItem", body, item, condition, version, exists_check)


def delete_write(info: ModelInfo, table: str, obj: Any, condition: Condition | None) -> Write:
    """
    The DeleteItem for ``delete(obj)``; a versioned object is deleted only at its version.
    """
    key = info.key(obj)
    _check_condition(info, condition)
    version_condition, version = _version(info, obj)
    full = _both(condition, version_condition)
    body: dict[str, Any] = {"TableName": table, "Key": key, **compile_expressions(condition=full)}
    return Write(obj, info, table, "DeleteItem", body, None, condition, version)


def check_actions(info: ModelInfo, actions: Sequence[Action]) -> None:
    """
    Refuse update actions on another model's columns or on key columns, and an empty update.
    """
    if not actions:
        raise InvalidExpression("an update needs at least one action", value=actions, model=info.model)
    for action in actions:
        operand = action.operand
        model = operand._model  # pyright: ignore[reportPrivateUsage]
        column = info.columns_by_dynamo.get(str(operand._path[0]))  # pyright: ignore[reportPrivateUsage]
        if model is not info.model or column is None:
            raise UnknownColumn(
                f"{action!r} is not an action on {info.model.__name__}", value=action, model=info.model
            )
        if column.hash_key or column.range_key:
            raise InvalidExpression(
                "key columns cannot be updated", value=action, model=info.model, column=column.name
            )
        if info.version is not None and column is info.version:
            raise InvalidExpression(
                "the version column is managed by adyn", value=action, model=info.model, column=column.name
            )


def update_write(
    info: ModelInfo, table: str, obj: Any, actions: Sequence[Action], condition: Condition | None
) -> Write:
    """
    The UpdateItem for ``update(obj, *actions)``; a versioned object also checks and increments its version.
    """
    key = info.key(obj)
    check_actions(info, actions)
    if info.index_keys:
        _check_index_updates(info, obj, key, actions)
    _check_condition(info, condition)
    version_condition, version = _version(info, obj)
    all_actions = list(actions)
    if version is not None:
        column, _, written = version
        all_actions.append(column.set(written))
    full = _both(condition, version_condition)
    body: dict[str, Any] = {
        "TableName": table,
        "Key": key,
        **compile_expressions(update=all_actions, condition=full),
    }
    return Write(obj, info, table, "UpdateItem", body, None, condition, version)


def check_write(info: ModelInfo, table: str, obj: Any, condition: Condition) -> Write:
    """
    A transaction's ConditionCheck on the object's key (a versioned object also checks its version).
    """
    key = info.key(obj)
    if condition is None:  # pyright: ignore[reportUnnecessaryComparison]
        raise InvalidExpression("check() needs a condition", value=obj, model=info.model)
    _check_condition(info, condition)
    version_condition, version = _version(info, obj)
    full = _both(condition, version_condition)
    assert full is not None
    body: dict[str, Any] = {"TableName": table, "Key": key, **compile_expressions(condition=full)}
    return Write(obj, info, table, "ConditionCheck", body, None, condition, version)
