"""
Tables: the CreateTable request a model (or several models sharing a table) needs, waiting until a table and its
indexes are ACTIVE, TTL settings, and the structured comparison of a live table against a model.

Requests are built from models alone; the engine sends them through its transport.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._indexes import GlobalSecondaryIndex, Index
from .exceptions import InvalidModel, TableNotFound, TableNotReady

if TYPE_CHECKING:
    from ._columns import Column
    from ._models import ModelInfo
    from ._transport import Transport

__all__ = ["compare_table", "create_table_request", "describe_table", "wait_until_active"]


def _key_schema(hash_key: Column[Any], range_key: Column[Any] | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.dynamo_name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.dynamo_name, "KeyType": "RANGE"})
    return schema


def _projection(index: Index) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.projection}
    if index.projection == "INCLUDE":
        projection["NonKeyAttributes"] = [c.dynamo_name for c in index.included]
    return projection


def create_table_request(table_name: str, infos: Iterable[ModelInfo]) -> dict[str, Any]:
    """
    The CreateTable request for one table holding the given models (one, or several sharing the table)::

        {"TableName": "posts",
         "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}, ...],
         "BillingMode": "PAY_PER_REQUEST",
         "GlobalSecondaryIndexes": [{"IndexName": "by_user", "KeySchema": [...], "Projection": {...}}],
         "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}

    Models sharing a table must agree on its keys, billing and stream; their indexes are merged.
    """
    infos = list(infos)
    first = infos[0]
    assert first.hash_key is not None
    for other in infos[1:]:
        assert other.hash_key is not None
        mine = [(c.dynamo_name, c.type.backing_type) for c in first.keys]
        theirs = [(c.dynamo_name, c.type.backing_type) for c in other.keys]
        if mine != theirs:
            raise InvalidModel(
                f"shares table {table_name!r} with {first.model.__name__} but has other keys ({theirs} vs {mine})",
                model=other.model,
            )
        if other.billing != first.billing or other.stream != first.stream:
            raise InvalidModel(
                f"shares table {table_name!r} with {first.model.__name__} but has other billing or stream settings",
                model=other.model,
            )
    attributes: dict[str, str] = {}
    indexes: dict[str, Index] = {}
    for info in infos:
        for c in info.keys:
            attributes[c.dynamo_name] = c.type.backing_type
        for index in info.indexes.values():
            indexes.setdefault(index.dynamo_name, index)
            for index_key in (index.hash_key, index.range_key):
                if index_key is not None:
                    known = attributes.setdefault(index_key.dynamo_name, index_key.type.backing_type)
                    if known != index_key.type.backing_type:
                        raise InvalidModel(
                            f"attribute {index_key.dynamo_name!r} is keyed as {known} and {index_key.type.backing_type} on one table",
                            model=info.model,
                            column=index_key.name,
                        )
    billing = first.billing
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": _key_schema(first.hash_key, first.range_key),
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": t} for n, t in sorted(attributes.items())
        ],
        "BillingMode": billing.mode,
    }
    throughput = None
    if billing.read is not None:
        throughput = {"ReadCapacityUnits": billing.read, "WriteCapacityUnits": billing.write}
        request["ProvisionedThroughput"] = throughput
    gsis: list[dict[str, Any]] = []
    lsis: list[dict[str, Any]] = []
    for name, index in sorted(indexes.items()):
        entry: dict[str, Any] = {
            "IndexName": name,
            "KeySchema": _key_schema(index.hash_key, index.range_key),
            "Projection": _projection(index),
        }
        if isinstance(index, GlobalSecondaryIndex):
            if throughput is not None:
                entry["ProvisionedThroughput"] = {
                    "ReadCapacityUnits": index.read_units or throughput["ReadCapacityUnits"],
                    "WriteCapacityUnits": index.write_units or throughput["WriteCapacityUnits"],
                }
            gsis.append(entry)
        else:
            lsis.append(entry)
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    if lsis:
        request["LocalSecondaryIndexes"] = lsis
    if first.stream is not None:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": first.stream}
    return request


async def describe_table(transport: Transport, table_name: str) -> dict[str, Any] | None:
    """
    The table's description, or None if it does not exist.
    """
    try:
        response = await transport.call("DescribeTable", {"TableName": table_name}, table_name=table_name)
    except TableNotFound:
        return None
    return response["Table"]  # type: ignore[no-any-return]


def _is_active(description: dict[str, Any]) -> bool:
    if description.get("TableStatus") != "ACTIVE":
        return False
    return all(
        g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in description.get("GlobalSecondaryIndexes", [])
    )


async def wait_until_active(
    transport: Transport, table_name: str, *, timeout: float = 300.0
) -> dict[str, Any]:
    """
    Poll DescribeTable with exponential backoff (50 ms doubling to 2 s) until the table and every global index
    are ACTIVE; return the final description. Raises TableNotReady after `timeout` seconds.
    """
    started = time.monotonic()
    delay = 0.05
    while True:
        description = await describe_table(transport, table_name)
        if description is None:
            raise TableNotFound(table_name)
        if _is_active(description):
            return description
        waited = time.monotonic() - started
        if waited >= timeout:
            raise TableNotReady(table_name, waited)
        await asyncio.sleep(min(delay, max(timeout - waited, 0.0)))
        delay = min(delay * 2, 2.0)


async def wait_until_deleted(transport: Transport, table_name: str, *, timeout: float = 300.0) -> None:
    """
    Poll DescribeTable with the same backoff as `wait_until_active` until the table is gone: DeleteTable only
    starts a deletion, and the table stays (DELETING) meanwhile. Raises TableNotReady after `timeout` seconds.
    """
    started = time.monotonic()
    delay = 0.05
    while await describe_table(transport, table_name) is not None:
        waited = time.monotonic() - started
        if waited >= timeout:
            raise TableNotReady(table_name, waited, waiting_for="deleted")
        await asyncio.sleep(min(delay, max(timeout - waited, 0.0)))
        delay = min(delay * 2, 2.0)


def _schema_text(schema: list[dict[str, str]], types: dict[str, str]) -> str:
    return ", ".join(
        f"{k['KeyType'].lower()} {k['AttributeName']} ({types.get(k['AttributeName'], '?')})" for k in schema
    )


def compare_table(info: ModelInfo, description: dict[str, Any], ttl: dict[str, Any] | None) -> list[str]:
    """
    What the live table lacks of what the model declares, one readable line each (empty: it fits).

    Only the model's declarations are checked: keys and their types, each index (kind, keys, and a projection
    covering the model's), the stream view type and TTL when the model sets them. More indexes, attributes or
    projected columns on the table are fine.
    """
    assert info.hash_key is not None
    differences: list[str] = []
    table_types = {
        a["AttributeName"]: a["AttributeType"] for a in description.get("AttributeDefinitions", [])
    }
    model_types = {c.dynamo_name: c.type.backing_type for c in info.columns}

    def key_difference(have: list[dict[str, str]], want: list[dict[str, str]]) -> str | None:
        # Names, roles and types of the key attributes must all match.
        same = [(k["AttributeName"], k["KeyType"]) for k in have] == [
            (k["AttributeName"], k["KeyType"]) for k in want
        ]
        if same and all(
            table_types.get(k["AttributeName"]) == model_types.get(k["AttributeName"]) for k in want
        ):
            return None
        return (
            f"{_schema_text(have, table_types)} on the table, {_schema_text(want, model_types)} in the model"
        )

    difference = key_difference(description.get("KeySchema", []), _key_schema(info.hash_key, info.range_key))
    if difference:
        differences.append(f"key: {difference}")

    live: dict[str, tuple[str, dict[str, Any]]] = {}
    for kind, key in (("global", "GlobalSecondaryIndexes"), ("local", "LocalSecondaryIndexes")):
        for entry in description.get(key, []):
            live[entry["IndexName"]] = (kind, entry)
    for index in info.indexes.values():
        label = f"index {index.dynamo_name}"
        kind = "global" if isinstance(index, GlobalSecondaryIndex) else "local"
        found = live.get(index.dynamo_name)
        if found is None:
            differences.append(f"{label}: missing on the table ({kind} index in the model)")
            continue
        live_kind, entry = found
        if live_kind != kind:
            differences.append(f"{label}: {live_kind} on the table, {kind} in the model")
            continue
        difference = key_difference(entry.get("KeySchema", []), _key_schema(index.hash_key, index.range_key))
        if difference:
            differences.append(f"{label}: key {difference}")
        projection = entry.get("Projection", {})
        have_type = projection.get("ProjectionType", "ALL")
        covered = (
            have_type == "ALL"
            or index.projection == "KEYS_ONLY"
            or (
                index.projection == "INCLUDE"
                and have_type == "INCLUDE"
                and {c.dynamo_name for c in index.included} <= set(projection.get("NonKeyAttributes", []))
            )
        )
        if not covered:
            differences.append(
                f"{label}: projection {_projection_text(projection)} on the table, {_projection_text(_projection(index))} in the model"
            )

    if info.stream is not None:
        spec: dict[str, Any] = description.get("StreamSpecification") or {}
        have_view = spec.get("StreamViewType") if spec.get("StreamEnabled") else None
        if have_view != info.stream:
            differences.append(f"stream: {have_view or 'disabled'} on the table, {info.stream} in the model")

    if info.ttl is not None:
        status = (ttl or {}).get("TimeToLiveStatus", "DISABLED")
        attribute = (ttl or {}).get("AttributeName")
        if status not in ("ENABLED", "ENABLING") or attribute != info.ttl.dynamo_name:
            have_ttl = f"{status} on {attribute!r}" if attribute else status
            differences.append(
                f"ttl: {have_ttl} on the table, ENABLED on {info.ttl.dynamo_name!r} in the model"
            )
    return differences


def _projection_text(projection: dict[str, Any]) -> str:
    kind = projection.get("ProjectionType", "ALL")
    if kind == "INCLUDE":
        return f"INCLUDE {sorted(projection.get('NonKeyAttributes', []))}"
    return str(kind)
