"""
Pure backoff schedules: the delays to wait between retries. Sleeping happens in the caller.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

__all__ = ["full_jitter"]


def full_jitter(
    *, base: float = 0.05, cap: float = 2.0, attempts: int = 8, rand: Callable[[], float] = random.random
) -> Iterator[float]:
    """
    Yield `attempts` delays with exponential backoff and full jitter: the k-th delay is uniform in
    ``[0, min(cap, base * 2**k))`` (AWS's recommended schedule: retries spread out instead of arriving together).

    `rand` returns a float in [0, 1); tests pass a fixed one.
    """
    if base <= 0 or cap <= 0 or attempts < 0:
        raise ValueError("base and cap must be positive and attempts non-negative")
    for k in range(attempts):
        yield rand() * min(cap, base * 2**k)
