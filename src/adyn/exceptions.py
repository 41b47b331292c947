"""
Exceptions raised by adyn.

Every exception adyn raises derives from :class:`AdynError`. Mistakes in the caller's input also derive from
:class:`ValueError` (or :class:`TypeError` for mistakes in a class definition), so code that already catches the
builtin keeps working.

The hierarchy::

    AdynError
    ├── InvalidModel (TypeError)          a model or document class definition is wrong
    ├── InvalidValue (ValueError)         a Python value cannot be stored in a column
    ├── InvalidStoredValue (ValueError)   a stored DynamoDB value cannot be loaded into a column
    ├── InvalidExpression (ValueError)    a condition, key condition, projection or update is wrong
    │   ├── InvalidCondition              an operator the column's type does not support, `<` against None, ...
    │   ├── InvalidKeyCondition           a key condition that the table or index cannot answer
    │   └── UnknownColumn                 a name that is not a column of the model
    ├── UnboundModel (ValueError)         the model is not bound to this engine
    ├── EngineStateError (RuntimeError)   the engine is closed, not open yet, or used from another event loop
    ├── ConditionFailed                   a write's condition did not hold; carries the object and stored item
    │   ├── ItemExists                    create() found an item with that key already
    │   └── VersionConflict               the stored version is not the object's (someone else wrote first)
    ├── TransactionCanceled               DynamoDB canceled a transaction; one reason per staged operation
    ├── TransactionExpired                a prepared transaction is past its idempotency window
    ├── MissingObjects (LookupError)      load() found no item for some objects; carries them
    ├── NotExactlyOne (LookupError)       query(...).one() found no result, or more than one
    ├── TableNotFound (LookupError)       the table does not exist
    ├── TableMismatch                     a live table differs from what the model declares; lists how
    ├── TableNotReady (TimeoutError)      a table or index did not become ACTIVE in time
    ├── StreamNotEnabled                  engine.stream() on a model without Meta.stream, or a table without one
    ├── RequestFailed (ConnectionError)   no answer from DynamoDB: connection refused or dropped, or timed out
    └── DynamoDBError                     any other error DynamoDB returned; the botocore error is __cause__
        ├── Throttled                     still throttled after the retry policy gave up
        └── InvalidRequest (ValueError)   DynamoDB rejected the request as invalid (ValidationException)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AdynError",
    "ConditionFailed",
    "DynamoDBError",
    "EngineStateError",
    "InvalidCondition",
    "InvalidExpression",
    "InvalidKeyCondition",
    "InvalidModel",
    "InvalidRequest",
    "InvalidStoredValue",
    "InvalidValue",
    "ItemExists",
    "MissingObjects",
    "NotExactlyOne",
    "RequestFailed",
    "StreamNotEnabled",
    "TableMismatch",
    "TableNotFound",
    "TableNotReady",
    "Throttled",
    "TransactionCanceled",
    "TransactionExpired",
    "UnboundModel",
    "UnknownColumn",
    "VersionConflict",
]


class AdynError(Exception):
    """
    The root of every exception adyn raises.
    """


def _where(model: Any, column: Any) -> str:
    model_name = getattr(model, "__qualname__", None) or getattr(model, "__name__", None) or model
    if model_name is None and column is None:
        return ""
    if column is None:
        return f"{model_name}: "
    if model_name is None:
        return f"{column}: "
    return f"{model_name}.{column}: "


class _Located(AdynError):
    """
    An error about one column of one model, carrying both (either may be None when unknown).
    """

    model: Any
    column: str | None
    reason: str
    #: The positions in lists and maps the error passed through since it was last located (``[2]``, ``['home']``).
    _within: str = ""

    def __init__(self, reason: str, *, model: Any = None, column: str | None = None) -> None:
        self.reason = reason
        self.model = model
        self.column = column
        super().__init__(self._message())

    def _message(self) -> str:
        return _where(self.model, self.column) + self.reason

    def locate(self, model: Any, column: str | None) -> None:
        """
        Fill in the model and column where they were not known when the error was raised, and refresh the message.

        An error already located (raised inside a document stored in `column`, as ``Address.street``) moves out to
        `model`, its column becoming the path from there: ``Person.address.street``, or
        ``Person.addresses[2].street`` through the list positions recorded by `inside`.
        """
        within = self._within
        self._within = ""
        if self.model is None:
            self.model = model
            if self.column is None:
                self.column = None if column is None else column + within
        elif column is not None:
            self.column = column + within + ("" if self.column is None else "." + self.column)
            self.model = model
        self.args = (self._message(),)

    def inside(self, position: str) -> None:
        """
        Record that the error happened at `position` (``[2]``, ``['home']``) of a list or map value; the next
        `locate` puts it in the column's path.
        """
        self._within = position + self._within


class InvalidModel(_Located, TypeError):
    """
    Raised when a model or document class is defined: no hash key, two hash keys, a key of a type DynamoDB cannot
    key on, an index naming a missing column, an annotation adyn cannot map to a type, and so on.

    Attributes:
        model: the class being defined.
        column: the column at fault, or None for a model-wide problem.
        reason: what is wrong.
    """


class _ValueError(_Located, ValueError):
    value: Any

    def __init__(self, reason: str, *, value: Any, model: Any = None, column: str | None = None) -> None:
        self.value = value
        super().__init__(reason, model=model, column=column)

    def _message(self) -> str:
        return f"{_where(self.model, self.column)}{self.reason} (value: {self.value!r:.200})"


class InvalidValue(_ValueError):
    """
    Raised before any request when a Python value cannot be stored in a column: a value of the wrong type, a number
    DynamoDB cannot hold, a naive datetime, an email that is not one, a missing key value.

    Attributes:
        model: the model class, when known.
        column: the column's Python name, when known; for a value inside a document, list or map, the path to it
            from the model (``address.street``, ``addresses[2].street``, ``scores[1]``).
        value: the offending value.
        reason: what is wrong with it.
    """


class InvalidStoredValue(_ValueError):
    """
    Raised when a value read from DynamoDB cannot be loaded into its column (written by another program with another
    type, for example).

    Attributes:
        model, column, value, reason: as for :class:`InvalidValue`; `value` is the DynamoDB wire value.
    """


class InvalidExpression(_ValueError):
    """
    Raised before any request when a condition, key condition, projection or update action cannot be built.

    Attributes:
        model, column, value, reason: as for :class:`InvalidValue`; `value` is the operand at fault.
    """


class InvalidCondition(InvalidExpression):
    """
    Raised when a condition cannot be expressed: an operator the column's type does not support (`<` on a boolean,
    `begins_with` on a number), an ordering comparison against None, or a condition used as a bool.
    """


class InvalidKeyCondition(InvalidExpression):
    """
    Raised when a key condition does not fit the table or index queried: no `==` on the hash key, an operator
    DynamoDB does not allow on a range key, a column that is not a key of that index.
    """


class UnknownColumn(InvalidExpression):
    """
    Raised when a name or column does not belong to the model it is used with.
    """


class UnboundModel(AdynError, ValueError):
    """
    Raised before any request when an engine is asked to work with a model that was not bound to it with
    ``await engine.bind(Model)``.

    Attributes:
        model: the model class.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        name = getattr(model, "__name__", model)
        super().__init__(f"{name} is not bound to this engine: await engine.bind({name})")


