"""
The forum walkthrough: users and posts, a global index by user, conditional create, optimistic view counts, an
edit guarded by an authorization check, loading several objects at once, and a timezone-aware date query.

    python -m adyn.demo                                  # against an embedded local DynamoDB (moto)
    python -m adyn.demo --endpoint-url http://host:8000  # against another DynamoDB endpoint
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pendulum

from adyn import (
    Column,
    ConditionFailed,
    Engine,
    GlobalSecondaryIndex,
    ItemExists,
    Model,
    column,
)
from adyn.local import LOCAL_CREDENTIALS, LocalDynamoDB
from adyn.types import DateTime


class User(Model):
    class Meta:
        table_name = "users"

    id: Column[uuid.UUID] = column(hash_key=True)
    name: Column[str] = column()
    admin: Column[bool] = column(name="a", default=False)


class Post(Model):
    class Meta:
        table_name = "posts"

    id: Column[uuid.UUID] = column(hash_key=True)
    user: Column[uuid.UUID] = column(name="u")
    date: Column[pendulum.DateTime] = column(DateTime(timezone="US/Pacific"), name="d")
    views: Column[int] = column(name="v", default=0)
    content: Column[str | None] = column(name="c", default=None)
    tags: Column[set[str]] = column(factory=set)

    by_user = GlobalSecondaryIndex(hash_key="user", range_key="date", projection="all")


def say(text: str) -> None:
    print(f"· {text}")


async def create_user(engine: Engine, name: str, *, admin: bool = False) -> User:
    """Create a user, refusing to overwrite an existing id."""
    user = User(id=uuid.uuid4(), name=name, admin=admin)
    await engine.create(user)
    return user


async def increment_views(engine: Engine, post_id: uuid.UUID) -> Post:
    """Load a post and add one view, only if nobody else changed the count meanwhile (retrying if they did)."""
    while True:
        post = await engine.get(Post, post_id)
        assert post is not None
        post.views += 1
        try:
            await engine.save(post, condition=Post.views == post.views - 1)
        except ConditionFailed:
            continue
        return post


async def edit(engine: Engine, user_id: uuid.UUID, post_id: uuid.UUID, content: str) -> None:
    """Change a post's content if the user wrote it or is an admin."""
    user = User(id=user_id, name="")
    post = Post(id=post_id, user=user_id, date=pendulum.now())
    await engine.load(user, post)  # one BatchGetItem for both tables
    if not user.admin and post.user != user.id:
        raise PermissionError(f"{user.name} may not edit this post")
    post.content = content
    post.date = pendulum.now("Europe/Paris")  # any zone: stored in UTC, loaded in the column's zone
    await engine.save(post)


async def walkthrough(engine: Engine) -> None:
    await engine.bind(User, Post)
    say(f"bound {engine.table_name(User)!r} and {engine.table_name(Post)!r} (created, ACTIVE, validated)")

    alice = await create_user(engine, "alice")
    admin = await create_user(engine, "root", admin=True)
    say(f"created users {alice.name} and {admin.name} (admin)")
    try:
        await engine.create(User(id=alice.id, name="impostor"))
    except ItemExists as exc:
        say(f"creating another user with alice's id failed: the stored item is {exc.item!r}")

    start = pendulum.now("UTC").subtract(days=3)
    posts = [
        Post(
            id=uuid.uuid4(), user=alice.id, date=start.add(hours=12 * i), content=f"post {i}", tags={"intro"}
        )
        for i in range(6)
    ]
    await engine.save(*posts)
    say(f"saved {len(posts)} posts concurrently")

    counted = await asyncio.gather(*(increment_views(engine, posts[0].id) for _ in range(5)))
    say(f"5 concurrent optimistic increments -> views = {max(p.views for p in counted)}")

    await edit(engine, alice.id, posts[1].id, "edited by its author")
    say("alice edited her post")
    intruder = await create_user(engine, "mallory")
    try:
        await edit(engine, intruder.id, posts[1].id, "defaced")
    except PermissionError as exc:
        say(f"mallory was refused: {exc}")
    await edit(engine, admin.id, posts[2].id, "moderated")
    say("the admin edited another post")

    loaded = [Post(id=p.id, user=p.user, date=p.date) for p in posts]
    await engine.load(*loaded)
    say(f"loaded {len(loaded)} posts at once; views: {[p.views for p in loaded]}")

    # Posts of the last day, asked in Tokyo time: the condition is compared in UTC on the server.
    now_tokyo = pendulum.now("Asia/Tokyo")
    recent = engine.query(
        Post.by_user, key=(Post.user == alice.id) & Post.date.between(now_tokyo.subtract(days=1), now_tokyo)
    )
    print(f"  request: {recent.request()}")
    found = await recent.all()
    say(f"{len(found)} post(s) by alice in the last day (dates shown in the column's zone, US/Pacific):")
    for post in found:
        print(f"    {post.date.to_iso8601_string()}  {post.content}")

    popular = await engine.scan(Post).filter(Post.views > 0).all()
    say(f"scan with a filter: {len(popular)} post(s) with views")
    page = await anext(aiter(engine.scan(Post).page_size(2).pages()))
    say(f"first page of 2, resumable with token {page.token[:16] if page.token else None}...")

    await engine.delete(*posts)
    say("deleted the posts")


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m adyn.demo", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--endpoint-url", help="a DynamoDB endpoint (default: start an embedded local server)"
    )
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    options: dict[str, Any] = {"table_name_template": f"demo-{uuid.uuid4().hex[:6]}-{{table_name}}"}
    if args.endpoint_url:
        async with Engine(endpoint_url=args.endpoint_url, region=args.region, **options) as engine:
            await walkthrough(engine)
            await engine.delete_tables(User, Post)
        return
    async with LocalDynamoDB() as local:
        say(f"started a local DynamoDB at {local.endpoint_url}")
        async with Engine(**local.engine_options(), **options) as engine:
            await walkthrough(engine)
    say("done; the local server is stopped")


__all__ = ["LOCAL_CREDENTIALS", "Post", "User", "main"]

if __name__ == "__main__":
    asyncio.run(main())
