"""
Differential property of filters: random items and random conditions, run on the server as scans' filters and on
the pure-Python reference (tests/reference.py), must select the same items.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from adyn import Engine
from tests.differential.support import MODELS, bind, judge, key_of, prefix, property_settings, scenarios
from tests.strategies import DIFF_RANGE_KINDS, diff_conditions


@property_settings(60)
@given(data=st.data())
async def test_scan_filter_selects_what_the_reference_selects(engine: Engine, data: st.DataObject) -> None:
    """
    For each of a few filters over one set of items, the keys a filtered scan returns are exactly the keys of the
    items the reference says match.
    """
    await bind(engine, *MODELS.values())
    start = prefix()
    kind = data.draw(st.sampled_from(DIFF_RANGE_KINDS), label="kind")
    model = MODELS[kind]
    # Several small filters per example rather than one large one: a large AND or OR is nearly always false or
    # true for every item, and a write of the items costs more than a scan.
    filters = data.draw(st.lists(diff_conditions(model, kind, max_leaves=3), min_size=1, max_size=5))
    items = data.draw(scenarios(kind, start, conditions=filters), label="items")
    stored = [model.__adyn__.dump_item(o) for o in items]
    verdicts = [[judge(condition, item) for item in stored] for condition in filters]
    # Where the reference cannot say for some item (tests.reference.Undetermined), that filter says nothing.
    checked = [(c, answers) for c, answers in zip(filters, verdicts, strict=True) if None not in answers]
    assume(checked)
    await engine.put_all(*items)
    try:
        for condition, answers in checked:
            found = await engine.scan(model).filter(condition).all()
            got = sorted((key_of(o) for o in found if o.pk.startswith(start)), key=repr)
            expected = sorted(
                (key_of(o) for o, answer in zip(items, answers, strict=True) if answer), key=repr
            )
            assert got == expected, condition
    finally:
        await engine.delete_all(*items)
