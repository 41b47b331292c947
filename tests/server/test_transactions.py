"""
Transactions and optimistic locking against the server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adyn import (
    Column,
    ConditionFailed,
    Engine,
    InvalidExpression,
    InvalidModel,
    InvalidValue,
    ItemExists,
    MissingObjects,
    Model,
    TransactionCanceled,
    TransactionExpired,
    VersionConflict,
    column,
)
from adyn import _transactions as transactions


class Account(Model):
    id: Column[str] = column(hash_key=True)
    balance: Column[int] = column(default=0)
    owner: Column[str] = column(default="")


class Doc(Model):
    id: Column[str] = column(hash_key=True)
    text: Column[str] = column(default="")
    version: Column[int | None] = column(version=True, default=None)


@pytest.fixture
async def bound(engine: Engine) -> Engine:
    """The engine with Account and Doc bound."""
    await engine.bind(Account, Doc)
    return engine


async def stored(engine: Engine, model: Any, key: str) -> Any:
    return await engine.get(model, key, consistent=True)


class TestWriteTransactions:
    @pytest.mark.needs("transactions")
    async def test_commit_applies_everything(self, bound: Engine, recorder: Any) -> None:
        """A clean block commits every staged operation in one TransactWriteItems across tables."""
        a, b, c = Account(id="a", balance=10), Account(id="b", balance=5), Account(id="c")
        await bound.put(a, b, c)
        a.balance -= 3
        recorder.clear()
        async with bound.transaction() as tx:
            tx.save(a, condition=Account.balance >= 3)
            tx.update(b, Account.balance.increment(3))
            tx.create(Doc(id="receipt", text="a->b 3"))
            tx.check(c, Account.owner == "")
        assert recorder.operations == ["TransactWriteItems"]
        request = recorder.calls[0][1]
        assert [next(iter(e)) for e in request["TransactItems"]] == [
            "Update",
            "Update",
            "Put",
            "ConditionCheck",
        ]
        assert len(request["ClientRequestToken"]) == 32
        assert (await stored(bound, Account, "a")).balance == 7
        assert (await stored(bound, Account, "b")).balance == 8
        assert (await stored(bound, Doc, "receipt")).text == "a->b 3"

    async def test_exception_in_block_commits_nothing(self, bound: Engine, recorder: Any) -> None:
        """An exception inside the block sends nothing."""
        recorder.clear()
        with pytest.raises(RuntimeError):  # noqa: PT012 - raising inside the block is what is tested
            async with bound.transaction() as tx:
                tx.put(Account(id="x"))
                raise RuntimeError("abandon")
        assert recorder.calls == []
        assert await stored(bound, Account, "x") is None

    @pytest.mark.needs("transactions")
    async def test_cancellation_reasons_line_up(self, bound: Engine) -> None:
        """A canceled transaction writes nothing and gives one reason per operation, in order, with the item."""
        await bound.put(Account(id="a", balance=1), Account(id="b", balance=2))
        with pytest.raises(TransactionCanceled) as info:  # noqa: PT012 - the block's commit is what fails
            async with bound.transaction() as tx:
                tx.put(Account(id="c", balance=3))
                tx.update(Account(id="a"), Account.balance.increment(1), condition=Account.balance > 100)
                tx.create(Account(id="b"))
        reasons = info.value.reasons
        assert [(r.operation, r.code) for r in reasons] == [
            ("put", "None"),
            ("update", "ConditionalCheckFailed"),
            ("create", "ConditionalCheckFailed"),
        ]
        assert reasons[1].item == Account(id="a", balance=1)
        failed = info.value.conditions_failed
        assert [type(e) for e in failed] == [ConditionFailed, ItemExists]
        assert failed[1].item == Account(id="b", balance=2)
        assert await stored(bound, Account, "c") is None
        assert (await stored(bound, Account, "a")).balance == 1

    async def test_same_item_twice_rejected_before_sending(self, bound: Engine, recorder: Any) -> None:
        """Staging the same item twice raises at once; nothing is sent."""
        recorder.clear()
        tx = bound.transaction()
        tx.put(Account(id="a"))
        with pytest.raises(InvalidValue, match="already in the transaction"):
            tx.delete(Account(id="a"))
        assert recorder.calls == []

    async def test_at_most_100_operations(self, bound: Engine) -> None:
        """The 101st operation is refused before sending."""
        tx = bound.transaction()
        for i in range(100):
            tx.put(Account(id=str(i)))
        with pytest.raises(InvalidValue, match="at most 100"):
            tx.put(Account(id="100"))

    @pytest.mark.needs("transactions")
    async def test_snapshots_only_after_commit(self, bound: Engine) -> None:
        """Objects are marked saved only once the commit succeeded."""
        account = Account(id="a", balance=1)
        await bound.put(account)
        account.balance = 2
        with pytest.raises(TransactionCanceled):
            async with bound.transaction() as tx:
                tx.save(account, condition=Account.owner == "someone")
        async with bound.transaction() as tx:
            tx.save(account)  # still a change to send: the failed commit did not mark it saved
        assert (await stored(bound, Account, "a")).balance == 2
        async with bound.transaction() as tx:
            tx.save(account)  # now unchanged: nothing staged
        assert tx.request()["TransactItems"] == []

    @pytest.mark.needs("transactions")
    async def test_prepared_commit_is_repeatable(self, bound: Engine, recorder: Any) -> None:
        """A prepared transaction commits again with the same client request token."""
        tx = bound.transaction()
        tx.put(Account(id="a", balance=7))
        prepared = tx.prepare()
        await prepared.commit()
        await prepared.commit()
        tokens = [r["ClientRequestToken"] for op, r in recorder.calls if op == "TransactWriteItems"]
        assert tokens == [prepared.token, prepared.token]
        assert (await stored(bound, Account, "a")).balance == 7

    async def test_expired_prepared_transaction_refused(self, bound: Engine, recorder: Any) -> None:
        """A prepared transaction past its idempotency window raises TransactionExpired without sending."""
        tx = bound.transaction()
        tx.put(Account(id="a"))
        prepared = tx.prepare()
        prepared.prepared_at -= transactions.IDEMPOTENCY_WINDOW
        recorder.clear()
        with pytest.raises(TransactionExpired):
            await prepared.commit()
        assert recorder.calls == []

    @pytest.mark.needs("transactions")
    async def test_conflicts_are_retried(self, bound: Engine) -> None:
        """A transaction canceled only for TransactionConflict is retried with backoff and then succeeds."""
        attempts: list[int] = []

        def conflict_once(operation: str, request: dict[str, Any]) -> None:
            if operation == "TransactWriteItems":
                attempts.append(1)
                if len(attempts) == 1:
                    raise transactions.TransactionCanceled(
                        "conflict", [{"Code": "TransactionConflict", "Message": "busy"}], []
                    )

        bound.hooks.request.append(conflict_once)
        async with bound.transaction() as tx:
            tx.put(Account(id="a", balance=1))
        assert len(attempts) == 2
        assert (await stored(bound, Account, "a")).balance == 1


@pytest.mark.needs("transactions")
class TestReadTransactions:
    async def test_read_transaction_fills_objects(self, bound: Engine, recorder: Any) -> None:
        """A read transaction fills every object from one TransactGetItems."""
        await bound.put(Account(id="a", balance=1), Doc(id="d", text="t"))
        a, d = Account(id="a"), Doc(id="d")
        recorder.clear()
        async with bound.transaction(read=True) as rx:
            rx.load(a, d)
        assert recorder.operations == ["TransactGetItems"]
        assert a.balance == 1
        assert d.text == "t"

    async def test_read_transaction_missing(self, bound: Engine) -> None:
        """Objects with no item are reported by MissingObjects; the others are filled."""
        await bound.put(Account(id="a", balance=4))
        a, ghost = Account(id="a"), Account(id="ghost")
        with pytest.raises(MissingObjects) as info:
            async with bound.transaction(read=True) as rx:
                rx.load(a, ghost)
        assert info.value.objects == [ghost]
        assert a.balance == 4


class TestVersions:
    async def test_versions_increment_on_every_write(self, bound: Engine, recorder: Any) -> None:
        """Each save checks the stored version and increments it."""
        doc = Doc(id="d", text="one")
        await bound.save(doc)
        assert doc.version == 1
        doc.text = "two"
        await bound.save(doc)
        assert doc.version == 2
        request = recorder.calls[-1][1]
        names = {v: k for k, v in request["ExpressionAttributeNames"].items()}
        values = request["ExpressionAttributeValues"]
        condition_ref, value_ref = request["ConditionExpression"].split(" = ")
        assert condition_ref == names["version"]
        assert values[value_ref] == {"N": "1"}
        assert "#n1 = :v1" in request["UpdateExpression"]
        assert values[":v1"] == {"N": "2"}
        assert (await stored(bound, Doc, "d")).version == 2

    @pytest.mark.needs("condition_item")
    async def test_stale_object_raises_version_conflict(self, bound: Engine) -> None:
        """Two writers: the second, holding a stale version, gets VersionConflict with the stored item."""
        await bound.save(Doc(id="d", text="v1"))
        first, second = Doc(id="d"), Doc(id="d")
        await bound.load(first, second)
        first.text = "first"
        second.text = "second"
        await bound.save(first)
        with pytest.raises(VersionConflict) as info:
            await bound.save(second)
        assert info.value.item == Doc(id="d", text="first", version=2)
        assert second.version == 1  # untouched by the failed write
        assert isinstance(info.value, ConditionFailed)

    async def test_concurrent_writers_exactly_one_wins(self, bound: Engine) -> None:
        """Of several writers racing from the same version, exactly one wins; the others conflict."""
        await bound.save(Doc(id="d"))
        racers = [Doc(id="d") for _ in range(5)]
        await bound.load(*racers)
        for i, racer in enumerate(racers):
            racer.text = str(i)
        results = await asyncio.gather(*(bound.save(r) for r in racers), return_exceptions=True)
        assert sum(r is None for r in results) == 1
        assert sum(isinstance(r, VersionConflict) for r in results) == 4
        assert (await stored(bound, Doc, "d")).version == 2

    @pytest.mark.needs("condition_item")
    async def test_versioned_put_delete_update(self, bound: Engine) -> None:
        """put, update and delete check versions too; a new object expects no stored version."""
        doc = Doc(id="d")
        await bound.put(doc)
        assert doc.version == 1
        with pytest.raises(VersionConflict):
            await bound.put(Doc(id="d"))
        await bound.update(doc, Doc.text.set("u"))
        assert doc.version == 2
        stale = Doc(id="d", version=1)
        with pytest.raises(VersionConflict):
            await bound.delete(stale)
        with pytest.raises(InvalidExpression, match="managed"):
            await bound.update(doc, Doc.version.set(9))
        await bound.delete(doc)
        assert await stored(bound, Doc, "d") is None

    @pytest.mark.needs("transactions")
    async def test_versions_in_transactions(self, bound: Engine) -> None:
        """A transaction checks and increments versions; a stale one cancels with a VersionConflict reason."""
        doc = Doc(id="d")
        async with bound.transaction() as tx:
            tx.save(doc)
        assert doc.version == 1
        stale = Doc(id="d", text="x", version=0)
        with pytest.raises(TransactionCanceled) as info:
            async with bound.transaction() as tx:
                tx.save(stale)
        assert [type(e) for e in info.value.conditions_failed] == [VersionConflict]

    async def test_batch_writes_of_versioned_models_refused(self, bound: Engine) -> None:
        """BatchWriteItem cannot check versions, so batch writes of versioned models are refused."""
        with pytest.raises(InvalidValue, match="versioned"):
            await bound.put_all(Doc(id="d"))

    async def test_version_column_must_be_int(self) -> None:
        """A non-int version column fails at class definition."""
        with pytest.raises(InvalidModel, match="version column must be an int"):

            class Bad(Model):
                id: Column[str] = column(hash_key=True)
                version: Column[str] = column(version=True)
