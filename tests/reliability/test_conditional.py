"""
Conditional writes retried after a read timeout. The timed-out attempt was applied (the proxy forwarded it and
held the response), so the retry meets the item the first attempt wrote: a conditional write reports its condition
failed instead of applying twice, an unconditional increment applies twice (DynamoDB's own behaviour), and a
transaction is retried with the same client request token, which makes DynamoDB apply it once.

See docs/failures.md. They run on moto: dynalite returns no item with a failed condition (ReturnValuesOnConditionCheckFailure)
and has no transactions.
"""

from __future__ import annotations

import pytest

from adyn import ConditionFailed, ItemExists, VersionConflict
from tests.faults import Rule
from tests.reliability.conftest import Harness
from tests.reliability.models import Counter, Doc, Thing

#: Long enough that a real response never hits it on a loaded machine: an extra attempt would change the counts.
READ_TIMEOUT = 1.0


def timeout_first(operation: str) -> Rule:
    """The first send of each distinct request of `operation` is applied but its response never comes."""
    return Rule("timeout", operation=operation, attempts=1)


async def test_create_retried_after_timeout_reports_the_item_it_wrote(on_moto: Harness) -> None:
    """
    create() whose first attempt applied but timed out: the retry finds the item and raises ItemExists carrying
    the stored item, which is the object's own; the item is stored once.
    """
    proxy = await on_moto.proxy(rules=[timeout_first("PutItem")])
    engine = await on_moto.engine(proxy, Thing, read_timeout=READ_TIMEOUT)
    thing = Thing(id=1, payload="mine")
    with pytest.raises(ItemExists) as raised:
        await engine.create(thing)
    assert raised.value.item == thing
    assert [entry.fault for entry in proxy.log if entry.operation == "PutItem"] == ["timeout", None]
    direct = await on_moto.engine(None, Thing)
    assert await direct.scan(Thing).all() == [Thing(id=1, payload="mine")]


async def test_versioned_save_retried_after_timeout_raises_version_conflict(on_moto: Harness) -> None:
    """
    A versioned save whose first attempt applied but timed out: the retry's version check fails (VersionConflict,
    carrying the stored item, which holds the change), and the version went up once, not twice.
    """
    direct = await on_moto.engine(None, Doc)
    await direct.save(Doc(id="d", text="first"))
    proxy = await on_moto.proxy(rules=[timeout_first("UpdateItem")])
    engine = await on_moto.engine(proxy, Doc, read_timeout=READ_TIMEOUT)
    doc = await engine.get(Doc, "d")
    assert doc is not None
    assert doc.version == 1
    doc.text = "second"
    with pytest.raises(VersionConflict) as raised:
        await engine.save(doc)
    stored = raised.value.item
    assert stored is not None
    assert (stored.text, stored.version) == ("second", 2)
    assert await direct.get(Doc, "d", consistent=True) == Doc(id="d", text="second", version=2)


async def test_guarded_increment_retried_after_timeout_applies_once(on_moto: Harness) -> None:
    """An increment guarded by a condition on the old value applies once; the retry reports ConditionFailed."""
    direct = await on_moto.engine(None, Counter)
    await direct.put(Counter(id="c", count=0))
    proxy = await on_moto.proxy(rules=[timeout_first("UpdateItem")])
    engine = await on_moto.engine(proxy, Counter, read_timeout=READ_TIMEOUT)
    counter = Counter(id="c", count=0)
    with pytest.raises(ConditionFailed) as raised:
        await engine.update(counter, Counter.count.increment(), condition=Counter.count == 0)
    assert raised.value.item == Counter(id="c", count=1)
    assert await direct.get(Counter, "c", consistent=True) == Counter(id="c", count=1)


async def test_unconditional_increment_retried_after_timeout_applies_twice(on_moto: Harness) -> None:
    """
    What a condition prevents: an unconditional increment whose first attempt applied but timed out is applied
    again by the retry. DynamoDB's UpdateItem is not idempotent; this pins the behaviour the docs describe.
    """
    direct = await on_moto.engine(None, Counter)
    await direct.put(Counter(id="c", count=0))
    proxy = await on_moto.proxy(rules=[timeout_first("UpdateItem")])
    engine = await on_moto.engine(proxy, Counter, read_timeout=READ_TIMEOUT)
    updated = await engine.update(Counter(id="c"), Counter.count.increment())
    assert updated == Counter(id="c", count=2)
    assert await direct.get(Counter, "c", consistent=True) == Counter(id="c", count=2)


async def test_transaction_retried_after_timeout_sends_the_same_token(on_moto: Harness) -> None:
    """
    A transaction whose first attempt timed out is sent again unchanged, with the same ClientRequestToken: within
    DynamoDB's 10-minute idempotency window the retry returns the first attempt's outcome instead of applying the
    writes again. (moto ignores the token; the retried writes here are idempotent puts, so the stored state is
    the same either way.)
    """
    proxy = await on_moto.proxy(rules=[timeout_first("TransactWriteItems")])
    engine = await on_moto.engine(proxy, Thing, Counter, read_timeout=READ_TIMEOUT)
    async with engine.transaction() as tx:
        tx.put(Thing(id=1, payload="a"))
        tx.put(Counter(id="c", count=5))
    sent = [entry for entry in proxy.log if entry.operation == "TransactWriteItems"]
    assert [entry.fault for entry in sent] == ["timeout", None]
    assert sent[0].body == sent[1].body
    assert sent[0].body["ClientRequestToken"] == tx.token
    direct = await on_moto.engine(None, Thing, Counter)
    assert await direct.get(Thing, 1) == Thing(id=1, payload="a")
    assert await direct.get(Counter, "c") == Counter(id="c", count=5)
