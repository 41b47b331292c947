"""
The Engine: what an application holds. It owns one aiobotocore client for its lifetime, binds models to tables,
and runs the item operations, building every request from `_models` and `_expressions`.
"""

from __future__ import annotations

import asyncio
import decimal
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, TypeVar, cast, overload

from ._batch import batch_get, gather_bounded, key_identity
from ._bulk import Batch, BatchResult, delete_all, put_all
from ._expressions import Action, Comparison, Condition, check_key_condition, hash_first, iter_conditions
from ._hooks import Hooks, run_hooks
from ._indexes import Index
from ._models import NAME_PATTERN, NAME_RULE, SNAPSHOT, Model, ModelInfo
from ._query import Query, Scan, _Options  # pyright: ignore[reportPrivateUsage]
from ._streams import Position, Resolver, Stream
from ._tables import (
    compare_table,
    create_table_request,
    describe_table,
    wait_until_active,
    wait_until_deleted,
)
from ._transactions import ReadTransaction, Transaction
from ._transport import Transport
from ._writes import Write, delete_write, put_write, save_write, update_write
from .exceptions import (
    AdynError,
    ConditionFailed,
    DynamoDBError,
    EngineStateError,
    InvalidExpression,
    InvalidModel,
    InvalidRequest,
    InvalidValue,
    MissingObjects,
    StreamNotEnabled,
    TableMismatch,
    TableNotFound,
    UnboundModel,
    UnknownColumn,
)

if TYPE_CHECKING:
    from ._expressions import Operand
    from ._transport import AioSession
    from ._wire import Item

__all__ = ["Engine", "PartialFailure"]

M = TypeVar("M", bound=Model)

Returns = Literal["none", "all_old", "updated_old", "all_new", "updated_new"]


class PartialFailure(AdynError):
    """
    Raised when an operation on several objects failed for some of them; the others succeeded.

    Attributes:
        succeeded: the objects whose operation happened.
        failed: (object, exception) for each object whose operation did not happen.
    """

    def __init__(self, operation: str, succeeded: list[Any], failed: list[tuple[Any, BaseException]]) -> None:
        self.succeeded = succeeded
        self.failed = failed
        lines = "\n".join(f"  - {obj!r}: {exc}" for obj, exc in failed[:10])
        more = f"\n  ... and {len(failed) - 10} more" if len(failed) > 10 else ""
        super().__init__(
            f"{operation} failed for {len(failed)} of {len(failed) + len(succeeded)} objects:\n{lines}{more}"
        )


def _is_model_class(obj: object) -> TypeGuard[type[Model]]:
    # Takes `object`: callers typed as passing model classes may still pass anything at runtime.
    return isinstance(obj, type) and issubclass(obj, Model)


