"""
Smoke test of an installed adyn distribution (``python -m nox -s package`` runs it in a clean environment).

It checks, against the installed package rather than the source tree: the import, that ``adyn.__version__`` is
the distribution's version and ``py.typed`` is installed, a round trip through the embedded local server (the
``local`` extra), the ``adyn`` console script (``--help`` and ``adyn local``), and the pytest plugin's
``adyn_engine`` fixture. Run it from outside the repository so that ``import adyn`` cannot find ``src/``.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.resources
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import adyn

TIMEOUT = 120.0


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"smoke test failed: {message}")
    print(f"ok: {message}", flush=True)


def check_import() -> None:
    installed = pathlib.Path(adyn.__file__).resolve()
    check(
        "site-packages" in installed.parts,
        f"adyn is imported from the installed package ({installed.parent})",
    )
    metadata_version = importlib.metadata.version("adyn")
    check(
        adyn.__version__ == metadata_version,
        f"adyn.__version__ {adyn.__version__!r} is the metadata version {metadata_version!r}",
    )
    check(importlib.resources.files("adyn").joinpath("py.typed").is_file(), "py.typed is installed")


class Note(adyn.Model):
    class Meta:
        table_name = "smoke_notes"

    id: adyn.Column[str] = adyn.column(hash_key=True)
    text: adyn.Column[str] = adyn.column()
    views: adyn.Column[int] = adyn.column(default=0)


async def round_trip() -> None:
    from adyn.local import LocalDynamoDB

    async with LocalDynamoDB() as local, adyn.Engine(**local.engine_options()) as engine:
        await engine.bind(Note)
        await engine.save(Note(id="n1", text="hello", views=3))
        loaded = await engine.get(Note, "n1")
    check(
        loaded is not None and loaded.text == "hello" and loaded.views == 3,
        "bind/save/get round trip through adyn.local.LocalDynamoDB",
    )


def console_script() -> str:
    # The console script of this environment, not one that happens to be on PATH.
    found = shutil.which("adyn", path=os.path.dirname(sys.executable))
    check(found is not None, f"the adyn console script is installed ({found})")
    assert found is not None
    return found


def check_cli() -> None:
    script = console_script()
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    check(result.returncode == 0 and "usage: adyn" in result.stdout, "adyn --help")

    with subprocess.Popen(
        [script, "local", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        assert server.stdout is not None
        first = server.stdout.readline()
        server.send_signal(signal.SIGTERM)
        try:
            rest, _ = server.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    check(
        first.startswith("local DynamoDB running at http://127.0.0.1:"),
        f"adyn local started: {first.strip()}",
    )
    check(
        server.returncode == 0 and "stopped" in rest,
        f"adyn local stopped on SIGTERM (exit {server.returncode})",
    )


PLUGIN_TEST = """
from __future__ import annotations

import adyn


class Item(adyn.Model):
    id: adyn.Column[str] = adyn.column(hash_key=True)
    n: adyn.Column[int] = adyn.column(default=0)


async def test_engine_fixture(adyn_engine: adyn.Engine) -> None:
    await adyn_engine.bind(Item)
    await adyn_engine.save(Item(id="a", n=1))
    loaded = await adyn_engine.get(Item, "a")
    assert loaded is not None and loaded.n == 1


async def test_recorder_fixture(adyn_engine: adyn.Engine, adyn_recorder) -> None:
    await adyn_engine.bind(Item)
    await adyn_engine.get(Item, "missing")
    assert "GetItem" in adyn_recorder.operations
"""

PYTEST_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def check_pytest_plugin() -> None:
    with tempfile.TemporaryDirectory(prefix="adyn-smoke-") as tmp:
        root = pathlib.Path(tmp)
        (root / "pytest.ini").write_text(textwrap.dedent(PYTEST_INI), encoding="utf-8")
        (root / "test_plugin.py").write_text(PLUGIN_TEST, encoding="utf-8")
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        print(result.stdout[-2000:], result.stderr[-2000:], sep="", flush=True)
    check(
        result.returncode == 0,
        f"pytest with the adyn plugin's adyn_engine fixture ({time.monotonic() - started:.1f}s)",
    )


def main() -> None:
    check_import()
    asyncio.run(round_trip())
    check_cli()
    check_pytest_plugin()
    print(f"smoke test of adyn {adyn.__version__} passed", flush=True)


if __name__ == "__main__":
    main()
