"""
Signature Version 4 for DynamoDB's JSON requests, computed without botocore's per-request header objects.

botocore's `SigV4Auth` builds two `HTTPHeaders` (``email.message.Message``) maps per request, prepares the whole
request once just to read its body, and scans every header for every name it looks up: about a tenth of a GetItem's
client CPU. `DynamoDBSigV4Auth` signs the same requests with plain strings and dicts, and hands anything outside
the shape DynamoDB's JSON protocol produces (a query string, a streamed or non-bytes body, a ``Date`` header,
unsigned or trailer-checksummed payloads) to botocore's own implementation. The output is byte-for-byte botocore's:
the tests sign the same requests with both and compare every header.

The transport selects it per client through botocore's ``choose-signer`` event (`choose_signer`), under the
signature version name `SIGNATURE_VERSION` registered in ``botocore.auth.AUTH_TYPE_MAPS``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
from botocore.auth import EMPTY_SHA256_HASH, SIGNED_HEADERS_BLACKLIST, SIGV4_TIMESTAMP, SigV4Auth
from botocore.compat import get_current_datetime
from botocore.exceptions import NoCredentialsError

__all__ = ["SIGNATURE_VERSION", "DynamoDBSigV4Auth", "choose_signer", "plain_headers", "register"]

#: The name adyn's signer is registered under in botocore's signer table.
SIGNATURE_VERSION = "adyn-v4"

_UNSIGNED_HEADERS = frozenset(SIGNED_HEADERS_BLACKLIST)
# Headers add_auth sets itself: a retried request still carries the previous attempt's.
_REPLACED_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")


class _UrlParts:
    """The canonical host and path of one endpoint URL, computed once (a client sends to one URL)."""

    __slots__ = ("host", "path", "plain", "url")

    def __init__(self, url: str, signer: SigV4Auth) -> None:
        parts = urlsplit(url)
        self.url = url
        # Only a URL with no query string (DynamoDB's) takes the fast path.
        self.plain = not parts.query
        # botocore's own helpers for the two parts whose rules are subtle (default ports, IPv6, path normalization).
        auth: Any = botocore.auth
        untyped_signer: Any = signer
        self.host: str = auth._host_from_url(url)
        self.path: str = untyped_signer._normalize_url_path(parts.path)


_last_url: _UrlParts | None = None
# The last signing key derived, and what it was derived from: it changes with the date, the secret key, the region
# and the service, so one process signing for one client reuses it all day (four HMACs fewer per request).
_last_key: tuple[tuple[str, str, str, str], bytes] | None = None


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.digest(key, message.encode("utf-8"), "sha256")


class DynamoDBSigV4Auth(SigV4Auth):  # type: ignore[misc]  # botocore is untyped
    """
    botocore's SigV4 signer with a fast path for requests shaped like DynamoDB's: a ``POST`` with a bytes body, no
    query string, payload signing on. It writes the same ``X-Amz-Date``, ``X-Amz-Security-Token`` and
    ``Authorization`` headers botocore's `SigV4Auth` would, e.g.::

        Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/dynamodb/aws4_request,
            SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-type;host;x-amz-date;x-amz-target,
            Signature=5f0e...
    """

    def add_auth(self, request: Any) -> None:
        if not self.sign_plain(request):
            super().add_auth(request)  # pyright: ignore[reportUnknownMemberType]

    def sign_plain(self, request: Any) -> bool:
        """
        Sign `request` (an `AWSRequest`, or any object with its ``method``, ``url``, ``headers``, ``data``,
        ``params`` and ``context``) and return True; or return False, changing nothing, when it is not shaped like
        DynamoDB's (`add_auth` then hands it to botocore's implementation).
        """
        global _last_url, _last_key
        credentials: Any = self.credentials
        if credentials is None:
            raise NoCredentialsError()
        url: str = request.url
        parts = _last_url
        if parts is None or parts.url != url:
            parts = _last_url = _UrlParts(url, self)
        body = request.data
        context = request.context
        if (
            not parts.plain
            or request.params
            or not isinstance(body, bytes)
            or not context.get("payload_signing_enabled", True)
            or context.get("checksum")
        ):
            return False

        # Canonical headers: lower-case names, values trimmed with inner whitespace collapsed, repeated names
        # joined by commas, sorted by name; the host from the URL unless a Host header was set. One pass over the
        # headers also finds what sends the request down botocore's path, and what a previous attempt left.
        headers = request.headers
        signed: dict[str, str] = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower in _UNSIGNED_HEADERS:
                continue
            value = " ".join(value.split())
            signed[lower] = f"{signed[lower]},{value}" if lower in signed else value
        if "date" in signed or "x-amz-content-sha256" in signed:
            return False
        if "authorization" in signed or "x-amz-date" in signed or "x-amz-security-token" in signed:
            # A retry: the previous attempt's signature headers go, as botocore's signer removes them.
            for name in _REPLACED_HEADERS:
                if name in headers:
                    del headers[name]  # a Message deletes every occurrence, whatever its case
                signed.pop(name.lower(), None)

        timestamp: str = get_current_datetime().strftime(SIGV4_TIMESTAMP)
        context["timestamp"] = timestamp
        headers["X-Amz-Date"] = signed["x-amz-date"] = timestamp
        token = credentials.token
        if token:
            headers["X-Amz-Security-Token"] = token
            signed["x-amz-security-token"] = " ".join(token.split())
        if "host" not in signed:
            signed["host"] = parts.host
        names = sorted(signed)
        signed_headers = ";".join(names)
        canonical_request = "\n".join(
            (
                request.method.upper(),
                parts.path,
                "",
                "".join(f"{name}:{signed[name]}\n" for name in names),
                signed_headers,
                hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256_HASH,
            )
        )
        date = timestamp[:8]
        region: str = self._region_name
        service: str = self._service_name
        scope = f"{date}/{region}/{service}/aws4_request"
        string_to_sign = (
            f"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n"
            f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
        )
        secret: str = credentials.secret_key
        derived_from = (date, secret, region, service)
        last_key = _last_key
        if last_key is not None and last_key[0] == derived_from:
            key = last_key[1]
        else:
            key = _hmac(f"AWS4{secret}".encode(), date)
            key = _hmac(_hmac(_hmac(key, region), service), "aws4_request")
            _last_key = (derived_from, key)
        signature = _hmac(key, string_to_sign).hex()
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}"
        )
        return True


def plain_headers(headers: dict[str, str]) -> bool:
    """Whether `DynamoDBSigV4Auth.sign_plain` signs a request with these headers (no ``Date``, no payload hash)."""
    return not any(name.lower() in ("date", "x-amz-content-sha256") for name in headers)


def register() -> None:
    """
    Add `DynamoDBSigV4Auth` to botocore's signer table under `SIGNATURE_VERSION` (idempotent; the table is
    process-wide, the choice of signer is per client).
    """
    signers: dict[str, Any] = botocore.auth.AUTH_TYPE_MAPS
    signers.setdefault(SIGNATURE_VERSION, DynamoDBSigV4Auth)


def choose_signer(signature_version: str = "", **kwargs: Any) -> str | None:
    """
    A ``choose-signer`` event handler: adyn's signer where botocore would use plain SigV4, else botocore's choice.
    """
    return SIGNATURE_VERSION if signature_version == "v4" else None
