"""
Shared test configuration: the Hypothesis profiles, the dynalite server, and the ``needs`` marker that skips a
test on a backend lacking what it needs (tests/backends.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from adyn.testing import ENDPOINT_VARIABLE
from tests.backends import BACKEND_VARIABLE, backend, missing
from tests.dynalite import Dynalite

# "ci" is the default: bounded so the whole suite stays fast on two cores; "dev" digs deeper.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    """
    Load adyn's pytest plugin when the entry point did not (adyn not installed, only on ``PYTHONPATH``), and
    check the backend choice.
    """
    import adyn.testing

    if not config.pluginmanager.is_registered(adyn.testing):
        config.pluginmanager.register(adyn.testing, "adyn.testing")
    try:
        name = backend()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    if name != "moto" and os.environ.get(ENDPOINT_VARIABLE):
        raise pytest.UsageError(
            f"{BACKEND_VARIABLE}={name} and {ENDPOINT_VARIABLE} name two servers: unset one"
        )


def pytest_report_header(config: pytest.Config) -> str:
    """Say which backend the server tests run on."""
    return f"adyn server tests on: {backend()} ({BACKEND_VARIABLE})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests marked ``needs(...)`` whose features the backend lacks, saying which and why."""
    name = backend()
    for item in items:
        reasons: list[str] = []
        for mark in item.iter_markers("needs"):
            try:
                reasons += missing(name, mark.args)
            except ValueError as error:
                raise pytest.UsageError(f"{item.nodeid}: {error}") from None
        if reasons:
            item.add_marker(pytest.mark.skip(reason=f"on {name}: {'; '.join(reasons)}"))


@pytest.fixture(scope="session")
def dynalite() -> Iterator[Dynalite]:
    """A dynalite server for the session (tests/dynalite.py), started on first use."""
    with Dynalite() as server:
        yield server