class Engine:
    """
    The connection to DynamoDB: one aiobotocore client, opened on enter and closed on exit, and the models bound to
    it.

    ::

        async with Engine(region="eu-west-1", table_name_template="prod-{table_name}") as engine:
            await engine.bind(Post)
            await engine.save(post)

    Args:
        endpoint_url: the DynamoDB endpoint (a local server, say); by default botocore's, which also reads
            ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL``.
        region: the AWS region; by default from ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` or the profile.
        aws_access_key_id: explicit credentials (with `aws_secret_access_key` and, if any, `aws_session_token`);
            by default botocore's chain (``AWS_*`` environment variables, profile, instance role...).
        aws_secret_access_key: see `aws_access_key_id`.
        aws_session_token: see `aws_access_key_id`.
        profile: a named profile from the AWS config files.
        session: an aiobotocore ``AioSession`` to create the client from.
        client: an open aiobotocore DynamoDB client to use; the engine never closes a client it did not create.
        streams_client: with `client`, an open aiobotocore DynamoDB Streams client for ``engine.stream()``.
        max_pool_connections: HTTP connections kept open (botocore's default of 10 throttles concurrent use).
        connect_timeout: seconds.
        read_timeout: seconds.
        retries: total attempts per call, in botocore's standard retry mode (never the legacy 10-attempt mode).
        table_name_template: ``"{table_name}"`` with a prefix or suffix (``"dev-{table_name}"``), or a callable
            taking the model class and returning the table name.
        concurrency: how many requests one multi-object operation keeps in flight.
        consumed_capacity: ask DynamoDB to report consumed capacity on item operations (for response hooks).
        fast_transport: cut botocore's per-request work where adyn can do it exactly, and cheaper: item
            responses (GetItem, Query, Scan, batches...) are read as plain JSON with adyn decoding attribute
            values, skipping botocore's per-attribute parsing (most of a page's client CPU); requests are signed
            by adyn's SigV4 signer (botocore's output, byte for byte, without its header objects); attribute
            values in requests go into the JSON body as adyn built them (binary as base64 text), skipping
            botocore's walk over every value of an item; event handlers are called without a coroutine each; the
            User-Agent string is built once per client instead of twice per request; and adyn runs botocore's
            per-attempt request steps itself on a plain dict of headers (its ``request-created`` handlers, the
            signing, ``Content-Length``, its retry handler's decision), then sends through botocore's own response
            path, so that each attempt builds no ``AWSRequest`` header maps (the same request on the wire, header
            for header; a call goes botocore's way whenever another handler is registered on those events). The
            parser, the request values and the event handlers apply to the sessions adyn creates (not to a
            `session=` passed in), the signer, user agent and request steps to every client adyn creates; nothing
            applies to a `client=` passed in. False keeps botocore's stock pipeline throughout.
        hide_expired: treat items whose TTL (``Meta.ttl``) has passed as absent. DynamoDB deletes expired items
            some time after they expire (up to a few days); until then reads return them unless this is set:
            get/load/get_many and read transactions then report them missing, and queries and scans add
            ``attribute_not_exists(ttl) OR ttl > :now`` to their filter.
    """

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        profile: str | None = None,
        session: AioSession | None = None,
        client: Any = None,
        streams_client: Any = None,
        max_pool_connections: int = 64,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retries: int = 3,
        table_name_template: str | Callable[[type[Model]], str] = "{table_name}",
        concurrency: int = 16,
        consumed_capacity: bool = False,
        hide_expired: bool = False,
        fast_transport: bool = True,
    ) -> None:
        if retries < 1:
            raise ValueError("retries counts attempts: at least 1")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if isinstance(table_name_template, str) and "{table_name}" not in table_name_template:
            raise ValueError("table_name_template must contain {table_name}")
        self._transport = Transport(
            endpoint_url=endpoint_url,
            region=region,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            profile=profile,
            session=session,
            client=client,
            streams_client=streams_client,
            max_pool_connections=max_pool_connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_attempts=retries,
            fast_transport=fast_transport,
        )
        self._template = table_name_template
        self._concurrency = concurrency
        self._capacity = {"ReturnConsumedCapacity": "TOTAL"} if consumed_capacity else {}
        self.hide_expired = hide_expired
        self._state: Literal["new", "open", "closed"] = "new"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bound: dict[type[Model], str] = {}
        self._table_locks: dict[str, asyncio.Lock] = {}
        self.hooks = Hooks()
        self._transport.hooks = self.hooks

    # -- lifecycle ------------------------------------------------------------------------------------------------

    async def open(self) -> None:
        """
        Open the client. ``async with Engine(...)`` calls this; opening an open engine does nothing.
        """
        if self._state == "open":
            return
        if self._state == "closed":
            raise EngineStateError("this engine is closed; create a new one")
        await self._transport.open()
        self._loop = asyncio.get_running_loop()
        self._state = "open"

    async def close(self) -> None:
        """
        Close the client the engine created (a client passed in stays open). Closing twice does nothing.
        """
        if self._state == "closed":
            return
        self._state = "closed"
        await self._transport.close()

    @property
    def closed(self) -> bool:
        """
        Whether the engine was closed.
        """
        return self._state == "closed"

    async def __aenter__(self) -> Engine:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __del__(self) -> None:
        if getattr(self, "_state", None) == "open":
            warnings.warn(
                f"unclosed {self!r}: use 'async with Engine(...)' or await engine.close()",
                ResourceWarning,
                stacklevel=1,
                source=self,
            )

    def __repr__(self) -> str:
        return f"<adyn.Engine {self._state}, {len(self._bound)} model(s) bound>"

    def _check(self) -> None:
        if self._state != "open":
            raise EngineStateError(
                "this engine is closed"
                if self._state == "closed"
                else "open the engine first: async with Engine(...)"
            )
        if asyncio.get_running_loop() is not self._loop:
            raise EngineStateError(
                "this engine was opened on another event loop; its connections belong there"
            )

    async def _call(self, operation: str, request: dict[str, Any], table_name: str = "") -> dict[str, Any]:
        return await self._transport.call(operation, request, table_name=table_name)

    # -- tables ---------------------------------------------------------------------------------------------------

    def table_name(self, model: type[Model]) -> str:
        """
        The full table name of `model` for this engine (the template applied to ``Meta.table_name``).
        """
        template = self._template
        if callable(template):
            return template(model)
        return template.format(table_name=model.__adyn__.table_name)

    def _info(self, obj: Any) -> tuple[ModelInfo, str]:
        model = cast("type[Model]", type(obj) if not isinstance(obj, type) else obj)
        table = self._bound.get(model)
        if table is None:
            raise UnboundModel(model)
        return model.__adyn__, table

    async def bind(self, *models: type[Model], create: bool = True) -> None:
        """
        Register models with this engine and make sure their tables exist and fit them.

        Missing tables are created (keys, indexes and projections, billing, stream, TTL) unless ``create=False``;
        every table is then awaited until it and its indexes are ACTIVE and compared with each model bound to it:
        :class:`~adyn.exceptions.TableMismatch` lists every difference. Tables are set up concurrently; binding
        again is harmless. Models sharing a table (the same full name) are created together.
        """
        self._check()
        groups: dict[str, list[type[Model]]] = {}
        for model in models:
            if not _is_model_class(model) or model is Model:
                raise InvalidModel("bind() takes Model subclasses", model=model)
            if model.__adyn__.abstract:
                raise InvalidModel(
                    "abstract models have no table; bind their concrete subclasses", model=model
                )
            # Typed `object`: a callable template may return anything at run time.
            name = cast("object", self.table_name(model))
            if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
                raise InvalidModel(
                    f"the table name {name!r:.300} (from the engine's table_name_template) is not a DynamoDB "
                    f"table name: {NAME_RULE}",
                    model=model,
                )
            groups.setdefault(name, []).append(model)
        # Models already bound to the same table are created with the new ones (their indexes are merged).
        for model, table in self._bound.items():
            if table in groups and model not in groups[table]:
                groups[table].append(model)
        results = await asyncio.gather(
            *(self._bind_table(table, group, create) for table, group in groups.items()),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        for table, group in groups.items():
            for model in group:
                self._bound[model] = table

    async def _bind_table(self, table: str, models: list[type[Model]], create: bool) -> None:
        lock = self._table_locks.setdefault(table, asyncio.Lock())
        async with lock:
            infos = [m.__adyn__ for m in models]
            request = create_table_request(table, infos)  # also checks the models agree on the table
            description = await describe_table(self._transport, table)
            created = False
            if description is None:
                if not create:
                    raise TableNotFound(table)
                try:
                    await self._call("CreateTable", request, table)
                except DynamoDBError as exc:
                    if exc.code != "ResourceInUseException":  # created meanwhile by someone else: fine
                        raise
                # Whoever won a race to create it may not have enabled TTL yet: both enable it.
                created = True
            description = await wait_until_active(self._transport, table)
            ttl_column = next((i.ttl for i in infos if i.ttl is not None), None)
            ttl: dict[str, Any] | None = None
            if ttl_column is not None:
                if created:
                    try:
                        await self._call(
                            "UpdateTimeToLive",
                            {
                                "TableName": table,
                                "TimeToLiveSpecification": {
                                    "Enabled": True,
                                    "AttributeName": ttl_column.dynamo_name,
                                },
                            },
                            table,
                        )
                    except InvalidRequest as exc:  # the other creator of a raced table enabled it first
                        if "already enabled" not in str(exc).lower():
                            raise
                response = await self._call("DescribeTimeToLive", {"TableName": table}, table)
                ttl = response.get("TimeToLiveDescription")
            for info in infos:
                differences = compare_table(info, description, ttl)
                if differences:
                    raise TableMismatch(info.model, table, differences)

    async def create_tables(self, *models: type[Model]) -> None:
        """
        Create (and bind) the tables of `models` where missing; the same as ``bind(*models)``.
        """
        await self.bind(*models, create=True)

    async def delete_tables(self, *models: type[Model]) -> None:
        """
        Delete the tables of `models` (bound or not), wait until they are gone, and unbind them; tables already
        gone are fine.
        """
        self._check()
        names = {self.table_name(m) for m in models}
        deleting: list[str] = []
        for name in sorted(names):
            try:
                await self._call("DeleteTable", {"TableName": name}, name)
            except TableNotFound:  # already gone: fine
                continue
            deleting.append(name)
        # DynamoDB deletes in the background (the table is DELETING meanwhile): until it is gone, creating it again
        # fails, and bind() would find it and then lose it while waiting for it to be ACTIVE. The tables are
        # awaited together, not one after the other.
        waits = await gather_bounded(
            lambda name: wait_until_deleted(self._transport, name), deleting, len(deleting) or 1
        )
        errors = [result for result in waits if isinstance(result, BaseException)]
        if errors:
            raise errors[0]
        for model in [m for m, t in self._bound.items() if t in names]:
            del self._bound[model]

    # -- writes ---------------------------------------------------------------------------------------------------

    async def _many(
        self, operation: str, objs: tuple[Any, ...], run: Callable[[Any], Awaitable[Any]]
    ) -> list[Any]:
        if len(objs) == 1:
            return [await run(objs[0])]
        results = await gather_bounded(run, objs, self._concurrency)
        failed = [(o, r) for o, r in zip(objs, results, strict=True) if isinstance(r, BaseException)]
        if failed:
            for _, exc in failed:
                if not isinstance(exc, Exception):  # cancellation and friends propagate as they are
                    raise exc
            succeeded = [o for o, r in zip(objs, results, strict=True) if not isinstance(r, BaseException)]
            raise PartialFailure(operation, succeeded, failed)
        return list(results)

    async def _send(self, write: Write, **options: Any) -> dict[str, Any]:
        """
        Send one prepared write (with extra request options); on success bring the object up to date.
        """
        request = {**write.body, **options, **self._capacity}
        if "ConditionExpression" in request:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            response = await self._call(write.kind, request, write.table)
        except ConditionFailed as exc:
            raise write.failed(exc.item, exc.__cause__) from exc.__cause__
        write.succeeded()
        return response

    async def save(self, *objs: Model, condition: Condition | None = None) -> None:
        """
        Save objects with UpdateItem, sending only what changed since each was loaded or saved.

        A changed column is SET, a column now None is REMOVEd, a set that only grew or shrank is an ADD or DELETE
        of the difference; key columns and attributes the model does not declare are left alone. An object never
        loaded or saved sets everything it holds. Several objects are saved concurrently. With `condition`, each
        write happens only if it holds, else :class:`~adyn.exceptions.ConditionFailed` carrying the stored item.
        A versioned model also requires the stored version to be the object's and increments it
        (:class:`~adyn.exceptions.VersionConflict` otherwise).

        For ``post.views += 1`` on a loaded post the request is::

            {"TableName": "posts", "Key": {"id": {"S": "..."}},
             "UpdateExpression": "SET #n0 = :v0",
             "ExpressionAttributeNames": {"#n0": "v"}, "ExpressionAttributeValues": {":v0": {"N": "4"}}}

        Raises:
            PartialFailure: when several objects were given and some were not saved (the others were).
        """
        self._check()
        writes: dict[int, Write | None] = {}
        for obj in objs:
            info, table = self._info(obj)
            writes[id(obj)] = save_write(info, table, obj, condition)

        async def run(obj: Any) -> None:
            write = writes[id(obj)]
            if write is None:
                return  # nothing changed
            await self._send(write)
            await run_hooks(self.hooks.saved, obj)

        await self._many("save", objs, run)

    async def put(self, *objs: Model, condition: Condition | None = None) -> None:
        """
        Write whole objects with PutItem, replacing any stored item with the same key (attributes the model does
        not declare are dropped). This is ``save_one(overwrite=True)`` of mappers that replace; with `condition`,
        the replacement happens only if it holds.

        Request: ``{"TableName": ..., "Item": {...every non-None column...}}``.
        """
        await self._put(objs, condition, exists_check=False)

    async def create(self, *objs: Model, condition: Condition | None = None) -> None:
        """
        Write new objects with PutItem only where no item has their key, else
        :class:`~adyn.exceptions.ItemExists` carrying the stored item (``save_one(overwrite=False)``).

        Request: ``{"TableName": ..., "Item": {...}, "ConditionExpression": "attribute_not_exists(#n0)", ...}``.
        """
        await self._put(objs, condition, exists_check=True)

    async def _put(self, objs: tuple[Model, ...], condition: Condition | None, *, exists_check: bool) -> None:
        self._check()
        writes: dict[int, Write] = {}
        for obj in objs:
            info, table = self._info(obj)
            writes[id(obj)] = put_write(info, table, obj, condition, exists_check=exists_check)

        async def run(obj: Any) -> None:
            await self._send(writes[id(obj)])
            await run_hooks(self.hooks.saved, obj)

        await self._many("create" if exists_check else "put", objs, run)

    # -- reads ----------------------------------------------------------------------------------------------------

    async def load(self, *objs: Model, consistent: bool = False) -> None:
        """
        Fill objects in place from their stored items, by key.

        One object is a GetItem; several are BatchGetItem requests of up to 100 keys (spanning tables), sent
        concurrently, with unprocessed keys retried with backoff; the same key given twice is read once and fills
        every object. Raises :class:`~adyn.exceptions.MissingObjects` listing exactly the objects that have no item
        (the others are filled), or :class:`PartialFailure` listing the objects that could not be read at all.
        """
        self._check()
        wanted: dict[tuple[Any, ...], list[Any]] = {}
        requests: dict[str, list[Item]] = {}
        infos: dict[str, ModelInfo] = {}
        for obj in objs:
            info, table = self._info(obj)
            key = info.key(obj)
            identity = key_identity(table, key)
            if identity not in wanted:
                requests.setdefault(table, []).append(key)
            wanted.setdefault(identity, []).append(obj)
            infos.setdefault(table, info)
        if len(wanted) == 1:
            ((identity, _),) = wanted.items()
            table = identity[0]
            key = requests[table][0]
            request = {"TableName": table, "Key": key, "ConsistentRead": consistent, **self._capacity}
            response = await self._call("GetItem", request, table)
            found: dict[str, list[Item]] = (
                {table: [response["Item"]]} if response.get("Item") else {table: []}
            )
            unread: list[tuple[str, Item, BaseException]] = []
        else:
            found, unread = await batch_get(
                self._call, requests, consistent=consistent, concurrency=self._concurrency
            )
        loaded: set[int] = set()
        hooks = self.hooks.loaded
        for table, items in found.items():
            # Models sharing a table share its keys, so any of them reads the key back out of an item.
            names = [c.dynamo_name for c in infos[table].keys]
            for item in items:
                if self._expired(infos[table], item):
                    continue  # reported missing below
                for obj in wanted.get(key_identity(table, {n: item[n] for n in names}), ()):
                    self._fill(obj, item)
                    loaded.add(id(obj))
                    if hooks:
                        await run_hooks(hooks, obj)
        failed = [(o, exc) for table, key, exc in unread for o in wanted.pop(key_identity(table, key), ())]
        if failed:
            succeeded = [o for o in objs if id(o) in loaded]
            raise PartialFailure("load", succeeded, failed)
        missing = [o for o in objs if id(o) not in loaded]  # in the order given
        if missing:
            raise MissingObjects(missing)

    def _expired(self, info: ModelInfo, item: Item) -> bool:
        """
        Whether `item` is past its TTL and the engine hides such items.
        """
        column = info.ttl
        if not self.hide_expired or column is None:
            return False
        value = item.get(column.dynamo_name)
        if value is None or "N" not in value:
            return False
        return int(decimal.Decimal(value["N"])) <= time.time()

    @staticmethod
    def _fill(obj: Model, item: Item) -> None:
        fresh = type(obj).__adyn__.load_item(item)
        vars(obj).update(
            fresh.__dict__
        )  # vars(obj) is obj.__dict__ (which pyright types as a mappingproxy here)

    async def get(
        self, model: type[M], key: Any = None, /, *, consistent: bool = False, **key_values: Any
    ) -> M | None:
        """
        The object stored under a key, or None.

        The key may be given as the hash key value, a ``(hash, range)`` tuple, a dict of Python column names, an
        instance, a key condition (``Post.id == x``, ``(T.h == a) & (T.r == b)``), or keyword arguments
        (``engine.get(Post, id=x)``).
        """
        self._check()
        info, table = self._info(model)
        obj = self._key_object(info, key, key_values)
        request = {"TableName": table, "Key": info.key(obj), "ConsistentRead": consistent, **self._capacity}
        response = await self._call("GetItem", request, table)
        item = response.get("Item")
        if not item or self._expired(info, item):
            return None
        loaded: M = info.load_item(item)
        await run_hooks(self.hooks.loaded, loaded)
        return loaded

    def _key_object(self, info: ModelInfo, key: Any, key_values: dict[str, Any]) -> Any:
        model = info.model
        keys = info.keys
        values: dict[str, Any]
        if key_values:
            if key is not None:
                raise InvalidValue(
                    "give the key positionally or by keywords, not both", value=key, model=model
                )
            values = key_values
        elif isinstance(key, model):
            values = {c.name: key.__dict__.get(c.name) for c in keys}
        elif isinstance(key, Condition):
            assert info.hash_key is not None
            check_key_condition(key, info.hash_key, info.range_key, target=f"table of {model.__name__}")
            values = {}
            for part in iter_conditions(key):
                if not (isinstance(part, Comparison) and part.op == "=" and hasattr(part.rhs, "raw")):
                    raise InvalidValue(
                        "a key condition for get() is == on each key column", value=key, model=model
                    )
                # check_key_condition passed: the left side is a key column, whose path is its DynamoDB name.
                lhs = cast("Operand[Any]", part.lhs)
                column = info.columns_by_dynamo[cast("str", lhs._path[0])]  # pyright: ignore[reportPrivateUsage]
                values[column.name] = part.rhs.raw
        elif isinstance(key, dict):
            values = dict(key)  # pyright: ignore[reportUnknownArgumentType]
        elif isinstance(key, tuple):
            if len(key) != len(keys):  # pyright: ignore[reportUnknownArgumentType]
                raise InvalidValue(
                    f"a key of {model.__name__} has {len(keys)} part(s)", value=key, model=model
                )
            values = {c.name: v for c, v in zip(keys, key, strict=True)}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        else:
            if len(keys) != 1:
                raise InvalidValue(
                    f"{model.__name__} has a range key: pass (hash, range)", value=key, model=model
                )
            values = {keys[0].name: key}
        unknown = set(values) - {c.name for c in keys}
        if unknown:
            name = sorted(unknown)[0]
            raise UnknownColumn("not a key column", value=values[name], model=model, column=name)
        # Every column gets its default (so the object is whole), then the key; it has no snapshot: not loaded.
        obj = info.load_item({})
        obj.__dict__.pop(SNAPSHOT, None)
        obj.__dict__.update(values)
        return obj

    # -- transactions ---------------------------------------------------------------------------------------------

    @overload
    def transaction(self, *, read: Literal[False] = ..., token: str | None = ...) -> Transaction: ...

    @overload
    def transaction(self, *, read: Literal[True], token: str | None = ...) -> ReadTransaction: ...

    def transaction(self, *, read: bool = False, token: str | None = None) -> Transaction | ReadTransaction:
        """
        A write transaction (TransactWriteItems), or with ``read=True`` a read transaction (TransactGetItems), to
        use as ``async with engine.transaction() as tx``. `token` sets the client request token (default: a new
        one per transaction). See :class:`~adyn.Transaction`.
        """
        self._check()
        if read:
            return ReadTransaction(self)
        return Transaction(self, token=token)

    # -- many items -----------------------------------------------------------------------------------------------

    def batch(self) -> Batch:
        """
        A batch of whole-item puts and deletes, sent with BatchWriteItem when the ``async with`` block exits
        cleanly (nothing is sent if it raises). See :class:`~adyn.Batch`.
        """
        self._check()
        return Batch(self)

    async def put_all(self, *objs: Model) -> BatchResult:
        """
        Write whole items with BatchWriteItem (chunks of 25, concurrent, unprocessed items retried). Returns the
        :class:`~adyn.BatchResult`; raises :class:`~adyn.BatchWriteError` carrying it if any write did not happen.
        """
        self._check()
        return await put_all(self, objs)

    async def delete_all(self, *objs: Model) -> BatchResult:
        """
        Delete items by key with BatchWriteItem; reported as for :meth:`put_all`.
        """
        self._check()
        return await delete_all(self, objs)

    async def get_many(
        self, model: type[M], keys: Iterable[Any] | Condition, *, consistent: bool = False
    ) -> list[M]:
        """
        The stored objects for many keys (each given as for :meth:`get`), in the order given, missing ones left
        out: one BatchGetItem per 100 keys, concurrently. A condition instead of keys runs a query when it is a key
        condition of the table, else a scan with that filter.
        """
        self._check()
        info, _ = self._info(model)
        if isinstance(keys, Condition):
            return await self._select(model, keys).all()
        targets = [self._key_object(info, key, {}) for key in keys]
        try:
            await self.load(*targets, consistent=consistent)
        except MissingObjects as exc:
            missing = {id(o) for o in exc.objects}
            targets = [o for o in targets if id(o) not in missing]
        return targets

    async def delete_many(self, model: type[M], keys: Iterable[Any] | Condition) -> BatchResult:
        """
        Delete many items by key (each given as for :meth:`get`), or every item matching a condition (found with
        a query when it is a key condition, else a scan, reading keys only), with BatchWriteItem.
        """
        self._check()
        info, _ = self._info(model)
        if isinstance(keys, Condition):
            targets: list[Any] = await self._select(model, keys).project().all()
        else:
            targets = [self._key_object(info, key, {}) for key in keys]
        return await delete_all(self, targets)

    def _select(self, model: type[M], condition: Condition) -> Query[M] | Scan[M]:
        info = model.__adyn__
        assert info.hash_key is not None
        try:
            check_key_condition(condition, info.hash_key, info.range_key, target=f"table of {model.__name__}")
        except InvalidExpression:
            return self.scan(model).filter(condition)
        return self.query(model, key=condition)

    # -- query and scan -------------------------------------------------------------------------------------------

    @overload
    def query(self, target: type[M], *, key: Condition) -> Query[M]: ...

    @overload
    def query(self, target: Index, *, key: Condition) -> Query[Any]: ...

    def query(self, target: type[M] | Index, *, key: Condition) -> Query[Any]:
        """
        A Query on a model's table or one of its indexes; `key` is the key condition (``hash == v``, optionally
        ANDed with one range key condition), checked now against that table or index.

        ``engine.query(Post.by_user, key=Post.user == uid).filter(Post.views > 10)`` sends, when iterated::

            {"TableName": "posts", "IndexName": "by_user", "KeyConditionExpression": "#n0 = :v0",
             "FilterExpression": "#n1 > :v1", "ExpressionAttributeNames": {"#n0": "u", "#n1": "v"},
             "ExpressionAttributeValues": {":v0": {"S": "..."}, ":v1": {"N": "10"}}}
        """
        model, index = self._target(target)
        info = model.__adyn__
        hash_key = index.hash_key if index is not None else info.hash_key
        range_key = index.range_key if index is not None else info.range_key
        assert hash_key is not None
        label = f"index {index.name}" if index is not None else f"table of {model.__name__}"
        check_key_condition(key, hash_key, range_key, target=label)
        return Query(self, model, index, _Options(key=hash_first(key, hash_key)))

    @overload
    def scan(self, target: type[M]) -> Scan[M]: ...

    @overload
    def scan(self, target: Index) -> Scan[Any]: ...

    def scan(self, target: type[M] | Index) -> Scan[Any]:
        """
        A Scan of a model's table or one of its indexes; ``.filter()``, ``.segments(n)``, ... refine it.
        """
        model, index = self._target(target)
        return Scan(self, model, index, _Options())

    def _target(self, target: Any) -> tuple[type[Model], Index | None]:
        if isinstance(target, Index):
            model = target.model
            if model is None:
                raise InvalidModel(f"index {target.name} belongs to an abstract model", model=target)
            return model, target
        if isinstance(target, type) and issubclass(target, Model) and target is not Model:
            if target.__adyn__.abstract:
                raise InvalidModel("abstract models have no table", model=target)
            return target, None
        raise InvalidModel("query() and scan() take a model class or one of its indexes", model=target)

    # -- streams --------------------------------------------------------------------------------------------------

    @overload
    def stream(
        self,
        model: type[M],
        *,
        position: Position = ...,
        resolver: None = ...,
        poll_interval: float = ...,
    ) -> Stream[M]: ...

    @overload
    def stream(
        self,
        model: type[Model],
        *,
        position: Position = ...,
        resolver: Resolver,
        poll_interval: float = ...,
    ) -> Stream[Model]: ...

    def stream(
        self,
        model: type[Model],
        *,
        position: Position = "latest",
        resolver: Resolver | None = None,
        poll_interval: float = 1.0,
    ) -> Stream[Any]:
        """
        The records of the model's table stream (DynamoDB Streams), as an async iterator of
        :class:`~adyn.Record`::

            async for record in engine.stream(Post, position="trim_horizon"):
                print(record.event, record.keys, record.old, record.new)

        `position` is ``"latest"`` (records written from the moment the stream starts), ``"trim_horizon"``
        (everything still in the stream: the last 24 hours), a token from ``stream.token`` (right after the last
        record handed out before it), or an aware datetime (records whose ``created`` is at or after it: read from
        the trim horizon, earlier ones skipped). `resolver`, for a table holding several models, takes each
        record's newest image (NewImage, else OldImage, else Keys, as DynamoDB sends it) and returns the model to
        load the record as, or None to skip it. `poll_interval` is how many seconds an open shard that had nothing
        new waits before it is read again.

        The model must be bound and declare ``Meta.stream``, else :class:`~adyn.exceptions.StreamNotEnabled` before
        any request. Nothing is sent until the stream starts; see :class:`~adyn.Stream` for the requests.
        """
        if not _is_model_class(model) or model is Model:
            raise InvalidModel("stream() takes a Model subclass", model=model)
        info, table = self._info(model)
        if info.stream is None:
            raise StreamNotEnabled(model, table, "the model declares no stream: set Meta.stream")
        return Stream(
            model,
            table,
            call=self._call,
            check=self._check,
            concurrency=self._concurrency,
            position=position,
            resolver=resolver,
            poll_interval=poll_interval,
        )

    # -- delete and update ----------------------------------------------------------------------------------------

    @overload
    async def delete(
        self, *objs: Model, condition: Condition | None = ..., returns: Literal["none"] = ...
    ) -> None: ...

    @overload
    async def delete(
        self, *objs: M, condition: Condition | None = ..., returns: Literal["old"]
    ) -> list[M | None]: ...

    async def delete(
        self, *objs: M, condition: Condition | None = None, returns: Literal["none", "old"] = "none"
    ) -> list[M | None] | None:
        """
        Delete objects by key (concurrently when several), each only if `condition` holds when given (and, for a
        versioned model, only at the object's version).

        With ``returns="old"``, return the deleted items as objects (None where nothing was stored).
        The objects lose their snapshot: saving one again writes it whole.
        """
        self._check()
        writes: dict[int, Write] = {}
        for obj in objs:
            info, table = self._info(obj)
            writes[id(obj)] = delete_write(info, table, obj, condition)

        async def run(obj: Any) -> Any:
            write = writes[id(obj)]
            options = {"ReturnValues": "ALL_OLD"} if returns == "old" else {}
            response = await self._send(write, **options)
            await run_hooks(self.hooks.deleted, obj)
            old = response.get("Attributes")
            return write.info.load_item(old) if old else None

        results = await self._many("delete", objs, run)
        return results if returns == "old" else None

    async def update(
        self, obj: M, *actions: Action, condition: Condition | None = None, returns: Returns = "all_new"
    ) -> M | None:
        """
        Apply update actions to the stored item without reading it first (UpdateItem)::

            await engine.update(post, Post.views.increment(), Post.tags.add("hot"), condition=Post.views < 100)

        `returns` picks DynamoDB's ReturnValues: ``"all_new"`` (the default) and ``"updated_new"`` update `obj`
        in place with what is now stored and return it; ``"all_old"`` and ``"updated_old"`` return the previous
        values as a new object; ``"none"`` returns None and leaves `obj` as it was (but for its version).
        """
        self._check()
        info, table = self._info(obj)
        write = update_write(info, table, obj, actions, condition)
        # The top-level columns the actions touch. For a path inside a column, UPDATED_NEW would return only that
        # path (a partial map or list), so updated_new asks for ALL_NEW then and takes the touched columns whole.
        touched = {str(a.operand._path[0]) for a in actions}  # pyright: ignore[reportPrivateUsage]
        if write.version is not None:
            touched.add(write.version[0].dynamo_name)
        nested = any(len(a.operand._path) > 1 for a in actions)  # pyright: ignore[reportPrivateUsage]
        return_values = "ALL_NEW" if returns == "updated_new" and nested else returns.upper()
        response = await self._send(write, ReturnValues=return_values)
        attributes: Item | None = response.get("Attributes")
        if returns == "updated_new":
            attributes = (
                attributes or {}
            )  # DynamoDB leaves Attributes out when every touched column was removed
        if returns == "none" or attributes is None:
            return None
        if returns in ("all_new", "updated_new"):
            state = vars(obj)
            if returns == "all_new":
                self._fill(obj, attributes)
            else:
                # A touched column missing from the response was removed: it takes its missing value.
                new = {k: v for k, v in attributes.items() if k in touched}
                previous: Item = state.get(SNAPSHOT) or {}
                snapshot: Item = {k: v for k, v in previous.items() if k not in touched}
                snapshot.update(new)
                fresh = info.load_item(new)
                for name in (c.name for c in info.columns if c.dynamo_name in touched):
                    state[name] = vars(fresh)[name]
                state[SNAPSHOT] = snapshot
            await run_hooks(self.hooks.saved, obj)
            return obj
        return info.load_item({**write.key, **attributes})  # type: ignore[no-any-return]
