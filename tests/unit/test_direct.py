"""
The fast transport's request path (`adyn._direct`): which calls it takes and which it leaves to botocore, read off a
real client of adyn's fast session (making a client sends nothing). The requests it sends are compared with
botocore's against the server (tests/server/test_transport.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from adyn._direct import _SIGN, DirectCalls, _Headers  # pyright: ignore[reportPrivateUsage]
from adyn._transport import _use_fast_signer, new_session  # pyright: ignore[reportPrivateUsage]


@contextlib.asynccontextmanager
async def fast_client(session: Any = None) -> AsyncIterator[Any]:
    """A DynamoDB client of `session` (by default adyn's fast session) with adyn's signer, as the transport makes."""
    from aiobotocore.config import AioConfig

    session = session or new_session(fast=True)
    options: dict[str, Any] = {"retries": {"mode": "standard", "total_max_attempts": 4}}
    async with session.create_client(
        "dynamodb",
        region_name="eu-west-1",
        endpoint_url="http://127.0.0.1:1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=AioConfig(**options),
    ) as client:
        _use_fast_signer(client)
        yield client


def plan_of(direct: DirectCalls, client: Any, operation: str) -> Any:
    return direct._plan(client.meta.service_model.operation_model(operation))  # pyright: ignore[reportPrivateUsage]


async def test_data_and_control_plane_calls_take_the_direct_path() -> None:
    """With botocore's and adyn's handlers only, every call is planned, the signer in its place among them."""
    async with fast_client() as client:
        direct = DirectCalls(client)
        for operation in (
            "GetItem",
            "PutItem",
            "Query",
            "BatchWriteItem",
            "TransactWriteItems",
            "DescribeTable",
        ):
            plan = plan_of(direct, client, operation)
            assert plan is not None, operation
            assert plan.request_created.count(_SIGN) == 1
            assert plan.max_attempts == 4


async def test_a_handler_of_the_users_own_sends_calls_botocores_way() -> None:
    """Another handler on request-created, choose-signer or before-sign: botocore's way; unregistered, direct again."""
    async with fast_client() as client:
        direct = DirectCalls(client)
        assert plan_of(direct, client, "GetItem") is not None

        def handler(**kwargs: Any) -> None:
            return None

        for event in ("request-created.dynamodb", "choose-signer.dynamodb.GetItem", "before-sign"):
            client.meta.events.register(event, handler)
            assert plan_of(direct, client, "GetItem") is None, event
            client.meta.events.unregister(event, handler)
            assert plan_of(direct, client, "GetItem") is not None, event


async def test_another_retry_handler_keeps_the_direct_path_but_not_its_shortcut() -> None:
    """
    A needs-retry handler besides botocore's standard one: calls still go direct, and every response goes to the
    needs-retry handlers.
    """
    async with fast_client() as client:
        direct = DirectCalls(client)

        def handler(**kwargs: Any) -> None:
            return None

        client.meta.events.register("needs-retry.dynamodb", handler)
        plan = plan_of(direct, client, "GetItem")
        assert plan is not None
        assert plan.max_attempts is None


def test_headers_replace_like_a_message() -> None:
    """`replace_header` replaces the first header of that name in any case, keeps its place, and needs it there."""
    headers = _Headers({"X-Amz-Target": "t", "User-Agent": "old", "Content-Type": "c"})
    headers.replace_header("user-agent", "new")
    assert list(headers.items()) == [("X-Amz-Target", "t"), ("User-Agent", "new"), ("Content-Type", "c")]
    with pytest.raises(KeyError):
        headers.replace_header("Date", "now")


async def test_clients_of_a_stock_session_take_the_direct_path_and_others_botocores() -> None:
    """A client of aiobotocore's own session is planned too; an emitter botocore's way cannot read sends all calls."""
    from aiobotocore.session import AioSession

    async with fast_client(AioSession()) as client:
        assert plan_of(DirectCalls(client), client, "GetItem") is not None
        other_emitter = SimpleNamespace(
            _endpoint=client._endpoint,
            _request_signer=client._request_signer,
            meta=SimpleNamespace(events=object(), service_model=client.meta.service_model),
        )
        assert plan_of(DirectCalls(other_emitter), client, "GetItem") is None
