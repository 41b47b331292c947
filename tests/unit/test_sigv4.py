"""
adyn's SigV4 signer against botocore's: for every request, the headers (names, values, order) and the signing
context it leaves must be exactly what botocore's `SigV4Auth` leaves, on the fast path and on the fallbacks.
"""

from __future__ import annotations

import datetime
from typing import Any

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from hypothesis import given
from hypothesis import strategies as st

from adyn import _sigv4
from adyn._sigv4 import SIGNATURE_VERSION, DynamoDBSigV4Auth, choose_signer, register

NOW = datetime.datetime(2026, 11, 22, 12, 34, 56)

BASE_HEADERS = {
    "X-Amz-Target": "DynamoDB_20120810.GetItem",
    "Content-Type": "application/x-amz-json-1.0",
    "User-Agent": "aiobotocore/3.10.0 ua/2.1 lib/adyn#0.1.0 botocore/1.43.117",
}
BODY = b'{"TableName": "posts", "Key": {"id": {"S": "a"}}}'


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both signers read the same instant."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW)
    monkeypatch.setattr(_sigv4, "get_current_datetime", lambda: NOW)
    monkeypatch.setattr(_sigv4, "_last_url", None)


def request(
    url: str = "http://127.0.0.1:8000/",
    body: Any = BODY,
    headers: list[tuple[str, str]] | None = None,
    method: str = "POST",
    context: dict[str, Any] | None = None,
) -> AWSRequest:
    made = AWSRequest(method=method, url=url, data=body, headers=dict(BASE_HEADERS))
    for name, value in headers or []:
        made.headers[name] = value  # appends: repeated names are kept, as botocore keeps them
    made.context.update(context or {})
    return made


def sign_both(
    credentials: ReadOnlyCredentials,
    region: str = "us-east-1",
    service: str = "dynamodb",
    times: int = 1,
    **options: Any,
) -> tuple[AWSRequest, AWSRequest]:
    """The same request signed `times` times (retries sign again) by botocore's signer and by adyn's."""
    theirs, ours = request(**options), request(**options)
    for _ in range(times):
        SigV4Auth(credentials, service, region).add_auth(theirs)
        DynamoDBSigV4Auth(credentials, service, region).add_auth(ours)
    return theirs, ours


def assert_same(theirs: AWSRequest, ours: AWSRequest) -> None:
    assert list(ours.headers.items()) == list(theirs.headers.items())
    assert ours.context == theirs.context


CREDENTIALS = ReadOnlyCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)
WITH_TOKEN = ReadOnlyCredentials("ASIAEXAMPLE", "secret", "FwoGZXIvYXdzEJr//////////wEaDAbc+/=")


def test_signs_like_botocore() -> None:
    """A DynamoDB request gets botocore's X-Amz-Date and Authorization headers."""
    theirs, ours = sign_both(CREDENTIALS)
    assert_same(theirs, ours)
    authorization = ours.headers["Authorization"]
    assert authorization.startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
    )
    assert ours.headers["X-Amz-Date"] == "20261122T123456Z"


def test_session_token_is_sent_and_signed() -> None:
    """Temporary credentials add a signed X-Amz-Security-Token header."""
    theirs, ours = sign_both(WITH_TOKEN)
    assert_same(theirs, ours)
    assert ours.headers["X-Amz-Security-Token"] == WITH_TOKEN.token
    assert "x-amz-security-token" in ours.headers["Authorization"]


def test_retry_replaces_previous_signature() -> None:
    """Signing again (a retry) leaves one set of signature headers, as botocore does."""
    theirs, ours = sign_both(WITH_TOKEN, times=3)
    assert_same(theirs, ours)
    assert len(ours.headers.get_all("Authorization")) == 1


@pytest.mark.parametrize(
    "options",
    [
        {"url": "https://dynamodb.us-east-1.amazonaws.com/?Action=x"},  # a query string
        {"headers": [("Date", "Sun, 22 Nov 2026 12:34:56 GMT")]},
        {"headers": [("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")]},
        {"context": {"payload_signing_enabled": False}, "url": "https://dynamodb.us-east-1.amazonaws.com/"},
        {"body": {"Action": "ListTables"}},  # a form body, as the query protocol sends
        {"body": b""},
        {"method": "get"},
    ],
    ids=[
        "query-string",
        "date-header",
        "content-sha256",
        "unsigned-payload",
        "form-body",
        "empty-body",
        "get",
    ],
)
def test_other_shapes_sign_like_botocore(options: dict[str, Any]) -> None:
    """Requests outside DynamoDB's usual shape still come out exactly as botocore signs them."""
    theirs, ours = sign_both(CREDENTIALS, **options)
    assert_same(theirs, ours)


def test_no_credentials_raises_like_botocore() -> None:
    """Without credentials both signers raise botocore's NoCredentialsError."""
    with pytest.raises(botocore.exceptions.NoCredentialsError):
        DynamoDBSigV4Auth(None, "dynamodb", "us-east-1").add_auth(request())


def test_registration_and_choice() -> None:
    """The signer is registered under its own name and chosen only where botocore would use plain SigV4."""
    register()
    assert botocore.auth.AUTH_TYPE_MAPS[SIGNATURE_VERSION] is DynamoDBSigV4Auth
    assert choose_signer(signature_version="v4") == SIGNATURE_VERSION
    assert choose_signer(signature_version="v4a") is None
    assert choose_signer(signature_version="bearer") is None


header_names = st.sampled_from(
    ["X-Amz-Target", "x-amz-target", "Content-Type", "X-Custom", "x-custom", "User-Agent", "Host", "Expect",
     "amz-sdk-request", "X-Amzn-Trace-Id", "Authorization", "X-Amz-Date"]
)  # fmt: skip
header_values = st.text(alphabet=st.sampled_from("abcXYZ019 \t=/;,.-_"), min_size=0, max_size=20).filter(
    lambda v: not v.startswith((" ", "\t"))
)  # leading whitespace is a folded header line to email.message


@given(
    url=st.sampled_from(
        [
            "http://127.0.0.1:8000/",
            "http://localhost/",
            "http://LOCALHOST:80/",
            "https://dynamodb.eu-west-1.amazonaws.com/",
            "https://dynamodb.eu-west-1.amazonaws.com:443/",
            "http://[::1]:8000/",
            "http://127.0.0.1:8000/a%20b/./c/../d",
        ]
    ),
    body=st.binary(max_size=300),
    headers=st.lists(st.tuples(header_names, header_values), max_size=6),
    credentials=st.builds(
        ReadOnlyCredentials,
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20),
        st.text(min_size=1, max_size=40),
        st.none() | st.text(alphabet="abcXYZ019+/= ", min_size=1, max_size=40),
    ),
    region=st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"]),
    service=st.sampled_from(["dynamodb", "dynamodb-streams"]),
    times=st.integers(1, 2),
)
def test_property_same_headers_as_botocore(
    url: str,
    body: bytes,
    headers: list[tuple[str, str]],
    credentials: ReadOnlyCredentials,
    region: str,
    service: str,
    times: int,
) -> None:
    """Any URL, body, headers (repeated, mixed case, unsigned, left over from an attempt), credentials and scope."""
    _sigv4._last_url = None
    theirs, ours = sign_both(credentials, region, service, times, url=url, body=body, headers=headers)
    assert_same(theirs, ours)
