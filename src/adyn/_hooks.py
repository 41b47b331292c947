"""
Per-engine callbacks. The transport runs the request hooks and the engine the object hooks; neither keeps a
reference back to the engine, so an engine dropped without closing is collected (and warns).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["Hook", "Hooks", "run_hooks"]

Hook = Callable[..., "Awaitable[None] | None"]


class Hooks:
    """
    Callbacks an engine runs; each may be a plain function or a coroutine function (then awaited). They see the
    engine's own traffic only, never a global.

    Attributes:
        request: ``(operation, request)`` before each DynamoDB call.
        response: ``(operation, request, response, seconds)`` after each successful call; with the engine's
            ``consumed_capacity=True`` the response carries ``ConsumedCapacity``.
        loaded, saved, deleted: ``(obj)`` after an object was loaded, saved or deleted.
    """

    def __init__(self) -> None:
        self.request: list[Hook] = []
        self.response: list[Hook] = []
        self.loaded: list[Hook] = []
        self.saved: list[Hook] = []
        self.deleted: list[Hook] = []


async def run_hooks(hooks: list[Hook], *args: Any) -> None:
    """
    Call each hook with `args`, awaiting those that return an awaitable, in order.
    """
    for hook in hooks:
        result = hook(*args)
        if inspect.isawaitable(result):
            await result
