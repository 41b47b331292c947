"""
Bulk writes and many-item forms against the server: batches, put_all/delete_all, get_many/delete_many.
"""

from __future__ import annotations

from typing import Any

import pytest

from adyn import BatchResult, Column, Engine, InvalidValue, Model, column


class Row(Model):
    h: Column[str] = column(hash_key=True)
    r: Column[int] = column(range_key=True)
    v: Column[int] = column(default=0)


class Tag(Model):
    name: Column[str] = column(hash_key=True)


@pytest.fixture
async def rows(engine: Engine) -> list[Row]:
    """60 rows, h in {"a", "b"}, r 0..59, v = r; plus the Tag table."""
    await engine.bind(Row, Tag)
    rows = [Row(h="ab"[i % 2], r=i, v=i) for i in range(60)]
    result = await engine.put_all(*rows)
    assert result.written == rows
    return rows


async def test_put_all_writes_in_chunks(engine: Engine, recorder: Any, rows: list[Row]) -> None:
    """put_all() writes every item with BatchWriteItem requests of at most 25 writes."""
    assert await engine.scan(Row).count() == 60
    recorder.clear()
    more = [Row(h="c", r=i) for i in range(30)]
    result = await engine.put_all(*more)
    assert result == BatchResult(written=more, deleted=[], failed=[])
    sizes = [
        sum(len(v) for v in r["RequestItems"].values()) for op, r in recorder.calls if op == "BatchWriteItem"
    ]
    assert sorted(sizes) == [5, 25]


async def test_batch_block_puts_and_deletes(engine: Engine, rows: list[Row]) -> None:
    """A batch block sends its puts and deletes on exit, across tables, and reports them."""
    async with engine.batch() as batch:
        batch.put(Row(h="z", r=1, v=7), Tag(name="x"))
        batch.delete(rows[0], rows[1])
    assert [type(o).__name__ for o in batch.result.written] == ["Row", "Tag"]
    assert batch.result.deleted == [rows[0], rows[1]]
    assert await engine.get(Row, ("z", 1)) == Row(h="z", r=1, v=7)
    assert await engine.get(Tag, "x") == Tag(name="x")
    assert await engine.get(Row, ("a", 0)) is None


async def test_batch_block_that_raises_writes_nothing(engine: Engine, recorder: Any, rows: list[Row]) -> None:
    """A batch block that raises sends nothing."""
    recorder.clear()
    with pytest.raises(RuntimeError):  # noqa: PT012 - raising inside the batch block is what is tested
        async with engine.batch() as batch:
            batch.put(Row(h="z", r=1))
            raise RuntimeError("abandon")
    assert recorder.calls == []
    assert await engine.get(Row, ("z", 1)) is None


async def test_same_key_twice_rejected(engine: Engine, rows: list[Row]) -> None:
    """Staging two writes to one key raises at once, naming the model."""
    async with engine.batch() as batch:
        batch.put(Row(h="z", r=1))
        with pytest.raises(InvalidValue, match="already in the batch") as info:
            batch.delete(Row(h="z", r=1))
        assert info.value.model is Row
    assert await engine.get(Row, ("z", 1)) == Row(h="z", r=1)


async def test_delete_all(engine: Engine, rows: list[Row]) -> None:
    """delete_all() deletes every given item."""
    result = await engine.delete_all(*rows[:40])
    assert result.deleted == rows[:40]
    assert await engine.scan(Row).count() == 20


async def test_get_many_by_keys(engine: Engine, rows: list[Row]) -> None:
    """get_many() takes tuples, dicts and instances, keeps their order and leaves missing keys out."""
    found = await engine.get_many(Row, [("b", 3), {"h": "a", "r": 0}, Row(h="a", r=4), ("a", 999)])
    assert [(o.h, o.r, o.v) for o in found] == [("b", 3, 3), ("a", 0, 0), ("a", 4, 4)]


async def test_get_many_by_condition(engine: Engine, rows: list[Row], recorder: Any) -> None:
    """get_many() with a key condition queries; with another condition it scans with a filter."""
    recorder.clear()
    by_key = await engine.get_many(Row, (Row.h == "b") & (Row.r < 10))
    assert [o.r for o in by_key] == [1, 3, 5, 7, 9]
    by_filter = await engine.get_many(Row, Row.v >= 55)
    assert sorted(o.r for o in by_filter) == [55, 56, 57, 58, 59]
    assert [op for op, _ in recorder.calls] == ["Query", "Scan"]


async def test_delete_many(engine: Engine, rows: list[Row]) -> None:
    """delete_many() deletes by a list of keys or by every item a condition matches."""
    result = await engine.delete_many(Row, [("a", 0), ("b", 1)])
    assert [(o.h, o.r) for o in result.deleted] == [("a", 0), ("b", 1)]
    result = await engine.delete_many(Row, Row.v >= 50)
    assert len(result.deleted) == 10
    result = await engine.delete_many(Row, Row.h == "a")
    assert len(result.deleted) == 24
    assert sorted(o.r for o in await engine.scan(Row).all()) == list(range(3, 50, 2))