class EngineStateError(AdynError, RuntimeError):
    """
    Raised when an engine is used while closed or not yet opened, or from an event loop other than the one it was
    opened on (its connections belong to that loop).
    """


class ConditionFailed(AdynError):
    """
    Raised when DynamoDB rejected a write because its condition did not hold.

    Attributes:
        obj: the object whose write failed.
        item: the item stored under that key when the condition failed, loaded as a model object (None if there
            was no item, or DynamoDB did not return it).
        condition: the condition that failed (None for adyn's own existence checks).
    """

    def __init__(self, message: str, *, obj: Any = None, item: Any = None, condition: Any = None) -> None:
        self.obj = obj
        self.item = item
        self.condition = condition
        super().__init__(message)


class ItemExists(ConditionFailed):
    """
    Raised by ``engine.create(obj)`` when an item with the object's key already exists; `item` holds it.
    """


class VersionConflict(ConditionFailed):
    """
    Raised when a versioned object was written, deleted or checked but the stored item's version is not the one the
    object was loaded or last saved with: someone else wrote it first. `item` holds the stored item; load it again
    and retry.
    """


class TransactionCanceled(AdynError):
    """
    Raised when DynamoDB canceled a transaction (nothing in it was written).

    Attributes:
        reasons: one per staged operation, in staging order, each a :class:`CancellationReason` with the object,
            the operation, DynamoDB's code ("None" where that operation was fine) and message, and the stored item.
        conditions_failed: the ConditionFailed (or VersionConflict, ItemExists) of each operation whose condition
            did not hold.
    """

    def __init__(self, message: str, reasons: list[Any], conditions_failed: list[ConditionFailed]) -> None:
        self.reasons = reasons
        self.conditions_failed = conditions_failed
        super().__init__(message)


class TransactionExpired(AdynError):
    """
    Raised when a prepared transaction is committed after its idempotency window (10 minutes from preparing, less
    a margin): committing it again could apply it twice. Prepare a new one.
    """


