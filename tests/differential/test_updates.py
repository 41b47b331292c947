"""
Differential property of updates: random update actions (`Engine.update`) applied by the server to a stored (or
missing) item and by the pure-Python reference (tests/reference.py) to the same item must give the same item, or
both reject the update.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from adyn import DynamoDBError, Engine, Model
from tests.differential.support import (
    MODELS,
    MOTO,
    bind,
    moto_fails_update,
    prefix,
    property_settings,
    scenarios,
)
from tests.differential.test_writes import stored
from tests.reference import UpdateError, apply_actions, canonical_item
from tests.strategies import DIFF_RANGE_KINDS, diff_updates


def normal(model: type[Model], item: dict[str, Any]) -> dict[str, Any]:
    """`item` through a load and a dump, as `stored` reads items back (a missing list or map loads empty)."""
    info = model.__adyn__
    return canonical_item(info.dump_item(info.load_item(item)))


@property_settings(80)
@given(data=st.data())
async def test_update_gives_what_the_reference_gives(engine: Engine, data: st.DataObject) -> None:
    """The item an update leaves is the item the reference computes; where the reference rejects the update the
    server does too, and the stored item stays as it was."""
    await bind(engine, *MODELS.values())
    kind = data.draw(st.sampled_from(DIFF_RANGE_KINDS), label="kind")
    model = MODELS[kind]
    (old,) = data.draw(scenarios(kind, prefix(), hashes=1, size=1), label="old")
    # Mostly a stored item: an update of a missing one fails or starts from nothing.
    exists = data.draw(st.sampled_from([True, True, True, False]), label="exists")
    actions = data.draw(diff_updates(model), label="actions")
    if exists:
        await engine.put(old)
    before = await stored(engine, model, old)
    note(f"stored before: {before}; actions: {actions}")
    assume(not (MOTO and moto_fails_update(actions, before or {})))
    try:
        expected: dict[str, Any] | None = apply_actions(actions, before or model.__adyn__.key(old))
    except UpdateError:
        expected = None
    rejected: DynamoDBError | None = None
    try:
        try:
            await engine.update(old, *actions, returns="none")
        except DynamoDBError as error:
            rejected = error
        event("rejected" if rejected else "applied")
        after = await stored(engine, model, old)
        if rejected is not None:
            assert expected is None, f"the server rejected an update the reference applies: {rejected}"
            assert after == before
        else:
            assert expected is not None, "the server applied an update the reference rejects"
            assert after is not None
            assert canonical_item(after) == normal(model, expected)
    finally:
        await engine.delete(old)
