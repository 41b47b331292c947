"""
Differential property of conditional writes: a random condition on a put, a save, an update or a delete of an
item that is stored (or not) must let the write happen exactly when the pure-Python reference (tests/reference.py)
says the condition holds for the stored item, and otherwise raise ConditionFailed and leave the item alone.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from adyn import ConditionFailed, Engine, Model
from tests.differential.support import MODELS, bind, judge, prefix, property_settings, scenarios
from tests.reference import canonical_item
from tests.strategies import DIFF_RANGE_KINDS, diff_conditions, diff_items


async def stored(engine: Engine, model: type[Model], obj: Model) -> dict[str, Any] | None:
    """
    The item stored under `obj`'s key, as adyn dumps the object it loads: the server's own answer, with binary
    values as bytes whichever transport parsed it (the fast one hands them over as base64 text).
    """
    found = await engine.get(model, obj, consistent=True)
    return None if found is None else model.__adyn__.dump_item(found)


@property_settings(60)
@given(data=st.data())
async def test_conditional_write_happens_iff_the_reference_holds(engine: Engine, data: st.DataObject) -> None:
    """
    A put, save, update or delete with a condition succeeds exactly when the condition holds for the stored item
    (or for no item), and leaves the stored item as it was otherwise.
    """
    await bind(engine, *MODELS.values())
    start = prefix()
    kind = data.draw(st.sampled_from(DIFF_RANGE_KINDS), label="kind")
    model = MODELS[kind]
    condition = data.draw(diff_conditions(model, kind, max_leaves=4), label="condition")
    olds = data.draw(scenarios(kind, start, conditions=[condition], hashes=1, size=1), label="old")
    old = olds[0]
    exists = data.draw(st.booleans(), label="exists")
    new = data.draw(diff_items(model, old.pk, old.sk), label="new")
    operation = data.draw(st.sampled_from(["put", "save", "update", "delete"]), label="operation")
    if exists:
        await engine.put(old)
    before = await stored(engine, model, new)
    assert (before is not None) == exists
    holds = judge(condition, before or {})
    assume(holds is not None)
    m: Any = model
    try:
        if operation == "put":
            await engine.put(new, condition=condition)
        elif operation == "save":
            await engine.save(new, condition=condition)
        elif operation == "update":
            await engine.update(new, m.n.set(7), condition=condition, returns="none")
        else:
            await engine.delete(new, condition=condition)
    except ConditionFailed:
        assert not holds, f"the write failed though the condition holds on {before}"
        after = await stored(engine, model, new)
        assert after == before or canonical_item(after or {}) == canonical_item(before or {})
    else:
        assert holds, f"the write happened though the condition fails on {before}"
        after = await stored(engine, model, new)
        written = model.__adyn__.dump_item(new)
        if operation in ("put", "save"):
            # A never-loaded object is saved whole: every column it holds set, every empty one removed.
            expected: dict[str, Any] | None = written
        elif operation == "update":
            # Through a load and a dump, as `stored` reads it (a missing list or map loads as an empty one).
            info = model.__adyn__
            expected = info.dump_item(
                info.load_item({**(before or {}), **info.key(new), "count": {"N": "7"}})
            )
        else:
            expected = None
        assert after is not None or expected is None
        assert canonical_item(after or {}) == canonical_item(expected or {})
    finally:
        await engine.delete(new)
