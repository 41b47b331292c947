"""
Names DynamoDB's expression grammar would misread: backing names (``column(name=...)``) and map keys drawn from
DynamoDB's reserved words and from strings holding ``.``, ``#``, ``:``, ``[``, ``]``, spaces and non-ASCII text
round-trip unchanged through save, get, a query filtering on them, update and a conditional delete, and no name or
value ever appears in the text of an expression: every request refers to them by ``#n``/``:v`` placeholders only.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adyn import Engine
from adyn.testing import RequestRecorder
from tests.differential.reserved_words import RESERVED_WORDS
from tests.differential.support import MODELS, NAMES, bind, prefix, property_settings
from tests.strategies import DIFF_COLUMNS, make_diff_model

#: Reserved words as DynamoDB lists them, in lower case and capitalized (its reserved words ignore case).
_RESERVED = st.sampled_from(RESERVED_WORDS).flatmap(lambda w: st.sampled_from([w, w.lower(), w.capitalize()]))
#: Strings made of expression punctuation, spaces, letters and non-ASCII text.
_HOSTILE = st.text(alphabet=st.sampled_from(list(".#:[] ,=<>()aZ0é名😀")), min_size=1, max_size=8)
_NAMES = _RESERVED | _HOSTILE

_EXPRESSIONS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
    "UpdateExpression",
    "ConditionExpression",
)
# The whole vocabulary of the expressions adyn writes: placeholders, list positions, keywords, function names and
# punctuation. Any other text (a name or a value written inline) fails to tokenize.
_TOKEN = re.compile(
    r"\s+|#n\d+|:v\d+|\[\d+\]|[(),.=<>+-]|<>|<=|>=|"
    r"\b(?:AND|OR|NOT|BETWEEN|IN|SET|REMOVE|ADD|DELETE|attribute_exists|attribute_not_exists|attribute_type|"
    r"begins_with|contains|size|if_not_exists|list_append)\b"
)


def untokenized(text: str) -> str:
    """What is left of an expression once every token of adyn's vocabulary is removed (empty when all is)."""
    return _TOKEN.sub("", text)


def check_placeholders(recorder: RequestRecorder, names: list[str], values: list[str]) -> None:
    """
    Every expression sent is made of placeholders, keywords, function names, list positions and punctuation only
    (a name or value written inline would leave text over, unless it were itself a keyword, which no parser could
    tell apart), and the names and values reach the server through the placeholder maps.
    """
    sent = [request for _, request in recorder.calls if any(e in request for e in _EXPRESSIONS)]
    assert sent
    for request in sent:
        for field in _EXPRESSIONS:
            text = request.get(field, "")
            assert untokenized(text) == "", (field, text)
    referenced = {n for request in sent for n in request.get("ExpressionAttributeNames", {}).values()}
    assert set(names) <= referenced
    strings = {
        v["S"] for request in sent for v in request.get("ExpressionAttributeValues", {}).values() if "S" in v
    }
    assert set(values) <= strings


@property_settings(40)
@given(data=st.data())
async def test_weird_names_round_trip_through_placeholders(
    engine: Engine, recorder: RequestRecorder, data: st.DataObject
) -> None:
    """
    An item whose columns and map keys have reserved or punctuated names is saved, read, found by a filter on
    every one of them, updated and deleted under a condition on them, unchanged by the trip, through placeholders.
    """
    # Not the table keys' own backing names: two columns cannot share one (adyn refuses that model).
    free = _NAMES.filter(lambda name: name not in (NAMES["pk"], NAMES["sk"]))
    names = data.draw(st.lists(free, min_size=len(DIFF_COLUMNS), max_size=len(DIFF_COLUMNS), unique=True))
    keys = data.draw(st.lists(_NAMES, min_size=2, max_size=2, unique=True), label="map keys")
    text, other = data.draw(st.lists(_NAMES, min_size=2, max_size=2, unique=True), label="values")
    backing = {**NAMES, **dict(zip(DIFF_COLUMNS, names, strict=True))}
    # The table's keys keep their names; the other columns' names vary per example (DynamoDB has no schema
    # for them), so every example's model shares one table.
    model: Any = make_diff_model("S", backing, table="Names")
    await bind(engine, model)
    first, second = keys
    obj = model(
        pk=prefix(), sk=text, n=1, s=text, b=text.encode(), flag=True, ss={text}, ns={1}, li=[1],
        doc={first: text, second: {first: [text]}}, any={second: text},
    )  # fmt: skip
    recorder.clear()

    await engine.save(obj)
    loaded = await engine.get(model, obj, consistent=True)
    assert loaded is not None
    assert model.__adyn__.dump_item(loaded) == model.__adyn__.dump_item(obj)

    every = (
        (model.n == 1)
        & (model.s == text)
        & (model.b == text.encode())  # not begins_with: moto's is false on binary (support.moto_fails)
        & model.flag.exists()
        & model.ss.contains(text)
        & (model.li[0] == 1)
        & (model.doc[first] == text)
        & model.doc[second][first].contains(text)
        & model.any[second].begins_with(text)
        & model.d.not_exists()
    )
    found = await engine.query(model, key=(model.pk == obj.pk) & (model.sk == text)).filter(every).all()
    assert [model.__adyn__.dump_item(o) for o in found] == [model.__adyn__.dump_item(obj)]

    await engine.update(
        obj,
        model.s.set(other),
        model.doc[first].set(other),
        model.doc[second][first].append([other]),
        model.any[second].remove(),
        model.ss.add({other}),
        model.n.increment(2),
        condition=every,
        returns="none",
    )
    updated = await engine.get(model, obj, consistent=True)
    assert updated is not None
    assert (updated.s, updated.n, updated.ss) == (other, 3, {text, other})
    assert updated.doc == {first: other, second: {first: [text, other]}}
    assert updated.any == {}

    await engine.delete(obj, condition=(model.s == other) & (model.doc[first] == other))
    assert await engine.get(model, obj, consistent=True) is None
    check_placeholders(recorder, [*names, *keys], [text, other])


def test_the_reserved_words_are_the_documented_573() -> None:
    """The list is the documented one: 573 distinct words in alphabetical order, those of the models included."""
    assert len(RESERVED_WORDS) == 573
    assert list(RESERVED_WORDS) == sorted(set(RESERVED_WORDS))
    assert {"NAME", "COUNT", "STATUS", "COMMENT", "USER", "AND"} <= set(RESERVED_WORDS)
    assert MODELS  # the differential models use some of them as backing names (support.NAMES)
