"""
Secondary indexes: :class:`GlobalSecondaryIndex` and :class:`LocalSecondaryIndex`, declared on a model class.

An index is declared with Python column names; when the model class is built, each index is copied and bound to
that class (so a subclass gets its own), and its key columns and projection are resolved and checked.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from typing_extensions import Self

from .exceptions import InvalidModel

if TYPE_CHECKING:
    from ._columns import Column

__all__ = ["GlobalSecondaryIndex", "Index", "LocalSecondaryIndex"]

ProjectionSpec = Literal["all", "keys"] | Sequence[str]


class Index:
    """
    The common part of both index kinds.

    Attributes (after the model class is built):
        model: the model class.
        name: the Python attribute name; `dynamo_name`: the index name in DynamoDB.
        hash_key / range_key: the index's key columns.
        projection: ``"ALL"``, ``"KEYS_ONLY"`` or ``"INCLUDE"``.
        included: the non-key columns an INCLUDE projection adds.
        projected: every column a read from this index returns (keys of the table and index included).
    """

    def __init__(
        self,
        *,
        hash_key: str | None,
        range_key: str | None,
        projection: ProjectionSpec,
        name: str | None,
    ) -> None:
        self._hash_key_name = hash_key
        self._range_key_name = range_key
        self._projection_spec = projection
        self.dynamo_name: str = name or ""
        self.name = ""
        self.model: Any = None
        # None until bind(): a bound index always has a hash key, and only bound indexes are used.
        self.hash_key: Column[Any] = cast("Column[Any]", None)
        self.range_key: Column[Any] | None = None
        self.projection = ""
        self.included: tuple[Column[Any], ...] = ()
        self.projected: tuple[Column[Any], ...] = ()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        if not self.dynamo_name:
            self.dynamo_name = name

    def bind(self, model: Any, columns: dict[str, Column[Any]], table_keys: tuple[Column[Any], ...]) -> Self:
        """
        A copy of this index bound to `model`, with its columns resolved against `columns` (by Python name).
        """
        bound = copy.copy(self)
        bound.model = model
        hash_name = self._hash_key_name or table_keys[0].name
        bound.hash_key = bound._column(hash_name, columns, "hash_key")
        bound.range_key = bound._resolve(self._range_key_name, columns, "range_key")
        keys: list[Column[Any]] = list(table_keys)
        for k in (bound.hash_key, bound.range_key):
            if k is not None and all(k is not c for c in keys):
                keys.append(k)
        spec = self._projection_spec
        if isinstance(spec, str):
            if spec not in ("all", "keys"):
                raise InvalidModel(
                    f'index {self.name}: projection is "all", "keys" or a list of columns', model=model
                )
            bound.projection = "ALL" if spec == "all" else "KEYS_ONLY"
            bound.included = ()
            bound.projected = tuple(columns.values()) if spec == "all" else tuple(keys)
        else:
            included = [bound._resolve(n, columns, "projection") for n in spec]
            bound.projection = "INCLUDE"
            bound.included = tuple(c for c in included if c is not None and all(c is not k for k in keys))
            bound.projected = (*keys, *bound.included)
        for k in (bound.hash_key, bound.range_key):
            if k is not None and k.type.backing_type not in ("S", "N", "B"):
                raise InvalidModel(
                    f"index {self.name}: key columns must be of a string, number or binary type, not {k.type!r}",
                    model=model,
                    column=k.name,
                )
        return bound

    def _resolve(self, name: str | None, columns: dict[str, Column[Any]], role: str) -> Column[Any] | None:
        if name is None:
            return None
        return self._column(name, columns, role)

    def _column(self, name: str, columns: dict[str, Column[Any]], role: str) -> Column[Any]:
        column = columns.get(name)
        if column is None:
            raise InvalidModel(
                f"index {self.name}: {role} names {name!r}, which is not a column", model=self.model
            )
        return column

    def __repr__(self) -> str:
        model = getattr(self.model, "__name__", "?")
        return f"<{type(self).__name__} {model}.{self.name}>"


class GlobalSecondaryIndex(Index):
    """
    A global secondary index: another hash key (and optional range key) to query by, with its own throughput.

    Args:
        hash_key: the Python name of the index's hash key column.
        range_key: the Python name of its range key column, if any.
        projection: ``"all"`` (the default), ``"keys"``, or a list of Python column names to include.
        read_units: provisioned read throughput, for tables with provisioned billing.
        write_units: provisioned write throughput, likewise.
        name: the index name in DynamoDB (default: the attribute name).
    """

    def __init__(
        self,
        *,
        hash_key: str,
        range_key: str | None = None,
        projection: ProjectionSpec = "all",
        read_units: int | None = None,
        write_units: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(hash_key=hash_key, range_key=range_key, projection=projection, name=name)
        self.read_units = read_units
        self.write_units = write_units


class LocalSecondaryIndex(Index):
    """
    A local secondary index: the table's hash key with another range key. The table must have a range key.

    Args:
        range_key: the Python name of the index's range key column.
        projection: ``"all"`` (the default), ``"keys"``, or a list of Python column names to include.
        name: the index name in DynamoDB (default: the attribute name).
    """

    def __init__(
        self, *, range_key: str, projection: ProjectionSpec = "all", name: str | None = None
    ) -> None:
        super().__init__(hash_key=None, range_key=range_key, projection=projection, name=name)

    def bind(self, model: Any, columns: dict[str, Column[Any]], table_keys: tuple[Column[Any], ...]) -> Self:
        if len(table_keys) < 2:
            raise InvalidModel(f"local index {self.name} needs a table with a range key", model=model)
        return super().bind(model, columns, table_keys)
