# pyright: strict
"""
The types of ``engine.stream()`` and its records as a plain mypy or pyright run sees them. Type-checked only, never
run.
"""

from __future__ import annotations

import datetime
from typing import Any

import pendulum
from typing_extensions import assert_type

from adyn import Column, Engine, Model, Record, Stream, column


class Post(Model):
    class Meta:
        stream = "new_and_old"

    id: Column[str] = column(hash_key=True)


class Comment(Model):
    class Meta:
        table_name = "Post"
        stream = "new_and_old"

    id: Column[str] = column(hash_key=True)


def resolve(image: dict[str, Any]) -> type[Model] | None:
    return Comment if image["id"]["S"].startswith("c#") else Post


async def streams(engine: Engine) -> None:
    stream = engine.stream(Post, position="trim_horizon", poll_interval=0.5)
    assert_type(stream, Stream[Post])
    assert_type(stream.token, str | None)
    async for record in stream:
        assert_type(record, Record[Post])
        assert_type(record.new, Post | None)
        assert_type(record.old, Post | None)
        assert_type(record.created, pendulum.DateTime)
        assert_type(record.keys, dict[str, Any])
        assert_type(record.sequence_number, str)
    engine.stream(Post, position=datetime.datetime.now(datetime.timezone.utc))
    engine.stream(Post, position=stream.token or "latest")

    mixed = engine.stream(Post, resolver=resolve)
    assert_type(mixed, Stream[Model])
    async with mixed:
        async for change in mixed:
            assert_type(change, Record[Model])
            assert_type(change.new, Model | None)
            if isinstance(change.new, Comment):
                assert_type(change.new, Comment)
