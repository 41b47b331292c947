"""
Which DynamoDB the server tests run on, chosen by ``ADYN_TEST_BACKEND``: ``moto`` (the default, adyn's plugin
server or ``ADYN_TEST_ENDPOINT``) or ``dynalite`` (tests/dynalite.py), which validates requests like DynamoDB
where moto is lax.

A test that needs something a backend lacks carries ``@pytest.mark.needs("feature", ...)``; it is skipped on the
backends lacking a feature, with the reason, and runs everywhere else.
"""

from __future__ import annotations

import os

__all__ = ["BACKENDS", "BACKEND_VARIABLE", "FEATURES", "backend", "missing"]

#: The environment variable naming the backend of the server tests.
BACKEND_VARIABLE = "ADYN_TEST_BACKEND"

#: What `needs` may name, and what each means.
FEATURES = {
    "transactions": "TransactWriteItems and TransactGetItems",
    "ttl": "UpdateTimeToLive and DescribeTimeToLive",
    "streams": "DynamoDB Streams (stream specifications on tables and the streams API)",
    "partiql": "PartiQL (ExecuteStatement)",
    "condition_item": "the stored item in a failed condition's error (ReturnValuesOnConditionCheckFailure)",
    "moto": "moto itself (its reset endpoint, or adyn's moto-based local server)",
}

#: Each backend and what it lacks, with why, as the skip reason.
BACKENDS: dict[str, dict[str, str]] = {
    "moto": {},
    "dynalite": {
        "transactions": "dynalite 4 has no TransactWriteItems or TransactGetItems",
        "ttl": "dynalite 4 has no UpdateTimeToLive or DescribeTimeToLive",
        "streams": "dynalite 4 has no DynamoDB Streams API",
        "partiql": "dynalite 4 has no ExecuteStatement",
        # DynamoDB added ReturnValuesOnConditionCheckFailure in 2023; dynalite 4.0.0's source never mentions it
        # and its ConditionalCheckFailedException carries no Item, so ItemExists and VersionConflict (which
        # need the stored item) come out as plain ConditionFailed.
        "condition_item": "dynalite 4 ignores ReturnValuesOnConditionCheckFailure: a failed condition "
        "comes without the stored item",
        "moto": "the test drives moto itself, not the session's server",
    },
}


def backend() -> str:
    """
    The backend named by ``$ADYN_TEST_BACKEND`` (``moto`` when unset).

    Raises:
        ValueError: it names no known backend.
    """
    name = os.environ.get(BACKEND_VARIABLE) or "moto"
    if name not in BACKENDS:
        raise ValueError(f"{BACKEND_VARIABLE}={name!r}: expected one of {', '.join(BACKENDS)}")
    return name


def missing(name: str, needed: tuple[str, ...]) -> list[str]:
    """
    The skip reasons for the `needed` features backend `name` lacks (empty when it has them all).

    Raises:
        ValueError: `needed` is empty or names an unknown feature (a typo would otherwise never skip).
    """
    unknown = [feature for feature in needed if feature not in FEATURES]
    if not needed or unknown:
        raise ValueError(f"needs({', '.join(map(repr, needed))}): name features among {', '.join(FEATURES)}")
    lacks = BACKENDS[name]
    return [lacks[feature] for feature in needed if feature in lacks]
