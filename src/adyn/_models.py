"""
Models and documents: attrs classes whose fields are columns, with a compiled item codec and change snapshots.

Defining ``class Post(Model)`` runs the metaclass once: it makes the class an attrs class (keyword-only
``__init__``, eq, repr, validators and converters), replaces every field's class attribute with a :class:`Column`,
infers column types from annotations, binds indexes, resolves ``Meta``, checks keys, and compiles one dump and one
load function for the class. Nothing per item introspects the class afterwards.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import attrs
from attr._make import Factory as _AttrsFactory  # attrs.Factory's class (its stub types it as a function)
from typing_extensions import Self, dataclass_transform

from . import types as t
from ._columns import Column, column, infer_type, is_key_type, resolve_annotation, spec_of
from ._expressions import Action, _Value, is_set_type  # pyright: ignore[reportPrivateUsage]
from ._indexes import GlobalSecondaryIndex, Index, LocalSecondaryIndex
from .exceptions import InvalidModel, InvalidStoredValue, InvalidValue, UnknownColumn

if TYPE_CHECKING:
    from ._wire import AttributeValue, Item

__all__ = ["Billing", "Document", "IndexKey", "Model", "ModelInfo"]

M = TypeVar("M")

#: Where an instance keeps the item it was last loaded from or saved as (its change-tracking snapshot).
SNAPSHOT = "_adyn_snapshot"
#: Where a partial object (loaded through a projection) keeps the backing names it was loaded with.
LOADED = "_adyn_loaded"

#: DynamoDB's table and index names: 3 to 255 of these characters.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,255}")
NAME_RULE = "3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'"
_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9_.-]{1,255}")

#: DynamoDB's limits on the size of one key value, in bytes (hash key, range key).
HASH_KEY_LIMIT = 2048
RANGE_KEY_LIMIT = 1024

_STREAM_VIEWS = {
    "keys": "KEYS_ONLY",
    "new": "NEW_IMAGE",
    "old": "OLD_IMAGE",
    "new_and_old": "NEW_AND_OLD_IMAGES",
}


@attrs.frozen
class Billing:
    """
    A table's billing: on demand (``Billing()``, the default) or provisioned (``Billing(read=5, write=5)``).
    """

    read: int | None = None
    write: int | None = None

    @property
    def mode(self) -> str:
        """
        ``"PAY_PER_REQUEST"`` or ``"PROVISIONED"``.
        """
        return "PAY_PER_REQUEST" if self.read is None else "PROVISIONED"


class ModelInfo:
    """
    Everything adyn knows about one model or document class, built once when the class is defined.
    ``Post.__adyn__`` is this object.

    Attributes:
        model: the class.
        is_document: True for a :class:`Document` (no table, no keys).
        abstract: True for an abstract model (a base or mixin: no table of its own).
        table_name: the table name before the engine's template (``Meta.table_name``, default the class name).
        columns: every column, in field order; `columns_by_name` / `columns_by_dynamo` index them.
        hash_key: the table's hash key column (None for documents and abstract models without one).
        range_key: the table's range key column, or None.
        version: the optimistic-locking version column, or None.
        indexes: the model's secondary indexes by Python name.
        index_keys: the columns keying a secondary index whose values `key()` does not already check as table
            keys, by backing name (empty for a model without indexes: its writes check nothing more).
        billing: the table's billing (``Meta.billing``).
        stream: the stream view type (a StreamViewType), or None.
        ttl: the TTL column, or None.
        init: a custom constructor for loaded objects, or None.
    """

    def __init__(self, model: type, is_document: bool) -> None:
        self.model = model
        self.is_document = is_document
        self.abstract = False
        self.table_name = model.__name__
        self.columns: tuple[Column[Any], ...] = ()
        self.columns_by_name: dict[str, Column[Any]] = {}
        self.columns_by_dynamo: dict[str, Column[Any]] = {}
        self.hash_key: Column[Any] | None = None
        self.range_key: Column[Any] | None = None
        self.version: Column[Any] | None = None
        self.indexes: dict[str, Index] = {}
        self.index_keys: dict[str, IndexKey] = {}
        self.billing = Billing()
        self.stream: str | None = None
        self.ttl: Column[Any] | None = None
        self.init: Callable[..., Any] | None = None
        self.dump_item: Callable[[Any], Item] = _unbuilt
        self.load_item: Callable[[Mapping[str, AttributeValue]], Any] = _unbuilt
        self.extra_meta: dict[str, Any] = {}

    @property
    def keys(self) -> tuple[Column[Any], ...]:
        """
        The table's key columns: (hash,) or (hash, range).
        """
        return tuple(c for c in (self.hash_key, self.range_key) if c is not None)

    # -- keys --

    def key(self, obj: Any) -> Item:
        """
        The item's key as DynamoDB wants it, ``{"id": {"S": "..."}}``; InvalidValue when a key value is missing.
        """
        values = obj.__dict__
        out: Item = {}
        for c in self.keys:
            value = values.get(c.name)
            if value is None:
                raise InvalidValue("missing key value", value=value, model=self.model, column=c.name)
            try:
                av = c.type.dump(value)
            except InvalidValue as exc:
                exc.locate(self.model, c.name)
                raise
            if av is None or av.get("S") == "" or av.get("B") == b"":
                raise InvalidValue("key values cannot be empty", value=value, model=self.model, column=c.name)
            _check_key_size(self.model, c, av, value)
            out[c.dynamo_name] = av
        return out

    def check_index_keys(self, item: Mapping[str, AttributeValue], obj: Any) -> None:
        """
        Refuse an item (`obj` dumped) whose value for an index key DynamoDB would reject: empty, over the key size
        limit, or not of the index's key type. An absent attribute is fine (the item is not in that index).
        """
        for dynamo_name, index_key in self.index_keys.items():
            av = item.get(dynamo_name)
            if av is None:
                continue
            # Inline, the test every usual value passes; anything else takes the full check, which names the fault.
            wire = av.get(index_key.kind)
            if wire is None or not 0 < len(wire) <= index_key.short or len(av) != 1:
                index_key.check(av, obj.__dict__.get(index_key.column.name))

    # -- change tracking --

    def diff(self, obj: Any) -> tuple[list[Action], Item]:
        """
        The update actions that bring the stored item to `obj`'s state, and `obj`'s dumped item.

        Against the snapshot of the item last loaded or saved: changed columns are SET, columns now None are
        REMOVEd, a set that only gained elements is an ADD and one that only lost some a DELETE (both merge with
        concurrent writers). An object with no snapshot (never loaded or saved) sets every value it holds and
        removes the columns it holds None for. Key columns are never part of the update. A partial object (loaded
        through a projection) only updates the columns it did not load when they were given a value.
        """
        values = obj.__dict__
        snapshot: Item | None = values.get(SNAPSHOT)
        loaded: frozenset[str] | None = values.get(LOADED)
        current = self.dump_item(obj)
        actions: list[Action] = []
        for c in self.columns:
            if c.hash_key or c.range_key:
                continue
            dn = c.dynamo_name
            new = current.get(dn)
            if loaded is not None and dn not in loaded:
                # Not loaded: whatever is stored is unknown, so only a value the caller set is written.
                if new is not None and new != self._missing_dump(c):
                    actions.append(Action("SET", c, _Value(new, values.get(c.name))))
                continue
            old = None if snapshot is None else snapshot.get(dn)
            if new == old and snapshot is not None:
                continue
            if new is None:
                if snapshot is None or old is not None:
                    actions.append(Action("REMOVE", c, None))
                continue
            value = values.get(c.name)
            if old is not None:
                try:
                    previous = c.type.load(old)
                except InvalidStoredValue:
                    previous = None
                if previous is not None and previous == value:
                    continue  # the same value, spelled differently on the wire (set order, "1.50" vs "1.5")
                if is_set_type(c.type) and isinstance(previous, (set, frozenset)):
                    added = value - previous
                    removed = previous - value
                    if added and not removed:
                        actions.append(Action("ADD", c, _Value(c.type.dump(added) or {}, added)))
                        continue
                    if removed and not added:
                        actions.append(Action("DELETE", c, _Value(c.type.dump(removed) or {}, removed)))
                        continue
            actions.append(Action("SET", c, _Value(new, value)))
        return actions, current

    def _missing_dump(self, column: Column[Any]) -> AttributeValue | None:
        # What a column holds when its attribute was not loaded (its default), dumped; computed once per column.
        cache: dict[str, AttributeValue | None] = self.__dict__.setdefault("_missing_dumps", {})
        if column.name not in cache:
            value = self.load_item({}).__dict__.get(column.name)
            cache[column.name] = None if value is None else column.type.dump(value)
        return cache[column.name]

    # -- plain and JSON forms --

    def to_dict(self, obj: Any, *, json: bool = False) -> dict[str, Any]:
        values = obj.__dict__
        out: dict[str, Any] = {}
        for c in self.columns:
            value = values.get(c.name)
            if value is None:
                out[c.name] = None
                continue
            try:
                out[c.name] = c.type.to_json(value) if json else c.type.to_plain(value)
            except InvalidValue as exc:
                exc.locate(self.model, c.name)
                raise
        return out

    def from_dict(self, data: Mapping[str, Any], *, json: bool = False) -> Any:
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            c = self.columns_by_name.get(name)
            if c is None:
                raise UnknownColumn("not a column", value=name, model=self.model, column=name)
            if value is None:
                kwargs[name] = None
                continue
            try:
                kwargs[name] = c.type.from_json(value) if json else c.type.from_plain(value)
            except (ValueError, TypeError) as exc:
                if isinstance(exc, InvalidValue):
                    exc.locate(self.model, name)
                    raise
                raise InvalidValue(
                    f"cannot convert: {exc}", value=value, model=self.model, column=name
                ) from exc
        return self.model(**kwargs)

    def __repr__(self) -> str:
        return f"<ModelInfo {self.model.__name__}>"


@attrs.frozen(eq=False)  # a Column's == builds a condition: never compare them
class IndexKey:
    """
    A column keying a secondary index, with what DynamoDB requires of its values there.

    Attributes:
        column: the column.
        limit: the size limit of its values in bytes (the strictest of the keys it is: hash 2048, range 1024).
        role: which key it is, for messages: ``"the range key of index by_title"``.
        kind: its DynamoDB type, ``S``, ``N`` or ``B`` (the column's backing type).
        short: a wire value's length (characters or bytes) up to which it surely fits the limit.
    """

    column: Column[Any]
    limit: int
    role: str
    kind: str
    short: int

    @classmethod
    def of(cls, column: Column[Any], limit: int, role: str) -> IndexKey:
        """
        The IndexKey of `column` under `limit`.
        """
        kind = column.type.backing_type
        # Numbers always fit; a character takes at most 4 bytes in UTF-8.
        short = {"N": sys.maxsize, "S": limit // 4}.get(kind, limit)
        return cls(column, limit, role, kind, short)

    def check(self, av: AttributeValue, value: Any) -> None:
        """
        Raise InvalidValue (naming model, column and `value`) if DynamoDB would refuse `av` as this index key.
        """
        column = self.column
        backing = self.kind
        wire = av.get(backing)
        if wire is None or len(av) != 1:
            raise InvalidValue(
                f"{self.role} takes DynamoDB {backing} values, not {'/'.join(av) or 'nothing'}",
                value=value,
                model=column.model,
                column=column.name,
            )
        if backing == "N":
            return  # a number is never empty, and 38 digits always fit
        if not wire:
            raise InvalidValue(
                f"{self.role} cannot be empty (DynamoDB refuses empty index key values)",
                value=value,
                model=column.model,
                column=column.name,
            )
        size = _oversize(av, self.limit)
        if size:
            raise InvalidValue(
                f"the value is {size} bytes; DynamoDB's limit for {self.role} is {self.limit}",
                value=value,
                model=column.model,
                column=column.name,
            )


def _oversize(av: AttributeValue, limit: int) -> int:
    # The size in bytes of a key value over `limit`, else 0.
    wire = av.get("S")
    if wire is not None:
        if len(wire) * 4 <= limit:  # at most 4 bytes a character: surely short enough, without encoding it
            return 0
        size = len(wire.encode("utf-8"))
    else:
        wire = av.get("B")
        size = len(wire) if isinstance(wire, (bytes, bytearray)) else 0  # numbers: 38 digits always fit
    return size if size > limit else 0


def _check_key_size(model: type, column: Column[Any], av: AttributeValue, value: Any) -> None:
    limit = HASH_KEY_LIMIT if column.hash_key else RANGE_KEY_LIMIT
    size = _oversize(av, limit)
    if size:
        role = "hash" if column.hash_key else "range"
        raise InvalidValue(
            f"the {role} key value is {size} bytes; DynamoDB's limit is {limit}",
            value=value,
            model=model,
            column=column.name,
        )


def _unbuilt(_: Any) -> Any:  # pragma: no cover - replaced before any class is usable
    raise RuntimeError("model class is not built")


# -- the metaclass ------------------------------------------------------------------------------------------------


@dataclass_transform(kw_only_default=True, field_specifiers=(column, attrs.field))
class _ModelMeta(type):
    """
    Builds model and document classes (see the module docstring).
    """

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _ModelMeta:
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        if namespace.get("_adyn_root_"):
            return cls
        # The namespace the class statement ran in, to resolve annotations naming local classes.
        caller = sys._getframe(1).f_locals  # pyright: ignore[reportPrivateUsage]
        _build(cls, caller)
        return cls


def _build(cls: type, localns: dict[str, Any]) -> None:
    is_document = not issubclass(cls, Model)
    info = ModelInfo(cls, is_document)
    meta = cls.__dict__.get("Meta")
    info.abstract = bool(getattr(meta, "abstract", False)) if meta is not None else False

    attrs.define(cls, slots=False, kw_only=True, eq=True, order=False, repr=True)

    # Columns: one descriptor per field on every class, so each knows its own model.
    annotations: dict[str, Any] = {}
    owners: dict[str, type] = {}
    for klass in reversed(cls.__mro__):
        # Each class's own annotations, unevaluated (inspect.get_annotations() would evaluate them on 3.14).
        own: dict[str, Any] = klass.__dict__.get("__annotations__", {})  # noqa: RUF063
        annotations.update(own)
        owners.update(dict.fromkeys(own, klass))
    columns: list[Column[Any]] = []
    versions: list[str] = []
    for field in attrs.fields(cls):
        spec = spec_of(field)
        type_ = spec.type
        owner = owners.get(field.name, cls)
        inherited: ModelInfo | None = owner.__dict__.get("__adyn__") if owner is not cls else None
        if type_ is None and inherited is not None and field.name in inherited.columns_by_name:
            # Declared by a base already built: its annotation may only resolve in the base's own module.
            type_ = inherited.columns_by_name[field.name].type
        if type_ is None:
            annotation = annotations.get(field.name, field.type)
            annotation = resolve_annotation(
                cls, field.name, annotation, localns if owner is cls else {}, owner
            )
            try:
                type_ = infer_type(annotation)
            except TypeError as exc:
                raise InvalidModel(str(exc), model=cls, column=field.name) from None
        if spec.version:
            if spec.hash_key or spec.range_key:
                raise InvalidModel("a key column cannot be the version", model=cls, column=field.name)
            if type(type_) is not t.Integer:
                raise InvalidModel(
                    f"the version column must be an int, not {type_!r}", model=cls, column=field.name
                )
            if versions:
                raise InvalidModel(
                    f"two version columns: {versions[0]} and {field.name}", model=cls, column=field.name
                )
            versions.append(field.name)
        if spec.hash_key and spec.range_key:
            raise InvalidModel("a column cannot be both hash_key and range_key", model=cls, column=field.name)
        col: Column[Any] = Column(
            name=field.name,
            dynamo_name=spec.name or field.name,
            type=type_,
            model=cls,
            hash_key=spec.hash_key,
            range_key=spec.range_key,
        )
        setattr(cls, field.name, col)
        columns.append(col)
    info.columns = tuple(columns)
    info.columns_by_name = {c.name: c for c in columns}
    info.version = info.columns_by_name[versions[0]] if versions else None
    for c in columns:
        other = info.columns_by_dynamo.setdefault(c.dynamo_name, c)
        if other is not c:
            raise InvalidModel(
                f"backing name {c.dynamo_name!r} is also used by {other.name}", model=cls, column=c.name
            )

    _resolve_keys(info)
    _resolve_meta(info, meta)
    _resolve_indexes(info)
    info.dump_item = _compile_dump(info)
    info.load_item = _compile_load(info)
    cls.__adyn__ = info  # type: ignore[attr-defined]


def _resolve_keys(info: ModelInfo) -> None:
    cls = info.model
    hashes = [c for c in info.columns if c.hash_key]
    ranges = [c for c in info.columns if c.range_key]
    if info.is_document and (hashes or ranges):
        raise InvalidModel(
            "a Document has no table keys; use Model", model=cls, column=(hashes + ranges)[0].name
        )
    if len(hashes) > 1:
        raise InvalidModel(
            f"two hash keys: {hashes[0].name} and {hashes[1].name}", model=cls, column=hashes[1].name
        )
    if len(ranges) > 1:
        raise InvalidModel(
            f"two range keys: {ranges[0].name} and {ranges[1].name}", model=cls, column=ranges[1].name
        )
    if not info.is_document and not info.abstract and not hashes:
        raise InvalidModel("a model needs a hash key: column(hash_key=True)", model=cls)
    for c in hashes + ranges:
        if not is_key_type(c.type):
            raise InvalidModel(
                f"key columns must be of a string, number or binary type, not {c.type!r}",
                model=cls,
                column=c.name,
            )
    info.hash_key = hashes[0] if hashes else None
    info.range_key = ranges[0] if ranges else None
    if info.range_key is not None and info.hash_key is None:
        raise InvalidModel("a range key needs a hash key", model=cls, column=info.range_key.name)


_INHERITED_META = ("billing", "stream", "ttl", "init")
_KNOWN_META = frozenset({"table_name", "abstract", *_INHERITED_META})


def _resolve_meta(info: ModelInfo, meta: Any) -> None:
    cls = info.model
    parent: ModelInfo | None = next(
        (b.__dict__["__adyn__"] for b in cls.__mro__[1:] if "__adyn__" in b.__dict__), None
    )
    own: dict[str, Any] = {}
    if meta is not None:
        own = {k: v for k, v in cast("Mapping[str, Any]", vars(meta)).items() if not k.startswith("__")}
    if info.is_document:
        unknown = set(own) - {"init"}
        if unknown:
            raise InvalidModel(f"a Document's Meta takes only init, not {sorted(unknown)}", model=cls)
    info.extra_meta = {k: v for k, v in own.items() if k not in _KNOWN_META}
    if "table_name" in own:
        if not isinstance(own["table_name"], str) or not own["table_name"]:
            raise InvalidModel("Meta.table_name must be a non-empty str", model=cls)
        # The engine's template may lengthen the name (a prefix), but never fixes its characters.
        if not _NAME_CHARACTERS.fullmatch(own["table_name"]):
            raise InvalidModel(
                f"Meta.table_name {own['table_name']!r:.300} is not a DynamoDB table name: {NAME_RULE}",
                model=cls,
            )
        info.table_name = own["table_name"]

    def pick(key: str, default: Any) -> Any:
        if key in own:
            return own[key]
        return getattr(parent, key) if parent is not None else default

    billing = pick("billing", Billing())
    if billing == "on_demand" or billing is None:
        billing = Billing()
    elif isinstance(billing, Mapping):
        billing = Billing(read=billing.get("read"), write=billing.get("write"))  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
    if not isinstance(billing, Billing) or (billing.read is None) != (billing.write is None):
        raise InvalidModel('Meta.billing is "on_demand" or {"read": R, "write": W}', model=cls)
    info.billing = billing

    stream = pick("stream", None)
    if isinstance(stream, str) and stream in _STREAM_VIEWS:
        stream = _STREAM_VIEWS[stream]
    if stream is not None and stream not in _STREAM_VIEWS.values():
        raise InvalidModel(f"Meta.stream is None or one of {sorted(_STREAM_VIEWS)}", model=cls)
    info.stream = stream

    ttl = pick("ttl", None)
    if isinstance(ttl, Column):
        ttl = ttl.name
    if ttl is not None:
        ttl_column = info.columns_by_name.get(ttl)
        if ttl_column is None:
            raise InvalidModel(f"Meta.ttl names {ttl!r}, which is not a column", model=cls)
        if not isinstance(ttl_column.type, t.Timestamp):
            raise InvalidModel("the TTL column must be a Timestamp (epoch seconds)", model=cls, column=ttl)
        info.ttl = ttl_column

    init = pick("init", None)
    if init is not None and not callable(init):
        raise InvalidModel("Meta.init must be callable", model=cls)
    info.init = init


def _resolve_indexes(info: ModelInfo) -> None:
    cls = info.model
    declared: dict[str, Index] = {}
    for klass in reversed(cls.__mro__):
        for name, value in klass.__dict__.items():
            if isinstance(value, Index):
                declared[name] = value
            elif name in declared:
                del declared[name]  # a subclass replaced the index with something else
    if declared and info.is_document:
        raise InvalidModel("a Document cannot have indexes", model=cls)
    for name, index in declared.items():
        if info.hash_key is None:
            if info.abstract:
                continue  # bound when a concrete subclass supplies the keys
            raise InvalidModel(f"index {name} needs a table hash key", model=cls)
        bound = index.bind(cls, info.columns_by_name, info.keys)
        setattr(cls, name, bound)
        info.indexes[name] = bound
    for index in info.indexes.values():
        if not NAME_PATTERN.fullmatch(index.dynamo_name):
            raise InvalidModel(
                f"index {index.name}: {index.dynamo_name!r:.300} is not a DynamoDB index name: {NAME_RULE}",
                model=cls,
            )
    names = [i.dynamo_name for i in info.indexes.values()]
    if len(set(names)) != len(names):
        raise InvalidModel(f"two indexes share a name: {sorted(names)}", model=cls)
    info.index_keys = _index_keys(info)
    if sum(isinstance(i, LocalSecondaryIndex) for i in info.indexes.values()) > 5:
        raise InvalidModel("DynamoDB allows at most 5 local secondary indexes", model=cls)
    if sum(isinstance(i, GlobalSecondaryIndex) for i in info.indexes.values()) > 20:
        raise InvalidModel("DynamoDB allows at most 20 global secondary indexes", model=cls)


def _index_keys(info: ModelInfo) -> dict[str, IndexKey]:
    """
    The model's index key columns to check on writes, by backing name: each with the strictest limit of the keys it
    is. A table key column is left out unless an index makes it a range key while the table has it as hash key (its
    limit is then 1024 bytes, not 2048): `key()` already refuses its empty, oversize and mistyped values.
    """
    keys: dict[str, IndexKey] = {}
    for index in info.indexes.values():
        for key, limit, which in (
            (index.hash_key, HASH_KEY_LIMIT, "hash"),
            (index.range_key, RANGE_KEY_LIMIT, "range"),
        ):
            if key is None:
                continue
            if key.range_key or (key.hash_key and limit == HASH_KEY_LIMIT):
                continue
            current = keys.get(key.dynamo_name)
            if current is None or limit < current.limit:
                keys[key.dynamo_name] = IndexKey.of(key, limit, f"the {which} key of index {index.name}")
    return keys


# -- the compiled codec -------------------------------------------------------------------------------------------


def _compile(source: list[str], namespace: dict[str, Any], name: str, filename: str) -> Any:
    code = compile("\n".join(source) + "\n", filename, "exec")
    exec(code, namespace)  # source built above from column names held in constants
    return namespace[name]


# (test on v, expression) for exact built-in types whose dump is a dict literal; `v` is the attribute value.
_INLINE_DUMP: dict[type, tuple[str, str]] = {
    t.String: ("v.__class__ is str", '{"S": v}'),
    t.Integer: ("v.__class__ is int and -LIMIT < v < LIMIT", '{"N": str(v)}'),
    t.Boolean: ("v is True or v is False", '{"BOOL": v}'),
    t.Binary: ("v.__class__ is bytes", '{"B": v}'),
    # Finite floats well inside DynamoDB's range (NaN fails every comparison and takes the checked path).
    t.Float: (
        "v.__class__ is float and (-1e120 < v < -1e-120 or 1e-120 < v < 1e120 or v == 0.0)",
        '{"N": repr(v)}',
    ),
}
# Expressions loading the plain wire form of exact built-in types from `av`.
_INLINE_LOAD: dict[type, str] = {
    t.String: 'av["S"]',
    t.Integer: 'int(av["N"])',
    t.Float: 'float(av["N"])',
}
# What an inline load may raise on a value not in the plain form: the type's own load then runs and reports it.
_INLINE_ERRORS = (KeyError, TypeError, ValueError, ArithmeticError, InvalidStoredValue)


def _inline_load(column_type: t.Type[Any], i: int, ns: dict[str, Any]) -> str | None:
    """
    An expression loading `column_type`'s plain wire form from ``av`` inside the compiled ``load_item`` (any names
    it uses go into `ns`), or None when only the type's own ``load`` will do.
    """
    kind = type(column_type)
    expression = _INLINE_LOAD.get(kind)
    if expression is not None:
        return expression
    # Containers of plain strings and integers: the same comprehensions their types run, without the calls.
    if isinstance(column_type, (t.Set, t.Dict)) and kind in (t.Set, t.Dict) and column_type._strings:  # pyright: ignore[reportPrivateUsage]
        return 'set(av["SS"])' if kind is t.Set else '{k: v["S"] for k, v in av["M"].items()}'
    if isinstance(column_type, t.List) and kind is t.List and column_type._kind:  # pyright: ignore[reportPrivateUsage]
        return '[v["S"] for v in av["L"]]' if column_type._kind == "S" else '[int(v["N"]) for v in av["L"]]'  # pyright: ignore[reportPrivateUsage]
    if kind.load is t.Type.load:
        # The type's dynamo_load straight on the wire value: Type.load's own layer (lookup, wrapping) is skipped.
        ns[f"dynamo_load{i}"] = column_type.dynamo_load
        return f"dynamo_load{i}(av[{column_type.backing_type!r}])"
    if kind is t.Binary:
        ns["b64"] = t._b64  # pyright: ignore[reportPrivateUsage]
        return 'b64(av["B"])'
    return None


def _compile_dump(info: ModelInfo) -> Callable[[Any], Item]:
    """
    Build ``dump_item(obj) -> item`` for the class: one straight-line block per column, no loops, no lookups of
    field metadata. A column holding None is left out; a bad value raises InvalidValue naming model and column.
    """
    ns: dict[str, Any] = {"InvalidValue": InvalidValue, "model": info.model, "LIMIT": 10**38}
    src = ["def dump_item(obj):", "    d = obj.__dict__", "    item = {}"]
    for i, c in enumerate(info.columns):
        ns[f"dump{i}"] = c.type.dump
        ns[f"name{i}"] = c.name
        ns[f"wire{i}"] = c.dynamo_name
        src += [f"    v = d.get(name{i})"]
        inline = _INLINE_DUMP.get(type(c.type))
        if inline is not None:
            # The common exact types are written inline; anything unusual takes the type's own dump.
            test, expression = inline
            src += [f"    if {test}:", f"        item[wire{i}] = {expression}", "    elif v is not None:"]
        else:
            src += ["    if v is not None:"]
        src += [
            "        try:",
            f"            av = dump{i}(v)",
            "        except InvalidValue as e:",
            f"            e.locate(model, name{i})",
            "            raise",
            "        if av is not None:",
            f"            item[wire{i}] = av",
        ]
    src.append("    return item")
    return _compile(src, ns, "dump_item", f"<adyn dump {info.model.__qualname__}>")  # type: ignore[no-any-return]


def _compile_load(info: ModelInfo) -> Callable[[Mapping[str, AttributeValue]], Any]:
    """
    Build ``load_item(item) -> obj``: the object is made without running ``__init__`` (or by ``Meta.init``), each
    column loaded from its backing name; an absent attribute takes the column's default, else the type's empty
    value (None, or an empty set). The item itself becomes the object's snapshot.
    """
    cls = info.model
    custom = info.init
    ns: dict[str, Any] = {
        "InvalidStoredValue": InvalidStoredValue,
        "ERRORS": _INLINE_ERRORS,
        "model": cls,
        "new": object.__new__,
        "init": custom,
        "SNAPSHOT": SNAPSHOT,
    }
    src = ["def load_item(item):"]
    src += ["    d = {}"] if custom else ["    obj = new(model)", "    d = obj.__dict__"]
    for i, (c, field) in enumerate(zip(info.columns, attrs.fields(cls), strict=False)):
        ns[f"load{i}"] = c.type.load
        ns[f"name{i}"] = c.name
        ns[f"wire{i}"] = c.dynamo_name
        default = field.default
        if isinstance(default, _AttrsFactory):
            if default.takes_self:
                missing = f"missing{i}(obj)" if not custom else f"missing{i}(None)"
            else:
                missing = f"missing{i}()"
            ns[f"missing{i}"] = default.factory  # pyright: ignore[reportUnknownMemberType]
        elif default is not attrs.NOTHING:
            ns[f"missing{i}"] = default
            missing = f"missing{i}"
        else:
            ns[f"missing{i}"] = c.type.load_missing
            missing = f"missing{i}()"
        src += [
            f"    av = item.get(wire{i})",
            "    if av is None:",
            f"        d[name{i}] = {missing}",
            "    else:",
        ]
        inline = _inline_load(c.type, i, ns)
        if inline is not None:
            # Try the plain wire form inline; the type's own load handles (and reports) anything else.
            src += [
                "        try:",
                f"            d[name{i}] = {inline}",
                "        except ERRORS:",
            ]
        else:
            src += ["        if True:"]
        src += [
            "            try:",
            f"                d[name{i}] = load{i}(av)",
            "            except InvalidStoredValue as e:",
            f"                e.locate(model, name{i})",
            "                raise",
        ]
    if custom:
        src += ["    obj = init(**d)", "    obj.__dict__[SNAPSHOT] = item"]
    else:
        src += ["    d[SNAPSHOT] = item"]
    src.append("    return obj")
    return _compile(src, ns, "load_item", f"<adyn load {cls.__qualname__}>")  # type: ignore[no-any-return]


# -- the public bases ---------------------------------------------------------------------------------------------


class Document(metaclass=_ModelMeta):
    """
    The base of typed documents: attrs classes of columns stored as a DynamoDB map inside a model's column
    (``address: Column[Address] = column()``), with no table and no keys.
    """

    _adyn_root_: ClassVar[bool] = True
    __adyn__: ClassVar[ModelInfo]

    def to_dict(self, *, json: bool = False) -> dict[str, Any]:
        """
        The object as a dict of Python column names to values: plain Python by default (nested documents become
        dicts), or JSON-safe with ``json=True`` (UUIDs, dates and Decimals as strings, bytes as base64, sets as
        sorted lists).
        """
        return type(self).__adyn__.to_dict(self, json=json)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, json: bool = False) -> Self:
        """
        Build an object from what `to_dict` returns (``json=True`` for its JSON-safe form), through ``__init__``, so
        defaults, validators and converters apply.
        """
        return cls.__adyn__.from_dict(data, json=json)  # type: ignore[no-any-return]


class Model(Document):
    """
    The base of models: attrs classes of columns stored as items of a DynamoDB table.

    ::

        class Post(Model):
            class Meta:
                table_name = "posts"
            id: Column[uuid.UUID] = column(hash_key=True)
            views: Column[int] = column(name="v", default=0)
            by_user = GlobalSecondaryIndex(hash_key="user")

    ``Meta`` may set `table_name` (default: the class name), `abstract` (a base class without a table),
    `billing` (``"on_demand"``, the default, or ``{"read": R, "write": W}``), `stream` (``"keys"``, ``"new"``,
    ``"old"`` or ``"new_and_old"``), `ttl` (the name of a Timestamp column) and `init` (a callable taking the
    column values as keyword arguments, used instead of the default construction when loading). `billing`,
    `stream`, `ttl` and `init` are inherited by subclasses.
    """

    _adyn_root_: ClassVar[bool] = True
