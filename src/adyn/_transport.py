"""
The transport: the only module that touches aiobotocore and botocore.

It owns (or borrows) one aiobotocore DynamoDB client, sends one API call at a time for the engine, translates
botocore's errors into adyn exceptions in exactly one place (`translate_error`), and runs the engine's request hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

import aiobotocore.session
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore.exceptions import ClientError

from ._hooks import Hooks, run_hooks
from .exceptions import (
    AdynError,
    ConditionFailed,
    DynamoDBError,
    EngineStateError,
    InvalidRequest,
    TableNotFound,
    Throttled,
)

__all__ = ["ERROR_CODES", "AioSession", "Transport", "translate_error"]

# The one process-wide session: a new AioSession reloads botocore's service JSON (~200 ms); clients from one
# session are cheap.
_shared_session: AioSession | None = None


def shared_session() -> AioSession:
    global _shared_session
    if _shared_session is None:
        # aiobotocore is untyped (pyright sees get_session's parameters as unknown): call it through Any.
        untyped: Any = aiobotocore.session
        session: AioSession = untyped.get_session()
        _shared_session = session
    return _shared_session


#: The DynamoDB error codes adyn maps to its own exception classes (everything else is DynamoDBError).
ERROR_CODES: dict[str, type[AdynError]] = {
    "ConditionalCheckFailedException": ConditionFailed,
    "ResourceNotFoundException": TableNotFound,
    "ProvisionedThroughputExceededException": Throttled,
    "ThrottlingException": Throttled,
    "RequestLimitExceeded": Throttled,
    "ValidationException": InvalidRequest,
}

_SNAKE = {
    "BatchGetItem": "batch_get_item",
    "BatchWriteItem": "batch_write_item",
    "CreateTable": "create_table",
    "DeleteItem": "delete_item",
    "DeleteTable": "delete_table",
    "DescribeTable": "describe_table",
    "DescribeTimeToLive": "describe_time_to_live",
    "GetItem": "get_item",
    "PutItem": "put_item",
    "Query": "query",
    "Scan": "scan",
    "TransactGetItems": "transact_get_items",
    "TransactWriteItems": "transact_write_items",
    "UpdateItem": "update_item",
    "UpdateTable": "update_table",
    "UpdateTimeToLive": "update_time_to_live",
}


def translate_error(exc: ClientError, operation: str, table_name: str = "") -> AdynError:
    """
    The adyn exception for a botocore ClientError (the caller raises it ``from exc``).

    ConditionFailed comes back without its object and item; the engine, which knows them, fills them in.
    """
    response: Any = exc.response
    error = response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", "")) or str(exc)
    cls = ERROR_CODES.get(code, DynamoDBError)
    if cls is ConditionFailed:
        # The stored item (ReturnValuesOnConditionCheckFailure=ALL_OLD) travels raw; the engine loads it.
        return ConditionFailed(f"{operation}: the condition did not hold", item=response.get("Item"))
    if cls is TableNotFound:
        return TableNotFound(table_name or message)
    if cls is Throttled:
        return Throttled(
            f"{operation}: throttled after retries ({code})",
            code=code,
            operation=operation,
            response=response,
        )
    if cls is InvalidRequest:
        return InvalidRequest(f"{operation}: {message}", code=code, operation=operation, response=response)
    return DynamoDBError(f"{operation}: {code}: {message}", code=code, operation=operation, response=response)


class Transport:
    """
    One aiobotocore DynamoDB client and the calls through it.

    With `client`, the transport borrows that client and never closes it; with `session`, it makes its own client
    from that session; otherwise from one process-wide session.
    """

    def __init__(
        self,
        *,
        endpoint_url: str | None,
        region: str | None,
        aws_access_key_id: str | None,
        aws_secret_access_key: str | None,
        aws_session_token: str | None,
        profile: str | None,
        session: AioSession | None,
        client: Any,
        max_pool_connections: int,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
    ) -> None:
        self._endpoint_url = endpoint_url
        self._region = region
        self._credentials = (aws_access_key_id, aws_secret_access_key, aws_session_token)
        self._profile = profile
        self._session = session
        self._client: Any = client
        self._owns_client = client is None
        self._config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._stack: contextlib.AsyncExitStack | None = None
        self.hooks = Hooks()

    async def open(self) -> None:
        """
        Create the client (unless one was given). Service models load in a worker thread, off the event loop.
        """
        if not self._owns_client:
            return
        # aiobotocore is untyped (pyright sees its methods' parameters as unknown): the session is used through Any.
        session: Any
        if self._session is not None:
            session = self._session
        elif self._profile is not None:
            session = AioSession(profile=self._profile)
        else:
            session = shared_session()
        warm = getattr(session, "warm_up_loader_caches", None)
        if warm is not None:
            await asyncio.to_thread(warm, "dynamodb")
        region = self._region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region is None and session.get_config_variable("region") is None:
            region = "us-east-1"  # only reached with no region configured anywhere: local servers accept any
        key, secret, token = self._credentials
        stack = contextlib.AsyncExitStack()
        try:
            self._client = await stack.enter_async_context(
                session.create_client(
                    "dynamodb",
                    region_name=region,
                    endpoint_url=self._endpoint_url,
                    aws_access_key_id=key,
                    aws_secret_access_key=secret,
                    aws_session_token=token,
                    config=self._config,
                )
            )
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack

    async def close(self) -> None:
        """
        Close the client if this transport created it.
        """
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        if self._owns_client:
            self._client = None

    async def call(self, operation: str, request: dict[str, Any], *, table_name: str = "") -> dict[str, Any]:
        """
        Send one DynamoDB API call and return its parsed response; errors come back as adyn exceptions.
        """
        client = self._client
        if client is None:
            raise EngineStateError("the engine is not open")
        if self.hooks.request:
            await run_hooks(self.hooks.request, operation, request)
        method = getattr(client, _SNAKE[operation])
        started = time.perf_counter()
        try:
            response: dict[str, Any] = await method(**request)
        except ClientError as exc:
            raise translate_error(exc, operation, table_name) from exc
        if self.hooks.response:
            await run_hooks(self.hooks.response, operation, request, response, time.perf_counter() - started)
        return response
