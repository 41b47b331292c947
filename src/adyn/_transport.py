"""
The transport: the only module that touches aiobotocore and botocore (with `adyn._sigv4` and `adyn._direct`, the
request signer and request path it plugs into botocore).

It owns (or borrows) one aiobotocore DynamoDB client, sends one API call at a time for the engine, translates
botocore's errors into adyn exceptions in exactly one place (`translate_error`), and runs the engine's request hooks.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import inspect
import json
import logging
import os
import time
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.parsers import AioJSONParser, AioResponseParserFactory
from aiobotocore.session import AioSession
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.loaders import Loader
from botocore.useragent import UserAgentString

from . import _direct, _sigv4
from ._hooks import Hooks, run_hooks
from .exceptions import (
    AdynError,
    ConditionFailed,
    DynamoDBError,
    EngineStateError,
    InvalidRequest,
    RequestFailed,
    TableNotFound,
    Throttled,
    TransactionCanceled,
)

__all__ = ["ERROR_CODES", "AioSession", "Transport", "translate_error"]

# The outputs whose items adyn decodes itself: for these the fast parser hands back DynamoDB's JSON as it came
# (json.loads) instead of walking every attribute value against the service model, which is most of a page's
# client CPU. Control-plane and streams outputs keep botocore's parser.
_RAW_OUTPUTS = frozenset(
    {
        "GetItemOutput",
        "PutItemOutput",
        "UpdateItemOutput",
        "DeleteItemOutput",
        "QueryOutput",
        "ScanOutput",
        "BatchGetItemOutput",
        "BatchWriteItemOutput",
        "TransactGetItemsOutput",
        "TransactWriteItemsOutput",
    }
)
# Parts of a raw response adyn sends back in a later request: their binary values become bytes again, as adyn holds
# keys (batches match unprocessed keys to the keys they sent); the request path writes them as base64 once more.
_RESENT = ("LastEvaluatedKey", "UnprocessedKeys", "UnprocessedItems")


def _blobs_to_bytes(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, wire in value.items():  # pyright: ignore[reportUnknownVariableType]
            if kind == "B" and isinstance(wire, str):
                out[kind] = base64.b64decode(wire)
            elif kind == "BS" and isinstance(wire, list):
                out[kind] = [base64.b64decode(w) if isinstance(w, str) else w for w in wire]  # pyright: ignore[reportUnknownVariableType]
            else:
                out[kind] = _blobs_to_bytes(wire)
        return out
    if isinstance(value, list):
        return [_blobs_to_bytes(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


class _FastJSONParser(AioJSONParser):  # type: ignore[misc]  # aiobotocore is untyped
    """
    botocore's JSON parser, except that the DynamoDB data-plane outputs in `_RAW_OUTPUTS` come back as parsed JSON:
    numbers stay strings (as with the stock parser), binary values arrive as base64 text (adyn's binary types
    decode both forms), and keys adyn sends again are turned back into bytes. Errors take the stock path.
    """

    async def _do_parse(self, response: dict[str, Any], shape: Any) -> Any:
        if shape is None or shape.name not in _RAW_OUTPUTS:
            return await super()._do_parse(response, shape)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        body = response["body"]
        parsed: dict[str, Any] = json.loads(body) if body else {}
        for name in _RESENT:
            if name in parsed:
                parsed[name] = _blobs_to_bytes(parsed[name])
        return parsed


class _FastParserFactory(AioResponseParserFactory):  # type: ignore[misc]  # aiobotocore is untyped
    def __init__(self) -> None:
        super().__init__()
        self._json: Any = None

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            # botocore asks for a parser per response; a JSON parser keeps no state between responses.
            if self._json is None:
                defaults: dict[str, Any] = getattr(self, "_defaults", {})
                self._json = _FastJSONParser(**defaults)
            return self._json
        parser: Any = super().create_parser(protocol_name)  # pyright: ignore[reportUnknownMemberType]
        return parser


_hooks_logger = logging.getLogger("botocore.hooks")


class _FastEmitter(AioHierarchicalEmitter):  # type: ignore[misc]  # aiobotocore is untyped
    """
    aiobotocore's event emitter, calling each handler directly: aiobotocore wraps every handler call in a coroutine
    that checks whether the result is awaitable, and logs it at DEBUG whether or not DEBUG is on. Handlers run in the
    same order with the same arguments, awaitable results are awaited, and the DEBUG lines are the same when
    botocore's DEBUG logging is on.
    """

    async def _emit(self, event_name: str, kwargs: dict[str, Any], stop_on_response: bool = False) -> Any:
        this: Any = self  # aiobotocore is untyped
        cache: dict[str, Any] = this._lookup_cache
        handlers: Any = cache.get(event_name)
        if handlers is None:
            handlers = cache[event_name] = this._handlers.prefix_search(event_name)
        elif not handlers:
            return []
        kwargs["event_name"] = event_name
        debug = _hooks_logger.isEnabledFor(logging.DEBUG)
        responses: list[tuple[Any, Any]] = []
        for handler in handlers:
            if debug:
                _hooks_logger.debug("Event %s: calling handler %s", event_name, handler)
            response = handler(**kwargs)
            if response is not None and inspect.isawaitable(response):
                response = await response
            responses.append((handler, response))
            if stop_on_response and response is not None:
                break
        return responses


#: The shape type of DynamoDB attribute values in the fast session's service model: botocore's JSON serializer and
#: parser have no method for it, so they pass such a value through as it is.
RAW_SHAPE_TYPE = "adyn-raw"


def raw_attribute_values(model: dict[str, Any]) -> dict[str, Any]:
    """
    A copy of DynamoDB's service model whose attribute values, and the maps and lists of them (items, keys,
    expression values), are of type `RAW_SHAPE_TYPE`.

    botocore serializes an item by walking every attribute value against the model (``{"S": ...}`` is a structure
    of ten members, each looked up), a few µs per value: most of a PutItem's serialization. adyn builds and checks
    attribute values itself, so they can go into the JSON body as they are, once their binary values are base64
    text (`blobs_to_text`).
    """
    shapes: dict[str, Any] = dict(model["shapes"])
    raw = {"AttributeValue"}
    for name, shape in shapes.items():
        inner = shape.get("value") if shape["type"] == "map" else shape.get("member")
        if shape["type"] in ("map", "list") and inner is not None and inner["shape"] == "AttributeValue":
            raw.add(name)
    for name in raw:
        shapes[name] = {**shapes[name], "type": RAW_SHAPE_TYPE}
    return {**model, "shapes": shapes}


class _RawValueLoader(Loader):  # type: ignore[misc]  # botocore is untyped
    """botocore's data loader, except that DynamoDB's service model has raw attribute values."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # pyright: ignore[reportUnknownMemberType]
        self._raw_models: dict[Any, dict[str, Any]] = {}

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        base: Any = super()
        model: Any = base.load_service_model(service_name, type_name, api_version)
        if service_name != "dynamodb" or type_name != "service-2":
            return model
        key = (api_version, id(model))
        raw = self._raw_models.get(key)
        if raw is None:
            raw = self._raw_models[key] = raw_attribute_values(model)
        return raw


