"""
Security properties against the local server: credentials never show in reprs, errors, adyn's log records or the
command line's error output; continuation tokens cannot be turned to another table or index; and the local
server listens on the loopback interface only.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adyn import Column, Engine, InvalidRequest, InvalidValue, ItemExists, Model, TableNotFound, column
from adyn.cli import main
from adyn.local import LocalDynamoDB
from adyn.testing import DynamoDBTarget, EndpointDynamoDB

ACCESS_KEY = "AKIAADYNTESTACCESS7Q"
SECRET_KEY = "adyn-test-secret-9f3c1b7e5d2a4c6e8b0d"
SESSION_TOKEN = "adyn-test-session-token-4e8a2c6b0d9f7e5c3a1b"
SECRETS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)


class Vault(Model):
    class Meta:
        table_name = "vault"

    id: Column[str] = column(hash_key=True)
    body: Column[str] = column(default="")


class Safe(Model):
    class Meta:
        table_name = "safe"

    id: Column[str] = column(hash_key=True)
    body: Column[str] = column(default="")


def assert_no_secret(text: str) -> None:
    """None of the test credentials appears in `text`."""
    for secret in SECRETS:
        assert secret not in text, f"credential {secret[:8]}... leaked in {text[:300]!r}"


def described(exc: BaseException) -> str:
    """Everything an error shows: str, repr, its formatted traceback with the chained causes, its attributes."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    parts.extend(repr(value) for value in vars(exc).values())
    return "\n".join(parts)


@pytest.fixture
def secret_options(local_dynamodb: DynamoDBTarget) -> dict[str, Any]:
    """Engine options for the session's server with distinctive credentials (the local server takes any)."""
    if not isinstance(
        local_dynamodb, LocalDynamoDB
    ):  # a real endpoint ($ADYN_TEST_ENDPOINT) checks credentials
        pytest.skip("the test credentials only work on a local server (moto or dynalite)")
    return {
        "endpoint_url": local_dynamodb.endpoint_url,
        "region": "us-east-1",
        "aws_access_key_id": ACCESS_KEY,
        "aws_secret_access_key": SECRET_KEY,
        "aws_session_token": SESSION_TOKEN,
        "retries": 1,
        "table_name_template": f"{uuid.uuid4().hex[:12]}-{{table_name}}",
    }


# -- credentials --------------------------------------------------------------------------------------------------


