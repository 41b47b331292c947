"""
A pytest plugin for testing code that uses adyn: a local DynamoDB for the session, a fresh engine per test whose
tables are dropped afterwards, and a recorder of the requests adyn sends.

It is registered as the ``adyn`` pytest plugin (a ``pytest11`` entry point), so installing adyn is enough: the
fixtures are there in every test suite of the environment. The server needs the ``local`` extra
(``pip install "adyn[local]"``) and the async fixture needs ``pytest-asyncio``; run async tests with
``asyncio_mode = "auto"`` (or mark them ``@pytest.mark.asyncio``). adyn's own test suite runs on these fixtures.

Fixtures:

``adyn_dynamodb`` (session)
    The DynamoDB to test against: a :class:`adyn.local.LocalDynamoDB` (moto's server on 127.0.0.1) started once
    and stopped at the end of the session, or, when the ``ADYN_TEST_ENDPOINT`` environment variable is set, that
    endpoint (region and credentials from the usual ``AWS_*`` variables, else local defaults). Either has
    ``endpoint_url`` and ``engine_options()``.
``adyn_engine_options``
    Keyword arguments for :class:`adyn.Engine` on that server, with a table-name prefix unique to the test
    (``"{prefix}-{table_name}"``) and one attempt per call (``retries=1``). Override it in a ``conftest.py`` to
    add options: ``def adyn_engine_options(adyn_engine_options): return {**adyn_engine_options, ...}``.
``adyn_engine``
    An open :class:`adyn.Engine` built from ``adyn_engine_options``. After the test it deletes the tables of
    every model still bound to it, so nothing leaks between tests (also on a shared endpoint), and closes.
``adyn_recorder``
    A :class:`RequestRecorder` attached to ``adyn_engine``: the operations and requests it sends from then on.

Example::

    async def test_signup(adyn_engine, adyn_recorder):
        await adyn_engine.bind(User)
        adyn_recorder.clear()
        await signup(adyn_engine, email="ann@example.com")  # the code under test: engine.create(User(...))
        assert adyn_recorder.operations == ["PutItem"]
        (request,) = adyn_recorder.requests("PutItem")
        assert request["Item"]["email"] == {"S": "ann@example.com"}
"""

from __future__ import annotations

import copy
import importlib.util
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

import pytest

from ._engine import Engine
from .local import LOCAL_CREDENTIALS, LocalDynamoDB

__all__ = [
    "ENDPOINT_VARIABLE",
    "DynamoDBTarget",
    "EndpointDynamoDB",
    "RequestRecorder",
    "adyn_dynamodb",
    "adyn_engine",
    "adyn_engine_options",
    "adyn_recorder",
]

#: The environment variable naming a DynamoDB endpoint to test against instead of a local moto server.
ENDPOINT_VARIABLE = "ADYN_TEST_ENDPOINT"


class DynamoDBTarget(Protocol):
    """
    What the ``adyn_dynamodb`` fixture yields: a :class:`~adyn.local.LocalDynamoDB` or an `EndpointDynamoDB`.
    """

    @property
    def endpoint_url(self) -> str: ...

    def engine_options(self) -> dict[str, Any]: ...


class EndpointDynamoDB:
    """
    A DynamoDB endpoint given by URL (``ADYN_TEST_ENDPOINT``): DynamoDB Local, LocalStack, a shared moto server.

    Region: ``AWS_REGION`` or ``AWS_DEFAULT_REGION``, else ``us-east-1``. Credentials: ``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN``), else ``AWS_PROFILE``, else dummy local ones.
    """

    def __init__(self, endpoint_url: str, environ: dict[str, str] | None = None) -> None:
        env = dict(os.environ if environ is None else environ)
        self.endpoint_url = endpoint_url
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        self._credentials: dict[str, Any]
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            self._credentials = {
                "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
            }
            if env.get("AWS_SESSION_TOKEN"):
                self._credentials["aws_session_token"] = env["AWS_SESSION_TOKEN"]
        elif env.get("AWS_PROFILE"):
            self._credentials = {"profile": env["AWS_PROFILE"]}
        else:
            self._credentials = dict(LOCAL_CREDENTIALS)

    def engine_options(self) -> dict[str, Any]:
        """
        Keyword arguments for :class:`adyn.Engine` pointing at this endpoint.
        """
        return {"endpoint_url": self.endpoint_url, "region": self.region, **self._credentials}

    def __repr__(self) -> str:
        return f"<EndpointDynamoDB {self.endpoint_url}>"