def _raw_value_loader(search_path: str | None) -> _RawValueLoader:
    # As botocore.loaders.create_loader: the session's data_path setting adds search paths.
    if not search_path:
        return _RawValueLoader()
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in search_path.split(os.pathsep)]
    return _RawValueLoader(extra_search_paths=paths)


def new_session(*, fast: bool, profile: str | None = None) -> AioSession:
    """
    A new aiobotocore session; with `fast`, the one the fast transport needs: `_FastEmitter` for its event hooks,
    `_FastParserFactory` for its response parsers and `_RawValueLoader` for its service models.
    """
    session: Any
    if not fast:
        return AioSession(profile=profile)
    session = AioSession(profile=profile, event_hooks=_FastEmitter())
    session.register_component("response_parser_factory", _FastParserFactory())
    session.register_component("data_loader", _raw_value_loader(session.get_config_variable("data_path")))
    return session


# The process-wide sessions adyn creates, one fast and one stock: a new AioSession reloads botocore's service JSON
# (~200 ms); clients from one session are cheap.
_shared_sessions: dict[bool, AioSession] = {}


def shared_session(fast: bool = True) -> AioSession:
    session = _shared_sessions.get(fast)
    if session is None:
        session = _shared_sessions[fast] = new_session(fast=fast)
    return session


_b2a_base64 = binascii.b2a_base64


