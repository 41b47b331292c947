"""
adyn: an asyncio-native object mapper for Amazon DynamoDB.

Models are attrs classes of typed columns; conditions, key conditions, projections and updates are built from
their columns with Python operators and compiled into DynamoDB request fragments by a pure compiler.
"""

from __future__ import annotations

from ._bulk import Batch, BatchResult, BatchWriteError
from ._columns import Column, column
from ._engine import Engine, PartialFailure
from ._expressions import Action, Condition, Operand, Path, Size, compile_expressions
from ._hooks import Hooks
from ._indexes import GlobalSecondaryIndex, Index, LocalSecondaryIndex
from ._models import Billing, Document, Model, ModelInfo
from ._query import Page, Query, Results, Scan
from ._streams import Record, Stream
from ._transactions import CancellationReason, PreparedTransaction, ReadTransaction, Transaction
from .exceptions import (
    AdynError,
    ConditionFailed,
    DynamoDBError,
    EngineStateError,
    InvalidCondition,
    InvalidExpression,
    InvalidKeyCondition,
    InvalidModel,
    InvalidRequest,
    InvalidStoredValue,
    InvalidValue,
    ItemExists,
    MissingObjects,
    NotExactlyOne,
    RequestFailed,
    StreamNotEnabled,
    TableMismatch,
    TableNotFound,
    TableNotReady,
    Throttled,
    TransactionCanceled,
    TransactionExpired,
    UnboundModel,
    UnknownColumn,
    VersionConflict,
)

# The package version's only source: hatchling reads it from here into the distribution's metadata.
__version__ = "0.1.0.dev0"

__all__ = [
    "Action",
    "AdynError",
    "Batch",
    "BatchResult",
    "BatchWriteError",
    "Billing",
    "CancellationReason",
    "Column",
    "Condition",
    "ConditionFailed",
    "Document",
    "DynamoDBError",
    "Engine",
    "EngineStateError",
    "GlobalSecondaryIndex",
    "Hooks",
    "Index",
    "InvalidCondition",
    "InvalidExpression",
    "InvalidKeyCondition",
    "InvalidModel",
    "InvalidRequest",
    "InvalidStoredValue",
    "InvalidValue",
    "ItemExists",
    "LocalSecondaryIndex",
    "MissingObjects",
    "Model",
    "ModelInfo",
    "NotExactlyOne",
    "Operand",
    "Page",
    "PartialFailure",
    "Path",
    "PreparedTransaction",
    "Query",
    "ReadTransaction",
    "Record",
    "RequestFailed",
    "Results",
    "Scan",
    "Size",
    "Stream",
    "StreamNotEnabled",
    "TableMismatch",
    "TableNotFound",
    "TableNotReady",
    "Throttled",
    "Transaction",
    "TransactionCanceled",
    "TransactionExpired",
    "UnboundModel",
    "UnknownColumn",
    "VersionConflict",
    "column",
    "compile_expressions",
]


def _relocate() -> None:
    # Reprs and tracebacks read adyn.Model, not adyn._models.Model.
    from contextlib import suppress

    for name in __all__:
        obj = globals()[name]
        if isinstance(obj, type) or callable(obj):
            with suppress(AttributeError, TypeError):  # pragma: no cover - builtins
                obj.__module__ = __name__


_relocate()
del _relocate