class RequestRecorder:
    """
    Records the DynamoDB calls an engine sends, through its request hook: assert on what adyn sent without
    mocking anything.

    ``RequestRecorder.attach(engine)`` (or the ``adyn_recorder`` fixture) starts recording; a recorder is also a
    plain request hook, ``engine.hooks.request.append(recorder)``. Each request is copied when sent.

    Attributes:
        calls: ``(operation, request)`` pairs in the order sent, e.g. ``("PutItem", {"TableName": ..., ...})``.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @classmethod
    def attach(cls, engine: Engine) -> RequestRecorder:
        """
        A new recorder of the requests `engine` sends from now on.
        """
        recorder = cls()
        engine.hooks.request.append(recorder)
        return recorder

    def detach(self, engine: Engine) -> None:
        """
        Stop recording `engine`'s requests (the calls recorded so far stay).
        """
        engine.hooks.request[:] = [hook for hook in engine.hooks.request if hook is not self]

    def __call__(self, operation: str, request: dict[str, Any]) -> None:
        self.calls.append((operation, copy.deepcopy(request)))

    @property
    def operations(self) -> list[str]:
        """
        The operation names in the order sent, e.g. ``["CreateTable", "PutItem"]``.
        """
        return [operation for operation, _ in self.calls]

    def requests(self, operation: str) -> list[dict[str, Any]]:
        """
        The requests of one operation (``"Query"``, ``"PutItem"``, ...) in the order sent.
        """
        return [request for op, request in self.calls if op == operation]

    def clear(self) -> None:
        """
        Forget the calls recorded so far.
        """
        self.calls.clear()

    def __len__(self) -> int:
        return len(self.calls)

    def __repr__(self) -> str:
        return f"<RequestRecorder {self.operations}>"


@pytest.fixture(scope="session")
def adyn_dynamodb() -> Iterator[DynamoDBTarget]:
    """
    The DynamoDB to test against for the whole session: a local moto server, or ``$ADYN_TEST_ENDPOINT``.
    """
    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        yield EndpointDynamoDB(endpoint)
        return
    with LocalDynamoDB() as local:
        yield local


@pytest.fixture
def adyn_engine_options(adyn_dynamodb: DynamoDBTarget) -> dict[str, Any]:
    """
    Engine options for `adyn_dynamodb` with a table-name prefix unique to this test and ``retries=1``.
    """
    prefix = uuid.uuid4().hex[:12]
    return {**adyn_dynamodb.engine_options(), "retries": 1, "table_name_template": f"{prefix}-{{table_name}}"}


async def _engine(adyn_engine_options: dict[str, Any]) -> AsyncIterator[Engine]:
    """
    An open engine from `adyn_engine_options`; afterwards its bound models' tables are deleted and it is closed.
    """
    engine = Engine(**adyn_engine_options)
    await engine.open()
    try:
        yield engine
    finally:
        models = list(engine._bound)  # pyright: ignore[reportPrivateUsage]
        try:
            if models:
                if engine.closed:  # the test closed it: drop the tables through a fresh engine
                    async with Engine(**adyn_engine_options) as cleaner:
                        await cleaner.delete_tables(*models)
                else:
                    await engine.delete_tables(*models)
        finally:
            await engine.close()


def _no_asyncio(adyn_engine_options: dict[str, Any]) -> Engine:
    raise pytest.UsageError('the adyn_engine fixture needs pytest-asyncio: pip install "pytest-asyncio>=1.1"')


adyn_engine: Any
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    adyn_engine = pytest_asyncio.fixture(_engine, name="adyn_engine")
else:  # pragma: no cover - pytest-asyncio is part of the test extra
    adyn_engine = pytest.fixture(_no_asyncio, name="adyn_engine")


@pytest.fixture
def adyn_recorder(adyn_engine: Engine) -> RequestRecorder:
    """
    A `RequestRecorder` of the requests `adyn_engine` sends from now on.
    """
    return RequestRecorder.attach(adyn_engine)
