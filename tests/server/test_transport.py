"""
What the fast transport changes on the wire, against the server: the signer that signs each request and the
User-Agent header sent; `fast_transport=False` sends botocore's own. The request bodies are the same, and the fast
transport's own request path sends exactly what botocore's request path would.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import botocore
import pytest

import adyn
from adyn import Column, Engine, Model, _direct, _sigv4, column
from adyn._sigv4 import DynamoDBSigV4Auth


class Note(Model):
    id: Column[str] = column(hash_key=True)
    text: Column[str] = column(default="")


class Packed(Model):
    h: Column[bytes] = column(hash_key=True)
    data: Column[bytes | None] = column(default=None)
    chunks: Column[set[bytes]] = column(factory=set)
    extra: Column[dict[str, Any]] = column(factory=dict)


async def sent_requests(
    engine: Engine, operation: Callable[[], Awaitable[Any]]
) -> list[tuple[dict[str, str], Any]]:
    """The HTTP headers and JSON body of every request `operation()` makes the engine send."""
    seen: list[tuple[dict[str, str], Any]] = []

    def before_send(request: Any, **kwargs: Any) -> None:
        headers = {
            name: value.decode() if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        seen.append((headers, json.loads(request.body)))

    events = engine._transport._client.meta.events  # pyright: ignore[reportPrivateUsage]
    events.register("before-send", before_send)
    try:
        await operation()
    finally:
        events.unregister("before-send", before_send)
    return seen


async def sent_headers(engine: Engine, operation: Callable[[], Awaitable[Any]]) -> list[dict[str, str]]:
    """The HTTP headers of every request `operation()` makes the engine send."""
    return [headers for headers, _ in await sent_requests(engine, operation)]


@pytest.fixture
def adyn_signed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The X-Amz-Target of every request adyn's signer signs from now on."""
    signed: list[str] = []
    original = DynamoDBSigV4Auth.sign_plain

    def sign_plain(self: DynamoDBSigV4Auth, request: Any) -> bool:
        target = request.headers["X-Amz-Target"]
        done = original(self, request)
        if done:
            signed.append(target)
        return done

    monkeypatch.setattr(DynamoDBSigV4Auth, "sign_plain", sign_plain)
    return signed


async def test_fast_transport_signs_with_adyn_and_sends_one_user_agent(
    engine_options: dict[str, Any], adyn_signed: list[str]
) -> None:
    """
    By default every data-plane and control-plane request is signed by adyn's signer, and the User-Agent is the one
    built when the client was made (botocore's string plus ``lib/adyn#VERSION``).
    """
    async with Engine(**{**engine_options, "fast_transport": True}) as engine:
        await engine.bind(Note)
        headers = await sent_headers(engine, lambda: engine.save(Note(id="a", text="x")))
        headers += await sent_headers(engine, lambda: engine.load(Note(id="a")))
        signed = list(adyn_signed)
        await engine.delete_tables(Note)
    assert "DynamoDB_20120810.DescribeTable" in signed
    assert signed[-2:] == ["DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.GetItem"]
    assert adyn_signed[len(signed)] == "DynamoDB_20120810.DeleteTable"
    agents = {h["User-Agent"] for h in headers}
    assert len(agents) == 1
    (agent,) = agents
    assert f"lib/adyn#{adyn.__version__}" in agent
    assert " ua/2.1 " in agent
    assert agent.endswith(f"botocore/{botocore.__version__}")
    assert all(h["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=") for h in headers)


async def test_stock_transport_keeps_botocore_signer_and_user_agent(
    engine_options: dict[str, Any], adyn_signed: list[str]
) -> None:
    """With ``fast_transport=False`` botocore signs and builds the User-Agent itself (without adyn's component)."""
    async with Engine(**{**engine_options, "fast_transport": False}) as engine:
        await engine.bind(Note)
        headers = await sent_headers(engine, lambda: engine.save(Note(id="b")))
        await engine.delete_tables(Note)
    assert adyn_signed == []
    assert headers
    assert "lib/adyn" not in headers[0]["User-Agent"]
    assert headers[0]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")


async def sent_bodies(engine: Engine, operation: Callable[[], Awaitable[Any]]) -> list[tuple[str, Any]]:
    """The operation name and JSON body of every request `operation()` makes the engine send."""
    return [(headers["X-Amz-Target"], body) for headers, body in await sent_requests(engine, operation)]


