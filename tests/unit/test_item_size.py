"""
`item_size`, the 400 KB check adyn makes before writing, against a plain reference of DynamoDB's size rules: names
and strings count their UTF-8 bytes, binaries their bytes, numbers about one byte per two significant digits plus
one, booleans and nulls one byte, lists and maps three bytes plus one per element (and a map its keys).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adyn._writes import item_size

texts = st.text(max_size=12)
numbers = st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
scalars = st.one_of(
    st.builds(lambda s: {"S": s}, texts),
    st.builds(lambda n: {"N": n}, numbers),
    st.builds(lambda b: {"B": b}, st.binary(max_size=12)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda ss: {"SS": sorted(ss)}, st.sets(texts, min_size=1, max_size=4)),
    st.builds(lambda ns: {"NS": sorted(ns)}, st.sets(numbers, min_size=1, max_size=4)),
    st.builds(lambda bs: {"BS": sorted(bs)}, st.sets(st.binary(max_size=6), min_size=1, max_size=4)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=4)),
        st.builds(lambda pairs: {"M": pairs}, st.dictionaries(texts, inner, max_size=4)),
    ),
    max_leaves=12,
)


def reference_size(value: dict[str, Any]) -> int:
    ((kind, wire),) = value.items()
    sizes = {
        "S": lambda: len(wire.encode("utf-8")),
        "N": lambda: len(wire.lstrip("-").replace(".", "")) // 2 + 1,
        "B": lambda: len(wire),
        "BOOL": lambda: 1,
        "NULL": lambda: 1,
        "SS": lambda: sum(len(s.encode("utf-8")) for s in wire),
        "NS": lambda: sum(len(n.lstrip("-").replace(".", "")) // 2 + 1 for n in wire),
        "BS": lambda: sum(len(b) for b in wire),
        "L": lambda: 3 + sum(1 + reference_size(v) for v in wire),
        "M": lambda: 3 + sum(1 + len(k.encode("utf-8")) + reference_size(v) for k, v in wire.items()),
    }
    return sizes[kind]()


@given(st.dictionaries(texts, values, max_size=6))
def test_item_size_matches_the_reference(item: dict[str, dict[str, Any]]) -> None:
    """Any item: ASCII and non-ASCII names and text, every kind of value, nested lists and maps."""
    expected = sum(len(name.encode("utf-8")) + reference_size(value) for name, value in item.items())
    assert item_size(item) == expected  # type: ignore[arg-type]


def test_item_size_counts_utf8_bytes() -> None:
    """Text counts its UTF-8 bytes, not its characters."""
    assert item_size({"é": {"S": "日本"}}) == 2 + 6
    assert item_size({"a": {"M": {"ü": {"SS": ["ß", "x"]}}}}) == 1 + 3 + 1 + 2 + 3
