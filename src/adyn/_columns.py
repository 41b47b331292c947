"""
Columns: the `Column[T]` descriptor a model class exposes, the `column()` field specifier, and type inference from
annotations.

A model's attribute is an attrs field whose class-level object is a :class:`Column`. `Column` is a non-data
descriptor: reading ``Post.views`` on the class returns the column (for expressions), while ``post.views`` on an
instance is found in the instance ``__dict__`` first, so reading it costs what reading a plain attribute costs.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import types as _pytypes
import typing
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

import attrs
from typing_extensions import Self

from . import types as t
from ._expressions import Operand
from .exceptions import InvalidModel

__all__ = ["Column", "ColumnSpec", "column", "infer_type"]

T = TypeVar("T")

_SPEC_KEY = "adyn"
_KEY_BACKING = frozenset({"S", "N", "B"})


@attrs.frozen
class ColumnSpec:
    """
    What `column()` was told, kept in the attrs field's metadata until the model class is built.
    """

    type: t.Type[Any] | None = None
    hash_key: bool = False
    range_key: bool = False
    name: str | None = None
    version: bool = False


def column(
    type: t.Type[Any] | type[t.Type[Any]] | None = None,  # the column's type reads best as `type`
    /,
    *,
    hash_key: bool = False,
    range_key: bool = False,
    name: str | None = None,
    version: bool = False,
    default: Any = attrs.NOTHING,
    factory: Callable[[], Any] | None = None,
    validator: Any = None,
    converter: Any = None,
    repr: bool = True,  # the attrs name
    eq: bool = True,
) -> Any:
    """
    Declare a column of a model or document (a PEP 681 field specifier, so type checkers see the `__init__`).

    Args:
        type: the adyn type (class or instance); inferred from the annotation when omitted.
        hash_key: this column is the table's partition key.
        range_key: this column is the table's sort key.
        name: the attribute's name on the wire (default: the Python name); short names save item size.
        version: this int column is the model's optimistic-locking version: every write checks the stored
            version still equals the object's and increments it (``VersionConflict`` when it does not).
        default: the value when none is given (and when a loaded item lacks the attribute).
        factory: a callable making the default, for mutable defaults (``factory=set``).
        validator: an attrs validator (or a list of them), run by ``__init__`` and on assignment.
        converter: an attrs converter, run by ``__init__`` and on assignment.
        repr: include the column in the model's repr.
        eq: include the column in the model's equality.

    Example::

        class Post(Model):
            id: Column[uuid.UUID] = column(hash_key=True)
            date: Column[pendulum.DateTime] = column(DateTime(timezone="US/Pacific"), name="d")
            views: Column[int] = column(name="v", default=0)
            tags: Column[set[str]] = column(factory=set)
    """
    # Checked at run time too: the annotation binds type checkers only, and column(int) is an easy mistake.
    if isinstance(type, builtins_type):
        if not issubclass(type, t.Type):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"column() takes an adyn type, not {type!r}")
        type = type()
    if type is not None and not isinstance(type, t.Type):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"column() takes an adyn type, not {type!r}")
    spec = ColumnSpec(type=type, hash_key=hash_key, range_key=range_key, name=name, version=version)
    if factory is not None:
        if default is not attrs.NOTHING:
            raise TypeError("column() takes a default or a factory, not both")
        default = attrs.Factory(factory)
    return attrs.field(
        default=default,
        validator=validator,
        converter=converter,
        repr=repr,
        eq=eq,
        metadata={_SPEC_KEY: spec},
    )


builtins_type = type


class Column(Operand[T]):
    """
    A column of a model class: ``Post.views``. Its comparison operators and methods build conditions and update
    actions (see :class:`~adyn.Operand`); on an instance, the attribute is the plain value.

    Attributes:
        name: the Python attribute name.
        dynamo_name: the attribute's name in DynamoDB.
        type: the adyn :class:`~adyn.types.Type`.
        model: the model (or document) class.
        hash_key / range_key: whether this is a key of the table.
    """

    __slots__ = ("dynamo_name", "hash_key", "model", "name", "range_key", "type")

    def __init__(
        self,
        *,
        name: str,
        dynamo_name: str,
        type: t.Type[T],
        model: Any,
        hash_key: bool = False,
        range_key: bool = False,
    ) -> None:
        self.name = name
        self.dynamo_name = dynamo_name
        self.type = type
        self.model = model
        self.hash_key = hash_key
        self.range_key = range_key

    @property
    def _model(self) -> Any:
        return self.model

    @property
    def _type(self) -> t.Type[Any]:
        return self.type

    @property
    def _path(self) -> tuple[str | int, ...]:
        return (self.dynamo_name,)

    @property
    def _label(self) -> str:
        return self.name

    @overload
    def __get__(self, obj: None, owner: Any = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: Any = None) -> T: ...

    def __get__(self, obj: object | None, owner: Any = None) -> Self | T:
        if obj is None:
            return self
        # Only reached when the instance has no value (never set, or deleted): the instance dict normally wins.
        raise AttributeError(f"{type(obj).__name__!r} object has no value for column {self.name!r}")

    if TYPE_CHECKING:
        # Declared for type checkers only: at run time the column stays a non-data descriptor, so instance reads
        # and writes go straight to the instance __dict__.
        def __set__(self, obj: object, value: T) -> None: ...

    def __repr__(self) -> str:
        model = getattr(self.model, "__name__", "?")
        wire = "" if self.dynamo_name == self.name else f" as {self.dynamo_name!r}"
        key = " hash_key" if self.hash_key else " range_key" if self.range_key else ""
        return f"<Column {model}.{self.name}: {self.type!r}{wire}{key}>"


# -- inference ----------------------------------------------------------------------------------------------------

_SCALARS: list[tuple[type, Callable[[], t.Type[Any]]]] = [
    (bool, t.Boolean),
    (str, t.String),
    (int, t.Integer),
    (float, t.Float),
    (decimal.Decimal, t.Number),
    (bytes, t.Binary),
    (uuid.UUID, t.UUID),
    (datetime.datetime, t.DateTime),
    (datetime.date, t.Date),
    (datetime.timedelta, t.Timedelta),
]


def infer_type(annotation: Any) -> t.Type[Any]:
    """
    The adyn type for an annotation: ``Column[int]`` → Integer, ``Column[set[str]]`` → Set(String),
    ``Column[Address | None]`` → Map(Address), ``Column[dict[str, Any]]`` → DynamicMap, and so on.

    Raises TypeError when there is no sensible type; the model builder turns that into InvalidModel.
    """
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Column:
        return infer_type(args[0]) if args else t.Dynamic()
    if origin is typing.Union or origin is _pytypes.UnionType:
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"cannot infer one type from {annotation!r}; pass it: column(SomeType())")
        return infer_type(rest[0])
    if annotation is Any:
        return t.Dynamic()
    if origin in (set, frozenset):
        return t.Set(infer_type(args[0])) if args else _fail(annotation)
    if origin in (list, tuple) or annotation in (list, tuple):
        element = args[0] if args else Any
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            _fail(annotation)
        return t.DynamicList() if element is Any else t.List(infer_type(element))
    if origin is dict or annotation is dict:
        if args and args[0] is not str:
            raise TypeError(f"DynamoDB map keys are strings, not {args[0]!r}")
        value = args[1] if args else Any
        return t.DynamicMap() if value is Any else t.Dict(infer_type(value))
    if isinstance(annotation, type):
        if hasattr(annotation, "__adyn__"):
            return t.Map(annotation)
        if issubclass(annotation, enum.Enum):
            return t.Enum(annotation)
        for python_type, adyn_type in _SCALARS:
            if issubclass(annotation, python_type):
                return adyn_type()
    return _fail(annotation)


def _fail(annotation: Any) -> t.Type[Any]:
    raise TypeError(f"no adyn type for {annotation!r}; pass one explicitly: column(SomeType())")


def is_key_type(type_: t.Type[Any]) -> bool:
    """
    Whether DynamoDB can key on this type (S, N or B).
    """
    return type_.backing_type in _KEY_BACKING


def spec_of(field: attrs.Attribute[Any]) -> ColumnSpec:
    """
    The ColumnSpec an attrs field carries (a default one for fields declared without `column()`).
    """
    spec = field.metadata.get(_SPEC_KEY)
    return spec if isinstance(spec, ColumnSpec) else ColumnSpec()


def resolve_annotation(
    model: type, name: str, annotation: Any, localns: dict[str, Any], owner: type | None = None
) -> Any:
    """
    Evaluate a string (postponed) annotation in the module of the class that declared it (`owner`, default the
    model) and the namespace the model's class statement ran in.
    """
    if not isinstance(annotation, str):
        return annotation
    import sys

    declaring = owner or model
    module = sys.modules.get(declaring.__module__)
    globalns = dict(vars(module)) if module else {}
    try:
        return eval(annotation, globalns, {**localns, model.__name__: model})  # annotation text
    except Exception as exc:
        raise InvalidModel(
            f"cannot resolve the annotation {annotation!r} ({exc}); pass the type: column(SomeType())",
            model=model,
            column=name,
        ) from None