class MissingObjects(AdynError, LookupError):
    """
    Raised by ``engine.load(...)`` when some objects have no item in DynamoDB. The other objects were loaded.

    Attributes:
        objects: the objects that were not found, in the order given.
    """

    def __init__(self, objects: list[Any]) -> None:
        self.objects = objects
        shown = ", ".join(repr(o) for o in objects[:5])
        more = f" and {len(objects) - 5} more" if len(objects) > 5 else ""
        super().__init__(f"{len(objects)} object(s) not found: {shown}{more}")


class NotExactlyOne(AdynError, LookupError):
    """
    Raised by ``.one()`` on a query or scan that matched no item or more than one.

    Attributes:
        model: the model queried.
        found: 0, or 2 when there were more than one (it stops reading at the second).
    """

    def __init__(self, model: Any, found: int) -> None:
        self.model = model
        self.found = found
        name = getattr(model, "__name__", model)
        what = "no result" if found == 0 else "more than one result"
        super().__init__(f"{name}: expected exactly one result, found {what}")


class TableNotFound(AdynError, LookupError):
    """
    Raised when a table does not exist (an unbound or dropped table, or a wrong table name template).

    Attributes:
        table_name: the full table name looked for.
    """

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        super().__init__(f"table {table_name!r} does not exist")


class TableMismatch(AdynError):
    """
    Raised by ``engine.bind(...)`` when a live table does not provide what a model declares (a missing index,
    another key, another projection...). Extra indexes and attributes on the table are fine.

    Attributes:
        model: the model class.
        table_name: the full table name.
        differences: one readable line per difference, e.g.
            ``"index by_user: projection KEYS_ONLY on the table, ALL in the model"``.
    """

    def __init__(self, model: Any, table_name: str, differences: list[str]) -> None:
        self.model = model
        self.table_name = table_name
        self.differences = differences
        name = getattr(model, "__name__", model)
        lines = "\n".join(f"  - {d}" for d in differences)
        super().__init__(f"table {table_name!r} does not match {name}:\n{lines}")


class TableNotReady(AdynError, TimeoutError):
    """
    Raised by ``engine.bind(...)`` when a table or one of its indexes is still not ACTIVE after the wait timeout,
    or by ``engine.delete_tables(...)`` when a table is still not deleted after it.

    Attributes:
        table_name: the full table name.
    """

    def __init__(self, table_name: str, waited: float, *, waiting_for: str = "ACTIVE") -> None:
        self.table_name = table_name
        super().__init__(f"table {table_name!r} was not {waiting_for} after {waited:.0f} s")


class StreamNotEnabled(AdynError):
    """
    Raised by ``engine.stream(Model)`` when the model declares no stream (``Meta.stream``), before any request, or
    when its table has no stream.

    Attributes:
        model: the model class.
        table_name: the full table name.
    """

    def __init__(self, model: Any, table_name: str, reason: str) -> None:
        self.model = model
        self.table_name = table_name
        name = getattr(model, "__name__", model)
        super().__init__(f"{name} (table {table_name!r}): {reason}")


class RequestFailed(AdynError, ConnectionError):
    """
    Raised when a request got no answer from DynamoDB after the engine's retry policy gave up: the connection was
    refused, dropped, or the response did not come within ``read_timeout``. The botocore error is ``__cause__``.

    A request whose response was lost may have been applied: check before relying on it not having happened (see
    the documentation's "Failures and retries"). Only a request that never connected (`sent` False) surely was not.

    Attributes:
        operation: the API operation (``"PutItem"``, ...).
        table_name: the table, when the request named one.
        sent: whether the request may have reached DynamoDB (False only when no connection could be made).
    """

    def __init__(self, message: str, *, operation: str = "", table_name: str = "", sent: bool = True) -> None:
        self.operation = operation
        self.table_name = table_name
        self.sent = sent
        super().__init__(message)


class DynamoDBError(AdynError):
    """
    Raised for an error DynamoDB returned that no more specific adyn exception describes. The botocore
    ``ClientError`` is chained as ``__cause__``.

    Attributes:
        code: DynamoDB's error code (``"ValidationException"``, ...).
        operation: the API operation (``"PutItem"``, ...).
        response: the parsed error response.
    """

    def __init__(self, message: str, *, code: str = "", operation: str = "", response: Any = None) -> None:
        self.code = code
        self.operation = operation
        self.response = response
        super().__init__(message)


class Throttled(DynamoDBError):
    """
    Raised when DynamoDB still throttled a request after the engine's retry policy gave up
    (ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded).
    """


class InvalidRequest(DynamoDBError, ValueError):
    """
    Raised when DynamoDB rejected a request as invalid (ValidationException). adyn checks what it can before
    sending, so this usually means a limit adyn does not know about.
    """
