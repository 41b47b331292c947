"""
The DynamoDB wire shapes adyn builds and reads, as type aliases and TypedDicts.

Values are what aiobotocore serializes: an AttributeValue is a one-key dict such as ``{"S": "abc"}``,
``{"N": "12"}``, ``{"B": b"..."}``, ``{"SS": ["a", "b"]}``, ``{"L": [...]}``, ``{"M": {...}}``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from typing_extensions import TypedDict

__all__ = ["AttributeValue", "ExpressionFragments", "Item"]

AttributeValue: TypeAlias = "dict[str, Any]"
"""One DynamoDB attribute value: ``{"S": "x"}``, ``{"N": "1"}``, ``{"L": [...]}``..."""

Item: TypeAlias = "dict[str, AttributeValue]"
"""A whole item, keyed by the attributes' DynamoDB (backing) names."""


class ExpressionFragments(TypedDict, total=False):
    """
    The expression part of a DynamoDB request, as :func:`adyn.compile_expressions` returns it.
    """

    KeyConditionExpression: str
    ConditionExpression: str
    FilterExpression: str
    ProjectionExpression: str
    UpdateExpression: str
    ExpressionAttributeNames: dict[str, str]
    ExpressionAttributeValues: dict[str, AttributeValue]
