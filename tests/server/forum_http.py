"""
The HTTP scenarios both example apps (examples/fastapi_app and examples/aiohttp_app) must pass: the same endpoints,
statuses and bodies, whatever the framework. Each test module adapts its client to `Call`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from adyn import Engine


class Reply(Protocol):
    status: int
    body: Any
    headers: Mapping[str, str]


class Call(Protocol):
    def __call__(
        self, method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Awaitable[Reply]: ...


def counting_engine(opened: list[Engine]) -> type[Engine]:
    """An Engine subclass recording every engine opened into `opened`, to patch into an example app."""

    class CountingEngine(Engine):
        async def open(self) -> None:
            opened.append(self)
            await super().open()

    return CountingEngine


async def new_user(call: Call, name: str = "alice") -> str:
    reply = await call("POST", "/users", json={"name": name})
    assert reply.status == 201, reply.body
    user_id: str = reply.body["id"]
    return user_id


async def users(call: Call) -> None:
    user_id = str(uuid.uuid4())
    reply = await call("POST", "/users", json={"id": user_id, "name": "alice", "email": "alice@example.com"})
    assert reply.status == 201
    assert reply.body == {"id": user_id, "name": "alice", "email": "alice@example.com"}

    reply = await call("POST", "/users", json={"id": user_id, "name": "impostor"})
    assert reply.status == 409  # create() is conditional: ItemExists
    reply = await call("GET", f"/users/{user_id}")
    assert (reply.status, reply.body["name"]) == (200, "alice")  # the impostor did not overwrite her

    reply = await call("GET", f"/users/{uuid.uuid4()}")
    assert reply.status == 404

    reply = await call("POST", "/users", json={"name": "bob", "email": "not an email"})
    assert reply.status == 422  # adyn's InvalidValue, with its message
    assert "not an email address" in str(reply.body)
    reply = await call("POST", "/users", json={"email": "x@example.com"})
    assert reply.status == 422  # the framework's own validation: no name
    reply = await call("GET", "/users/not-a-uuid")
    assert reply.status == 422


async def posts(call: Call) -> None:
    author = await new_user(call, "alice")
    other = await new_user(call, "mallory")

    reply = await call("POST", "/posts", json={"user": str(uuid.uuid4()), "content": "orphan"})
    assert reply.status == 404
    post_id = str(uuid.uuid4())
    reply = await call("POST", "/posts", json={"id": post_id, "user": author, "content": "hi", "tags": ["a"]})
    assert reply.status == 201
    assert reply.body["version"] == 1
    assert reply.headers["etag"] == '"1"'
    reply = await call("POST", "/posts", json={"id": post_id, "user": author, "content": "again"})
    assert reply.status == 409

    reply = await call("GET", f"/posts/{post_id}")
    assert reply.status == 200
    assert (reply.body["content"], reply.body["tags"], reply.headers["etag"]) == ("hi", ["a"], '"1"')
    assert (await call("GET", f"/posts/{uuid.uuid4()}")).status == 404

    # Updates need the version the client last saw.
    reply = await call("PATCH", f"/posts/{post_id}", json={"content": "edited"})
    assert reply.status == 428
    reply = await call("PATCH", f"/posts/{post_id}", json={"content": "x"}, headers={"If-Match": "one"})
    assert reply.status == 422
    reply = await call("PATCH", f"/posts/{post_id}", json={"content": "edited"}, headers={"If-Match": '"1"'})
    assert (reply.status, reply.body["content"], reply.body["version"]) == (200, "edited", 2)
    assert reply.headers["etag"] == '"2"'
    # Another client still holding version 1 is refused, and changes nothing.
    reply = await call("PATCH", f"/posts/{post_id}", json={"content": "stale"}, headers={"If-Match": "1"})
    assert reply.status == 412
    reply = await call("PATCH", f"/posts/{post_id}", json={"content": "stale", "version": 1})
    assert reply.status == 412
    # The version as a body field; and a condition checked by DynamoDB (only the author may edit).
    reply = await call(
        "PATCH", f"/posts/{post_id}", json={"tags": ["b", "c"], "version": 2, "author": author}
    )
    assert (reply.status, reply.body["tags"], reply.body["version"]) == (200, ["b", "c"], 3)
    reply = await call(
        "PATCH", f"/posts/{post_id}", json={"content": "defaced", "version": 3, "author": other}
    )
    assert reply.status == 412  # ConditionFailed
    reply = await call("GET", f"/posts/{post_id}")
    assert (reply.body["content"], reply.body["version"]) == ("edited", 3)
    reply = await call("PATCH", f"/posts/{uuid.uuid4()}", json={"content": "x", "version": 1})
    assert reply.status == 404

    # Deletes: a stale If-Match is refused; the current one deletes.
    reply = await call("DELETE", f"/posts/{post_id}", headers={"If-Match": "2"})
    assert reply.status == 412
    reply = await call("DELETE", f"/posts/{post_id}", headers={"If-Match": "3"})
    assert reply.status == 204
    assert (await call("GET", f"/posts/{post_id}")).status == 404
    assert (await call("DELETE", f"/posts/{post_id}")).status == 404

    # Without If-Match, a delete happens at the version just read.
    reply = await call("POST", "/posts", json={"user": author, "content": "short-lived"})
    assert (await call("DELETE", f"/posts/{reply.body['id']}")).status == 204


async def pagination(call: Call) -> None:
    author = await new_user(call, "alice")
    someone_else = await new_user(call, "bob")
    created = []
    for i in range(5):
        reply = await call("POST", "/posts", json={"user": author, "content": f"post {i}"})
        assert reply.status == 201
        created.append(reply.body["id"])
    await call("POST", "/posts", json={"user": someone_else, "content": "not alice's"})

    seen: list[list[str]] = []
    token: str | None = None
    for _ in range(3):
        url = f"/users/{author}/posts?limit=2" + (f"&token={token}" if token else "")
        reply = await call("GET", url)
        assert reply.status == 200
        seen.append([p["id"] for p in reply.body["items"]])
        token = reply.body["next"]
        if len(seen) < 3:
            assert isinstance(token, str)
    assert token is None  # the third page is the last
    assert seen == [created[0:2], created[2:4], created[4:5]]  # oldest first, each post once

    reply = await call("GET", f"/users/{uuid.uuid4()}/posts")
    assert (reply.status, reply.body) == (200, {"items": [], "next": None})
    reply = await call("GET", f"/users/{author}/posts?token=garbage")
    assert reply.status == 422  # adyn's InvalidValue: not a continuation token
    assert "not a continuation token" in str(reply.body)
    reply = await call("GET", f"/users/{author}/posts?limit=0")
    assert reply.status == 422
    reply = await call("GET", f"/users/{author}/posts?limit=many")
    assert reply.status == 422
