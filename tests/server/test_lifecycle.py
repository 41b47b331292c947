"""
The engine's lifecycle: opening, closing, ownership of the client, event-loop affinity, the unclosed warning.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import uuid
from typing import Any

import pytest
from aiobotocore.session import get_session

from adyn import Column, Engine, EngineStateError, Model, TableNotFound, UnboundModel, column
from adyn.local import LocalDynamoDB


class Thing(Model):
    id: Column[str] = column(hash_key=True)
    n: Column[int] = column(default=0)


async def test_context_manager_opens_and_closes(engine_options: dict[str, Any]) -> None:
    """async with opens the engine and closes it on exit."""
    async with Engine(**engine_options) as engine:
        assert not engine.closed
        await engine.bind(Thing)
    assert engine.closed


async def test_close_is_idempotent(engine_options: dict[str, Any]) -> None:
    """Closing twice does nothing the second time."""
    engine = Engine(**engine_options)
    await engine.open()
    await engine.close()
    await engine.close()
    assert engine.closed


async def test_open_is_idempotent(engine_options: dict[str, Any]) -> None:
    """Opening an open engine does nothing."""
    engine = Engine(**engine_options)
    await engine.open()
    await engine.open()
    await engine.bind(Thing)
    await engine.close()


async def test_closed_engine_refuses_work(engine_options: dict[str, Any]) -> None:
    """A closed engine raises EngineStateError instead of sending anything, and cannot reopen."""
    engine = Engine(**engine_options)
    await engine.open()
    await engine.bind(Thing)
    await engine.close()
    with pytest.raises(EngineStateError, match="closed"):
        await engine.save(Thing(id="a"))
    with pytest.raises(EngineStateError, match="closed"):
        await engine.open()


async def test_unopened_engine_refuses_work(engine_options: dict[str, Any]) -> None:
    """An engine that was never opened raises EngineStateError."""
    engine = Engine(**engine_options)
    with pytest.raises(EngineStateError, match="open the engine"):
        await engine.bind(Thing)
    await engine.close()


async def test_unclosed_engine_warns(engine_options: dict[str, Any]) -> None:
    """An engine garbage-collected while open emits a ResourceWarning."""
    engine = Engine(**engine_options)
    await engine.open()
    transport = engine._transport  # keep the client to close it ourselves
    with pytest.warns(ResourceWarning, match="unclosed"):  # noqa: PT031 - dropping and collecting is one step
        del engine
        gc.collect()
    await transport.close()


async def test_borrowed_client_stays_open(local_dynamodb: Any, engine_options: dict[str, Any]) -> None:
    """An engine given a client uses it and leaves it open on close."""
    options = local_dynamodb.engine_options()
    async with get_session().create_client(
        "dynamodb",
        region_name=options["region"],
        endpoint_url=options["endpoint_url"],
        aws_access_key_id=options["aws_access_key_id"],
        aws_secret_access_key=options["aws_secret_access_key"],
    ) as client:
        async with Engine(client=client, table_name_template=engine_options["table_name_template"]) as engine:
            await engine.bind(Thing)
            await engine.save(Thing(id="a", n=1))
        # The engine is closed; the client it borrowed still works.
        response = await client.describe_table(TableName=engine.table_name(Thing))
        assert response["Table"]["TableStatus"] == "ACTIVE"


async def test_other_event_loop_refused(engine: Engine) -> None:
    """Using an engine from another event loop raises EngineStateError, not a hang or a loop error."""
    await engine.bind(Thing)
    errors: list[BaseException] = []

    def other_loop() -> None:
        try:
            asyncio.run(engine.get(Thing, "a"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=other_loop)
    thread.start()
    await asyncio.to_thread(thread.join)
    assert len(errors) == 1
    assert isinstance(errors[0], EngineStateError)
    assert "another event loop" in str(errors[0])


async def test_unbound_model_refused_before_any_request(engine: Engine, recorder: Any) -> None:
    """Using a model the engine has not bound raises UnboundModel and sends nothing."""
    with pytest.raises(UnboundModel, match="Thing") as info:
        await engine.save(Thing(id="a"))
    assert info.value.model is Thing
    assert recorder.calls == []


async def test_models_bind_to_several_engines(engine_options: dict[str, Any], local_dynamodb: Any) -> None:
    """One model binds to two engines with different table templates, each with its own table."""
    other = {**engine_options, "table_name_template": uuid.uuid4().hex[:8] + "-{table_name}"}
    async with Engine(**engine_options) as first, Engine(**other) as second:
        await first.bind(Thing)
        await second.bind(Thing)
        assert first.table_name(Thing) != second.table_name(Thing)
        await first.save(Thing(id="a", n=1))
        assert await second.get(Thing, "a") is None
        assert await first.get(Thing, "a") == Thing(id="a", n=1)


async def test_cancelled_operation_leaves_engine_usable(engine: Engine) -> None:
    """Cancelling a multi-object save leaves no task running and the engine usable."""
    await engine.bind(Thing)
    before = asyncio.all_tasks()
    task = asyncio.create_task(engine.save(*(Thing(id=str(i)) for i in range(50))))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Every request task the save started is finished once the cancellation has propagated.
    assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()
    await engine.save(Thing(id="after"))
    assert await engine.get(Thing, "after") == Thing(id="after")


async def test_endpoint_from_environment(local_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no endpoint_url, the engine reaches the endpoint in AWS_ENDPOINT_URL_DYNAMODB, as botocore does."""
    options = local_dynamodb.engine_options()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", options["endpoint_url"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = uuid.uuid4().hex[:8] + "-{table_name}"
    async with Engine(table_name_template=template, retries=1) as engine:
        await engine.bind(Thing)
        await engine.save(Thing(id="env"))
    async with Engine(**options, table_name_template=template) as direct:
        await direct.bind(Thing)
        assert await direct.get(Thing, "env") == Thing(id="env")


@pytest.mark.needs("moto")
async def test_local_server_async_context_and_reset() -> None:
    """LocalDynamoDB starts as an async context manager, reset() empties it, and exit stops and reaps it."""
    async with LocalDynamoDB() as local:
        assert local.running
        async with Engine(**local.engine_options(), retries=1) as engine:
            await engine.bind(Thing)
            await engine.save(Thing(id="a"))
            await asyncio.to_thread(local.reset)
            with pytest.raises(TableNotFound):
                await engine.get(Thing, "a")
        process = local._process
    assert not local.running
    assert process is None or process.returncode is not None
