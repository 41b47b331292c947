"""
The fault layer itself (tests/faults.py): decisions are reproducible under a seed, schedules fire where they say,
and each fault reaches the client as the failure it stands for.
"""

from __future__ import annotations

import contextlib

import pytest

from adyn import DynamoDBError, RequestFailed, Throttled
from tests.faults import Kind, Rule
from tests.reliability.conftest import Harness
from tests.reliability.models import Thing


async def faults_for_gets(harness: Harness, seed: int) -> list[Kind | None]:
    """The faults a fresh proxy with `seed` gives 40 GetItem requests (sent one by one, never retried)."""
    proxy = await harness.proxy(seed=seed, rate=0.5, kinds={"throttle": 1, "503": 1})
    engine = await harness.engine(proxy, Thing, retries=1)
    for i in range(40):
        with contextlib.suppress(DynamoDBError):
            await engine.get(Thing, i)
    return [entry.fault for entry in proxy.log if entry.operation == "GetItem"]


async def test_same_seed_same_faults(on_dynalite: Harness) -> None:
    """Two proxies with one seed fault the same requests the same way; another seed does not."""
    first = await faults_for_gets(on_dynalite, seed=1)
    again = await faults_for_gets(on_dynalite, seed=1)
    other = await faults_for_gets(on_dynalite, seed=2)
    assert first == again
    assert first != other
    assert 10 < sum(f is not None for f in first) < 30


async def test_schedule_fails_the_nth_request(on_dynalite: Harness) -> None:
    """A rule with nth={3} fails the third request of its operation, and only that one."""
    proxy = await on_dynalite.proxy(rules=[Rule("throttle", operation="GetItem", nth={3})])
    engine = await on_dynalite.engine(proxy, Thing, retries=1)
    outcomes = []
    for i in range(5):
        try:
            await engine.get(Thing, i)
            outcomes.append("ok")
        except Throttled:
            outcomes.append("throttled")
    assert outcomes == ["ok", "ok", "throttled", "ok", "ok"]


async def test_schedule_fails_each_request_n_times(on_dynalite: Harness) -> None:
    """A rule with attempts=2 fails each distinct request twice: a third attempt goes through."""
    proxy = await on_dynalite.proxy(rules=[Rule("503", operation="PutItem", attempts=2)])
    engine = await on_dynalite.engine(proxy, Thing, retries=3)
    await engine.put(Thing(id=1), Thing(id=2))
    faults = [entry.fault for entry in proxy.log if entry.operation == "PutItem"]
    assert sorted(faults, key=str) == ["503", "503", "503", "503", None, None]


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("throttle", Throttled),
        ("throughput", Throttled),
        ("500", DynamoDBError),
        ("503", DynamoDBError),
        ("drop", RequestFailed),
        ("drop_after", RequestFailed),
        ("timeout", RequestFailed),
    ],
)
async def test_each_fault_reaches_the_client(
    on_dynalite: Harness, kind: Kind, error: type[Exception]
) -> None:
    """Without retries, each fault surfaces as its own error; the faults that forward have applied the write."""
    proxy = await on_dynalite.proxy(rules=[Rule(kind, operation="PutItem")])
    engine = await on_dynalite.engine(proxy, Thing, retries=1, read_timeout=0.5)
    with pytest.raises(error):
        await engine.put(Thing(id=1, payload="x"))
    direct = await on_dynalite.engine(None, Thing)
    applied = await direct.get(Thing, 1) is not None
    assert applied == (kind in {"500", "drop_after", "timeout"})


@pytest.mark.parametrize("fast_transport", [True, False])
async def test_response_failing_its_crc32_is_retried(on_dynalite: Harness, fast_transport: bool) -> None:
    """
    A response whose ``x-amz-crc32`` does not match its body is not used: the call is sent again (botocore's
    retry rule, kept by the fast transport's own request path), and the second response is.
    """
    proxy = await on_dynalite.proxy(rules=[Rule("crc32", operation="GetItem", times=1)])
    engine = await on_dynalite.engine(proxy, Thing, retries=2, fast_transport=fast_transport)
    await engine.put(Thing(id=1, payload="x"))
    assert await engine.get(Thing, 1) == Thing(id=1, payload="x")
    assert [entry.fault for entry in proxy.log if entry.operation == "GetItem"] == ["crc32", None]
