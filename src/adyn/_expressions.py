"""
The pure expression compiler: conditions, key conditions, projections and update actions, rendered into the
expression fragments of a DynamoDB request.

Nothing here does I/O or knows the engine: the same input always renders the same dict. Every attribute name goes
through a ``#nK`` placeholder and every value through a ``:vK`` placeholder, so no user name or value is ever
interpolated into expression text, and reserved words or names holding ``.``, ``#``, ``:`` or ``[`` are safe.

Columns and document paths are :class:`Operand` objects. Comparing one builds a :class:`Condition`; calling an
update method builds an :class:`Action`. Values are dumped with the operand's type when the condition is built, so a
bad value raises :class:`~adyn.exceptions.InvalidValue` at once, naming the model and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeGuard, TypeVar, cast, overload

from . import types as t
from .exceptions import InvalidCondition, InvalidExpression, InvalidKeyCondition, InvalidValue, UnknownColumn

if TYPE_CHECKING:
    from ._wire import AttributeValue, ExpressionFragments

__all__ = [
    "Action",
    "Condition",
    "Operand",
    "Path",
    "Size",
    "check_key_condition",
    "compile_expressions",
    "hash_first",
]

T = TypeVar("T")

_ORDERED = frozenset({"S", "N", "B"})
_BEGINS = frozenset({"S", "B"})
_NUMBER = frozenset({"N"})
_CONTAINS = frozenset({"S", "SS", "NS", "BS", "L", ""})
_ATTRIBUTE_TYPES = frozenset({"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"})


# isinstance() narrowing leaves a generic type's parameter unknown (to pyright); these narrow to the Any form.
def is_list_type(type_: t.Type[Any]) -> TypeGuard[t.List[Any]]:
    return isinstance(type_, t.List)


def is_set_type(type_: t.Type[Any]) -> TypeGuard[t.Set[Any]]:
    return isinstance(type_, t.Set)


def is_dict_type(type_: t.Type[Any]) -> TypeGuard[t.Dict[Any]]:
    return isinstance(type_, t.Dict)


class Renderer:
    """
    Hands out the placeholders for one request: one ``#nK`` per distinct name, one ``:vK`` per value.
    """

    __slots__ = ("names", "values")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValue] = {}

    def name(self, name: str) -> str:
        ref = self.names.get(name)
        if ref is None:
            ref = self.names[name] = f"#n{len(self.names)}"
        return ref

    def value(self, value: AttributeValue) -> str:
        ref = f":v{len(self.values)}"
        self.values[ref] = value
        return ref

    def path(self, path: Sequence[str | int]) -> str:
        parts: list[str] = []
        for element in path:
            if isinstance(element, int):
                parts.append(f"[{element}]")
            else:
                parts.append(("." if parts else "") + self.name(element))
        return "".join(parts)


# -- operands -----------------------------------------------------------------------------------------------------


class Operand(Generic[T]):
    """
    Something a condition or an update can name: a column (``Post.views``) or a path into a document
    (``Post.meta["a"]["b"]``, ``Post.tags[0]``).

    Comparison operators and the methods below build conditions; `set`, `remove`, `add`, ... build update actions.
    """

    __slots__ = ()

    # Subclasses provide these three.
    @property
    def _model(self) -> Any:
        raise NotImplementedError

    @property
    def _type(self) -> t.Type[Any]:
        raise NotImplementedError

    @property
    def _path(self) -> tuple[str | int, ...]:
        raise NotImplementedError

    @property
    def _label(self) -> str:
        raise NotImplementedError

    # -- helpers --

    def _error(self, cls: type[InvalidExpression], reason: str, value: Any) -> InvalidExpression:
        return cls(reason, value=value, model=self._model, column=self._label)

    def _dump(self, value: Any, type_: t.Type[Any] | None = None) -> AttributeValue:
        try:
            av = (type_ or self._type).dump(value)
        except InvalidValue as exc:
            exc.locate(self._model, self._label)
            raise
        if av is None:
            raise self._error(InvalidCondition, "an empty set cannot be used in an expression", value)
        return av

    def _term(self, value: Any) -> _Term:
        if isinstance(value, (Operand, Size)):
            return value  # pyright: ignore[reportUnknownVariableType]
        return _Value(self._dump(value), value)

    def _backing(self) -> str:
        return self._type.backing_type

    def _supports(self, backings: frozenset[str], *values: Any) -> bool:
        # Whether the operand's DynamoDB type is one of `backings`. An untyped document path (Dynamic, backing "")
        # can hold anything, so there the values decide: ``Post.meta["n"] > 3`` compares numbers.
        backing = self._backing()
        if backing:
            return backing in backings
        return all(isinstance(v, (Operand, Size)) or next(iter(self._dump(v))) in backings for v in values)

    def _render(self, r: Renderer) -> str:
        return r.path(self._path)

    def _debug(self) -> str:
        model = self._model
        return f"{model.__name__}.{self._label}" if model is not None else self._label

    # -- document paths --

    def __getitem__(self, key: str | int) -> Path[Any]:
        """
        A path into this document: ``Post.meta["a"]`` (a map key or, for typed documents, a column's Python name),
        ``Post.scores[0]`` (a list position).
        """
        type_ = self._type
        child: t.Type[Any]
        if isinstance(key, int) and not isinstance(key, bool):
            if key < 0:
                raise self._error(InvalidExpression, "list positions cannot be negative", key)
            if is_list_type(type_):
                child = type_.element
            elif isinstance(type_, t.DynamicList) or type(type_) is t.Dynamic:
                child = t.Dynamic()
            else:
                raise self._error(InvalidExpression, f"cannot index into {type_!r} by position", key)
            return Path(self, key, key, child)
        if not isinstance(key, str):
            raise self._error(
                InvalidExpression, "a path element is a str (map key) or an int (list position)", key
            )
        if isinstance(type_, t.Map):
            info: Any = type_._info  # pyright: ignore[reportPrivateUsage]
            column = info.columns_by_name.get(key)
            if column is None:
                raise self._error(UnknownColumn, f"{type_.document.__name__} has no column {key!r}", key)
            return Path(self, column.dynamo_name, key, column.type)
        if is_dict_type(type_):
            return Path(self, key, key, type_.value_type)
        if isinstance(type_, t.DynamicMap) or type(type_) is t.Dynamic:
            return Path(self, key, key, t.Dynamic())
        raise self._error(InvalidExpression, f"cannot index into {type_!r} by key", key)

    # -- conditions --

    def _compare(self, op: str, value: Any) -> Condition:
        if value is None:
            if op == "=":
                return AttributeExists(self, False)
            if op == "<>":
                return AttributeExists(self, True)
            raise self._error(InvalidCondition, f"cannot compare {op} None", value)
        if op not in ("=", "<>") and not self._supports(_ORDERED, value):
            raise self._error(InvalidCondition, f"{self._type!r} does not support {op}", value)
        return Comparison(self, op, self._term(value))

    def __eq__(self, other: T | Operand[Any] | None) -> Condition:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._compare("=", other)

    def __ne__(self, other: T | Operand[Any] | None) -> Condition:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._compare("<>", other)

    def __lt__(self, other: T | Operand[Any]) -> Condition:
        return self._compare("<", other)

    def __le__(self, other: T | Operand[Any]) -> Condition:
        return self._compare("<=", other)

    def __gt__(self, other: T | Operand[Any]) -> Condition:
        return self._compare(">", other)

    def __ge__(self, other: T | Operand[Any]) -> Condition:
        return self._compare(">=", other)

    __hash__ = object.__hash__  # __eq__ builds conditions; identity stays the hash

    def is_(self, value: T | None) -> Condition:
        """
        ``== value``; ``is_(None)`` is ``attribute_not_exists``.
        """
        return self._compare("=", value)

    def is_not(self, value: T | None) -> Condition:
        """
        ``<> value``; ``is_not(None)`` is ``attribute_exists``.
        """
        return self._compare("<>", value)

    def exists(self) -> Condition:
        """
        ``attribute_exists(path)``.
        """
        return AttributeExists(self, True)

    def not_exists(self) -> Condition:
        """
        ``attribute_not_exists(path)``.
        """
        return AttributeExists(self, False)

    def between(self, low: T | Operand[Any], high: T | Operand[Any]) -> Condition:
        """
        ``path BETWEEN low AND high`` (inclusive).
        """
        if low is None or high is None:
            raise self._error(InvalidCondition, "between() bounds cannot be None", (low, high))
        if not self._supports(_ORDERED, low, high):
            raise self._error(InvalidCondition, f"{self._type!r} does not support between", (low, high))
        return Between(self, self._term(low), self._term(high))

    @overload
    def in_(self, values: Sequence[T] | AbstractSet[T], /) -> Condition: ...

    @overload
    def in_(self, *values: T) -> Condition: ...

    def in_(self, *values: T | Sequence[T] | AbstractSet[T]) -> Condition:
        """
        ``path IN (v1, v2, ...)``: 1 to 100 values, given one by one or as one list, tuple or set.
        """
        if (
            len(values) == 1
            and isinstance(values[0], (list, tuple, set, frozenset))
            and self._backing() != "L"
        ):
            values = tuple(cast("Iterable[T]", values[0]))
        if not 1 <= len(values) <= 100:
            raise self._error(InvalidCondition, "in_() takes 1 to 100 values", values)
        if any(v is None for v in values):
            raise self._error(InvalidCondition, "in_() values cannot be None", values)
        return In(self, [self._term(v) for v in values])

    def begins_with(self, prefix: Any) -> Condition:
        """
        ``begins_with(path, prefix)`` on strings and binaries.
        """
        if prefix is None:
            raise self._error(InvalidCondition, "begins_with() needs a prefix", prefix)
        if not self._supports(_BEGINS, prefix):
            raise self._error(InvalidCondition, f"{self._type!r} does not support begins_with", prefix)
        type_ = t.String() if self._backing() == "S" and isinstance(prefix, str) else None
        return BeginsWith(self, _Value(self._dump(prefix, type_), prefix))

    def contains(self, value: Any) -> Condition:
        """
        ``contains(path, value)``: a substring of a string, an element of a set or a list.
        """
        backing = self._backing()
        type_ = self._type
        element: t.Type[Any]
        if backing not in _CONTAINS:
            raise self._error(InvalidCondition, f"{type_!r} does not support contains", value)
        if value is None:
            raise self._error(InvalidCondition, "contains() needs a value", value)
        if is_set_type(type_) or is_list_type(type_):
            element = type_.element
        elif backing == "S":
            element = t.String() if isinstance(value, str) else type_
        else:
            element = t.Dynamic()
        return Contains(self, _Value(self._dump(value, element), value))

    def attribute_type(self, dynamo_type: str) -> Condition:
        """
        ``attribute_type(path, :type)``: the stored value is of DynamoDB type `dynamo_type` (``"S"``, ``"N"``, ...).
        """
        if dynamo_type not in _ATTRIBUTE_TYPES:
            raise self._error(
                InvalidCondition, f"not a DynamoDB type; one of {sorted(_ATTRIBUTE_TYPES)}", dynamo_type
            )
        return AttributeType(self, dynamo_type)

    def size(self) -> Size:
        """
        ``size(path)``, to compare: ``Post.tags.size() > 3``.
        """
        return Size(self)

    # -- update actions --

    def set(self, value: T | Operand[Any] | None) -> Action:
        """
        ``SET path = :v`` (or ``= other_path``); ``set(None)`` is ``REMOVE path``.
        """
        if value is None:
            return self.remove()
        return Action("SET", self, self._term(value))

    def set_if_not_exists(self, value: T) -> Action:
        """
        ``SET path = if_not_exists(path, :v)``: only sets an absent attribute.
        """
        return Action("SET", self, self._term(value), form="if_not_exists")

    def increment(self, amount: int | float | Any = 1) -> Action:
        """
        ``SET path = if_not_exists(path, :zero) + :amount``: an absent number counts as 0.
        """
        return self._arith("+", amount)

    def decrement(self, amount: int | float | Any = 1) -> Action:
        """
        ``SET path = if_not_exists(path, :zero) - :amount``: an absent number counts as 0.
        """
        return self._arith("-", amount)

    def _arith(self, op: str, amount: Any) -> Action:
        if not self._supports(_NUMBER, amount):
            raise self._error(InvalidExpression, f"{self._type!r} is not a number", amount)
        return Action("SET", self, self._term(amount), form=op, extra=_Value(self._dump(0), 0))

    def append(self, values: Iterable[Any]) -> Action:
        """
        ``SET path = list_append(if_not_exists(path, :empty), :values)``.
        """
        return self._list_append(values, prepend=False)

    def prepend(self, values: Iterable[Any]) -> Action:
        """
        ``SET path = list_append(:values, if_not_exists(path, :empty))``.
        """
        return self._list_append(values, prepend=True)

    def _list_append(self, values: Iterable[Any], *, prepend: bool) -> Action:
        if self._backing() not in ("L", ""):  # "": an untyped document path may hold a list
            raise self._error(InvalidExpression, f"{self._type!r} is not a list", values)
        items = list(values)
        return Action(
            "SET", self, self._term(items), form="prepend" if prepend else "append", extra=_EMPTY_LIST
        )

    def add(self, value: Any) -> Action:
        """
        ``ADD path :v``: adds to a number (absent counts as 0) or unions into a set. Top-level attributes only.
        """
        backing = self._backing()
        if backing not in ("N", "SS", "NS", "BS"):
            raise self._error(InvalidExpression, f"ADD works on numbers and sets, not {self._type!r}", value)
        return Action("ADD", self, self._set_term(value))

    def delete(self, value: Any) -> Action:
        """
        ``DELETE path :v``: removes elements from a set. Top-level attributes only.
        """
        if self._backing() not in ("SS", "NS", "BS"):
            raise self._error(InvalidExpression, f"DELETE works on sets, not {self._type!r}", value)
        return Action("DELETE", self, self._set_term(value))

    def _set_term(self, value: Any) -> _Term:
        if isinstance(self._type, t.Set) and not isinstance(value, (set, frozenset)):
            value = {value}
        return self._term(value)

    def remove(self) -> Action:
        """
        ``REMOVE path``.
        """
        return Action("REMOVE", self, None)


class Path(Operand[T]):
    """
    A path into a document column: ``Post.meta["a"]``, ``Post.scores[2]``.
    """

    __slots__ = ("_label_", "_parent", "_path_", "_type_")

    def __init__(
        self, parent: Operand[Any], element: str | int, label: str | int, type_: t.Type[Any]
    ) -> None:
        self._parent = parent
        self._path_ = (*parent._path, element)
        suffix = f"[{label}]" if isinstance(label, int) else f"[{label!r}]"
        self._label_ = parent._label + suffix
        self._type_ = type_

    @property
    def _model(self) -> Any:
        return self._parent._model

    @property
    def _type(self) -> t.Type[Any]:
        return self._type_

    @property
    def _path(self) -> tuple[str | int, ...]:
        return self._path_

    @property
    def _label(self) -> str:
        return self._label_

    def __repr__(self) -> str:
        return f"<Path {self._debug()}>"


class Size:
    """
    ``size(path)``: compare it with a number, ``Post.tags.size() >= 2``.
    """

    __slots__ = ("operand",)

    def __init__(self, operand: Operand[Any]) -> None:
        self.operand = operand

    def _render(self, r: Renderer) -> str:
        return f"size({self.operand._render(r)})"  # pyright: ignore[reportPrivateUsage]

    def _debug(self) -> str:
        return f"size({self.operand._debug()})"  # pyright: ignore[reportPrivateUsage]

    def _compare(self, op: str, value: Any) -> Condition:
        if isinstance(value, (Operand, Size)):
            return Comparison(self, op, value)
        if value is None or isinstance(value, bool) or not isinstance(value, int):
            operand = self.operand
            raise InvalidCondition(
                "size() compares with an int",
                value=value,
                model=operand._model,  # pyright: ignore[reportPrivateUsage]
                column=operand._label,  # pyright: ignore[reportPrivateUsage]
            )
        return Comparison(self, op, _Value({"N": str(value)}, value))

    def __eq__(self, other: int | Operand[Any] | Size) -> Condition:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._compare("=", other)

    def __ne__(self, other: int | Operand[Any] | Size) -> Condition:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._compare("<>", other)

    def __lt__(self, other: int | Operand[Any] | Size) -> Condition:
        return self._compare("<", other)

    def __le__(self, other: int | Operand[Any] | Size) -> Condition:
        return self._compare("<=", other)

    def __gt__(self, other: int | Operand[Any] | Size) -> Condition:
        return self._compare(">", other)

    def __ge__(self, other: int | Operand[Any] | Size) -> Condition:
        return self._compare(">=", other)

    def between(self, low: int, high: int) -> Condition:
        """
        ``size(path) BETWEEN low AND high``.
        """
        lo = self._compare(">=", low)
        hi = self._compare("<=", high)
        assert isinstance(lo, Comparison)
        assert isinstance(hi, Comparison)
        return Between(self, lo.rhs, hi.rhs)

    __hash__ = object.__hash__


class _Value:
    """
    A value already dumped to its AttributeValue.
    """

    __slots__ = ("av", "raw")

    def __init__(self, av: AttributeValue, raw: Any) -> None:
        self.av = av
        self.raw = raw

    def _render(self, r: Renderer) -> str:
        return r.value(self.av)

    def _debug(self) -> str:
        return repr(self.raw)


_Term: TypeAlias = "Operand[Any] | Size | _Value"
_EMPTY_LIST = _Value({"L": []}, [])


# -- conditions ---------------------------------------------------------------------------------------------------


class Condition:
    """
    A condition over an item's attributes. ``Condition()`` is the empty condition: the identity for ``&`` and
    ``|``, rendering to nothing (no ``ConditionExpression`` at all).

    Combine with ``&``, ``|`` and ``~``; nested ANDs and ORs flatten. A condition cannot be used as a bool (that is
    almost always ``if Post.views > 3:`` written by mistake), and raises :class:`~adyn.exceptions.InvalidCondition`.

        >>> from adyn import compile_expressions
        >>> compile_expressions(condition=(Post.views > 3) & Post.content.begins_with("re:"))  # doctest: +SKIP
        {'ConditionExpression': '(#n0 > :v0 AND begins_with(#n1, :v1))',
         'ExpressionAttributeNames': {'#n0': 'v', '#n1': 'c'},
         'ExpressionAttributeValues': {':v0': {'N': '3'}, ':v1': {'S': 're:'}}}
    """

    __slots__ = ()

    def render(self, r: Renderer) -> str:
        """
        The expression text, allocating placeholders from `r`; empty for the empty condition.
        """
        return ""

    def _debug(self) -> str:
        return ""

    def __and__(self, other: Condition) -> Condition:
        return _combine(And, self, other)

    def __or__(self, other: Condition) -> Condition:
        return _combine(Or, self, other)

    def __invert__(self) -> Condition:
        if type(self) is Condition:  # ~empty -> empty
            return self
        if isinstance(self, Not):  # ~~a -> a
            return self.condition
        return Not(self)

    def __bool__(self) -> bool:
        raise InvalidCondition(
            "a condition has no truth value; combine conditions with & | ~ and pass them to adyn", value=self
        )

    def __repr__(self) -> str:
        return f"<Condition {self._debug() or '(empty)'}>"

    @property
    def is_empty(self) -> bool:
        """
        Whether this is the empty condition.
        """
        return type(self) is Condition


class _Group(Condition):
    __slots__ = ("conditions",)
    keyword = ""

    def __init__(self, conditions: tuple[Condition, ...]) -> None:
        self.conditions = conditions

    def render(self, r: Renderer) -> str:
        return "(" + f" {self.keyword} ".join(c.render(r) for c in self.conditions) + ")"

    def _debug(self) -> str:
        return "(" + f" {self.keyword} ".join(c._debug() for c in self.conditions) + ")"


class And(_Group):
    """
    Every one of `conditions`.
    """

    __slots__ = ()
    keyword = "AND"


class Or(_Group):
    """
    At least one of `conditions`.
    """

    __slots__ = ()
    keyword = "OR"


def _combine(group: type[_Group], left: Condition, right: Condition) -> Condition:
    if not isinstance(right, Condition):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise InvalidCondition(f"cannot combine a condition with {type(right).__name__}", value=right)
    if left.is_empty:  # empty & b -> b ; empty | b -> b
        return right
    if right.is_empty:  # a & empty -> a
        return left
    parts: list[Condition] = []
    for c in (left, right):
        # (a & b) & (c & d) -> (a & b & c & d); an Or inside an And stays grouped
        if type(c) is group:
            parts.extend(c.conditions)
        else:
            parts.append(c)
    return group(tuple(parts))


class Not(Condition):
    """
    ``NOT condition``.
    """

    __slots__ = ("condition",)

    def __init__(self, condition: Condition) -> None:
        self.condition = condition

    def render(self, r: Renderer) -> str:
        return f"(NOT {self.condition.render(r)})"

    def _debug(self) -> str:
        return f"(NOT {self.condition._debug()})"


class Comparison(Condition):
    """
    ``lhs op rhs`` with op one of ``=, <>, <, <=, >, >=``.
    """

    __slots__ = ("lhs", "op", "rhs")

    def __init__(self, lhs: Operand[Any] | Size, op: str, rhs: Any) -> None:
        self.lhs = lhs
        self.op = op
        self.rhs = rhs

    def render(self, r: Renderer) -> str:
        return f"{self.lhs._render(r)} {self.op} {self.rhs._render(r)}"  # pyright: ignore[reportPrivateUsage]

    def _debug(self) -> str:
        return f"{self.lhs._debug()} {self.op} {self.rhs._debug()}"  # pyright: ignore[reportPrivateUsage]


class Between(Condition):
    """
    ``operand BETWEEN low AND high``.
    """

    __slots__ = ("high", "low", "operand")

    def __init__(self, operand: Operand[Any] | Size, low: Any, high: Any) -> None:
        self.operand = operand
        self.low = low
        self.high = high

    def render(self, r: Renderer) -> str:
        o = self.operand._render(r)  # pyright: ignore[reportPrivateUsage]
        return f"{o} BETWEEN {self.low._render(r)} AND {self.high._render(r)}"

    def _debug(self) -> str:
        o = self.operand._debug()  # pyright: ignore[reportPrivateUsage]
        return f"{o} BETWEEN {self.low._debug()} AND {self.high._debug()}"


class In(Condition):
    """
    ``operand IN (values)``.
    """

    __slots__ = ("operand", "values")

    def __init__(self, operand: Operand[Any], values: list[Any]) -> None:
        self.operand = operand
        self.values = values

    def render(self, r: Renderer) -> str:
        o = self.operand._render(r)  # pyright: ignore[reportPrivateUsage]
        return f"{o} IN (" + ", ".join(v._render(r) for v in self.values) + ")"

    def _debug(self) -> str:
        o = self.operand._debug()  # pyright: ignore[reportPrivateUsage]
        return f"{o} IN (" + ", ".join(v._debug() for v in self.values) + ")"


class _Function(Condition):
    __slots__ = ("argument", "operand")
    function = ""

    def __init__(self, operand: Operand[Any], argument: Any) -> None:
        self.operand = operand
        self.argument = argument

    def render(self, r: Renderer) -> str:
        o = self.operand._render(r)  # pyright: ignore[reportPrivateUsage]
        return f"{self.function}({o}, {self.argument._render(r)})"

    def _debug(self) -> str:
        o = self.operand._debug()  # pyright: ignore[reportPrivateUsage]
        return f"{self.function}({o}, {self.argument._debug()})"


class BeginsWith(_Function):
    """
    ``begins_with(operand, prefix)``.
    """

    __slots__ = ()
    function = "begins_with"


class Contains(_Function):
    """
    ``contains(operand, value)``.
    """

    __slots__ = ()
    function = "contains"


class AttributeType(_Function):
    """
    ``attribute_type(operand, :type)``.
    """

    __slots__ = ()
    function = "attribute_type"

    def __init__(self, operand: Operand[Any], dynamo_type: str) -> None:
        super().__init__(operand, _Value({"S": dynamo_type}, dynamo_type))


class AttributeExists(Condition):
    """
    ``attribute_exists(operand)`` or ``attribute_not_exists(operand)``.
    """

    __slots__ = ("exists", "operand")

    def __init__(self, operand: Operand[Any], exists: bool) -> None:
        self.operand = operand
        self.exists = exists

    def render(self, r: Renderer) -> str:
        fn = "attribute_exists" if self.exists else "attribute_not_exists"
        return f"{fn}({self.operand._render(r)})"  # pyright: ignore[reportPrivateUsage]

    def _debug(self) -> str:
        fn = "attribute_exists" if self.exists else "attribute_not_exists"
        return f"{fn}({self.operand._debug()})"  # pyright: ignore[reportPrivateUsage]


def iter_conditions(condition: Condition) -> list[Condition]:
    """
    The conditions ANDed together in `condition` (itself, unless it is an AND; none for the empty condition).
    """
    if condition.is_empty:
        return []
    if isinstance(condition, And):
        return list(condition.conditions)
    return [condition]


def iter_operands(condition: Condition) -> list[Operand[Any]]:
    """
    Every column or path `condition` reads, in rendering order (sizes unwrapped to their operand).
    """
    found: list[Operand[Any]] = []
    stack: list[Any] = [condition]
    while stack:
        node = stack.pop(0)
        if isinstance(node, (And, Or)):
            stack[0:0] = list(node.conditions)
        elif isinstance(node, Not):
            stack.insert(0, node.condition)
        elif isinstance(node, Operand):
            found.append(node)  # pyright: ignore[reportUnknownArgumentType]
        elif isinstance(node, Size):
            found.append(node.operand)
        elif isinstance(node, Condition):
            terms = [
                getattr(node, name, None) for name in ("operand", "lhs", "rhs", "low", "high", "argument")
            ]
            terms.extend(getattr(node, "values", None) or [])
            stack[0:0] = [term for term in terms if isinstance(term, (Operand, Size))]
    return found


_RANGE_OPS = frozenset({"=", "<", "<=", ">", ">="})


def check_key_condition(
    condition: Condition, hash_key: Operand[Any], range_key: Operand[Any] | None, *, target: str
) -> None:
    """
    Check that `condition` is a key condition DynamoDB accepts for a table or index with these keys: ``hash == v``,
    optionally ANDed with one condition on the range key (``=, <, <=, >, >=``, ``between``, ``begins_with``),
    comparing with values (not other attributes).

    Raises:
        InvalidKeyCondition: naming the model, the column and what is wrong. `target` names the table or index.
    """
    model = hash_key._model  # pyright: ignore[reportPrivateUsage]
    parts = iter_conditions(condition)

    def fail(reason: str, column: str | None = None) -> InvalidKeyCondition:
        return InvalidKeyCondition(f"{target}: {reason}", value=condition, model=model, column=column)

    hash_label = hash_key._label  # pyright: ignore[reportPrivateUsage]
    seen_hash = seen_range = False
    for part in parts:
        operand = getattr(part, "operand", getattr(part, "lhs", None))
        if not isinstance(operand, Operand):
            raise fail("a key condition compares key columns with values")
        path = operand._path  # pyright: ignore[reportPrivateUsage]
        label = operand._label  # pyright: ignore[reportPrivateUsage]
        if operand._model is not model:  # pyright: ignore[reportPrivateUsage]
            raise fail(f"{label} is not a column of {getattr(model, '__name__', model)}", label)
        terms = [
            getattr(part, "rhs", None),
            getattr(part, "low", None),
            getattr(part, "high", None),
            getattr(part, "argument", None),
        ]
        if any(isinstance(term, (Operand, Size)) for term in terms):
            raise fail("key conditions compare with values, not with other attributes", label)
        for term in terms:
            if isinstance(term, _Value) and term.av in ({"S": ""}, {"B": b""}):
                # DynamoDB refuses an empty key value in a key condition, begins_with included.
                raise fail(f"{label} is compared with an empty value; key values cannot be empty", label)
        if path == hash_key._path:  # pyright: ignore[reportPrivateUsage]
            if seen_hash:
                raise fail("the hash key appears twice", label)
            if not (isinstance(part, Comparison) and part.op == "="):
                raise fail("the hash key takes only ==", label)
            seen_hash = True
        elif range_key is not None and path == range_key._path:  # pyright: ignore[reportPrivateUsage]
            if seen_range:
                raise fail("the range key appears twice", label)
            ok = (isinstance(part, Comparison) and part.op in _RANGE_OPS) or isinstance(
                part, (Between, BeginsWith)
            )
            if not ok:
                raise fail("the range key takes ==, <, <=, >, >=, between or begins_with", label)
            seen_range = True
        else:
            raise fail(f"{label} is not a key of this table or index; use a filter", label)
    if not seen_hash:
        raise fail(f"a key condition needs {hash_label} == value", hash_label)


def hash_first(condition: Condition, hash_key: Operand[Any]) -> Condition:
    """
    A checked key condition with its hash-key part first: ``sk BETWEEN :a AND :b AND pk = :c`` becomes
    ``pk = :c AND sk BETWEEN :a AND :b``. DynamoDB takes either order; moto 5.2 answers a 500 to a BETWEEN before
    the hash part, so adyn always sends the order every server takes.
    """
    if not isinstance(condition, And):
        return condition
    path = hash_key._path  # pyright: ignore[reportPrivateUsage]

    def is_hash(part: Condition) -> bool:
        return isinstance(part, Comparison) and isinstance(part.lhs, Operand) and part.lhs._path == path  # pyright: ignore[reportPrivateUsage]

    parts = condition.conditions
    return And((*[p for p in parts if is_hash(p)], *[p for p in parts if not is_hash(p)]))


# -- update actions -----------------------------------------------------------------------------------------------


class Action:
    """
    One update action on one path, built by an operand's `set`, `remove`, `add`, `delete`, `append`, `prepend`,
    `set_if_not_exists`, `increment` or `decrement`.
    """

    __slots__ = ("extra", "form", "operand", "value", "verb")

    def __init__(
        self, verb: str, operand: Operand[Any], value: Any, *, form: str = "", extra: _Value | None = None
    ) -> None:
        self.verb = verb
        self.operand = operand
        self.value = value
        self.form = form
        self.extra = extra

    def render(self, r: Renderer) -> str:
        path = self.operand._render(r)  # pyright: ignore[reportPrivateUsage]
        if self.verb == "REMOVE":
            return path
        if self.verb in ("ADD", "DELETE"):
            return f"{path} {self.value._render(r)}"
        form = self.form
        if form == "":
            return f"{path} = {self.value._render(r)}"
        if form == "if_not_exists":
            return f"{path} = if_not_exists({path}, {self.value._render(r)})"
        assert self.extra is not None
        fallback = f"if_not_exists({path}, {self.extra._render(r)})"  # pyright: ignore[reportPrivateUsage]
        if form in ("+", "-"):
            return f"{path} = {fallback} {form} {self.value._render(r)}"
        if form == "append":
            return f"{path} = list_append({fallback}, {self.value._render(r)})"
        return f"{path} = list_append({self.value._render(r)}, {fallback})"

    def __repr__(self) -> str:
        target = self.operand._debug()  # pyright: ignore[reportPrivateUsage]
        detail = "" if self.value is None else " " + self.value._debug()
        return f"<Action {self.verb}{'(' + self.form + ')' if self.form else ''} {target}{detail}>"


_VERBS = ("SET", "REMOVE", "ADD", "DELETE")


def render_update(r: Renderer, actions: Iterable[Action]) -> str:
    """
    ``SET a = :v0, b = :v1 REMOVE c ADD d :v2 DELETE e :v3`` from `actions`, checking that no path is updated
    twice (DynamoDB rejects overlapping paths).
    """
    groups: dict[str, list[str]] = {}
    seen: dict[tuple[str | int, ...], Action] = {}
    for action in actions:
        path = action.operand._path  # pyright: ignore[reportPrivateUsage]
        for other_path, other in seen.items():
            shorter = min(len(path), len(other_path))
            if path[:shorter] == other_path[:shorter]:
                raise InvalidExpression(
                    f"updated twice in one request (with {other!r})",
                    value=action,
                    model=action.operand._model,  # pyright: ignore[reportPrivateUsage]
                    column=action.operand._label,  # pyright: ignore[reportPrivateUsage]
                )
        seen[path] = action
        groups.setdefault(action.verb, []).append(action.render(r))
    return " ".join(f"{verb} {', '.join(groups[verb])}" for verb in _VERBS if verb in groups)


def render_projection(r: Renderer, operands: Iterable[Operand[Any]]) -> str:
    """
    ``#n0, #n1.#n2`` from columns and paths, checking that no path is named twice or inside another (DynamoDB
    rejects overlapping paths).
    """
    seen: dict[tuple[str | int, ...], Operand[Any]] = {}
    for operand in operands:
        path = operand._path  # pyright: ignore[reportPrivateUsage]
        for other_path, other in seen.items():
            shorter = min(len(path), len(other_path))
            if path[:shorter] == other_path[:shorter]:
                raise InvalidExpression(
                    f"projected twice in one request (with {other._debug()})",  # pyright: ignore[reportPrivateUsage]
                    value=operand,
                    model=operand._model,  # pyright: ignore[reportPrivateUsage]
                    column=operand._label,  # pyright: ignore[reportPrivateUsage]
                )
        seen[path] = operand
    return ", ".join(o._render(r) for o in seen.values())  # pyright: ignore[reportPrivateUsage]


def compile_expressions(
    *,
    key: Condition | None = None,
    filter: Condition | None = None,  # DynamoDB's own word
    projection: Iterable[Operand[Any]] | None = None,
    update: Iterable[Action] | None = None,
    condition: Condition | None = None,
) -> ExpressionFragments:
    """
    Render the expression fragments of one request, with placeholders shared across them.

    Placeholders are handed out in a fixed order (key, filter, projection, update, condition), so the same input
    always gives the same dict. Empty parts are left out, and so are the name and value maps when nothing uses
    them::

        >>> compile_expressions(update=[Post.views.increment(1)], condition=Post.views == 3)  # doctest: +SKIP
        {'UpdateExpression': 'SET #n0 = if_not_exists(#n0, :v0) + :v1',
         'ConditionExpression': '#n0 = :v2',
         'ExpressionAttributeNames': {'#n0': 'v'},
         'ExpressionAttributeValues': {':v0': {'N': '0'}, ':v1': {'N': '1'}, ':v2': {'N': '3'}}}
    """
    r = Renderer()
    out: ExpressionFragments = {}
    if key is not None and not key.is_empty:
        out["KeyConditionExpression"] = key.render(r)
    if filter is not None and not filter.is_empty:
        out["FilterExpression"] = filter.render(r)
    if projection is not None:
        text = render_projection(r, projection)
        if text:
            out["ProjectionExpression"] = text
    if update is not None:
        text = render_update(r, update)
        if text:
            out["UpdateExpression"] = text
    if condition is not None and not condition.is_empty:
        out["ConditionExpression"] = condition.render(r)
    if r.names:
        out["ExpressionAttributeNames"] = {ref: name for name, ref in r.names.items()}
    if r.values:
        out["ExpressionAttributeValues"] = r.values
    return out
