"""
Differential property of queries: random items and a random key condition (hash key ``==`` alone or with one
sort-key condition, in either order) and filter, run on the server as a query and on the pure-Python reference
(tests/reference.py), must select the same items in the same order.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from adyn import Condition, Engine
from adyn._expressions import iter_operands
from tests.differential.support import (
    MODELS,
    NAMES,
    bind,
    judge,
    key_of,
    prefix,
    property_settings,
    scenarios,
)
from tests.reference import key_order
from tests.strategies import DIFF_RANGE_KINDS, diff_conditions, diff_key_conditions


@property_settings(60)
@given(data=st.data())
async def test_query_selects_and_orders_as_the_reference(engine: Engine, data: st.DataObject) -> None:
    """
    A query returns the items its key condition and filter select, ascending by sort key (DynamoDB's byte order
    for strings and binary), or descending.
    """
    await bind(engine, *MODELS.values())
    start = prefix()
    kind = data.draw(st.sampled_from(DIFF_RANGE_KINDS), label="kind")
    model = MODELS[kind]
    key = data.draw(diff_key_conditions(model, kind, f"{start}0"), label="key")
    condition = data.draw(st.just(Condition()) | diff_conditions(model, kind, max_leaves=3), label="filter")
    if any(o._path[0] in (NAMES["pk"], NAMES["sk"]) for o in iter_operands(condition)):  # pyright: ignore[reportPrivateUsage]
        condition = (
            Condition()
        )  # DynamoDB rejects key attributes in a query's filter (and adyn says so first)
    descending = data.draw(st.booleans(), label="descending")
    items = data.draw(scenarios(kind, start, conditions=[key, condition]), label="items")
    stored = {key_of(o): model.__adyn__.dump_item(o) for o in items}
    answers = {k: (judge(key, item), judge(condition, item)) for k, item in stored.items()}
    # Where the reference cannot say (or moto is known to be wrong) for some item, the example says nothing.
    assume(all(None not in pair for pair in answers.values()))
    await engine.put_all(*items)
    try:
        query = engine.query(model, key=key).filter(condition)
        if descending:
            query = query.descending()
        got = [key_of(o) for o in await query.all()]
        selected = sorted(
            (k for k, (in_key, filtered) in answers.items() if in_key and filtered),
            key=lambda k: key_order(stored[k][NAMES["sk"]]),
            reverse=descending,
        )
        assert got == selected
    finally:
        await engine.delete_all(*items)
