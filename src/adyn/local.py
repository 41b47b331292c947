"""
An embedded local DynamoDB: moto's server run as a subprocess on 127.0.0.1, on a free port.

For development, demos and tests (adyn's own and its users')::

    async with LocalDynamoDB() as local:
        async with Engine(**local.engine_options()) as engine:
            ...

    with LocalDynamoDB() as local:          # the same, synchronously (a pytest session fixture, say)
        print(local.endpoint_url)

It needs the ``local`` extra (``pip install "adyn[local]"``), which brings moto's server. The process listens on
loopback only, is ready in about a second, and is stopped and reaped on exit. `reset()` empties it.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

from typing_extensions import Self

from .exceptions import AdynError

__all__ = ["LocalDynamoDB", "LocalServerError"]

_READY = re.compile(r"Running on http://127\.0\.0\.1:(\d+)")

#: Credentials the local server accepts; real ones are never needed (and never sent) against it.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


class LocalServerError(AdynError, RuntimeError):
    """
    Raised when the local DynamoDB server cannot start (moto is not installed, or it exited or hung on start).
    """


class LocalDynamoDB:
    """
    A moto DynamoDB server in a subprocess on ``127.0.0.1``.

    Args:
        port: the port to listen on; 0 (the default) picks a free one.
        start_timeout: seconds to wait for the server to report it is listening.

    Attributes:
        endpoint_url: ``http://127.0.0.1:PORT`` once started.
        region: the region to use with it (any works; this is what `engine_options()` passes).
    """

    region = "us-east-1"

    def __init__(self, port: int = 0, *, start_timeout: float = 30.0) -> None:
        self._requested_port = port
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[str] | None = None
        self._output: IO[str] | None = None
        self._drain: threading.Thread | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=50)
        self.port: int | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise LocalServerError("the local DynamoDB server is not running")
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """
        Whether the server process is alive.
        """
        return self._process is not None and self._process.poll() is None

    def engine_options(self) -> dict[str, Any]:
        """
        Keyword arguments for :class:`adyn.Engine` pointing at this server (endpoint, region, local credentials).
        """
        return {"endpoint_url": self.endpoint_url, "region": self.region, **LOCAL_CREDENTIALS}

    # -- lifecycle --

    def start(self) -> None:
        """
        Start the server and block until it listens (about a second). Idempotent while running.
        """
        if self.running:
            return
        try:
            import moto.server  # noqa: F401  # pyright: ignore[reportUnusedImport]
        except ImportError as exc:
            raise LocalServerError('the local server needs moto: pip install "adyn[local]"') from exc
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("MOTO_PORT", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self._requested_port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert process.stderr is not None

        def bound_port(line: str) -> int | None:
            match = _READY.search(line)
            return int(match.group(1)) if match else None

        # moto prints the bound port on stderr.
        self._follow(process, process.stderr, bound_port)

    def _follow(
        self, process: subprocess.Popen[str], output: IO[str], ready: Callable[[str], int | None]
    ) -> None:
        """
        Adopt the started server `process`: read its `output` until `ready(line)` returns the port it listens on,
        then keep draining that output in a thread (or the pipe fills and the server blocks). Raises
        LocalServerError, the process stopped, if the output ends or the start timeout passes first.
        """
        self._process, self._output = process, output
        deadline = time.monotonic() + self._start_timeout
        port: int | None = None
        while port is None and time.monotonic() < deadline:
            line = output.readline()
            if not line:
                break
            self._log.append(line.rstrip())
            port = ready(line)
        if port is None:
            self._kill()
            raise LocalServerError("the local DynamoDB server did not start:\n" + "\n".join(self._log))
        self.port = port
        self._drain = threading.Thread(target=self._drain_output, name="adyn-local-dynamodb-log", daemon=True)
        self._drain.start()

    def _drain_output(self) -> None:
        output = self._output
        if output is None:  # pragma: no cover - set before the thread starts
            return
        for line in output:
            self._log.append(line.rstrip())

    def stop(self) -> None:
        """
        Stop the server and reap the process. Idempotent.
        """
        self._kill()
        self.port = None

    def _kill(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - the servers exit on SIGTERM
                process.kill()
                process.wait()
        if self._drain is not None:
            self._drain.join(timeout=5)
            self._drain = None
        output, self._output = self._output, None
        if output is not None:
            output.close()

    def wait(self, timeout: float | None = None) -> bool:
        """
        Block until the server process exits (or `timeout` seconds pass); return whether it exited. For a
        foreground server such as ``adyn local``; never call it on an event loop.
        """
        process = self._process
        if process is None:
            return True
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def reset(self) -> None:
        """
        Delete every table and item on the server (moto's reset; about 15 ms).
        """
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def recent_log(self) -> list[str]:
        """
        The last lines the server printed (its request log), for diagnosing a failing test.
        """
        return list(self._log)

    # -- context managers --

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        # Starting blocks on the subprocess's output: do it off the event loop.
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    def __repr__(self) -> str:
        state = self.endpoint_url if self.running else "stopped"
        return f"<LocalDynamoDB {state}>"
