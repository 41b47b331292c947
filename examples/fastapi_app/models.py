"""
The forum models the example apps serve, their JSON form, and the engine configuration read from the environment.

Nothing here depends on a web framework: the FastAPI and the aiohttp examples both import it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncGenerator
from typing import Any, cast

import pendulum

from adyn import Column, Engine, GlobalSecondaryIndex, Model, Page, column
from adyn.types import DateTime, Email


class User(Model):
    class Meta:
        table_name = "users"

    id: Column[uuid.UUID] = column(hash_key=True)
    name: Column[str] = column()
    email: Column[str | None] = column(Email(), default=None)  # adyn rejects a bad address: InvalidValue


class Post(Model):
    class Meta:
        table_name = "posts"

    id: Column[uuid.UUID] = column(hash_key=True)
    user: Column[uuid.UUID] = column(name="u")
    date: Column[pendulum.DateTime] = column(DateTime(), name="d")
    content: Column[str] = column(name="c", default="")
    tags: Column[set[str]] = column(factory=set)
    # Optimistic locking: every write checks the stored version and increments it (VersionConflict if stale).
    version: Column[int | None] = column(version=True, default=None)

    by_user = GlobalSecondaryIndex(hash_key="user", range_key="date", projection="all")


MODELS: tuple[type[Model], ...] = (User, Post)


def engine_options_from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """
    Engine options from the environment: ``ADYN_ENDPOINT_URL`` (another DynamoDB, a local one say),
    ``ADYN_REGION`` (else the AWS chain's region) and ``ADYN_TABLE_TEMPLATE`` (``"prod-{table_name}"``).
    """
    env = os.environ if environ is None else environ
    options: dict[str, Any] = {}
    if env.get("ADYN_ENDPOINT_URL"):
        options["endpoint_url"] = env["ADYN_ENDPOINT_URL"]
    if env.get("ADYN_REGION"):
        options["region"] = env["ADYN_REGION"]
    if env.get("ADYN_TABLE_TEMPLATE"):
        options["table_name_template"] = env["ADYN_TABLE_TEMPLATE"]
    return options


def user_json(user: User) -> dict[str, Any]:
    return {"id": str(user.id), "name": user.name, "email": user.email}


def post_json(post: Post) -> dict[str, Any]:
    return {
        "id": str(post.id),
        "user": str(post.user),
        "date": post.date.in_timezone("UTC").to_iso8601_string(),
        "content": post.content,
        "tags": sorted(post.tags),
        "version": post.version,
    }


def parse_version(value: str) -> int:
    """
    A version from an ``If-Match`` header: ``3``, ``"3"`` or ``W/"3"``; ValueError for anything else.
    """
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValueError(f"If-Match must carry a post's version, not {value!r}")
    return int(text)


async def posts_page(engine: Engine, user: uuid.UUID, limit: int, token: str | None) -> dict[str, Any]:
    """
    One page of a user's posts, oldest first, as ``{"items": [...], "next": token}``; `next` resumes after the
    page and is None after the last one. A `token` that is not one of this query's raises InvalidValue.
    """
    query = engine.query(Post.by_user, key=Post.user == user).page_size(limit)
    # Only this page is wanted: no prefetch of the next one, and the page iterator is closed at once.
    pages = cast("AsyncGenerator[Page[Post], None]", query.start(token).prefetch(0).pages())  # a generator
    try:
        page = await anext(pages, None)
    finally:
        await pages.aclose()
    if page is None:
        return {"items": [], "next": None}
    return {"items": [post_json(p) for p in page.items], "next": page.token}
