"""
The ``adyn`` command line: a local DynamoDB server, table management, and reading, exporting and importing the
items of a model. ``adyn --help`` and ``adyn COMMAND --help`` describe each command.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from ._bulk import BatchWriteError
from ._cli_support import (
    CliError,
    ExportFile,
    Progress,
    convert,
    find_models,
    item_from_json,
    one_model,
    parse_filter,
    read_lines,
    write_lines,
)
from ._engine import Engine
from ._models import Model
from .exceptions import TableMismatch, TableNotFound

__all__ = ["main"]

_FILTER_HELP = (
    "COLUMN OP VALUE, OP one of = != < <= > >= ^= (begins with) ~= (contains); the value is read with the column's "
    'type (numbers exactly, binaries as base64, lists/sets/maps as JSON). Repeat to AND: --filter "views>10" '
    '--filter "name^=al"'
)
_FORMAT_HELP = (
    "The file holds one item per line in DynamoDB's JSON form, as DynamoDB's own export writes it: "
    '{"id": {"S": "a"}, "price": {"N": "1.50"}, "data": {"B": "<base64>"}, "tags": {"SS": ["x"]}}. Numbers keep '
    "their exact text, binaries and binary sets are base64, so every value survives a round trip."
)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group("global options")
    # SUPPRESS: given before or after the command, an option is only set where it appears.
    g.add_argument(
        "--endpoint-url", default=argparse.SUPPRESS, help="DynamoDB endpoint (env ADYN_ENDPOINT_URL)"
    )
    g.add_argument("--region", default=argparse.SUPPRESS, help="AWS region (env ADYN_REGION)")
    g.add_argument("--profile", default=argparse.SUPPRESS, help="AWS profile from the AWS config files")
    g.add_argument(
        "--table-name-template",
        default=argparse.SUPPRESS,
        help='table names, e.g. "dev-{table_name}" (env ADYN_TABLE_NAME_TEMPLATE)',
    )
    g.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    g.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress output")

    parser = argparse.ArgumentParser(
        prog="adyn", description="adyn: DynamoDB models from the command line.", parents=[common]
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=description or help, parents=[common])

    p = command("local", "run a local DynamoDB server (moto) in the foreground until Ctrl-C")
    p.add_argument(
        "--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0 picks a free one)"
    )

    p = command("tables", "create, check or drop the tables of the models in a module")
    p.add_argument("action", choices=["create", "check", "drop"], help="check exits 1 when a table differs")
    p.add_argument("target", metavar="MODULE[:Model]", help="e.g. app.models or app.models:Post")
    p.add_argument("-y", "--yes", action="store_true", help="drop without asking")

    p = command("scan", "print the items of a model's table")
    p.add_argument("target", metavar="MODULE:Model")
    p.add_argument("--filter", action="append", default=[], metavar="EXPR", help=_FILTER_HELP)
    p.add_argument("--limit", type=int, help="at most N items")

    p = command("get", "print one item by key")
    p.add_argument("target", metavar="MODULE:Model")
    p.add_argument("key", metavar="KEY", help="the hash key, or HASH,RANGE")

    p = command(
        "export",
        "write every item of a model's table to a JSON lines file",
        "Parallel scan to a file. " + _FORMAT_HELP,
    )
    p.add_argument("target", metavar="MODULE:Model")
    p.add_argument("file", metavar="FILE.jsonl")
    p.add_argument("--segments", type=int, default=4, help="parallel scan segments (default 4)")
    p.add_argument("--page-size", type=int, help="items per scan request")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted export from FILE.jsonl.token (same --segments), appending",
    )
    p.add_argument("--stop-after-pages", type=int, help=argparse.SUPPRESS)  # tests: an interruption

    p = command(
        "import",
        "write the items of a JSON lines file (from export) to a model's table",
        "Batch writes from a file. " + _FORMAT_HELP,
    )
    p.add_argument("target", metavar="MODULE:Model")
    p.add_argument("file", metavar="FILE.jsonl")
    p.add_argument("--chunk-size", type=int, default=1000, help="items per group of concurrent batch writes")
    return parser


# -- commands -----------------------------------------------------------------------------------------------------


def _engine(args: argparse.Namespace) -> Engine:
    env = os.environ.get
    return Engine(
        endpoint_url=getattr(args, "endpoint_url", None) or env("ADYN_ENDPOINT_URL") or None,
        region=getattr(args, "region", None) or env("ADYN_REGION") or None,
        profile=getattr(args, "profile", None),
        table_name_template=getattr(args, "table_name_template", None)
        or env("ADYN_TABLE_NAME_TEMPLATE")
        or "{table_name}",
    )


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


async def _tables(args: argparse.Namespace) -> int:
    models = find_models(args.target)
    async with _engine(args) as engine:
        names = {m: engine.table_name(m) for m in models}
        if args.action == "drop":
            tables = sorted(set(names.values()))
            if not args.yes:
                if not sys.stdin.isatty():
                    raise CliError("refusing to drop tables without confirmation: pass --yes")
                answer = await asyncio.to_thread(input, f"Drop tables {', '.join(tables)}? [y/N] ")
                if answer.strip().lower() not in ("y", "yes"):
                    print("nothing dropped")
                    return 1
            await engine.delete_tables(*models)
            for table in tables:
                print(f"dropped {table}")
            return 0
        status = 0
        for model in models:
            label = f"{names[model]} ({model.__name__})"
            try:
                await engine.bind(model, create=False)
                print(f"ok       {label}")
            except TableNotFound:
                if args.action == "create":
                    await engine.bind(model)
                    print(f"created  {label}")
                else:
                    print(f"missing  {label}")
                    status = 1
            except TableMismatch as exc:
                print(f"differs  {label}:")
                for line in exc.differences:
                    print(f"  - {line}")
                status = 1
        return status


async def _scan(args: argparse.Namespace) -> int:
    model = one_model(args.target)
    conditions = [parse_filter(model, text) for text in args.filter]
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", code=2)
    async with _engine(args) as engine:
        await engine.bind(model, create=False)
        scan = engine.scan(model).limit(args.limit)
        if conditions:
            condition = conditions[0]
            for more in conditions[1:]:
                condition = condition & more
            scan = scan.filter(condition)
        count = 0
        async for obj in scan:
            _print_json(obj.to_dict(json=True))
            count += 1
        if not getattr(args, "quiet", False):
            print(f"{count} item{'s' if count != 1 else ''}", file=sys.stderr)
    return 0


async def _get(args: argparse.Namespace) -> int:
    model = one_model(args.target)
    keys = model.__adyn__.keys
    parts = args.key.split(",", len(keys) - 1)
    if len(parts) != len(keys):
        names = ",".join(c.name.upper() for c in keys)
        raise CliError(f"{model.__name__} keys are {names}: got {args.key!r}", code=2)
    values = [convert(c, part) for c, part in zip(keys, parts, strict=True)]
    async with _engine(args) as engine:
        await engine.bind(model, create=False)
        obj = await engine.get(model, tuple(values) if len(values) > 1 else values[0])
    if obj is None:
        raise CliError(f"no {model.__name__} with key {args.key}")
    _print_json(obj.to_dict(json=True))
    return 0


async def _item_count(engine: Engine, table: str) -> int | None:
    # DynamoDB's estimate (refreshed every few hours), for the bar only.
    try:
        response = await engine._call("DescribeTable", {"TableName": table}, table)  # pyright: ignore[reportPrivateUsage]
        return int(response["Table"].get("ItemCount") or 0) or None
    except Exception:
        return None


async def _export(args: argparse.Namespace) -> int:
    model = one_model(args.target)
    info = model.__adyn__
    async with _engine(args) as engine:
        await engine.bind(model, create=False)
        scan = engine.scan(model).segments(args.segments)
        if args.page_size:
            scan = scan.page_size(args.page_size)
        out = ExportFile(args.file, resume=args.resume, segments=args.segments)
        if out.token is not None:
            scan = scan.start(out.token)
        total = await _item_count(engine, engine.table_name(model))
        progress = Progress(f"export {model.__name__}", quiet=getattr(args, "quiet", False))
        pages = 0
        try:
            async for page in scan.pages():
                out.write_page([info.dump_item(obj) for obj in page.items], page.token)
                pages += 1
                progress.update(out.count, total, items=out.count)
                if args.stop_after_pages is not None and pages >= args.stop_after_pages and page.token:
                    raise CliError(f"export stopped after {pages} pages: continue it with --resume")
        finally:
            out.close()
            progress.finish()
    out.remove_token()
    print(f"{out.count} items exported to {args.file}", file=sys.stderr)
    return 0


async def _import(args: argparse.Namespace) -> int:
    model = one_model(args.target)
    info = model.__adyn__
    path: str = args.file
    failed_path = (path[: -len(".jsonl")] if path.endswith(".jsonl") else path) + ".failed.jsonl"
    failed_lines: list[str] = []
    reasons: list[str] = []
    written = 0
    size = max(os.stat(path).st_size, 1)

    def fail(line: str, number: int, reason: str) -> None:
        if len(reasons) < 5:
            reasons.append(f"line {number}: {reason}")
        failed_lines.append(line if line.endswith("\n") else line + "\n")

    async with _engine(args) as engine:
        await engine.bind(model, create=False)
        progress = Progress(f"import {model.__name__}", quiet=getattr(args, "quiet", False))

        async def flush(chunk: list[tuple[int, str, Model]]) -> None:
            nonlocal written
            if not chunk:
                return
            try:
                result = await engine.put_all(*(obj for _, _, obj in chunk))
            except BatchWriteError as exc:
                result = exc.result
            lost = {id(obj): exc for obj, exc in result.failed}
            for number, line, obj in chunk:
                if id(obj) in lost:
                    fail(line, number, (str(lost[id(obj)]).splitlines() or [""])[0])
                else:
                    written += 1

        chunk: list[tuple[int, str, Model]] = []
        try:
            for number, line, done in read_lines(path):
                try:
                    obj = info.load_item(item_from_json(line))
                    info.key(obj)
                except Exception as exc:
                    fail(line, number, f"{type(exc).__name__}: {exc}".splitlines()[0])
                    continue
                chunk.append((number, line, obj))
                if len(chunk) >= args.chunk_size:
                    await flush(chunk)
                    chunk = []
                    progress.update(done, size, items=written, failed=len(failed_lines))
            await flush(chunk)
            progress.update(size, size, items=written, failed=len(failed_lines), force=True)
        finally:
            progress.finish()
    print(f"{written} written, {len(failed_lines)} failed", file=sys.stderr)
    if failed_lines:
        write_lines(failed_path, failed_lines)
        for reason in reasons:
            print(f"  {reason}", file=sys.stderr)
        print(f"failed items written to {failed_path}", file=sys.stderr)
        return 1
    return 0


def _local(args: argparse.Namespace) -> int:
    from .local import LocalDynamoDB

    local = LocalDynamoDB(port=args.port)
    local.start()

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        # Ctrl-C or SIGTERM may come at any point from here on, while printing too.
        try:
            url = local.endpoint_url
            print(f"local DynamoDB running at {url} (Ctrl-C to stop)", flush=True)
            print(f"  adyn --endpoint-url {url} --region {local.region} tables create app.models", flush=True)
            print(
                "  with any credentials, e.g. AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local", flush=True
            )
            local.wait()
        except KeyboardInterrupt:
            pass
        else:
            raise CliError("the local server exited: " + " / ".join(local.recent_log()[-3:]))
    finally:
        signal.signal(signal.SIGTERM, previous)
        local.stop()
    print("stopped", flush=True)
    return 0


_COMMANDS = {"tables": _tables, "scan": _scan, "get": _get, "export": _export, "import": _import}


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``adyn`` command line with `argv` (default ``sys.argv[1:]``); returns the exit code.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already reported
        return exc.code if isinstance(exc.code, int) else 2
    debug = getattr(args, "debug", False)
    try:
        if args.command == "local":
            return _local(args)
        return asyncio.run(_COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("adyn: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        if isinstance(exc, CliError):
            message, code = str(exc), exc.code
        elif isinstance(exc, OSError) and exc.strerror and exc.filename:
            message, code = f"{exc.filename}: {exc.strerror}", 1
        else:
            lines = str(exc).strip().splitlines()
            message, code = f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "), 1
        print(f"adyn: error: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    raise SystemExit(main())
