"""
The pytest plugin `adyn.testing`, run the way a user's suite runs it: small test files through pytester, in
process, against this session's server (its endpoint passed in through ``ADYN_TEST_ENDPOINT``).
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from adyn import Column, Engine, Model, column
from adyn.local import LOCAL_CREDENTIALS
from adyn.testing import ENDPOINT_VARIABLE, DynamoDBTarget, EndpointDynamoDB, RequestRecorder

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
"""

USER_TEST = """
import pytest

from adyn import Column, Model, column


class Note(Model):
    class Meta:
        table_name = "notes"

    id: Column[str] = column(hash_key=True)
    text: Column[str] = column(default="")


def remember(table):
    with open("tables.txt", "a") as file:
        file.write(table + "\\n")


{marker}
async def test_records_requests(adyn_engine, adyn_recorder):
    await adyn_engine.bind(Note)
    table = adyn_engine.table_name(Note)
    remember(table)
    assert table.endswith("-notes") and table != "notes"
    assert "CreateTable" in adyn_recorder.operations
    adyn_recorder.clear()
    await adyn_engine.save(Note(id="a", text="hi"))
    assert adyn_recorder.operations == ["UpdateItem"] or adyn_recorder.operations == ["PutItem"]
    (request,) = adyn_recorder.requests(adyn_recorder.operations[0])
    assert request["TableName"] == table


{marker}
async def test_engine_closed_by_the_test(adyn_engine):
    await adyn_engine.bind(Note)
    remember(adyn_engine.table_name(Note))
    await adyn_engine.close()
"""


def _client(target: DynamoDBTarget) -> Any:
    options = target.engine_options()
    return botocore.session.get_session().create_client(
        "dynamodb",
        endpoint_url=options["endpoint_url"],
        region_name=options["region"],
        aws_access_key_id=options.get("aws_access_key_id", LOCAL_CREDENTIALS["aws_access_key_id"]),
        aws_secret_access_key=options.get(
            "aws_secret_access_key", LOCAL_CREDENTIALS["aws_secret_access_key"]
        ),
    )


@pytest.fixture
def user_suite(
    pytester: pytest.Pytester, adyn_dynamodb: DynamoDBTarget, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """A pytester whose runs use this session's server through the environment variable."""
    monkeypatch.setenv(ENDPOINT_VARIABLE, adyn_dynamodb.endpoint_url)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return pytester


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_recorder_and_tables_dropped(
    user_suite: pytest.Pytester, adyn_dynamodb: DynamoDBTarget, mode: str
) -> None:
    """The recorder sees the operations; tables a test created are gone after it, also when it closed the engine."""
    user_suite.makeini(INI.format(mode=mode))
    marker = "@pytest.mark.asyncio" if mode == "strict" else ""
    user_suite.makepyfile(test_user=USER_TEST.format(marker=marker))
    result = user_suite.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    tables = (user_suite.path / "tables.txt").read_text().split()
    assert len(tables) == 2
    assert tables[0] != tables[1]  # a prefix per test
    client = _client(adyn_dynamodb)
    try:
        names = client.list_tables()["TableNames"]
        assert not set(tables) & set(names)
        for table in tables:
            with pytest.raises(client.exceptions.ResourceNotFoundException):
                client.describe_table(TableName=table)
    finally:
        client.close()


def test_endpoint_from_environment(user_suite: pytest.Pytester, adyn_dynamodb: DynamoDBTarget) -> None:
    """With ADYN_TEST_ENDPOINT set, the fixtures point there; the options carry a prefix and one attempt."""
    user_suite.makeini(INI.format(mode="auto"))
    user_suite.makepyfile(
        test_env=f"""
        from adyn import Column, Model, column
        from adyn.testing import EndpointDynamoDB

        def test_target(adyn_dynamodb, adyn_engine_options):
            assert isinstance(adyn_dynamodb, EndpointDynamoDB)
            assert adyn_dynamodb.endpoint_url == {adyn_dynamodb.endpoint_url!r}
            assert adyn_engine_options["endpoint_url"] == {adyn_dynamodb.endpoint_url!r}
            assert adyn_engine_options["retries"] == 1
            assert adyn_engine_options["aws_access_key_id"] == "local"
            prefix, rest = adyn_engine_options["table_name_template"].split("-", 1)
            assert rest == "{{table_name}}" and len(prefix) >= 8

        class Item(Model):
            id: Column[str] = column(hash_key=True)

        async def test_engine_works(adyn_engine):
            await adyn_engine.bind(Item)
            assert adyn_engine.table_name(Item).endswith("-Item")
        """
    )
    result = user_suite.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


@pytest.mark.needs("moto")
def test_local_server_without_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the variable, the session fixture starts (and stops) its own moto server."""
    monkeypatch.delenv(ENDPOINT_VARIABLE, raising=False)
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(
        test_local="""
        from adyn.local import LocalDynamoDB

        SEEN = []

        def test_local(adyn_dynamodb):
            assert isinstance(adyn_dynamodb, LocalDynamoDB) and adyn_dynamodb.running
            SEEN.append(adyn_dynamodb)

        def test_same_server(adyn_dynamodb):
            assert SEEN == [adyn_dynamodb]
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_fixtures_listed(pytester: pytest.Pytester) -> None:
    """The plugin loads through its entry point and lists its fixtures."""
    pytester.makeini(INI.format(mode="auto"))
    result = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    assert result.ret == 0
    listing = result.stdout.str()
    for name in ("adyn_dynamodb", "adyn_engine_options", "adyn_engine", "adyn_recorder"):
        assert f"{name} " in listing, name


class Thing(Model):
    class Meta:
        table_name = "things"

    id: Column[str] = column(hash_key=True)
    size: Column[int] = column(default=0)


async def test_attach_to_any_engine(engine_options: dict[str, Any]) -> None:
    """RequestRecorder.attach() records one engine's requests; detach() stops it; the calls are copies."""
    async with Engine(**engine_options) as engine:
        recorder = RequestRecorder.attach(engine)
        await engine.bind(Thing)
        assert "CreateTable" in recorder.operations
        (create,) = recorder.requests("CreateTable")
        assert create["TableName"] == engine.table_name(Thing)
        recorder.clear()
        assert recorder.calls == []
        assert len(recorder) == 0
        await engine.save(Thing(id="x", size=1))
        assert len(recorder) == 1
        recorder.detach(engine)
        await engine.delete_tables(Thing)
        assert "DeleteTable" not in recorder.operations
        assert repr(recorder).startswith("<RequestRecorder")


def test_endpoint_credentials_from_environment() -> None:
    """EndpointDynamoDB reads region and credentials from AWS_* variables, else local defaults."""
    url = "http://localhost:8000"
    bare = EndpointDynamoDB(url, {})
    assert bare.engine_options() == {"endpoint_url": url, "region": "us-east-1", **LOCAL_CREDENTIALS}
    keys = EndpointDynamoDB(
        url,
        {
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "AK",
            "AWS_SECRET_ACCESS_KEY": "SK",
            "AWS_SESSION_TOKEN": "T",
        },
    )
    assert keys.engine_options() == {
        "endpoint_url": url,
        "region": "eu-west-1",
        "aws_access_key_id": "AK",
        "aws_secret_access_key": "SK",
        "aws_session_token": "T",
    }
    profile = EndpointDynamoDB(url, {"AWS_REGION": "ap-south-1", "AWS_PROFILE": "dev"})
    assert profile.engine_options() == {"endpoint_url": url, "region": "ap-south-1", "profile": "dev"}
    assert repr(profile) == f"<EndpointDynamoDB {url}>"
