"""
examples/fastapi_app against the moto server, through httpx's ASGI transport, with the app's lifespan run.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from examples.fastapi_app import app as fastapi_example
from examples.fastapi_app.app import create_app
from fastapi import FastAPI

from adyn import Engine
from adyn.local import LocalDynamoDB
from tests.server import forum_http


@pytest.fixture
def options(local_dynamodb: LocalDynamoDB) -> dict[str, Any]:
    # One run per test (not one per parser mode): the apps are what is tested here.
    return {
        **local_dynamodb.engine_options(),
        "retries": 1,
        "table_name_template": f"{uuid.uuid4().hex[:10]}-{{table_name}}",
    }


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app started (its lifespan entered) and a client talking to it in-process; stopped on exit."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://forum") as client:
            yield client


class Reply:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.body = response.json() if response.content else None


@pytest.fixture
async def call(options: dict[str, Any]) -> AsyncIterator[forum_http.Call]:
    app = create_app(**options)
    async with running(app) as client:

        async def call(
            method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
        ) -> Reply:
            return Reply(await client.request(method, url, json=json, headers=headers))

        yield call
    assert app.state.engine.closed


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


async def test_one_engine_per_app_closed_at_shutdown(
    options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app opens one engine in its lifespan, every request uses it, and shutdown closes it."""
    engines: list[Engine] = []
    monkeypatch.setattr(fastapi_example, "Engine", forum_http.counting_engine(engines))
    app = create_app(**options)
    assert engines == []  # nothing opens before startup
    async with running(app) as client:
        assert len(engines) == 1
        assert not engines[0].closed
        for name in ("a", "b", "c"):
            assert (await client.post("/users", json={"name": name})).status_code == 201
        user = (await client.post("/users", json={"name": "d"})).json()["id"]
        assert (await client.get(f"/users/{user}")).status_code == 200
        assert len(engines) == 1  # every request used the app's engine
        assert app.state.engine is engines[0]
    assert engines[0].closed
    assert len(engines) == 1


def test_engine_options_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example apps read their engine settings from ADYN_* environment variables."""
    from examples.fastapi_app.models import engine_options_from_env

    assert engine_options_from_env({}) == {}
    env = {
        "ADYN_ENDPOINT_URL": "http://db:8000",
        "ADYN_REGION": "eu-west-1",
        "ADYN_TABLE_TEMPLATE": "t-{table_name}",
    }
    assert engine_options_from_env(env) == {
        "endpoint_url": "http://db:8000",
        "region": "eu-west-1",
        "table_name_template": "t-{table_name}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert engine_options_from_env() == engine_options_from_env(env)
