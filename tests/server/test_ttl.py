"""
TTL: tables bound with Meta.ttl have TTL enabled, and an engine option hides items whose TTL has passed.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from adyn import Column, Engine, MissingObjects, Model, column
from adyn.types import Timestamp

pytestmark = pytest.mark.needs("ttl")


class Session(Model):
    class Meta:
        ttl = "expires"

    id: Column[str] = column(hash_key=True)
    user: Column[str] = column(default="u")
    expires: Column[pendulum.DateTime | None] = column(Timestamp(), default=None)


@pytest.fixture
async def sessions(engine_options: dict[str, Any]) -> list[Session]:
    """Three sessions written through an engine that hides nothing: expired, live, and without a TTL."""
    now = pendulum.now("UTC")
    rows = [
        Session(id="old", expires=now.subtract(hours=1)),
        Session(id="live", expires=now.add(hours=1)),
        Session(id="forever"),
    ]
    async with Engine(**engine_options) as engine:
        await engine.bind(Session)
        await engine.put(*rows)
    return rows


async def test_bind_enables_ttl(engine: Engine) -> None:
    """bind() turns TTL on for the Meta.ttl attribute of a table it creates."""
    await engine.bind(Session)
    response = await engine._call("DescribeTimeToLive", {"TableName": engine.table_name(Session)})
    description = response["TimeToLiveDescription"]
    assert description["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    assert description["AttributeName"] == "expires"


async def test_expired_items_visible_by_default(
    engine_options: dict[str, Any], sessions: list[Session]
) -> None:
    """Without hide_expired, reads return items past their TTL that DynamoDB has not deleted yet."""
    async with Engine(**engine_options) as engine:
        await engine.bind(Session)
        assert await engine.get(Session, "old") is not None
        assert {s.id for s in await engine.scan(Session).all()} == {"old", "live", "forever"}


async def test_hide_expired(engine_options: dict[str, Any], sessions: list[Session]) -> None:
    """With hide_expired, get, load, scans and read transactions treat expired items as absent."""
    async with Engine(**engine_options, hide_expired=True) as engine:
        await engine.bind(Session)
        assert await engine.get(Session, "old") is None
        assert await engine.get(Session, "live") is not None
        old, live = Session(id="old"), Session(id="live")
        with pytest.raises(MissingObjects) as info:
            await engine.load(old, live)
        assert info.value.objects == [old]
        scan = engine.scan(Session)
        assert "attribute_not_exists" in scan.request()["FilterExpression"]
        assert {s.id for s in await scan.all()} == {"live", "forever"}
        assert await scan.count() == 2
        with pytest.raises(MissingObjects):
            async with engine.transaction(read=True) as rx:
                rx.load(Session(id="old"))
