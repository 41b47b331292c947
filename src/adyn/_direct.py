"""
The fast transport's request path: botocore's request steps, run on a plain dict of headers.

For each attempt of a call, botocore builds an `AWSRequest` (its headers an ``email.message`` map), emits
``request-created``, whose request signer emits ``choose-signer`` and ``before-sign``, builds a signer and signs,
prepares the request into a second header map, and sends it; then it emits ``needs-retry``, whose retry handler
builds a retry context and runs its checkers on every response, successes included. Running these steps here
instead takes about a tenth off a GetItem's or PutItem's client CPU (paired benchmark runs).

`DirectCalls` answers botocore's ``before-call`` event (the one botocore's own ``Stubber`` answers calls from) and
runs the same steps itself:

- the attempt loop of botocore's ``Endpoint._send_request``: retries context, ``needs-retry`` (botocore's retry
  handler decides and sleeps), ``RetryAttempts`` in the response metadata, ``after-call-error`` on failure;
- per attempt, the request with its headers in a dict: the client's ``request-created`` handlers run on it in their
  order, except that the request signer's place is taken by the same steps on that dict (adyn's SigV4 signer, with
  the credentials, region and signing name botocore's signer would use), then ``Content-Length`` as botocore's
  request preparation sets it;
- sending, parsing, errors and ``response-received``: botocore's own ``Endpoint._get_response``, through the client's
  aiobotocore HTTP session and response parser.

The request on the wire is the same, header for header (the transport tests compare both paths' requests), e.g. for
GetItem::

    POST / HTTP/1.1
    X-Amz-Target: DynamoDB_20120810.GetItem
    Content-Type: application/x-amz-json-1.0
    User-Agent: aiobotocore/3.10.0 ... lib/adyn#0.1.0
    amz-sdk-invocation-id: 0b6f...
    amz-sdk-request: attempt=1; max=3
    X-Amz-Date: 20261123T101500Z
    Authorization: AWS4-HMAC-SHA256 Credential=.../20261123/us-east-1/dynamodb/aws4_request, SignedHeaders=...
    Content-Length: 95

A call goes botocore's way instead whenever its pipeline is not the one these steps reproduce: any handler on
``request-created``, ``choose-signer`` or ``before-sign`` besides botocore's and adyn's own (a user's handler, say),
a signer other than adyn's, a compressed, checksummed, streamed or unsigned-payload operation, or a request with a
query string or a body that is not bytes.
"""

from __future__ import annotations

import zlib
from typing import Any

import botocore.handlers
import botocore.retries.standard
import botocore.utils
from aiobotocore.retries.standard import AioRetryHandler, AioStandardRetryConditions
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import NoRegionError
from botocore.useragent import UserAgentString

from . import _sigv4

__all__ = ["DirectCalls"]

# botocore is untyped: its handler functions are read through Any. Those that only some botocore releases have are
# looked up by name: a release without one has no such handler to run.
_handlers_module: Any = botocore.handlers
_seeder: Any = getattr(botocore.retries.standard, "MaxAttemptsSeeder", None)
_user_agent: Any = UserAgentString
_utils: Any = botocore.utils
_retry_handler: Any = AioRetryHandler
# The request-created handlers, besides the request signer's, that run unchanged on a dict of headers: they set
# headers by name and read the request's context, and the user agent's calls `replace_header` (`_Headers`).
_PLAIN_HANDLERS: frozenset[Any] = frozenset(
    {
        _handlers_module.add_retry_headers,
        _user_agent.rebuild_and_replace_user_agent_handler,
        getattr(_seeder, "seed_max_attempts", None),
    }
    - {None}
)
# The choose-signer handlers whose choice `DirectCalls` asks for: botocore's and adyn's.
_CHOOSERS: frozenset[Any] = frozenset(
    {
        _handlers_module.set_operation_specific_signer,
        getattr(_handlers_module, "_set_auth_scheme_preference_signer", None),
        _sigv4.choose_signer,
    }
    - {None}
)
# The signer's place in a request-created plan.
_SIGN = object()


class _Plan:
    """How `DirectCalls` sends one operation's calls."""

    __slots__ = ("max_attempts", "request_created")

    def __init__(self, request_created: list[Any], max_attempts: int | None) -> None:
        # The client's request-created handlers in order, with _SIGN in the request signer's place.
        self.request_created = request_created
        # The attempts botocore's standard retry handler allows, when it is the one needs-retry handler: a response
        # it would not retry is then recognised without it (`DirectCalls._needs_retry`).
        self.max_attempts = max_attempts


def _function(handler: Any) -> Any:
    return getattr(handler, "__func__", handler)


class _Headers(dict[str, str]):
    """
    A request's headers as a dict, with the one ``email.message.Message`` method botocore's request-created
    handlers call on them.
    """

    def replace_header(self, name: str, value: str) -> None:
        lower = name.lower()
        for key in self:
            if key.lower() == lower:
                self[key] = value
                return
        raise KeyError(name)


