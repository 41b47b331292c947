"""
Error translation (the one place botocore errors become adyn exceptions), backoff schedules and batch chunking.
"""

from __future__ import annotations

import base64
import copy
import json
import socket

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.loaders import Loader
from botocore.model import ServiceModel
from botocore.serialize import create_serializer
from hypothesis import given
from hypothesis import strategies as st

from adyn import (
    AdynError,
    ConditionFailed,
    DynamoDBError,
    Engine,
    InvalidRequest,
    RequestFailed,
    TableNotFound,
    Throttled,
)
from adyn._backoff import full_jitter
from adyn._batch import chunks, key_identity
from adyn._transport import (
    ERROR_CODES,
    RAW_SHAPE_TYPE,
    _request_failed,  # pyright: ignore[reportPrivateUsage]
    blobs_to_text,
    raw_attribute_values,
    translate_error,
)


def client_error(code: str, message: str = "boom", **extra: object) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, **extra}, "PutItem")  # type: ignore[arg-type]


@pytest.mark.parametrize(("code", "cls"), sorted(ERROR_CODES.items()), ids=sorted(ERROR_CODES))
def test_every_documented_code_maps_to_its_class(code: str, cls: type[AdynError]) -> None:
    """Every DynamoDB error code adyn documents translates to its adyn class."""
    error = translate_error(client_error(code), "PutItem", "posts")
    assert type(error) is cls


def test_unknown_code_is_dynamodb_error() -> None:
    """An unmapped code becomes DynamoDBError carrying the code, operation and response."""
    error = translate_error(client_error("InternalServerError", "oops"), "GetItem")
    assert type(error) is DynamoDBError
    assert error.code == "InternalServerError"
    assert error.operation == "GetItem"
    assert "oops" in str(error)


def test_condition_failed_keeps_stored_item() -> None:
    """ConditionalCheckFailed keeps the raw stored item for the engine to load."""
    error = translate_error(
        client_error("ConditionalCheckFailedException", Item={"id": {"S": "a"}}), "PutItem"
    )
    assert isinstance(error, ConditionFailed)
    assert error.item == {"id": {"S": "a"}}


def test_throttled_and_invalid_request_are_dynamodb_errors() -> None:
    """Throttled and InvalidRequest are DynamoDBErrors; InvalidRequest is also a ValueError."""
    assert isinstance(translate_error(client_error("ThrottlingException"), "Query"), DynamoDBError)
    invalid = translate_error(client_error("ValidationException", "bad"), "Query")
    assert isinstance(invalid, InvalidRequest)
    assert isinstance(invalid, ValueError)
    assert isinstance(
        translate_error(client_error("ProvisionedThroughputExceededException"), "Query"), Throttled
    )


def test_table_not_found_names_table() -> None:
    """ResourceNotFound names the table the engine asked for."""
    error = translate_error(client_error("ResourceNotFoundException"), "DescribeTable", "dev-posts")
    assert isinstance(error, TableNotFound)
    assert isinstance(error, LookupError)
    assert error.table_name == "dev-posts"


@given(base=st.floats(0.001, 1), cap=st.floats(0.001, 10), attempts=st.integers(0, 20), r=st.floats(0, 0.999))
def test_full_jitter_bounds(base: float, cap: float, attempts: int, r: float) -> None:
    """Each full-jitter delay lies in [0, min(cap, base * 2**k)) and there are exactly `attempts` of them."""
    delays = list(full_jitter(base=base, cap=cap, attempts=attempts, rand=lambda: r))
    assert len(delays) == attempts
    for k, delay in enumerate(delays):
        assert 0 <= delay <= min(cap, base * 2**k)


def test_full_jitter_grows_then_caps() -> None:
    """With the top random draw the delays double from base until the cap."""
    delays = list(full_jitter(base=0.1, cap=0.5, attempts=5, rand=lambda: 1.0))
    assert delays == [0.1, 0.2, 0.4, 0.5, 0.5]


def test_full_jitter_rejects_bad_parameters() -> None:
    """Non-positive base or cap are refused."""
    with pytest.raises(ValueError, match="positive"):
        list(full_jitter(base=0))


@given(items=st.lists(st.integers()), size=st.integers(1, 150))
def test_chunks_cover_every_item_once(items: list[int], size: int) -> None:
    """Chunking covers every item exactly once, in order, with no chunk over the limit."""
    pieces = chunks(items, size)
    assert [x for piece in pieces for x in piece] == items
    assert all(1 <= len(piece) <= size for piece in pieces)


