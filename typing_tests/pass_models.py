# pyright: strict
"""
The public API's types as a plain mypy or pyright run (no plugin) sees them. Type-checked only, never run.

Every line that must be rejected carries both checkers' suppressions for the exact error, so if the error ever stops
happening the now-unused suppression fails the build (mypy's warn_unused_ignores, pyright's
reportUnnecessaryTypeIgnoreComment).
"""

from __future__ import annotations

import uuid
from typing import Any

import pendulum
from typing_extensions import assert_type

from adyn import Action, Column, Condition, Document, GlobalSecondaryIndex, Model, Path, Size, column
from adyn.types import DateTime


class Address(Document):
    city: Column[str] = column()


class Post(Model):
    id: Column[uuid.UUID] = column(hash_key=True)
    views: Column[int] = column(name="v", default=0)
    content: Column[str | None] = column(default=None)
    date: Column[pendulum.DateTime] = column(DateTime(timezone="US/Pacific"))
    tags: Column[set[str]] = column(factory=set)
    address: Column[Address | None] = column(default=None)
    by_views = GlobalSecondaryIndex(hash_key="views")


def instances() -> None:
    post = Post(id=uuid.uuid4(), date=pendulum.now(), views=3)
    assert_type(post.id, uuid.UUID)
    assert_type(post.views, int)
    assert_type(post.content, str | None)
    assert_type(post.date, pendulum.DateTime)
    assert_type(post.tags, set[str])
    assert_type(post.address, Address | None)
    post.views = 4
    post.content = None
    post.content = "text"
    post.address = Address(city="Paris")
    assert_type(Post.from_dict({}), Post)
    assert_type(post.to_dict(), dict[str, Any])


def classes() -> None:
    assert_type(Post.views, Column[int])
    assert_type(Post.content, Column[str | None])
    assert_type(Post.views > 3, Condition)
    assert_type(Post.views == 3, Condition)
    assert_type(Post.views != 3, Condition)
    assert_type(Post.content == None, Condition)  # noqa: E711 - builds attribute_not_exists
    assert_type((Post.views > 3) & (Post.content == "x"), Condition)
    assert_type(~(Post.views <= 3) | Post.content.exists(), Condition)
    assert_type(Post.views < Post.views, Condition)
    assert_type(Post.views.between(1, 5), Condition)
    assert_type(Post.views.in_(1, 2, 3), Condition)
    assert_type(Post.views.in_([1, 2]), Condition)
    assert_type(Post.views.in_((1, 2)), Condition)
    assert_type(Post.views.in_({1, 2}), Condition)
    assert_type(Post.tags.contains("a"), Condition)
    assert_type(Post.tags.size(), Size)
    assert_type(Post.tags.size() >= 2, Condition)
    assert_type(Post.address["city"], Path[Any])
    assert_type(Post.address["city"] == "Paris", Condition)
    assert_type(Post.views.set(4), Action)
    assert_type(Post.views.increment(), Action)
    assert_type(Post.tags.add({"b"}), Action)
    assert_type(Post.content.remove(), Action)
    assert_type(Post.by_views, GlobalSecondaryIndex)


def rejected() -> None:
    post = Post(id=uuid.uuid4(), date=pendulum.now())
    # A value of the wrong type, to __init__ and on assignment; an unknown keyword; a positional argument (the
    # __init__ is keyword-only); an ordering comparison with the wrong type; an optional column used unchecked.
    Post(id=uuid.uuid4(), date=pendulum.now(), views="x")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    post.views = "x"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
    Post(id=uuid.uuid4(), date=pendulum.now(), nosuch=1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    Post(uuid.uuid4(), date=pendulum.now())  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    # (An assert, since a bare comparison is a lint error and binding the failed result gives pyright an unknown.)
    assert Post.views > "x"  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue]
    post.content.upper()  # type: ignore[union-attr]  # pyright: ignore[reportOptionalMemberAccess]