class _Request:
    """What request-created handlers and adyn's signer read and write of a botocore `AWSRequest`."""

    __slots__ = ("context", "data", "headers", "method", "params", "stream_output", "url")

    def __init__(self, request_dict: dict[str, Any]) -> None:
        self.method: str = request_dict["method"]
        self.url: str = request_dict["url"]
        self.headers = _Headers(request_dict["headers"])
        self.data: bytes = request_dict["body"]
        self.params: dict[str, Any] = {}
        self.context: dict[str, Any] = request_dict["context"]
        self.stream_output = False


class DirectCalls:
    """
    The ``before-call`` handler that sends a client's calls through `adyn._direct`'s steps (see the module's
    docstring), or returns None to leave a call to botocore.
    """

    def __init__(self, client: Any) -> None:
        self._endpoint: Any = client._endpoint
        self._signer: Any = client._request_signer
        self._events: Any = client.meta.events
        self._emitter: Any = getattr(self._events, "_emitter", self._events)
        self._service_id: str = client.meta.service_model.service_id.hyphenize()
        # Per operation, its _Plan, or None for botocore's way; valid while the emitter's handler table is the one they were read from (botocore replaces
        # its lookup cache whenever a handler is registered or unregistered).
        self._plans: dict[str, _Plan | None] = {}
        self._plans_for: Any = None
        # An emitter whose handlers cannot be read as botocore's can (not botocore's own kind) sends every call
        # botocore's way.
        self._inspectable = hasattr(self._emitter, "_lookup_cache") and hasattr(self._emitter, "_handlers")

    def install(self) -> None:
        """
        Register on the client's ``before-call`` event, after botocore's own handlers (which add headers to the
        request dict).
        """
        self._events.register_last("before-call", self.before_call)

    def _handlers(self, event_name: str) -> list[Any]:
        cache: dict[str, Any] = self._emitter._lookup_cache
        handlers = cache.get(event_name)
        if handlers is None:
            handlers = cache[event_name] = self._emitter._handlers.prefix_search(event_name)
        return list(handlers)

    def _plan(self, model: Any) -> _Plan | None:
        if not self._inspectable:
            return None
        if self._plans_for is not self._emitter._lookup_cache:
            self._plans.clear()
            self._plans_for = self._emitter._lookup_cache
        name: str = model.name
        if name in self._plans:
            return self._plans[name]
        plan: _Plan | None = None
        suffix = f"{self._service_id}.{name}"
        if not (
            model.request_compression
            or model.http_checksum
            or model.has_streaming_input
            or model.has_streaming_output
            or model.has_event_stream_output
            or self._handlers(f"before-sign.{suffix}")
            or not all(_function(h) in _CHOOSERS for h in self._handlers(f"choose-signer.{suffix}"))
        ):
            request_created = _request_created_plan(
                self._handlers(f"request-created.{suffix}"), self._signer.handler
            )
            if request_created is not None:
                plan = _Plan(request_created, _standard_max_attempts(self._handlers(f"needs-retry.{suffix}")))
        self._plans[name] = plan
        return plan

    async def before_call(
        self, model: Any, params: dict[str, Any], context: dict[str, Any], **kwargs: Any
    ) -> tuple[Any, dict[str, Any]] | None:
        """
        Send the call and return ``(http_response, parsed)`` as botocore's endpoint would, or None when it must go
        botocore's way.
        """
        plan = self._plan(model)
        if plan is None or not _plain(params, context):
            return None
        signature_version = await self._signer._choose_signer(model.name, "standard", context)
        if signature_version != _sigv4.SIGNATURE_VERSION or context.get("payload_signing_enabled") is False:
            return None
        try:
            return await self._send_request(params, model, plan)
        except Exception as exc:
            # As botocore's client does for a call its endpoint failed.
            await self._events.emit(
                f"after-call-error.{self._service_id}.{model.name}", exception=exc, context=context
            )
            raise

    async def _send_request(
        self, request_dict: dict[str, Any], model: Any, plan: _Plan
    ) -> tuple[Any, dict[str, Any]]:
        # botocore's Endpoint._send_request, with this module's request.
        endpoint = self._endpoint
        context = request_dict["context"]
        attempts = 1
        endpoint._update_retries_context(context, attempts)
        request = await self._create_request(request_dict, model, plan)
        success_response, exception = await endpoint._get_response(request, model, context)
        while await self._needs_retry(plan, attempts, model, request_dict, success_response, exception):
            attempts += 1
            endpoint._update_retries_context(context, attempts, success_response)
            request = await self._create_request(request_dict, model, plan)
            success_response, exception = await endpoint._get_response(request, model, context)
        if success_response is not None and "ResponseMetadata" in success_response[1]:
            success_response[1]["ResponseMetadata"]["RetryAttempts"] = attempts - 1
        if exception is not None:
            raise exception
        response: Any = success_response  # not None: an attempt without an exception has a response
        return response  # type: ignore[no-any-return]

    async def _needs_retry(
        self,
        plan: _Plan,
        attempts: int,
        model: Any,
        request_dict: dict[str, Any],
        response: Any,
        exception: Exception | None,
    ) -> bool:
        max_attempts = plan.max_attempts
        if (
            max_attempts is not None
            and exception is None
            and attempts < max_attempts
            and response[0].status_code < 300
            and _crc32_holds(response[0])
        ):
            # What botocore's standard retry handler does with a response it does not retry, short of attempts:
            # no error code, no transient status, no exception, a matching CRC32. It records the attempts allowed
            # and gives the response its metadata.
            retries: dict[str, Any] | None = request_dict["context"].get("retries")
            if retries:
                retries["max"] = max(retries.get("max", 0), max_attempts)
            response[1].setdefault("ResponseMetadata", {})
            return False
        retry: bool = await self._endpoint._needs_retry(attempts, model, request_dict, response, exception)
        return retry

    async def _create_request(self, request_dict: dict[str, Any], model: Any, plan: _Plan) -> Any:
        request = _Request(request_dict)
        name: str = model.name
        for handler in plan.request_created:
            if handler is _SIGN:
                await self._sign(request)
            else:
                handler(request=request, operation_name=name)
        headers = request.headers
        body = request.data
        # botocore's request preparation: the length of a body unless a length or transfer encoding is set.
        if not any(key.lower() in ("transfer-encoding", "content-length") for key in headers):
            length: Any = _utils.determine_content_length(body)
            if length is not None:
                headers["Content-Length"] = str(length)
        return AWSPreparedRequest(request.method, request.url, headers, body, False, request.context)

    async def _sign(self, request: _Request) -> None:
        # botocore's RequestSigner.sign and get_auth_instance for a signer that needs a region and credentials.
        signer = self._signer
        signing: dict[str, Any] = request.context.get("signing", {})
        region: str | None = signing.get("region") or signer._region_name
        signing_name: str = signing.get("signing_name") or signer._signing_name
        if signer._region_name is None:
            raise NoRegionError()
        credentials: Any = signer._credentials
        frozen = None if credentials is None else await credentials.get_frozen_credentials()
        if not _sigv4.DynamoDBSigV4Auth(frozen, signing_name, region).sign_plain(request):
            # _plain and the plan admit only requests sign_plain signs.
            raise RuntimeError(f"adyn's signer turned down a request it had accepted: {request.url}")


