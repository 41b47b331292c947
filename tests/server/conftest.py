"""
Fixtures for tests against a real DynamoDB over HTTP: one moto server for the whole session, and per test an
engine whose table names carry a fresh prefix, so tests never see each other's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from adyn import Engine
from adyn.local import LocalDynamoDB


@pytest.fixture(scope="session")
def local_dynamodb() -> Iterator[LocalDynamoDB]:
    """The moto DynamoDB server, started once per test session on 127.0.0.1."""
    with LocalDynamoDB() as local:
        yield local


@pytest.fixture(params=["fast", "stock"])
def engine_options(local_dynamodb: LocalDynamoDB, request: pytest.FixtureRequest) -> dict[str, Any]:
    """
    Options for an engine on the local server: one attempt per call, so a server error fails at once. Every
    server test runs twice, with adyn's fast response parser and with botocore's: they must behave the same.
    """
    prefix = uuid.uuid4().hex[:10]
    return {
        **local_dynamodb.engine_options(),
        "retries": 1,
        "table_name_template": f"{prefix}-{{table_name}}",
        "fast_parser": request.param == "fast",
    }


@pytest.fixture
async def engine(engine_options: dict[str, Any]) -> AsyncIterator[Engine]:
    """An open engine with a per-test table prefix, closed after the test."""
    engine = Engine(**engine_options)
    await engine.open()
    try:
        yield engine
    finally:
        await engine.close()


class Recorder:
    """Records the operations and requests an engine sends (through its request hook)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, operation: str, request: dict[str, Any]) -> None:
        self.calls.append((operation, request))

    @property
    def operations(self) -> list[str]:
        return [op for op, _ in self.calls]

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def recorder(engine: Engine) -> Recorder:
    """The requests `engine` sends from now on."""
    recorder = Recorder()
    engine.hooks.request.append(recorder)
    return recorder
