"""
The models the reliability scenarios write and read.
"""

from __future__ import annotations

from adyn import Column, Model, column


class Thing(Model):
    """One item per id, with a payload derived from the id (so a loaded object shows it was filled)."""

    id: Column[int] = column(hash_key=True)
    payload: Column[str] = column(default="")


class Entry(Model):
    """Items in partitions, ordered by position: what queries page through."""

    part: Column[str] = column(hash_key=True)
    pos: Column[int] = column(range_key=True)
    payload: Column[str] = column(default="")


class Counter(Model):
    """A counter updated in place."""

    id: Column[str] = column(hash_key=True)
    count: Column[int] = column(default=0)


class Doc(Model):
    """A versioned document (optimistic locking)."""

    id: Column[str] = column(hash_key=True)
    text: Column[str] = column(default="")
    version: Column[int | None] = column(version=True, default=None)


def payload(i: int) -> str:
    """The payload stored for id `i`."""
    return f"payload-{i}-" + "x" * (i % 50)