def _request_created_plan(handlers: list[Any], signer_handler: Any) -> list[Any] | None:
    # The handlers in order with _SIGN in the signer's place, or None if any handler is not one _PLAIN_HANDLERS
    # names or the signer's is missing.
    plan: list[Any] = []
    for handler in handlers:
        if handler == signer_handler and _SIGN not in plan:
            plan.append(_SIGN)
        elif _function(handler) in _PLAIN_HANDLERS:
            plan.append(handler)
        else:
            return None
    return plan if _SIGN in plan else None


def _standard_max_attempts(handlers: list[Any]) -> int | None:
    # The max attempts of botocore's standard retry handler, if it is the only needs-retry handler.
    if len(handlers) != 1 or _function(handlers[0]) is not _retry_handler.needs_retry:
        return None
    checker: Any = getattr(getattr(handlers[0].__self__, "_retry_policy", None), "_retry_checker", None)
    if type(checker) is not AioStandardRetryConditions:
        return None
    max_attempts = getattr(getattr(checker, "_max_attempts_checker", None), "_max_attempts", None)
    return max_attempts if isinstance(max_attempts, int) else None


def _crc32_holds(http_response: Any) -> bool:
    # DynamoDB's x-amz-crc32 header, when sent, matches the body (botocore retries a response where it does not).
    checksum: str | None = http_response.headers.get("x-amz-crc32")
    if checksum is None:
        return True
    body: bytes | None = http_response._content  # read by the HTTP session before the response came back
    return body is not None and checksum.isdigit() and zlib.crc32(body) & 0xFFFFFFFF == int(checksum)


def _plain(request_dict: dict[str, Any], context: dict[str, Any]) -> bool:
    # A request adyn's signer signs itself (DynamoDBSigV4Auth.sign_plain), with nothing botocore's client would
    # still do to it after before-call (compression and request checksums).
    signing: dict[str, Any] = context.get("signing", {})
    return (
        isinstance(request_dict["body"], bytes)
        and not request_dict["query_string"]
        and "?" not in request_dict["url"]
        and not context.get("checksum")
        and not context.get("unsigned_payload")
        and "request_credentials" not in signing
        and signing.get("identity_cache") is None
        and _sigv4.plain_headers(request_dict["headers"])
    )