async def test_fast_and_stock_transports_send_the_same_bodies(adyn_engine_options: dict[str, Any]) -> None:
    """
    The fast transport hands attribute values to botocore as they go on the wire (binary values as base64 text,
    which adyn writes itself); every request body, binary keys, sets, nested values and condition values
    included, is the one botocore's serializer writes for the stock transport.
    """

    async def operations(engine: Engine) -> None:
        rows = [
            Packed(
                h=b"\x00k",
                data=bytes(range(40)),
                chunks={b"\xff", b"\x00\x01"},
                extra={"b": b"\x01", "l": [b"\x02", "s", 3]},
            ),
            Packed(h=b"\x01k", extra={"deep": {"x": [{"y": b"\xfe"}]}}),
        ]
        await engine.put(*rows)
        rows[0].data = b"\x07"
        await engine.save(rows[0], condition=Packed.chunks.exists())
        await engine.get(Packed, b"\x00k")
        await engine.load(*(Packed(h=r.h) for r in rows))
        await engine.scan(Packed).filter(Packed.data == b"\x07").all()
        await engine.delete(rows[1], condition=Packed.data.not_exists())

    bodies: dict[bool, list[tuple[str, Any]]] = {}
    for fast in (True, False):
        async with Engine(**{**adyn_engine_options, "fast_transport": fast}) as engine:
            await engine.bind(Packed)
            try:
                bodies[fast] = await sent_bodies(engine, lambda: operations(engine))
            finally:
                await engine.delete_tables(Packed)
    assert [name for name, _ in bodies[True]] == [
        f"DynamoDB_20120810.{name}"
        for name in ("PutItem", "PutItem", "UpdateItem", "GetItem", "BatchGetItem", "Scan", "DeleteItem")
    ]
    put = bodies[True][0][1]
    assert put["Item"]["h"] == {"B": "AGs="}
    assert put["Item"]["extra"]["M"]["b"] == {"B": "AQ=="}
    assert bodies[True] == bodies[False]


async def test_direct_request_path_sends_what_botocores_sends(
    adyn_engine_options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The fast transport's own request path (`adyn._direct`) sends the requests botocore's request path sends, every
    header and signature included, for data-plane and control-plane calls. A ``request-created`` handler of the
    user's own sends calls botocore's way, and that handler sees every request.
    """
    # A fixed clock and invocation id make both paths' signatures comparable.
    monkeypatch.setattr(_sigv4, "get_current_datetime", lambda: datetime.datetime(2026, 11, 23, 10, 15, 0))
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=7))
    direct_attempts: list[str] = []
    create_request = _direct.DirectCalls._create_request  # pyright: ignore[reportPrivateUsage]

    async def counted(self: Any, request_dict: dict[str, Any], model: Any, plan: list[Any]) -> Any:
        direct_attempts.append(model.name)
        return await create_request(self, request_dict, model, plan)

    monkeypatch.setattr(_direct.DirectCalls, "_create_request", counted)

    async def calls(engine: Engine) -> None:
        await engine.save(Note(id="a", text="x"))
        await engine.load(Note(id="a"))
        await engine.save(Note(id="b"), Note(id="c"))
        [note async for note in engine.query(Note, key=Note.id == "a")]
        await engine.delete(Note(id="c"))
        await engine._transport.call("DescribeTable", {"TableName": engine.table_name(Note)})  # pyright: ignore[reportPrivateUsage]

    responses: list[dict[str, Any]] = []

    async def record(operation: str, request: Any, response: dict[str, Any], seconds: float) -> None:
        # The server's date and request id differ between any two responses.
        headers = response["ResponseMetadata"]["HTTPHeaders"]
        responses.append(
            {**response, "ResponseMetadata": {**response["ResponseMetadata"], "HTTPHeaders": {}}}
        )
        assert headers.keys() >= {"date", "x-amzn-requestid"}

    # Three attempts allowed, so that a response that needs no retry is told apart without botocore's handler.
    async with Engine(**{**adyn_engine_options, "fast_transport": True, "retries": 3}) as engine:
        await engine.bind(Note)
        engine.hooks.response.append(record)
        direct_attempts.clear()
        direct = await sent_requests(engine, lambda: calls(engine))
        direct_count = len(direct_attempts)
        direct_responses = responses[:]
        del responses[:]

        seen_by_handler: list[str] = []

        def user_handler(request: Any, **kwargs: Any) -> None:
            seen_by_handler.append(request.headers["X-Amz-Target"])

        events = engine._transport._client.meta.events  # pyright: ignore[reportPrivateUsage]
        events.register("request-created.dynamodb", user_handler)
        botocore_way = await sent_requests(engine, lambda: calls(engine))
        handled = list(seen_by_handler)
        botocore_responses = responses[:]
        await engine.delete_tables(Note)

    assert direct_count == len(direct) == 7
    assert len(direct_attempts) == direct_count  # none once the user's handler is there
    assert handled == [headers["X-Amz-Target"] for headers, _ in botocore_way]
    assert direct == botocore_way
    # The same responses, their metadata included (RetryAttempts, as botocore's retry handler leaves it); the
    # DescribeTable response holds the table's live counters, so it is compared by its keys.
    assert direct_responses[:-1] == botocore_responses[:-1]
    assert direct_responses[-1].keys() == botocore_responses[-1].keys()
    assert all(
        response["ResponseMetadata"] == {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}
        for response in direct_responses[:-1]
    )
