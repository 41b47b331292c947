"""
A canned-response DynamoDB server for the benchmarks that talk to a server (streaming, client_cpu): it speaks
DynamoDB's JSON protocol (``POST /``, ``X-Amz-Target: DynamoDB_20120810.<Operation>``, JSON in and out) and answers
every request after a fixed delay, so a client sees a network round trip of about ``--delay-ms`` while the server's
own work stays negligible.

    python benchmarks/fake_dynamodb.py --port 0 --delay-ms 20     # prints the bound port on stdout, then serves

Nothing is stored; the answers are synthesized:

- every table exists and is ACTIVE, keyed by hash key ``pk`` (S) and range key ``sk`` (N), on demand;
- an item is numbered: item ``i`` is ``{"pk": {"S": <pk>}, "sk": {"N": "i"}, "name": {"S": "item-i"},
  "score": {"N": "i.5"}, "active": {"BOOL": true}}``;
- Query and Scan return pages of ``Limit`` items (default 100). A table named ``<anything>-p<N>`` has ``N`` pages
  (default 10), so ``N x Limit`` items; Scan with ``TotalSegments`` splits the pages among the segments (the
  item total is the same for any segment count). Every page but the last carries a LastEvaluatedKey;
- BatchGetItem returns every requested key as an item (no UnprocessedKeys); GetItem returns the key as an item;
  writes answer with empty results;
- the items of a table whose name contains ``-wide`` carry five more attributes, the same for every item, shaped
  like the codec case's item (`WIDE_ATTRIBUTES`: a datetime string, a set of 5 strings, a map of 5 strings, a list
  of 10 numbers and 64 bytes), so 10 attributes in all.

``GET /stats`` returns the requests served by operation, the most requests ever in flight at once and the last
request body received for each operation (``"last"``); ``POST /stats/reset`` clears them. The delay is an
``asyncio.sleep``, so concurrent requests overlap as they would on a real network. With ``--watch-stdin`` the server
exits when its standard input closes (its parent died).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import json
import re
import select
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

__all__ = ["WIDE_ATTRIBUTES", "FakeDynamoDB", "is_wide", "make_app"]

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "DynamoDB_20120810."
DEFAULT_LIMIT = 100
DEFAULT_PAGES = 10
SCAN_PK = "item"

_PAGES_SUFFIX = re.compile(r"-p(\d+)$")
WIDE_MARK = "-wide"

#: The extra attributes of every item of a ``-wide`` table, in DynamoDB's JSON (binary as base64 text). The
#: datetime is in PynamoDB's form (``+0000``), which every client measured here reads.
WIDE_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "created": {"S": "2023-11-14T22:13:20.123456+0000"},
    "tags": {"SS": ["asyncio", "bench", "dynamodb", "mapper", "python"]},
    "attributes": {
        "M": {
            "color": {"S": "blue"},
            "size": {"S": "large"},
            "team": {"S": "core"},
            "plan": {"S": "pro"},
            "region": {"S": "eu-west-1"},
        }
    },
    "nums": {"L": [{"N": str(n)} for n in (0, 1, 1, 2, 3, 5, 8, 13, 21, 34)]},
    "blob": {"B": base64.b64encode(bytes(range(64))).decode("ascii")},
}
_WIDE_JSON = json.dumps(WIDE_ATTRIBUTES, separators=(",", ":"))[1:-1]


# -- the canned data ------------------------------------------------------------------------------------------------


def table_pages(table: str) -> int:
    """
    The number of pages a Query or a whole Scan of `table` returns (``...-p<N>``: N; otherwise the default).
    """
    match = _PAGES_SUFFIX.search(table)
    return int(match.group(1)) if match else DEFAULT_PAGES


def is_wide(table: str) -> bool:
    """
    Whether the items of `table` carry `WIDE_ATTRIBUTES` (its name contains ``-wide``).
    """
    return WIDE_MARK in table


def _extra(sk: str, wide: bool = False) -> str:
    """
    The synthetic non-key attributes of the item whose range key is `sk`, as a JSON fragment.
    """
    extra = f'"name":{{"S":"item-{sk}"}},"score":{{"N":"{sk}.5"}},"active":{{"BOOL":true}}'
    return f"{extra},{_WIDE_JSON}" if wide else extra


@functools.lru_cache(maxsize=4096)
def _page_items(pk: str, start: int, stop: int, wide: bool = False) -> str:
    """
    Items ``start`` to ``stop - 1`` under hash key `pk`, as the inside of a JSON array (cached: pages repeat).
    """
    pk_json = json.dumps(pk)
    return ",".join(
        f'{{"pk":{{"S":{pk_json}}},"sk":{{"N":"{i}"}},{_extra(str(i), wide)}}}' for i in range(start, stop)
    )


def _key_json(pk: str, i: int) -> str:
    return f'{{"pk":{{"S":{json.dumps(pk)}}},"sk":{{"N":"{i}"}}}}'


def _item_for_key(key: dict[str, Any], wide: bool = False) -> str:
    """
    The item answering a requested key: the key itself plus the synthetic attributes.
    """
    sk = str(key.get("sk", {}).get("N", "0"))
    return json.dumps(key, separators=(",", ":"))[:-1] + "," + _extra(sk, wide) + "}"


def _page(pk: str, start: int, end: int, limit: int, count_only: bool, wide: bool = False) -> str:
    """
    One Query or Scan page: up to `limit` items from `start`, of a range ending before `end`.
    """
    stop = min(start + limit, end)
    n = max(stop - start, 0)
    parts = [] if count_only else [f'"Items":[{_page_items(pk, start, stop, wide) if n else ""}]']
    parts += [f'"Count":{n}', f'"ScannedCount":{n}']
    if stop < end:
        parts.append(f'"LastEvaluatedKey":{_key_json(pk, stop - 1)}')
    return "{" + ",".join(parts) + "}"


def _start(request: dict[str, Any], default: int) -> int:
    start_key = request.get("ExclusiveStartKey")
    if start_key:
        return int(start_key["sk"]["N"]) + 1
    return default


def _limit(request: dict[str, Any]) -> int:
    return int(request.get("Limit") or DEFAULT_LIMIT)


def query(request: dict[str, Any]) -> str:
    limit = _limit(request)
    values = request.get("ExpressionAttributeValues") or {}
    pk = next((v["S"] for v in values.values() if "S" in v), SCAN_PK)
    table = request["TableName"]
    total = table_pages(table) * limit
    return _page(pk, _start(request, 0), total, limit, request.get("Select") == "COUNT", is_wide(table))


def scan(request: dict[str, Any]) -> str:
    limit = _limit(request)
    pages = table_pages(request["TableName"])
    segments = int(request.get("TotalSegments") or 1)
    segment = int(request.get("Segment") or 0)
    # The pages are shared out as evenly as they go: the first `extra` segments get one more.
    base, extra = divmod(pages, segments)
    first_page = segment * base + min(segment, extra)
    own_pages = base + (1 if segment < extra else 0)
    begin, end = first_page * limit, (first_page + own_pages) * limit
    count_only = request.get("Select") == "COUNT"
    return _page(SCAN_PK, _start(request, begin), end, limit, count_only, is_wide(request["TableName"]))


def batch_get_item(request: dict[str, Any]) -> str:
    responses = []
    for table, entry in request["RequestItems"].items():
        items = ",".join(_item_for_key(key, is_wide(table)) for key in entry["Keys"])
        responses.append(f"{json.dumps(table)}:[{items}]")
    return '{"Responses":{' + ",".join(responses) + '},"UnprocessedKeys":{}}'


def get_item(request: dict[str, Any]) -> str:
    return '{"Item":' + _item_for_key(request["Key"], is_wide(request["TableName"])) + "}"


def describe_table(request: dict[str, Any]) -> str:
    table = request["TableName"]
    description = {
        "TableName": table,
        "TableArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}",
        "TableStatus": "ACTIVE",
        "CreationDateTime": 1_700_000_000.0,
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": {
            "ReadCapacityUnits": 0,
            "WriteCapacityUnits": 0,
            "NumberOfDecreasesToday": 0,
        },
        "ItemCount": table_pages(table) * DEFAULT_LIMIT,
        "TableSizeBytes": 0,
    }
    return json.dumps({"Table": description})


OPERATIONS = {
    "BatchGetItem": batch_get_item,
    "DescribeTable": describe_table,
    "DescribeTimeToLive": lambda _: '{"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}}',
    "GetItem": get_item,
    "PutItem": lambda _: "{}",
    "UpdateItem": lambda _: "{}",
    "DeleteItem": lambda _: "{}",
    "BatchWriteItem": lambda _: '{"UnprocessedItems":{}}',
    "Query": query,
    "Scan": scan,
}


# -- the server -----------------------------------------------------------------------------------------------------


def _error(status: int, kind: str, message: str) -> web.Response:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{kind}", "message": message})
    return web.Response(status=status, text=body, content_type=CONTENT_TYPE)


def make_app(delay_ms: float) -> web.Application:
    """
    The aiohttp application answering DynamoDB requests after `delay_ms`, with its ``/stats`` endpoints.
    """
    delay = delay_ms / 1000
    served: Counter[str] = Counter()
    last: dict[str, Any] = {}  # the last request body by operation (a reference to the parsed JSON: no copy)
    in_flight = [0, 0]  # now, most ever

    async def dynamodb(request: web.Request) -> web.Response:
        target = request.headers.get("X-Amz-Target", "")
        operation = target.removeprefix(TARGET_PREFIX)
        handler = OPERATIONS.get(operation) if target.startswith(TARGET_PREFIX) else None
        body = await request.read()
        in_flight[0] += 1
        in_flight[1] = max(in_flight[1], in_flight[0])
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if handler is None:
                return _error(400, "UnknownOperationException", f"unknown operation {target!r}")
            served[operation] += 1
            try:
                parsed = last[operation] = json.loads(body or b"{}")
                text = handler(parsed)
            except (KeyError, TypeError, ValueError) as exc:
                return _error(400, "ValidationException", f"{operation}: malformed request ({exc!r})")
            return web.Response(text=text, content_type=CONTENT_TYPE)
        finally:
            in_flight[0] -= 1

    async def stats(_: web.Request) -> web.Response:
        return web.json_response({"requests": dict(served), "max_in_flight": in_flight[1], "last": last})

    async def reset(_: web.Request) -> web.Response:
        served.clear()
        last.clear()
        in_flight[1] = in_flight[0]
        return web.json_response({})

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/", dynamodb)
    app.router.add_get("/stats", stats)
    app.router.add_post("/stats/reset", reset)
    return app


async def serve(host: str, port: int, delay_ms: float, *, watch_stdin: bool) -> None:
    runner = web.AppRunner(make_app(delay_ms), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=1024)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if watch_stdin:
            reader = asyncio.StreamReader()
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

            async def watch() -> None:
                await reader.read()  # returns at end of file: the parent closed the pipe or died
                stop.set()

            watcher = asyncio.create_task(watch())
        await stop.wait()
        if watch_stdin:
            watcher.cancel()
    finally:
        await runner.cleanup()


# -- the parent's side ----------------------------------------------------------------------------------------------


class FakeDynamoDB:
    """
    This server in a child process for the duration of a ``with`` block: ``url`` is its endpoint. The child is
    terminated and reaped on exit (and exits by itself should this process die, as its stdin then closes).
    """

    def __init__(self, delay_ms: float, *, host: str = "127.0.0.1", start_timeout: float = 30.0) -> None:
        self.delay_ms = delay_ms
        self.host = host
        self.port = 0
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FakeDynamoDB:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--host",
            self.host,
            "--port",
            "0",
            "--delay-ms",
            f"{self.delay_ms:g}",
            "--watch-stdin",
        ]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            stdout = self._process.stdout
            assert stdout is not None  # stdout=PIPE
            ready, _, _ = select.select([stdout], [], [], self._start_timeout)
            line = stdout.readline() if ready else ""
            if not line.strip().isdigit():
                raise RuntimeError(f"the fake DynamoDB server did not start (it printed {line!r})")
            self.port = int(line)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A canned-response DynamoDB server with simulated latency.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="added to every request (default 20)")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when standard input closes")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.delay_ms, watch_stdin=args.watch_stdin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
