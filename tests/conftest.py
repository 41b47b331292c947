"""
Shared test configuration: the Hypothesis profiles.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.dynalite import Dynalite

# "ci" is the default: bounded so the whole suite stays fast on two cores; "dev" digs deeper.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    """Load adyn's pytest plugin when the entry point did not (adyn not installed, only on ``PYTHONPATH``)."""
    import adyn.testing

    if not config.pluginmanager.is_registered(adyn.testing):
        config.pluginmanager.register(adyn.testing, "adyn.testing")


@pytest.fixture(scope="session")
def dynalite() -> Iterator[Dynalite]:
    """A dynalite server for the session (tests/dynalite.py), started on first use."""
    with Dynalite() as server:
        yield server
