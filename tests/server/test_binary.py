"""
Binary keys and values through every read path: the fast parser hands binary values over as base64 text, the
stock parser as bytes, and both must give the same objects, keys, tokens and resent requests.
"""

from __future__ import annotations

import pytest

from adyn import Column, Engine, Model, column


class Blob(Model):
    h: Column[bytes] = column(hash_key=True)
    r: Column[bytes] = column(range_key=True)
    data: Column[bytes | None] = column(default=None)
    chunks: Column[set[bytes]] = column(factory=set)


@pytest.fixture
async def blobs(engine: Engine) -> list[Blob]:
    """24 items under two binary hash keys, with binary range keys, values and sets."""
    await engine.bind(Blob)
    rows = [
        Blob(h=bytes([i % 2]), r=bytes([i, 255]), data=bytes(range(i)), chunks={bytes([i]), b"\x00\xff"})
        for i in range(24)
    ]
    await engine.save(*rows)
    return rows


async def test_get_and_batch_load(engine: Engine, blobs: list[Blob]) -> None:
    """get() and a BatchGetItem load return binary values and sets as bytes, matching by binary keys."""
    assert await engine.get(Blob, (bytes([1]), bytes([3, 255]))) == blobs[3]
    copies = [Blob(h=b.h, r=b.r) for b in blobs]
    await engine.load(*copies)
    assert copies == blobs


async def test_query_pages_and_tokens(engine: Engine, blobs: list[Blob]) -> None:
    """Paged queries follow binary LastEvaluatedKeys, and tokens with binary keys resume exactly."""
    q = engine.query(Blob, key=Blob.h == bytes([0])).page_size(5)
    found = await q.all()
    assert found == [b for b in blobs if b.h == bytes([0])]
    page = await anext(aiter(q.pages()))
    rest = await q.start(page.token).all()
    assert page.items + rest == found


async def test_scan_pages_and_unchanged_save(engine: Engine, blobs: list[Blob], recorder: object) -> None:
    """A paged scan returns every item once, and saving an unchanged loaded object sends nothing."""
    # One segment: moto's parallel scan fails on binary hash keys (it hashes the key as text).
    found = await engine.scan(Blob).page_size(4).all()
    assert sorted(found, key=lambda b: (b.h, b.r)) == sorted(blobs, key=lambda b: (b.h, b.r))
    recorder.clear()  # type: ignore[attr-defined]
    await engine.save(*found)
    assert recorder.calls == []  # type: ignore[attr-defined]
    found[0].chunks.add(b"new")
    await engine.save(found[0])
    stored = await engine.get(Blob, (found[0].h, found[0].r))
    assert stored is not None
    assert b"new" in stored.chunks