def blobs_to_text(value: Any) -> Any:
    """
    `value` with every ``bytes`` inside it (binary attribute values) as base64 text, as botocore's serializer would
    write them; containers without bytes come back as they are (the same objects), the others as copies.
    """
    # Type checks through `cls` rather than on `value`: the checkers would narrow it to dict[Unknown, Unknown].
    cls: Any = type(value)  # pyright: ignore[reportUnknownVariableType]
    if cls is dict:
        pairs: Any = value.items()
    elif cls is list:
        pairs = enumerate(value)
    else:
        return value
    out: Any = None
    inner: Any
    new: Any
    for key, inner in pairs:
        kind: Any = type(inner)  # pyright: ignore[reportUnknownVariableType]
        if kind is bytes:
            new = _b2a_base64(inner, newline=False).decode("ascii")
        elif kind is dict or kind is list:
            new = blobs_to_text(inner)
            if new is inner:
                continue
        else:
            continue
        if out is None:
            out = cls(value)  # pyright: ignore[reportUnknownVariableType]
        out[key] = new
    return value if out is None else out  # pyright: ignore[reportUnknownVariableType]


def _user_agent(session: Any, config: AioConfig) -> str:
    """
    botocore's User-Agent string for clients of `session` with `config`, computed once, plus adyn's own component,
    e.g. ``aiobotocore/3.10.0 md/Botocore#1.43.117 ua/2.1 os/linux#6.1 md/arch#x86_64 lang/python#3.11.7
    md/pyimpl#CPython cfg/retry-mode#standard lib/adyn#0.1.0`` (botocore appends the session's ``botocore/...``).

    Passed as the client's ``user_agent`` setting, it replaces botocore's build of the string, which it does twice
    per request (once more after signing, to add the feature codes the request used: AWS usage metrics, not part
    of the signature), at ~45 µs each. What is lost is those per-request feature codes.
    """
    from . import __version__

    creator: Any = UserAgentString.from_environment()
    creator.set_session_config(
        session_user_agent_name=session.user_agent_name,
        session_user_agent_version=session.user_agent_version,
        session_user_agent_extra=None,  # botocore appends it to a configured user agent
    )
    return f"{creator.with_client_config(config).to_string()} lib/adyn#{__version__}"


def _takes_raw_values(client: Any) -> bool:
    try:
        shape: Any = client.meta.service_model.shape_for("AttributeValue")
    except Exception:  # not a botocore DynamoDB client (a test double): it gets requests as adyn builds them
        return False
    return bool(shape.type_name == RAW_SHAPE_TYPE)


def _use_fast_signer(client: Any) -> None:
    # The signer is chosen per request through the client's own event emitter (a copy per client): other clients
    # of the same session keep botocore's.
    _sigv4.register()
    client.meta.events.register("choose-signer", _sigv4.choose_signer)


#: The DynamoDB error codes adyn maps to its own exception classes (everything else is DynamoDBError).
ERROR_CODES: dict[str, type[AdynError]] = {
    "ConditionalCheckFailedException": ConditionFailed,
    "ResourceNotFoundException": TableNotFound,
    "ProvisionedThroughputExceededException": Throttled,
    "ThrottlingException": Throttled,
    "RequestLimitExceeded": Throttled,
    "ValidationException": InvalidRequest,
    "TransactionCanceledException": TransactionCanceled,
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
    # dynamodbstreams
    "DescribeStream": "describe_stream",
    "GetRecords": "get_records",
    "GetShardIterator": "get_shard_iterator",
    "ListStreams": "list_streams",
}
_STREAM_OPERATIONS = frozenset({"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"})


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
    if cls is TransactionCanceled:
        # The raw reasons, one per operation; the transaction turns them into CancellationReasons.
        return TransactionCanceled(
            f"{operation}: {message}", list(response.get("CancellationReasons", [])), []
        )
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


def _request_failed(exc: Exception, operation: str, table_name: str, attempts: int) -> RequestFailed:
    # With a single attempt that never connected, the request surely did not reach DynamoDB; after retries, an
    # earlier attempt may have timed out after DynamoDB applied it.
    sent = attempts > 1 or not isinstance(exc, (EndpointConnectionError, ConnectTimeoutError))
    where = f" on table {table_name}" if table_name else ""
    outcome = "it may have been applied" if sent else "it was not sent"
    return RequestFailed(
        f"{operation}{where} got no answer from DynamoDB ({exc}); {outcome}",
        operation=operation,
        table_name=table_name,
        sent=sent,
    )


