"""
Transactions: ``async with engine.transaction() as tx`` (TransactWriteItems) and
``async with engine.transaction(read=True) as rx`` (TransactGetItems).

A write transaction stages saves, creates, puts, deletes, updates and condition checks on any models and tables,
checks them before sending (at most 100 operations, one per item), and commits them all or none on a clean exit
of the block. Each transaction carries a client request token, so committing a prepared transaction again within
DynamoDB's 10-minute idempotency window cannot apply it twice.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import attrs
from typing_extensions import Self

from ._backoff import full_jitter
from ._batch import key_identity
from ._hooks import run_hooks
from ._writes import Write, check_write, delete_write, put_write, save_write, update_write
from .exceptions import (
    ConditionFailed,
    DynamoDBError,
    InvalidValue,
    MissingObjects,
    TransactionCanceled,
    TransactionExpired,
)

if TYPE_CHECKING:
    from ._engine import Engine
    from ._expressions import Action, Condition

__all__ = ["CancellationReason", "PreparedTransaction", "ReadTransaction", "Transaction"]

#: DynamoDB's limit on operations per transaction.
TRANSACTION_LIMIT = 100
#: A client request token keeps a transaction idempotent for 10 minutes; adyn stops re-committing a little earlier.
IDEMPOTENCY_WINDOW = 10 * 60.0
_WINDOW_MARGIN = 30.0
_RETRIED_CODES = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


@attrs.frozen
class CancellationReason:
    """
    Why DynamoDB canceled one staged operation of a transaction (code ``"None"`` when that operation was fine).

    Attributes:
        obj: the object staged; operation: ``"save"``, ``"create"``, ``"put"``, ``"delete"``, ``"update"`` or
        ``"check"``; code and message: DynamoDB's; item: the stored item as a model object when DynamoDB returned it.
    """

    obj: Any
    operation: str
    code: str
    message: str
    item: Any


@attrs.define(eq=False)
class _Staged:
    operation: str
    write: Write
    entry: dict[str, Any]


def _entry(write: Write) -> dict[str, Any]:
    body = dict(write.body)
    if "ConditionExpression" in body:
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    if write.kind == "UpdateItem":
        if "UpdateExpression" not in body:
            # A save with nothing to change but a condition: in a transaction that is a condition check.
            return {"ConditionCheck": body}
        return {"Update": body}
    if write.kind == "PutItem":
        return {"Put": body}
    if write.kind == "DeleteItem":
        return {"Delete": body}
    return {"ConditionCheck": body}


class CommitOnExit:
    """
    ``async with`` support for staged work: a clean exit commits, an exception commits nothing.
    """

    async def commit(self) -> Any:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            await self.commit()


class Transaction(CommitOnExit):
    """
    A write transaction. Stage operations, then leave the block (or ``await tx.commit()``)::

        async with engine.transaction() as tx:
            tx.save(order, condition=Order.status == "open")
            tx.create(payment)
            tx.update(stock, Stock.count.decrement(1), condition=Stock.count > 0)
            tx.check(customer, Customer.blocked == False)

    An exception inside the block commits nothing. Objects are marked saved (snapshots, versions) only after the
    commit succeeded. A canceled transaction raises :class:`~adyn.exceptions.TransactionCanceled` with one reason
    per staged operation; transaction conflicts are retried with backoff first, with the same request token.
    """

    def __init__(self, engine: Engine, *, token: str | None = None, attempts: int = 4) -> None:
        self._engine = engine
        self._staged: list[_Staged] = []
        self._keys: set[tuple[Any, ...]] = set()
        self._token = token or uuid.uuid4().hex
        self._attempts = attempts
        self._prepared: PreparedTransaction | None = None

    def _stage(self, operation: str, write: Write | None, obj: Any) -> None:
        if self._prepared is not None:
            raise InvalidValue("this transaction was already prepared; stage a new one", value=obj)
        if write is None:
            return  # a save with nothing to change and no condition
        identity = key_identity(write.table, write.key)
        if identity in self._keys:
            raise InvalidValue(
                "this item is already in the transaction; DynamoDB allows one operation per item",
                value=obj,
                model=write.info.model,
            )
        if len(self._staged) >= TRANSACTION_LIMIT:
            raise InvalidValue(
                f"a transaction holds at most {TRANSACTION_LIMIT} operations",
                value=obj,
                model=write.info.model,
            )
        self._keys.add(identity)
        self._staged.append(_Staged(operation, write, _entry(write)))

    def _info(self, obj: Any) -> Any:
        return self._engine._info(obj)  # pyright: ignore[reportPrivateUsage]

    def save(self, obj: Any, *, condition: Condition | None = None) -> None:
        """
        Stage the object's changes (an Update of what changed since load or save, as ``engine.save``).
        """
        info, table = self._info(obj)
        self._stage("save", save_write(info, table, obj, condition), obj)

    def create(self, obj: Any, *, condition: Condition | None = None) -> None:
        """
        Stage a Put that fails if an item with the object's key exists.
        """
        info, table = self._info(obj)
        self._stage("create", put_write(info, table, obj, condition, exists_check=True), obj)

    def put(self, obj: Any, *, condition: Condition | None = None) -> None:
        """
        Stage a Put replacing the whole item.
        """
        info, table = self._info(obj)
        self._stage("put", put_write(info, table, obj, condition), obj)

    def delete(self, obj: Any, *, condition: Condition | None = None) -> None:
        """
        Stage a Delete by the object's key.
        """
        info, table = self._info(obj)
        self._stage("delete", delete_write(info, table, obj, condition), obj)

    def update(self, obj: Any, *actions: Action, condition: Condition | None = None) -> None:
        """
        Stage an Update applying `actions` (as ``engine.update``) without reading the item.
        """
        info, table = self._info(obj)
        self._stage("update", update_write(info, table, obj, actions, condition), obj)

    def check(self, obj: Any, condition: Condition) -> None:
        """
        Stage a ConditionCheck: the transaction commits only if `condition` holds on the object's item.
        """
        info, table = self._info(obj)
        self._stage("check", check_write(info, table, obj, condition), obj)

    @property
    def token(self) -> str:
        """
        The client request token that makes committing this transaction idempotent.
        """
        return self._token

    def request(self) -> dict[str, Any]:
        """
        The TransactWriteItems request, without sending it::

            {"TransactItems": [{"Update": {"TableName": "orders", "Key": {...}, "UpdateExpression": "...",
                                            "ConditionExpression": "...", ...}}, {"Put": {...}}],
             "ClientRequestToken": "5f0c..."}
        """
        return {"TransactItems": [s.entry for s in self._staged], "ClientRequestToken": self._token}

    def prepare(self) -> PreparedTransaction:
        """
        Freeze the staged operations into a transaction that can be committed, and committed again safely (the
        same token) until its idempotency window closes.
        """
        if self._prepared is None:
            self._prepared = PreparedTransaction(
                self._engine, list(self._staged), self.request(), self._attempts
            )
        return self._prepared

    async def commit(self) -> None:
        """
        Send the transaction (a transaction with nothing staged sends nothing).
        """
        await self.prepare().commit()


class PreparedTransaction:
    """
    A transaction ready to commit, and to commit again safely within DynamoDB's 10-minute idempotency window
    (:class:`~adyn.exceptions.TransactionExpired` after it).
    """

    def __init__(self, engine: Engine, staged: list[_Staged], request: dict[str, Any], attempts: int) -> None:
        self._engine = engine
        self._staged = staged
        self._request = request
        self._attempts = attempts
        self.prepared_at = time.monotonic()

    @property
    def token(self) -> str:
        return str(self._request["ClientRequestToken"])

    def request(self) -> dict[str, Any]:
        """
        The exact TransactWriteItems request.
        """
        return self._request

    async def commit(self) -> None:
        """
        Commit. Transaction conflicts are retried with backoff (the same token, so a retry after a lost response
        cannot apply it twice); any other cancellation raises TransactionCanceled.
        """
        engine = self._engine
        engine._check()  # pyright: ignore[reportPrivateUsage]
        if not self._staged:
            return
        if time.monotonic() - self.prepared_at > IDEMPOTENCY_WINDOW - _WINDOW_MARGIN:
            raise TransactionExpired(
                "this prepared transaction is past its 10-minute idempotency window; prepare a new one"
            )
        delays = full_jitter(base=0.05, cap=1.0, attempts=self._attempts)
        while True:
            try:
                await engine._call("TransactWriteItems", self._request)  # pyright: ignore[reportPrivateUsage]
                break
            except TransactionCanceled as exc:
                reasons: list[Any] = list(exc.reasons)
                codes = {
                    str(cast("dict[str, Any]", r).get("Code")) for r in reasons if isinstance(r, dict)
                } - {"None"}
                delay = next(delays, None) if codes and codes <= _RETRIED_CODES else None
                if delay is None:
                    raise self._canceled(reasons, exc) from exc.__cause__
                await asyncio.sleep(delay)
            except DynamoDBError as exc:
                if exc.code != "TransactionInProgressException":
                    raise
                delay = next(delays, None)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
        for staged in self._staged:
            staged.write.succeeded()
            hooks = engine.hooks
            if staged.operation == "delete":
                await run_hooks(hooks.deleted, staged.write.obj)
            elif staged.operation != "check":
                await run_hooks(hooks.saved, staged.write.obj)

    def _canceled(self, reasons: Sequence[Any], exc: TransactionCanceled) -> TransactionCanceled:
        explained: list[CancellationReason] = []
        failed: list[ConditionFailed] = []
        for staged, reason in zip(self._staged, reasons, strict=False):
            raw: dict[str, Any] = reason if isinstance(reason, dict) else {}  # pyright: ignore[reportUnknownVariableType]
            code = str(raw.get("Code", ""))
            item = raw.get("Item")
            error = staged.write.failed(item, exc.__cause__) if code == "ConditionalCheckFailed" else None
            stored = (
                error.item if error is not None else (staged.write.info.load_item(item) if item else None)
            )
            explained.append(
                CancellationReason(
                    staged.write.obj, staged.operation, code, str(raw.get("Message", "")), stored
                )
            )
            if error is not None:
                failed.append(error)
        summary = ", ".join(
            f"{r.operation} {type(r.obj).__name__}: {r.code}" for r in explained if r.code != "None"
        )
        return TransactionCanceled(f"transaction canceled ({summary})", explained, failed)


class ReadTransaction(CommitOnExit):
    """
    A read transaction: ``async with engine.transaction(read=True) as rx: rx.load(a, b)`` reads every object in one
    TransactGetItems (a consistent snapshot across items and tables) when the block exits, fills them in place, and
    raises :class:`~adyn.exceptions.MissingObjects` for those not found.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._objects: list[Any] = []
        self._entries: list[dict[str, Any]] = []
        self._keys: set[tuple[Any, ...]] = set()

    def load(self, *objs: Any) -> None:
        """
        Stage objects to read by key (at most 100 in one transaction, each item once).
        """
        for obj in objs:
            info, table = self._engine._info(obj)  # pyright: ignore[reportPrivateUsage]
            if len(self._objects) >= TRANSACTION_LIMIT:
                raise InvalidValue(
                    f"a transaction reads at most {TRANSACTION_LIMIT} items", value=obj, model=info.model
                )
            key = info.key(obj)
            identity = key_identity(table, key)
            if identity in self._keys:
                # DynamoDB refuses a transaction with two operations on one item, reads included.
                raise InvalidValue(
                    "this item is already in the transaction; DynamoDB allows one operation per item",
                    value=obj,
                    model=info.model,
                )
            self._keys.add(identity)
            self._entries.append({"Get": {"TableName": table, "Key": key}})
            self._objects.append(obj)

    def request(self) -> dict[str, Any]:
        """
        The TransactGetItems request, without sending it.
        """
        return {"TransactItems": list(self._entries)}

    async def commit(self) -> None:
        """
        Read the staged objects (the block's clean exit calls this).
        """
        engine = self._engine
        engine._check()  # pyright: ignore[reportPrivateUsage]
        if not self._objects:
            return
        response = await engine._call("TransactGetItems", self.request())  # pyright: ignore[reportPrivateUsage]
        missing: list[Any] = []
        for obj, found in zip(self._objects, response.get("Responses", []), strict=True):
            item = found.get("Item")
            info, _ = engine._info(obj)  # pyright: ignore[reportPrivateUsage]
            if not item or engine._expired(info, item):  # pyright: ignore[reportPrivateUsage]
                missing.append(obj)
                continue
            engine._fill(obj, item)  # pyright: ignore[reportPrivateUsage]
            await run_hooks(engine.hooks.loaded, obj)
        if missing:
            raise MissingObjects(missing)
