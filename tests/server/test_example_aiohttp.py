"""
examples/aiohttp_app against the moto server, through aiohttp's TestServer and TestClient (which run the app's
startup and its cleanup_ctx).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from examples.aiohttp_app import app as aiohttp_example
from examples.aiohttp_app.app import ENGINE, create_app

from adyn import Engine
from adyn.local import LocalDynamoDB
from tests.server import forum_http


@pytest.fixture
def options(local_dynamodb: LocalDynamoDB) -> dict[str, Any]:
    return {
        **local_dynamodb.engine_options(),
        "retries": 1,
        "table_name_template": f"{uuid.uuid4().hex[:10]}-{{table_name}}",
    }


@asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The app started on a local port (cleanup_ctx entered) and a client for it; cleaned up on exit."""
    async with TestClient(TestServer(app)) as client:
        yield client


class Reply:
    def __init__(self, status: int, headers: Any, body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @classmethod
    async def read(cls, response: ClientResponse) -> Reply:
        async with response:
            text = await response.text()
            is_json = response.content_type == "application/json"
            return cls(response.status, response.headers, await response.json() if is_json else text or None)


@pytest.fixture
async def call(options: dict[str, Any]) -> AsyncIterator[forum_http.Call]:
    app = create_app(**options)
    async with running(app) as client:

        async def call(
            method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
        ) -> Reply:
            return await Reply.read(await client.request(method, url, json=json, headers=headers))

        yield call
    assert app[ENGINE].closed


@pytest.mark.needs("condition_item")  # create() of a taken id answers 409 from ItemExists
async def test_users(call: forum_http.Call) -> None:
    """Users: 201 on create, 409 on a taken id, 404 when missing, 422 for bad input."""
    await forum_http.users(call)


@pytest.mark.needs("condition_item")  # create() of a taken id answers 409 from ItemExists
async def test_posts(call: forum_http.Call) -> None:
    """Posts: created with a version, updated and deleted by version (412 when stale, 428 without one)."""
    await forum_http.posts(call)


async def test_pagination(call: forum_http.Call) -> None:
    """A user's posts come in pages linked by continuation tokens, the last with no next token."""
    await forum_http.pagination(call)


async def test_one_engine_per_app_closed_at_cleanup(
    options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app opens one engine in cleanup_ctx, every request uses it, and cleanup closes it."""
    engines: list[Engine] = []
    monkeypatch.setattr(aiohttp_example, "Engine", forum_http.counting_engine(engines))
    app = create_app(**options)
    assert engines == []
    async with running(app) as client:
        assert len(engines) == 1
        assert not engines[0].closed
        for name in ("a", "b", "c"):
            async with client.post("/users", json={"name": name}) as response:
                assert response.status == 201
        assert app[ENGINE] is engines[0]
    assert engines[0].closed
    assert len(engines) == 1