class Transport:
    """
    One aiobotocore DynamoDB client (and, once streams are read, one DynamoDB Streams client) and the calls
    through them.

    With `client`, the transport borrows that client and never closes it (and reads streams through
    `streams_client`, borrowed likewise); with `session`, it makes its own clients from that session; otherwise
    from one process-wide session.
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
        streams_client: Any = None,
        max_pool_connections: int,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        fast_transport: bool = True,
    ) -> None:
        self._endpoint_url = endpoint_url
        self._region = region
        self._credentials = (aws_access_key_id, aws_secret_access_key, aws_session_token)
        self._profile = profile
        self._fast = fast_transport
        self._session = session
        self._client: Any = client
        self._owns_client = client is None
        self._streams: Any = streams_client
        self._streams_lock = asyncio.Lock()
        self._client_options: dict[str, Any] = {}
        self._session_in_use: Any = None
        self._attempts = max_attempts
        self._config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            # adyn builds and checks every request itself; botocore's walk over each request's parameters
            # repeats that work on every call (about a fifth of a batch load's client CPU).
            parameter_validation=False,
            max_pool_connections=max_pool_connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._stack: contextlib.AsyncExitStack | None = None
        # Whether the client's service model takes attribute values as they go on the wire (raw_attribute_values):
        # then binary values are sent as base64 text.
        self._raw_values: bool = client is not None and _takes_raw_values(client)
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
            session = new_session(fast=self._fast, profile=self._profile)
        else:
            session = shared_session(self._fast)
        warm = getattr(session, "warm_up_loader_caches", None)
        if warm is not None:
            await asyncio.to_thread(warm, "dynamodb")
        region = self._region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region is None and session.get_config_variable("region") is None:
            region = "us-east-1"  # only reached with no region configured anywhere: local servers accept any
        key, secret, token = self._credentials
        self._client_options = {
            "region_name": region,
            "endpoint_url": self._endpoint_url,
            "aws_access_key_id": key,
            "aws_secret_access_key": secret,
            "aws_session_token": token,
            "config": self._config,
        }
        self._session_in_use = session
        if self._fast:
            config: Any = self._config  # aiobotocore is untyped
            self._client_options["config"] = config.merge(AioConfig(user_agent=_user_agent(session, config)))
        stack = contextlib.AsyncExitStack()
        try:
            self._client = await stack.enter_async_context(
                session.create_client("dynamodb", **self._client_options)
            )
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        if self._fast:
            _use_fast_signer(self._client)
            _direct.DirectCalls(self._client).install()
        self._raw_values = _takes_raw_values(self._client)

    async def _streams_client(self) -> Any:
        # Made on first use, from the same session and settings, and closed with the DynamoDB client.
        async with self._streams_lock:
            if self._streams is None:
                if self._stack is None:
                    raise EngineStateError(
                        "reading streams through a client you passed in needs streams_client= as well"
                        if not self._owns_client
                        else "the engine is not open"
                    )
                warm = getattr(self._session_in_use, "warm_up_loader_caches", None)
                if warm is not None:
                    await asyncio.to_thread(warm, "dynamodbstreams")
                self._streams = await self._stack.enter_async_context(
                    self._session_in_use.create_client("dynamodbstreams", **self._client_options)
                )
                if self._fast:
                    _use_fast_signer(self._streams)
            return self._streams

    async def close(self) -> None:
        """
        Close the client if this transport created it.
        """
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        if self._owns_client:
            self._client = None
            self._streams = None

    async def call(self, operation: str, request: dict[str, Any], *, table_name: str = "") -> dict[str, Any]:
        """
        Send one DynamoDB API call and return its parsed response; errors come back as adyn exceptions.
        """
        client = self._client
        if client is None:
            raise EngineStateError("the engine is not open")
        if operation in _STREAM_OPERATIONS:
            client = await self._streams_client()
        if self.hooks.request:
            await run_hooks(self.hooks.request, operation, request)
        method = getattr(client, _SNAKE[operation])
        started = time.perf_counter()
        try:
            if self._raw_values and client is self._client:
                response: dict[str, Any] = await method(**blobs_to_text(request))
            else:
                response = await method(**request)
        except ClientError as exc:
            raise translate_error(exc, operation, table_name) from exc
        except (HTTPClientError, BotocoreConnectionError) as exc:
            raise _request_failed(exc, operation, table_name, self._attempts) from exc
        if self.hooks.response:
            await run_hooks(self.hooks.response, operation, request, response, time.perf_counter() - started)
        return response
