"""
Fixtures for tests against a real DynamoDB over HTTP, from adyn's own pytest plugin (`adyn.testing`): one server
for the whole session, and per test an engine whose table names carry a fresh prefix (its tables dropped after
the test), so tests never see each other's tables. Using the plugin here exercises it on every run.

The short names the tests use are aliases of the plugin's fixtures; only the parser parametrization is ours,
and the server itself when ``ADYN_TEST_BACKEND=dynalite`` (tests/backends.py) swaps the plugin's moto for dynalite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adyn import Engine
from adyn.testing import DynamoDBTarget, RequestRecorder
from tests.backends import backend
from tests.dynalite import Dynalite

#: The tests' name for the plugin's recorder.
Recorder = RequestRecorder


@pytest.fixture(params=["fast", "stock"])
def adyn_engine_options(
    adyn_engine_options: dict[str, Any], request: pytest.FixtureRequest
) -> dict[str, Any]:
    """
    The plugin's options plus the parser: every server test runs twice, with adyn's fast response parser and with
    botocore's; they must behave the same.
    """
    return {**adyn_engine_options, "fast_transport": request.param == "fast"}


if backend() == "dynalite":
    # Defined only on dynalite so that on moto the plugin's own fixture runs, as it does in users' suites.

    @pytest.fixture(scope="session")
    def adyn_dynamodb(dynalite: Dynalite) -> DynamoDBTarget:
        """The session's server is dynalite instead of the plugin's moto."""
        return dynalite


@pytest.fixture(scope="session")
def local_dynamodb(adyn_dynamodb: DynamoDBTarget) -> DynamoDBTarget:
    """The session's DynamoDB server (the plugin's `adyn_dynamodb`)."""
    return adyn_dynamodb


@pytest.fixture
def engine_options(adyn_engine_options: dict[str, Any]) -> dict[str, Any]:
    """Options for an engine on the server with a per-test table prefix (`adyn_engine_options`)."""
    return adyn_engine_options


@pytest.fixture
def engine(adyn_engine: Engine) -> Engine:
    """An open engine with a per-test table prefix (`adyn_engine`): its tables dropped and it closed afterwards."""
    return adyn_engine


@pytest.fixture
def recorder(adyn_recorder: RequestRecorder) -> RequestRecorder:
    """The requests `engine` sends from now on (`adyn_recorder`)."""
    return adyn_recorder


#: The first line `adyn local` prints once it listens.
LOCAL_READY = "local DynamoDB running at http://127.0.0.1:"


@pytest.fixture
def adyn_local_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """
    `adyn local --port 0` in a subprocess (this tree's ``src`` first on ``PYTHONPATH``), once it has printed its
    endpoint: the process and its port. Stopped afterwards unless the test stopped it.
    """
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "adyn.cli", "local", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(LOCAL_READY), first
        yield process, int(first[len(LOCAL_READY) :].split()[0].rstrip("/"))
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - the server exits on SIGTERM
                process.kill()
                process.communicate()
