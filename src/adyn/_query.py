"""
Query and Scan: immutable, chainable builders that are also async iterables of model objects.

    q = engine.query(Post.by_user, key=Post.user == uid).filter(Post.views > 10).descending()
    async for post in q: ...
    async for page in q.page_size(25).pages(): page.items, page.token
    rest = q.start(token)

Every method returns a new builder, so a base query can be shared. Nothing is sent until iteration or a terminal
(`first`, `one`, `count`, `all`); `request()` returns the first request without sending it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import attrs
import pendulum
from typing_extensions import Self

from ._batch import key_identity
from ._expressions import (
    Comparison,
    Condition,
    Operand,
    _Value,  # pyright: ignore[reportPrivateUsage]
    compile_expressions,
    iter_conditions,
    iter_operands,
)
from ._hooks import run_hooks
from ._indexes import GlobalSecondaryIndex, Index, LocalSecondaryIndex
from ._models import LOADED, Model
from ._paginate import PageFetcher, PageStream
from .exceptions import (
    InvalidCondition,
    InvalidExpression,
    InvalidStoredValue,
    InvalidValue,
    NotExactlyOne,
    UnknownColumn,
)

if TYPE_CHECKING:
    from ._columns import Column
    from ._engine import Engine
    from ._models import ModelInfo
    from ._wire import Item

__all__ = ["Page", "Query", "Scan"]

M = TypeVar("M", bound=Model)


@attrs.frozen
class Page(Generic[M]):
    """
    One page of results.

    Attributes:
        items: the objects on the page (after the filter).
        count: how many items matched on this page; `scanned_count`: how many DynamoDB read.
        consumed_capacity: DynamoDB's ConsumedCapacity for the page, when the engine asks for it.
        token: where the next page starts (pass it to ``.start(token)``), or None after the last page.
    """

    items: list[M]
    count: int
    scanned_count: int
    consumed_capacity: Any
    token: str | None


# -- tokens -------------------------------------------------------------------------------------------------------


def _key_to_json(key: Item) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in key.items():
        ((kind, wire),) = value.items()
        if kind == "B":
            wire = base64.b64encode(wire).decode("ascii") if isinstance(wire, (bytes, bytearray)) else wire
        out[name] = [kind, wire]
    return out


def _key_from_json(data: dict[str, list[str]]) -> Item:
    out: Item = {}
    for name, (kind, wire) in data.items():
        out[name] = {kind: base64.b64decode(wire) if kind == "B" else wire}
    return out


_DONE = "done"


def _encode_token(scope: list[Any], positions: list[Item | str | None]) -> str:
    # A position that is neither None nor _DONE is a key.
    body = {
        "v": 1,
        "scope": scope,
        "pos": [p if p is None or p == _DONE else _key_to_json(cast("Item", p)) for p in positions],
    }
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_token(token: str, scope: list[Any], model: Any) -> list[Item | str | None]:
    try:
        if not isinstance(token, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"a token is a str, not {type(token).__name__}")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
        if body.get("v") != 1:
            raise ValueError("unknown token version")
        positions = [p if p is None or p == _DONE else _key_from_json(p) for p in body["pos"]]
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError) as exc:
        raise InvalidValue(f"not a continuation token ({exc})", value=token, model=model) from None
    if body.get("scope") != scope:
        raise InvalidValue(
            "this token belongs to another table, index, segment count or key condition "
            f"({body.get('scope')} vs {scope})",
            value=token,
            model=model,
        )
    return positions


def _is_int(n: object, least: int) -> bool:
    # bool is an int to Python, never a count to a caller.
    return isinstance(n, int) and not isinstance(n, bool) and n >= least


# -- the builders -------------------------------------------------------------------------------------------------


@attrs.frozen
class _Options:
    key: Condition | None = None
    filter: Condition = attrs.field(factory=Condition)
    projection: tuple[Column[Any], ...] | None = None
    consistent: bool = False
    forward: bool = True
    limit: int | None = None
    page_size: int | None = None
    prefetch: int = 1
    segments: int = 1
    start: str | None = None


class _Search(Generic[M]):
    _operation = ""

    def __init__(self, engine: Engine, model: type[M], index: Index | None, options: _Options) -> None:
        self._engine = engine
        self._model = model
        self._index = index
        self._options = options

    def _with(self, **changes: Any) -> Self:
        return type(self)(self._engine, self._model, self._index, attrs.evolve(self._options, **changes))

    @property
    def _info(self) -> ModelInfo:
        return self._model.__adyn__

    def _check_own(self, operand: Operand[Any], what: str) -> None:
        if operand._model is not self._model:  # pyright: ignore[reportPrivateUsage]
            raise UnknownColumn(
                f"{what} uses {operand!r}, which is not a column of {self._model.__name__}",
                value=operand,
                model=self._model,
            )

    # -- chainable settings --

    def filter(self, condition: Condition) -> Self:
        """
        Keep only items matching `condition` (DynamoDB's FilterExpression); repeated calls AND together.
        """
        if not isinstance(condition, Condition):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise InvalidCondition("filter() takes a Condition", value=condition, model=self._model)
        index = self._index
        projected = (
            {c.dynamo_name for c in index.projected}
            if isinstance(index, GlobalSecondaryIndex) and index.projection != "ALL"
            else None
        )
        for operand in iter_operands(condition):
            self._check_own(operand, "the filter")
            if projected is not None and operand._path[0] not in projected:  # pyright: ignore[reportPrivateUsage]
                # A global index holds only what it projects: the filter would silently match nothing.
                assert index is not None
                raise InvalidExpression(
                    f"index {index.name} does not project {operand._label}; a filter on it matches nothing",  # pyright: ignore[reportPrivateUsage]
                    value=condition,
                    model=self._model,
                    column=operand._label,  # pyright: ignore[reportPrivateUsage]
                )
        return self._with(filter=self._options.filter & condition)

    def project(self, *columns: Column[Any]) -> Self:
        """
        Load only these columns (and the keys). On a global index, only columns it projects can be loaded.
        Objects loaded this way are partial: saving one never removes what it did not load.
        """
        index = self._index
        for c in columns:
            self._check_own(c, "project()")
            if isinstance(index, GlobalSecondaryIndex) and all(c is not p for p in index.projected):
                raise InvalidExpression(
                    f"index {index.name} does not project {c.name}", value=c, model=self._model, column=c.name
                )
        return self._with(projection=tuple(columns))

    def consistent(self, enabled: bool = True) -> Self:
        """
        Use strongly consistent reads (not available on global secondary indexes).
        """
        if enabled and isinstance(self._index, GlobalSecondaryIndex):
            raise InvalidExpression(
                f"index {self._index.name} is global: DynamoDB has no consistent reads on global indexes",
                value=enabled,
                model=self._model,
            )
        return self._with(consistent=enabled)

    def limit(self, n: int | None) -> Self:
        """
        Yield at most `n` items in all (after the filter, across pages); None for no limit.
        """
        if n is not None and not _is_int(n, 1):
            raise InvalidValue("limit() takes a positive int or None", value=n, model=self._model)
        return self._with(limit=n)

    def page_size(self, n: int | None) -> Self:
        """
        How many items DynamoDB reads per page (its ``Limit``, counted before the filter); None for its default.
        """
        if n is not None and not _is_int(n, 1):
            raise InvalidValue("page_size() takes a positive int or None", value=n, model=self._model)
        return self._with(page_size=n)

    def prefetch(self, n: int) -> Self:
        """
        Fetch up to `n` pages ahead of the one being consumed (default 1); 0 fetches each page on demand.
        """
        if not _is_int(n, 0):
            raise InvalidValue("prefetch() takes an int, 0 or more", value=n, model=self._model)
        return self._with(prefetch=n)

    def start(self, token: str | None) -> Self:
        """
        Resume where a page or an iteration ended: `token` from ``page.token`` or ``iterator.token``.
        """
        if token is not None:
            self._positions(token)
        return self._with(start=token)

    # -- the requests --

    def _scope(self) -> list[Any]:
        index = self._index.dynamo_name if self._index is not None else None
        scope: list[Any] = [self._info.table_name, index, self._options.segments]
        key = self._options.key
        if key is not None:
            # A digest of the key condition: a query's token resumes only the same query.
            text = json.dumps(compile_expressions(key=key), sort_keys=True, default=repr)
            scope.append(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16])
        return scope

    def _positions(self, token: str) -> list[Item | str | None]:
        """
        The positions a token holds, checked against this query or scan: one per segment, each the key attributes
        of this table or index with values their columns load, inside the queried partition.
        """
        positions = _decode_token(token, self._scope(), self._model)
        names = sorted(self._key_names())
        columns = self._info.columns_by_dynamo
        partition = self._partition()

        def fail(reason: str, column: str | None = None) -> InvalidValue:
            return InvalidValue(f"this token {reason}", value=token, model=self._model, column=column)

        if len(positions) != self._options.segments:
            raise fail(f"holds {len(positions)} positions for {self._options.segments} segment(s)")
        for position in positions:
            if not isinstance(position, dict):
                continue  # None (not started) or _DONE
            if sorted(position) != names:
                raise fail(f"holds the attributes {sorted(position)}, not the keys {names}")
            for name, value in position.items():
                column = columns[name]
                try:
                    column.type.load(value)
                except (InvalidStoredValue, ValueError, TypeError, KeyError, AttributeError) as exc:
                    raise fail(
                        f"holds {value!r}, which is not a {column.type!r} ({exc})", column.name
                    ) from None
            if partition is not None:
                name, expected = partition
                if key_identity("", {name: position[name]}) != key_identity("", {name: expected}):
                    raise fail(
                        f"is in the partition {position[name]!r}, not the queried {expected!r}",
                        columns[name].name,
                    )
        return positions

    def _partition(self) -> tuple[str, Any] | None:
        # The hash key's backing name and value in a query's key condition (checked: exactly one `==` on it).
        key = self._options.key
        if key is None:
            return None
        hash_key = self._index.hash_key if self._index is not None else self._info.hash_key
        assert hash_key is not None
        for part in iter_conditions(key):
            if (
                isinstance(part, Comparison)
                and part.op == "="
                and isinstance(part.lhs, Operand)
                and part.lhs._path == hash_key._path  # pyright: ignore[reportPrivateUsage]
                and isinstance(part.rhs, _Value)
            ):
                return hash_key.dynamo_name, part.rhs.av
        return None

    def _key_names(self) -> list[str]:
        names = [c.dynamo_name for c in self._info.keys]
        if self._index is not None:
            for c in (self._index.hash_key, self._index.range_key):
                if c is not None and c.dynamo_name not in names:
                    names.append(c.dynamo_name)
        return names

    def _loaded_columns(self) -> frozenset[str] | None:
        """The backing names loaded into each object, or None when every column is."""
        if self._options.projection is not None:
            return frozenset(self._key_names()) | {c.dynamo_name for c in self._options.projection}
        index = self._index
        if index is not None and index.projection != "ALL" and not isinstance(index, LocalSecondaryIndex):
            return frozenset(c.dynamo_name for c in index.projected)
        return None

    def _unexpired(self) -> Condition:
        # With the engine's hide_expired, items past their TTL are filtered out on the server.
        ttl = self._info.ttl
        if ttl is None or not self._engine.hide_expired:
            return Condition()
        return ttl.not_exists() | (ttl > pendulum.now("UTC"))

    def _base_request(self, *, count: bool = False) -> dict[str, Any]:
        options = self._options
        request: dict[str, Any] = {"TableName": self._engine.table_name(self._model)}
        if self._index is not None:
            request["IndexName"] = self._index.dynamo_name
        projection: list[Operand[Any]] | None = None
        if options.projection is not None and not count:
            wanted = {c.dynamo_name for c in options.projection}
            keys = [self._info.columns_by_dynamo[n] for n in self._key_names() if n not in wanted]
            projection = [*keys, *options.projection]
        request.update(
            compile_expressions(
                key=options.key,
                filter=options.filter & self._unexpired(),
                projection=projection,
            )
        )
        if count:
            request["Select"] = "COUNT"
        if options.consistent:
            request["ConsistentRead"] = True
        if options.page_size is not None:
            request["Limit"] = options.page_size
        return request

    def _requests(self, *, count: bool = False) -> list[dict[str, Any] | None]:
        base = self._base_request(count=count)
        positions: list[Item | str | None]
        if self._options.start is not None:
            positions = self._positions(self._options.start)
        else:
            positions = [None] * self._options.segments
        requests: list[dict[str, Any] | None] = []
        for segment, position in enumerate(positions):
            if position == _DONE:
                requests.append(None)
                continue
            request = dict(base)
            if self._options.segments > 1:
                request["Segment"] = segment
                request["TotalSegments"] = self._options.segments
            if isinstance(position, dict):
                request["ExclusiveStartKey"] = position
            requests.append(request)
        return requests

    def request(self) -> dict[str, Any]:
        """
        The first request this query or scan sends (of segment 0 for a parallel scan), without sending it::

            {"TableName": "posts", "IndexName": "by_user",
             "KeyConditionExpression": "#n0 = :v0", "FilterExpression": "#n1 > :v1",
             "ExpressionAttributeNames": {"#n0": "u", "#n1": "v"},
             "ExpressionAttributeValues": {":v0": {"S": "..."}, ":v1": {"N": "10"}}}
        """
        first = next((r for r in self._requests() if r is not None), None)
        return first if first is not None else self._base_request()

    # -- running --

    def _pages(self, *, count: bool = False) -> PageStream:
        engine = self._engine
        table = engine.table_name(self._model)
        engine._check()  # pyright: ignore[reportPrivateUsage]
        engine._info(self._model)  # pyright: ignore[reportPrivateUsage]  # raises UnboundModel
        operation = self._operation

        async def call(request: dict[str, Any]) -> dict[str, Any]:
            return await engine._call(operation, request, table)  # pyright: ignore[reportPrivateUsage]

        sources = [
            PageFetcher(call, request, segment=segment)
            for segment, request in enumerate(self._requests(count=count))
            if request is not None
        ]
        return PageStream(sources, self._options.prefetch)

    def __aiter__(self) -> Results[M]:
        return Results(self)

    def pages(self) -> AsyncIterator[Page[M]]:
        """
        The results page by page; each page's `token` resumes after it. With `limit`, the last page is cut at the
        limit and its token resumes after the last item on it.
        """
        return _page_iterator(self)

    async def first(self) -> M | None:
        """
        The first result, or None when there is none.
        """
        results = Results(self)
        async with contextlib.aclosing(results):
            async for item in results:
                return item
        return None

    async def one(self) -> M:
        """
        The only result; :class:`~adyn.exceptions.NotExactlyOne` when there is none or more than one.
        """
        results = Results(self._with(limit=2 if self._options.limit is None else min(self._options.limit, 2)))
        async with contextlib.aclosing(results):
            found = [item async for item in results]
        if len(found) != 1:
            raise NotExactlyOne(self._model, len(found))
        return found[0]

    async def all(self) -> list[M]:
        """
        Every result, in a list.
        """
        return [item async for item in self]

    async def count(self) -> int:
        """
        How many items match (``Select=COUNT``, summed over pages; nothing is loaded), capped by `limit`.
        """
        total = 0
        pages = self._pages(count=True)
        async with contextlib.aclosing(pages):
            async for _, response in pages:
                total += int(response.get("Count", 0))
        limit = self._options.limit
        return total if limit is None else min(total, limit)

    def __repr__(self) -> str:
        target = self._index.name if self._index is not None else self._model.__name__
        return f"<{type(self).__name__} {target}>"


class Query(_Search[M]):
    """
    A Query on a table or index: ``engine.query(Post.by_user, key=Post.user == uid)``. See the module docstring.
    """

    _operation = "Query"

    def ascending(self) -> Self:
        """
        Range key ascending (the default).
        """
        return self._with(forward=True)

    def descending(self) -> Self:
        """
        Range key descending (``ScanIndexForward=False``).
        """
        return self._with(forward=False)

    def filter(self, condition: Condition) -> Self:
        keys = set(self._key_names())
        for operand in iter_operands(condition):
            if operand._path[0] in keys:  # pyright: ignore[reportPrivateUsage]
                raise InvalidCondition(
                    "a query filter cannot use key attributes; put them in the key condition",
                    value=condition,
                    model=self._model,
                    column=operand._label,  # pyright: ignore[reportPrivateUsage]
                )
        return super().filter(condition)

    def _base_request(self, *, count: bool = False) -> dict[str, Any]:
        request = super()._base_request(count=count)
        if not self._options.forward:
            request["ScanIndexForward"] = False
        return request


class Scan(_Search[M]):
    """
    A Scan of a table or index: ``engine.scan(Post).filter(...)``; ``.segments(n)`` scans in parallel.
    """

    _operation = "Scan"

    def segments(self, n: int) -> Self:
        """
        Scan in `n` parallel segments (each its own stream with its own prefetch), merged into one stream.
        Tokens from a scan with another segment count are rejected.
        """
        if not _is_int(n, 1) or n > 1_000_000:
            raise InvalidValue("segments() takes an int from 1 to 1,000,000", value=n, model=self._model)
        return type(self)(
            self._engine, self._model, self._index, attrs.evolve(self._options, segments=n, start=None)
        )


# -- iteration ----------------------------------------------------------------------------------------------------


class _Cursor(Generic[M]):
    """
    Turns raw pages into objects, tracking the position after the last item handed out, per segment.
    """

    def __init__(self, search: _Search[M]) -> None:
        self.search = search
        options = search._options  # pyright: ignore[reportPrivateUsage]
        self.positions: list[Item | str | None]
        if options.start is not None:
            self.positions = search._positions(options.start)  # pyright: ignore[reportPrivateUsage]
        else:
            self.positions = [None] * options.segments
        self.key_names = search._key_names()  # pyright: ignore[reportPrivateUsage]
        info = search._info  # pyright: ignore[reportPrivateUsage]
        self.load: Callable[[Item], M] = info.load_item
        self.loaded = search._loaded_columns()  # pyright: ignore[reportPrivateUsage]
        self.remaining = options.limit
        self.hooks = search._engine.hooks.loaded  # pyright: ignore[reportPrivateUsage]

    def token(self) -> str | None:
        if all(p == _DONE for p in self.positions):
            return None
        names = self.key_names
        positions: list[Item | str | None] = [
            {n: p[n] for n in names if n in p} if isinstance(p, dict) else p for p in self.positions
        ]
        return _encode_token(self.search._scope(), positions)  # pyright: ignore[reportPrivateUsage]

    def objects(self, items: Iterable[Item]) -> list[tuple[Item, M]]:
        out: list[tuple[Item, M]] = []
        loaded = self.loaded
        for item in items:
            obj = self.load(item)
            if loaded is not None:
                vars(obj)[LOADED] = loaded  # obj.__dict__ (which pyright types as a mappingproxy for models)
            out.append((item, obj))
        return out

    def passed(self, segment: int, item: Item) -> None:
        # The whole item stands for its position; the token keeps only its key attributes, and only when asked.
        self.positions[segment] = item

    def page_done(self, segment: int, response: dict[str, Any]) -> None:
        last = response.get("LastEvaluatedKey")
        self.positions[segment] = last if last else _DONE


class Results(Generic[M]):
    """
    The async iterator ``async for post in query`` uses. `token` is the position after the last item it yielded,
    for ``.start(token)``; None once everything was yielded.
    """

    def __init__(self, search: _Search[M]) -> None:
        self._cursor = _Cursor(search)
        # The generator must not refer back to this object: dropping the iterator (a `break`) then frees the
        # generator at once, and the event loop's finalizer closes it, cancelling the fetch tasks.
        self._generator = _items(search, self._cursor)

    @property
    def token(self) -> str | None:
        return self._cursor.token()

    def __aiter__(self) -> Results[M]:
        return self

    async def __anext__(self) -> M:
        return await self._generator.__anext__()

    async def aclose(self) -> None:
        """
        Stop early: cancel the page fetches still running and wait for them.
        """
        await self._generator.aclose()


async def _items(search: _Search[M], cursor: _Cursor[M]) -> AsyncGenerator[M, None]:
    if cursor.remaining == 0:
        return
    pages = search._pages()  # pyright: ignore[reportPrivateUsage]
    async with contextlib.aclosing(pages):
        async for segment, response in pages:
            for item, obj in cursor.objects(response.get("Items", [])):
                if cursor.hooks:
                    await run_hooks(cursor.hooks, obj)
                cursor.passed(segment, item)
                yield obj
                if cursor.remaining is not None:
                    cursor.remaining -= 1
                    if cursor.remaining <= 0:
                        return
            cursor.page_done(segment, response)


async def _page_iterator(search: _Search[M]) -> AsyncIterator[Page[M]]:
    cursor = _Cursor(search)
    if cursor.remaining == 0:
        return
    pages = search._pages()  # pyright: ignore[reportPrivateUsage]
    async with contextlib.aclosing(pages):
        async for segment, response in pages:
            objects = cursor.objects(response.get("Items", []))
            cut = cursor.remaining is not None and len(objects) >= cursor.remaining
            if cut:
                assert cursor.remaining is not None
                objects = objects[: cursor.remaining]
                if objects:
                    cursor.passed(segment, objects[-1][0])
            else:
                cursor.page_done(segment, response)
            if cursor.remaining is not None:
                cursor.remaining -= len(objects)
            if cursor.hooks:
                for _, obj in objects:
                    await run_hooks(cursor.hooks, obj)
            yield Page(
                items=[obj for _, obj in objects],
                count=int(response.get("Count", len(objects))),
                scanned_count=int(response.get("ScannedCount", 0)),
                consumed_capacity=response.get("ConsumedCapacity"),
                token=cursor.token(),
            )
            if cut:
                return
