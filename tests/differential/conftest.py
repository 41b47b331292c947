"""
Fixtures for the differential tests: the server suite's `engine` and `recorder` (tests/server/conftest.py), on
adyn's fast transport only.

The server suite runs every test on both transports; these properties send hundreds of requests per run, and the
transports' agreement is covered by the server suite itself, so here each property runs once.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import engine, local_dynamodb, recorder

__all__ = ["adyn_engine_options", "engine", "local_dynamodb", "recorder"]


@pytest.fixture
def adyn_engine_options(adyn_engine_options: dict[str, Any]) -> dict[str, Any]:
    """The plugin's options with adyn's fast response parser (one run per property, not two)."""
    return {**adyn_engine_options, "fast_transport": True}