def test_key_identity_normalises_numbers() -> None:
    """A numeric key sent as 1.50 matches the 1.5 DynamoDB sends back; tables keep keys apart."""
    assert key_identity("t", {"n": {"N": "1.50"}}) == key_identity("t", {"n": {"N": "1.5"}})
    assert key_identity("t", {"n": {"N": "1"}}) != key_identity("u", {"n": {"N": "1"}})


@pytest.mark.parametrize(
    ("error", "attempts", "sent"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), 1, False),
        (ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"), 1, False),
        (
            EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
            3,
            True,
        ),  # an earlier attempt may have landed
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), 1, True),
        (ConnectionClosedError(endpoint_url="http://127.0.0.1:9"), 1, True),
    ],
)
def test_no_answer_becomes_request_failed(error: Exception, attempts: int, sent: bool) -> None:
    """Timeouts and connection errors become RequestFailed (a ConnectionError), saying whether it may have landed."""
    failed = _request_failed(error, "PutItem", "posts", attempts)
    assert isinstance(failed, RequestFailed)
    assert isinstance(failed, ConnectionError)
    assert failed.sent is sent
    assert (failed.operation, failed.table_name) == ("PutItem", "posts")
    assert ("may have been applied" if sent else "was not sent") in str(failed)


async def test_unreachable_endpoint_raises_request_failed() -> None:
    """An engine whose endpoint refuses connections raises RequestFailed, not a botocore exception."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        async with Engine(
            endpoint_url=f"http://127.0.0.1:{port}",
            region="us-east-1",
            aws_access_key_id="a",
            aws_secret_access_key="b",
            retries=1,
            connect_timeout=1,
        ) as engine:
            with pytest.raises(RequestFailed) as caught:
                await engine._transport.call("DescribeTable", {"TableName": "posts"})  # pyright: ignore[reportPrivateUsage]
    assert caught.value.sent is False
    assert isinstance(caught.value.__cause__, EndpointConnectionError)


# -- the fast transport's raw attribute values -----------------------------------------------------------------------

_leaves = st.one_of(st.binary(max_size=8), st.text(max_size=4), st.integers(), st.booleans(), st.none())
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=20,
)


def _copy_with_text(value: object) -> object:
    """The reference: a full copy, every bytes value as base64 text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _copy_with_text(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [_copy_with_text(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _holds_bytes(value: object) -> bool:
    if isinstance(value, bytes):
        return True
    if isinstance(value, dict):
        return any(_holds_bytes(v) for v in value.values())  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return any(_holds_bytes(v) for v in value)  # pyright: ignore[reportUnknownVariableType]
    return False


@given(st.dictionaries(st.text(max_size=3), _values, max_size=4))
def test_blobs_to_text_writes_base64_and_copies_only_what_changes(value: dict[str, object]) -> None:
    """
    In a request, every bytes value becomes its base64 text; the input is left as it was; a container without bytes inside is
    returned as the same object, so a request without binary values costs no copy.
    """
    before = copy.deepcopy(value)
    out = blobs_to_text(value)
    assert out == _copy_with_text(value)
    assert value == before
    assert (out is value) == (not _holds_bytes(value))


def test_raw_model_passes_attribute_values_through() -> None:
    """
    In the fast session's model, attribute values and the maps and lists of them are raw; botocore's JSON
    serializer then writes them unchanged, and everything around them as before.
    """
    loader = Loader()
    stock = loader.load_service_model("dynamodb", "service-2")
    raw = raw_attribute_values(stock)
    changed = {name for name in stock["shapes"] if raw["shapes"][name] != stock["shapes"][name]}
    assert {
        "AttributeValue",
        "AttributeMap",
        "Key",
        "PutItemInputAttributeMap",
        "ExpressionAttributeValueMap",
    } <= (changed)
    assert {"MapAttributeValue", "ListAttributeValue"} <= changed
    assert all(raw["shapes"][name]["type"] == RAW_SHAPE_TYPE for name in changed)
    assert stock["shapes"]["AttributeValue"]["type"] == "structure"  # the loader's cached model is untouched
    request = {
        "TableName": "t",
        "Item": {"k": {"S": "a"}, "b": {"B": "AQ=="}, "m": {"M": {"n": {"N": "1"}}}},
        "ReturnValues": "NONE",
    }
    serializer = create_serializer("json", include_validation=False)
    body = serializer.serialize_to_request(request, ServiceModel(raw).operation_model("PutItem"))["body"]
    assert json.loads(body) == request
