"""
Property tests of the expression compiler: with attribute names drawn from reserved words, expression punctuation
and any unicode, no name or value ever reaches the expression text; every placeholder is defined and used; ``&``
and ``|`` are associative, the empty condition is their identity and double negation cancels; compiling is
deterministic.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adyn import Condition, Model, compile_expressions
from adyn._expressions import check_key_condition
from tests.strategies import (
    ExprItem,
    expression_conditions,
    expression_key_conditions,
    expression_models,
    expression_requests,
)

#: Every word an expression may contain: the keywords and function names of DynamoDB's expression language.
KEYWORDS = frozenset(
    {
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "SET",
        "REMOVE",
        "ADD",
        "DELETE",
        "attribute_exists",
        "attribute_not_exists",
        "attribute_type",
        "begins_with",
        "contains",
        "size",
        "if_not_exists",
        "list_append",
    }
)

_TOKEN = re.compile(r"#n\d+|:v\d+|\[\d+\]|[A-Za-z_]+|<>|<=|>=|[=<>+\-(),.]| ")
_NAME_REF = re.compile(r"#n\d+")
_VALUE_REF = re.compile(r":v\d+")
_EXPRESSION_KEYS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
    "UpdateExpression",
    "ConditionExpression",
)


def tokens(expression: str) -> list[str]:
    """
    Split an expression into placeholders, list positions, words, operators, punctuation and single spaces,
    failing on any other text.
    """
    out: list[str] = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        assert match is not None, f"unexpected text {expression[position:]!r} in {expression!r}"
        out.append(match.group())
        position = match.end()
    return out


def expressions(fragments: dict[str, Any]) -> list[str]:
    return [fragments[key] for key in _EXPRESSION_KEYS if key in fragments]


@given(expression_requests())
def test_expressions_hold_only_placeholders_keywords_and_punctuation(request: dict[str, Any]) -> None:
    """No attribute name or value text ever appears in an expression: only placeholders, keywords and symbols."""
    fragments = compile_expressions(**request)
    for expression in expressions(fragments):
        parts = tokens(expression)
        words = {p for p in parts if p[0].isalpha() or p[0] == "_"}
        assert words <= KEYWORDS, expression
        for i, part in enumerate(parts):
            if part == ".":  # a path separator: after a name or a list position, before a name
                assert 0 < i < len(parts) - 1, expression
                assert _NAME_REF.fullmatch(parts[i - 1]) or parts[i - 1].startswith("["), expression
                assert _NAME_REF.fullmatch(parts[i + 1]), expression
        assert "  " not in expression
        assert expression == expression.strip()


@given(expression_requests())
def test_every_placeholder_is_defined_and_every_definition_used(request: dict[str, Any]) -> None:
    """The names and values maps define exactly the placeholders the expressions use, one name placeholder per name."""
    fragments = compile_expressions(**request)
    text = " ".join(expressions(fragments))
    names = fragments.get("ExpressionAttributeNames", {})
    values = fragments.get("ExpressionAttributeValues", {})
    assert set(_NAME_REF.findall(text)) == set(names)
    assert set(_VALUE_REF.findall(text)) == set(values)
    assert len(set(names.values())) == len(names)
    # Placeholders are numbered densely from zero.
    assert sorted(names) == sorted(f"#n{i}" for i in range(len(names)))
    assert sorted(values) == sorted(f":v{i}" for i in range(len(values)))
    assert all(len(v) == 1 for v in values.values())


@given(expression_requests(ExprItem))
def test_compiling_is_deterministic(request: dict[str, Any]) -> None:
    """Compiling the same input twice gives equal dicts."""
    assert compile_expressions(**request) == compile_expressions(**request)


@given(expression_models().flatmap(lambda m: st.tuples(st.just(m), expression_key_conditions(m))))
def test_drawn_key_conditions_are_valid(model_and_key: tuple[type[Model], Condition]) -> None:
    """The key-condition strategy draws only key conditions the key check accepts, whatever the backing names."""
    model, key = model_and_key
    m: Any = model
    assert check_key_condition(key, m.id, m.rank, target="table") is None
    assert "KeyConditionExpression" in compile_expressions(key=key)


def render(condition: Condition) -> dict[str, Any]:
    return dict(compile_expressions(condition=condition))


_conditions = expression_conditions(ExprItem, max_leaves=4)


@given(_conditions, _conditions, _conditions)
def test_and_is_associative(a: Condition, b: Condition, c: Condition) -> None:
    """``(a & b) & c`` renders the same as ``a & (b & c)``."""
    assert render((a & b) & c) == render(a & (b & c))


@given(_conditions, _conditions, _conditions)
def test_or_is_associative(a: Condition, b: Condition, c: Condition) -> None:
    """``(a | b) | c`` renders the same as ``a | (b | c)``."""
    assert render((a | b) | c) == render(a | (b | c))


@given(_conditions)
def test_empty_condition_is_the_identity_on_both_sides(a: Condition) -> None:
    """The empty condition on either side of & or | renders as `a` alone."""
    expected = render(a)
    empty = Condition()
    assert render(empty & a) == expected
    assert render(a & empty) == expected
    assert render(empty | a) == expected
    assert render(a | empty) == expected


@given(_conditions)
def test_double_negation_cancels(a: Condition) -> None:
    """``~~a`` renders as `a`."""
    assert render(~~a) == render(a)


@given(_conditions)
def test_condition_renders_the_same_alone_and_as_filter(a: Condition) -> None:
    """A condition renders the same text with the same maps whether used as the filter or the condition."""
    as_condition = compile_expressions(condition=a)
    as_filter = compile_expressions(filter=a)
    assert as_condition.get("ConditionExpression") == as_filter.get("FilterExpression")
    assert {k: v for k, v in as_condition.items() if k != "ConditionExpression"} == {
        k: v for k, v in as_filter.items() if k != "FilterExpression"
    }
