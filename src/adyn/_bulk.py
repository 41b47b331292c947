"""
Bulk writes through BatchWriteItem: ``async with engine.batch() as b``, ``engine.put_all()``,
``engine.delete_all()``, and the many-item forms ``engine.get_many()`` / ``engine.delete_many()``.

BatchWriteItem writes whole items (like :meth:`Engine.put`) and carries no conditions. Every write is accounted
for: the :class:`BatchResult` lists what was written and what was not, and a batch with failures raises
:class:`BatchWriteError` carrying it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._batch import batch_write, key_identity
from ._models import SNAPSHOT
from ._transactions import CommitOnExit
from ._writes import put_write
from .exceptions import AdynError, InvalidValue

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = ["Batch", "BatchResult", "BatchWriteError"]


def _empty_list() -> list[Any]:
    # A typed `list` factory (with `factory=list` pyright infers list[Unknown]).
    return []


@attrs.frozen
class BatchResult:
    """
    What a batch did.

    Attributes:
        written: the objects whose item was put.
        deleted: the objects whose item was deleted.
        failed: (object, exception) for every write that did not happen.
    """

    written: list[Any] = attrs.field(factory=_empty_list)
    deleted: list[Any] = attrs.field(factory=_empty_list)
    failed: list[tuple[Any, BaseException]] = attrs.field(factory=_empty_list)

    @property
    def success_count(self) -> int:
        return len(self.written) + len(self.deleted)

    @property
    def fail_count(self) -> int:
        return len(self.failed)


class BatchWriteError(AdynError):
    """
    Raised when some writes of a batch did not happen; the others did.

    Attributes:
        result: the :class:`BatchResult`, whose `failed` lists each unwritten object with the reason.
    """

    def __init__(self, result: BatchResult) -> None:
        self.result = result
        lines = "\n".join(f"  - {obj!r}: {exc}" for obj, exc in result.failed[:10])
        more = f"\n  ... and {len(result.failed) - 10} more" if len(result.failed) > 10 else ""
        total = result.fail_count + result.success_count
        super().__init__(f"{result.fail_count} of {total} batch writes did not happen:\n{lines}{more}")


class Batch(CommitOnExit):
    """
    Stages puts and deletes and sends them with BatchWriteItem when the block exits cleanly::

        async with engine.batch() as batch:
            batch.put(post_a, post_b)
            batch.delete(old_post)
        batch.result.written  # [post_a, post_b]

    If the block raises, nothing is sent. Staging the same key twice raises at once (DynamoDB would reject the
    request). On exit, writes go in chunks of 25, concurrently; unprocessed items are retried with backoff; if any
    write still fails, :class:`BatchWriteError` lists exactly which.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writes: list[tuple[str, dict[str, Any]]] = []
        self._objects: list[tuple[Any, Literal["put", "delete"]]] = []
        self._keys: set[tuple[Any, ...]] = set()
        self._sent = False
        self.result = BatchResult()

    def _stage(self, obj: Any, kind: Literal["put", "delete"]) -> None:
        if self._sent:
            raise InvalidValue("this batch was already sent", value=obj)
        info, table = self._engine._info(obj)  # pyright: ignore[reportPrivateUsage]
        if info.version is not None:
            raise InvalidValue(
                f"{info.model.__name__} is versioned and BatchWriteItem cannot check versions; "
                "use save(), delete() or a transaction",
                value=obj,
                model=info.model,
                column=info.version.name,
            )
        key = info.key(obj)
        identity = key_identity(table, key)
        if identity in self._keys:
            raise InvalidValue(
                "this key is already in the batch; DynamoDB refuses two writes to one key in one request",
                value=obj,
                model=info.model,
            )
        body: dict[str, Any]
        if kind == "put":
            # The same checks as a PutItem (partial objects, item size); its Item is the request's.
            body = {"PutRequest": {"Item": put_write(info, table, obj, None).body["Item"]}}
        else:
            body = {"DeleteRequest": {"Key": key}}
        self._keys.add(identity)
        self._writes.append((table, body))
        self._objects.append((obj, kind))

    def put(self, *objs: Any) -> None:
        """
        Stage whole-item writes (PutRequest) of `objs`.
        """
        for obj in objs:
            self._stage(obj, "put")

    def delete(self, *objs: Any) -> None:
        """
        Stage deletes (DeleteRequest) of `objs` by key.
        """
        for obj in objs:
            self._stage(obj, "delete")

    async def send(self) -> BatchResult:
        """
        Send what is staged (the block's clean exit calls this); raises :class:`BatchWriteError` on failures.
        """
        if self._sent:
            return self.result
        self._sent = True
        engine = self._engine
        engine._check()  # pyright: ignore[reportPrivateUsage]
        failed = await batch_write(
            engine._call,  # pyright: ignore[reportPrivateUsage]
            self._writes,
            concurrency=engine._concurrency,  # pyright: ignore[reportPrivateUsage]
        )
        result = BatchResult()
        for position, (obj, kind) in enumerate(self._objects):
            error = failed.get(position)
            if error is not None:
                result.failed.append((obj, error))
            elif kind == "put":
                obj.__dict__[SNAPSHOT] = self._writes[position][1]["PutRequest"]["Item"]
                result.written.append(obj)
            else:
                obj.__dict__.pop(SNAPSHOT, None)
                result.deleted.append(obj)
        self.result = result
        if result.failed:
            raise BatchWriteError(result)
        return result

    async def commit(self) -> BatchResult:
        """
        The same as :meth:`send`.
        """
        return await self.send()


async def put_all(engine: Engine, objs: Iterable[Any]) -> BatchResult:
    batch = Batch(engine)
    batch.put(*objs)
    return await batch.send()


async def delete_all(engine: Engine, objs: Iterable[Any]) -> BatchResult:
    batch = Batch(engine)
    batch.delete(*objs)
    return await batch.send()