@pytest.mark.needs("condition_item")  # it raises ItemExists, which carries the stored item
async def test_credentials_stay_out_of_reprs_errors_and_logs(
    secret_options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """The engine's repr, the errors of failing operations and adyn's log records never show the credentials."""
    caplog.set_level(logging.DEBUG, logger="adyn")
    engine = Engine(**secret_options)
    assert_no_secret(repr(engine))
    errors: list[BaseException] = []
    async with engine:
        assert_no_secret(repr(engine))
        await engine.bind(Vault)
        try:
            await engine.create(Vault(id="a"))
            with pytest.raises(ItemExists) as exists:
                await engine.create(Vault(id="a"))
            errors.append(exists.value)
            with pytest.raises(InvalidRequest) as invalid:
                # A request adyn would never build, sent through its transport: DynamoDB's ValidationException.
                await engine._call(
                    "GetItem", {"TableName": engine.table_name(Vault), "Key": {"nope": {"S": "x"}}}
                )  # pyright: ignore[reportPrivateUsage]
            errors.append(invalid.value)
        finally:
            await engine.delete_tables(Vault)
        with pytest.raises(TableNotFound) as missing:
            await engine.bind(Safe, create=False)
        errors.append(missing.value)
    for error in errors:
        assert error.__cause__ is not None or isinstance(error, TableNotFound)
        assert_no_secret(described(error))
    adyn_records = [r for r in caplog.records if r.name == "adyn" or r.name.startswith("adyn.")]
    assert_no_secret("\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in adyn_records))


async def test_botocore_debug_logs_show_the_session_token(
    secret_options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """
    A known limit outside adyn: botocore's own DEBUG logging prints the signed request headers, session token
    included. adyn logs nothing of its own; applications must keep botocore below DEBUG in production.
    """
    caplog.set_level(logging.DEBUG, logger="botocore")
    async with Engine(**secret_options) as engine:
        await engine.bind(Vault)
        try:
            await engine.get(Vault, "a")
        finally:
            await engine.delete_tables(Vault)
    botocore_text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("botocore"))
    assert SESSION_TOKEN in botocore_text


def test_target_reprs_hold_no_credentials() -> None:
    """EndpointDynamoDB and LocalDynamoDB reprs show the endpoint, never credentials."""
    endpoint = EndpointDynamoDB(
        "http://127.0.0.1:1",
        environ={
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
        },
    )
    assert endpoint.engine_options()["aws_session_token"] == SESSION_TOKEN
    assert_no_secret(repr(endpoint))
    assert_no_secret(repr(LocalDynamoDB()))


MODELS = """
from adyn import Column, Model, column


class Vault(Model):
    class Meta:
        table_name = "vault"

    id: Column[str] = column(hash_key=True)
"""


def test_cli_errors_hold_no_credentials(
    secret_options: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command line's error output, with --debug tracebacks, never shows the credentials."""
    module = f"security_models_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("ADYN_ENDPOINT_URL", secret_options["endpoint_url"])
    monkeypatch.setenv("ADYN_REGION", "us-east-1")
    monkeypatch.setenv("ADYN_TABLE_NAME_TEMPLATE", secret_options["table_name_template"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        for args in (
            ["scan", f"{module}:Vault"],
            ["--debug", "scan", f"{module}:Vault"],
            ["--debug", "get", f"{module}:Vault", "nobody"],
        ):
            capsys.readouterr()
            code = main(args)
            out, err = capsys.readouterr()
            assert code != 0, (args, out, err)
            assert "TableNotFound" in err or "does not exist" in err, err
            assert_no_secret(out + err)
    finally:
        sys.modules.pop(module, None)


# -- tokens -------------------------------------------------------------------------------------------------------


async def test_tokens_never_choose_the_table_or_index(engine: Engine) -> None:
    """
    A query's table and index come from the query, never from its token: a token from another table is refused,
    and a request resumed from a valid token names only the query's own table.
    """
    await engine.bind(Vault, Safe)
    await engine.put_all(*(Vault(id=f"v{i}") for i in range(3)), *(Safe(id=f"s{i}") for i in range(3)))
    vault_page = await anext(aiter(engine.scan(Vault).page_size(1).pages()))
    safe_page = await anext(aiter(engine.scan(Safe).page_size(1).pages()))
    assert vault_page.token is not None
    assert safe_page.token is not None
    with pytest.raises(InvalidValue, match="another table"):
        engine.scan(Safe).start(vault_page.token)
    request = engine.scan(Safe).start(safe_page.token).request()
    assert request["TableName"] == engine.table_name(Safe)
    assert set(request["ExclusiveStartKey"]) == {"id"}


# -- the local server ---------------------------------------------------------------------------------------------


def listening(port: int) -> list[str]:
    """The local addresses (hex, as /proc/net/tcp and tcp6 spell them) listening on `port`."""
    found: list[str] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                address, hex_port = fields[1].split(":")
                if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.append(address)
    return found


def other_address() -> str | None:
    """A non-loopback IPv4 address of this machine, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent for a UDP connect
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def assert_loopback_only(port: int) -> None:
    if sys.platform.startswith("linux"):
        # 0100007F is 127.0.0.1 in /proc's little-endian hex; nothing may listen on any other address.
        assert listening(port) == ["0100007F"]
    address = other_address()
    if address is not None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            assert s.connect_ex((address, port)) != 0


@pytest.fixture
def local_server() -> Iterator[LocalDynamoDB]:
    with LocalDynamoDB() as local:
        yield local


def test_local_server_listens_on_loopback_only(local_server: LocalDynamoDB) -> None:
    """LocalDynamoDB listens on 127.0.0.1 and on no other address."""
    assert local_server.port is not None
    assert local_server.endpoint_url.startswith("http://127.0.0.1:")
    assert_loopback_only(local_server.port)


def test_cli_local_server_listens_on_loopback_only(
    adyn_local_process: tuple[subprocess.Popen[str], int],
) -> None:
    """`adyn local` listens on 127.0.0.1 and on no other address."""
    _, port = adyn_local_process
    assert_loopback_only(port)
