"""
The benchmark cases, one module each, imported only when run (a case may need packages the others do not).

A case module defines:

- ``DESCRIPTION``: one line saying what it measures;
- ``PACKAGES``: the packages whose versions its report should show (beyond the harness's base list);
- ``run(settings: Settings) -> str``: verify, measure, and return its report section as Markdown.

To add a case, write ``cases/<name>.py`` and list it in `CASES`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from _harness import Settings

__all__ = ["CASES", "Case", "load"]

#: Every case by name, in the order ``run.py`` runs them.
CASES: tuple[str, ...] = ("codec", "streaming", "client_cpu")


class Case(Protocol):
    DESCRIPTION: str
    PACKAGES: tuple[str, ...]

    def run(self, settings: Settings) -> str: ...


def load(name: str) -> Case:
    """
    Import the case module `name` (one of `CASES`).
    """
    return cast("Case", importlib.import_module(f"{__name__}.{name}"))
