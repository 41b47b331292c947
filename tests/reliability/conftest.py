"""
Fixtures for the reliability scenarios: a fault-injecting proxy (tests/faults.py) in front of a local server, and
engines that talk through it. Tables are created and dropped directly on the server, never through faults.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any, Protocol

import pytest

from adyn import Engine, Model
from tests.dynalite import Dynalite
from tests.faults import FaultProxy


class Server(Protocol):
    """What the scenarios need of a server: dynalite, or the moto server of adyn's plugin."""

    @property
    def endpoint_url(self) -> str: ...

    def engine_options(self) -> dict[str, Any]: ...


class Harness:
    """
    Proxies and engines for one test on one server; every engine shares the test's table prefix.
    """

    def __init__(self, server: Server, test: str) -> None:
        self.server = server
        # Named after the test, not at random: request bodies carry table names, and the proxy's random faults
        # follow the bodies, so a seed reproduces the same faults from one run to the next.
        self.template = f"r{hashlib.sha256(test.encode()).hexdigest()[:10]}-{{table_name}}"
        self.proxies: list[FaultProxy] = []
        self.engines: list[Engine] = []
        self.models: set[type[Model]] = set()

    async def proxy(self, **options: Any) -> FaultProxy:
        """A started FaultProxy in front of the server (closed after the test)."""
        proxy = FaultProxy(self.server.endpoint_url, **options)
        await proxy.__aenter__()
        self.proxies.append(proxy)
        return proxy

    async def engine(self, proxy: FaultProxy | None, *models: type[Model], **options: Any) -> Engine:
        """
        An open engine through `proxy` (directly on the server with None) with `models` bound; their tables are
        created directly on the server first, so creating them is never faulted.
        """
        if models:
            async with Engine(**self.server.engine_options(), table_name_template=self.template) as direct:
                await direct.bind(*models)
            self.models.update(models)
        base = {**self.server.engine_options(), "table_name_template": self.template}
        if proxy is not None:
            base["endpoint_url"] = proxy.url
        engine = Engine(**{**base, **options})
        await engine.open()
        self.engines.append(engine)
        if models:
            await engine.bind(*models)
        return engine

    async def close(self) -> None:
        for engine in self.engines:
            await engine.close()
        for proxy in self.proxies:
            await proxy.close()
        if self.models:
            async with Engine(**self.server.engine_options(), table_name_template=self.template) as direct:
                await direct.delete_tables(*self.models)


@pytest.fixture
async def on_dynalite(dynalite: Dynalite, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A harness on the session's dynalite server."""
    harness = Harness(dynalite, request.node.nodeid)
    yield harness
    await harness.close()


@pytest.fixture
async def on_moto(adyn_dynamodb: Server, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A harness on the session's moto server (for transactions, which dynalite lacks)."""
    harness = Harness(adyn_dynamodb, request.node.nodeid)
    yield harness
    await harness.close()
