"""
Helpers of the ``adyn`` command line (`adyn.cli`): finding models in a module, the ``--filter`` syntax, the export
file format, and progress reporting. Standard library only.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO, cast

from ._columns import Column
from ._expressions import Condition
from ._models import Model

__all__ = [
    "CliError",
    "ExportFile",
    "Progress",
    "convert",
    "find_models",
    "item_from_json",
    "item_to_json",
    "one_model",
    "parse_filter",
    "read_lines",
    "write_lines",
]


class CliError(Exception):
    """
    A user error the command line reports as one line (exit code `code`).
    """

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# -- models -------------------------------------------------------------------------------------------------------


def find_models(spec: str) -> list[type[Model]]:
    """
    The concrete models ``MODULE[:Model]`` names: every Model subclass defined in the module, or the one named.
    """
    module_name, _, model_name = spec.partition(":")
    if not module_name or not re.fullmatch(r"[A-Za-z_][\w.]*", module_name):
        raise CliError(f"not a module: {spec!r} (expected MODULE[:Model], e.g. app.models:Post)", code=2)
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CliError(f"cannot import {module_name}: {exc}") from exc
    found: list[type[Model]] = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, Model)
        and obj is not Model
        and obj.__module__ == module.__name__
        and not obj.__adyn__.abstract
    ]
    if model_name:
        chosen = [m for m in found if m.__name__ == model_name]
        if not chosen:
            names = ", ".join(m.__name__ for m in found) or "none"
            raise CliError(f"no model {model_name} in {module_name} (models: {names})")
        return chosen
    if not found:
        raise CliError(f"no models in {module_name}")
    return found


def one_model(spec: str) -> type[Model]:
    """
    The one model ``MODULE:Model`` names (``:Model`` may be left out when the module defines exactly one).
    """
    models = find_models(spec)
    if len(models) > 1:
        names = ", ".join(m.__name__ for m in models)
        raise CliError(f"{spec} defines several models ({names}): pick one with MODULE:Model", code=2)
    return models[0]


# -- values and filters -------------------------------------------------------------------------------------------


def convert(column: Column[Any], text: str) -> Any:
    """
    A command-line value for `column`, read with its type's JSON form: strings, binaries (base64) and numbers from
    the text as given (no float rounding), anything else (booleans, lists, sets, maps) parsed as JSON first.
    """
    type_ = column.type
    try:
        if type_.backing_type in ("S", "B", "N"):
            value = type_.from_json(text)
        else:
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = text
            value = type_.from_json(parsed)
        type_.dump(value)  # checks the value fits the column
    except Exception as exc:
        reason = str(exc)
        detail = (
            f": {reason}" if reason and not reason.startswith("[<") else ""
        )  # decimal's signal lists say nothing
        raise CliError(f"{column.name}: cannot read {text!r} as {type_!r}{detail}", code=2) from exc
    return value


_FILTER = re.compile(r"\s*([A-Za-z_]\w*)\s*(<=|>=|!=|\^=|~=|=|<|>)\s*(.*?)\s*", re.DOTALL)


def parse_filter(model: type[Model], text: str) -> Condition:
    """
    One ``--filter``: ``COLUMN OP VALUE`` with OP one of ``= != < <= > >=``, ``^=`` (begins with) or ``~=``
    (contains: a substring, or an element of a set or list). The value is converted by the column's type.
    """
    match = _FILTER.fullmatch(text)
    if match is None:
        raise CliError(
            f"bad filter {text!r}: expected COLUMN OP VALUE with OP one of = != < <= > >= ^= ~=", code=2
        )
    name, op, raw = match.groups()
    info = model.__adyn__
    column = info.columns_by_name.get(name)
    if column is None:
        columns = ", ".join(info.columns_by_name)
        raise CliError(
            f"bad filter {text!r}: {model.__name__} has no column {name} (columns: {columns})", code=2
        )
    if op == "~=":
        element = getattr(column.type, "element", None)
        if element is not None:
            value: Any = convert(Column(name=name, dynamo_name=name, type=element, model=model), raw)
        else:
            value = raw if column.type.backing_type == "S" else convert(column, raw)
        return column.contains(value)
    value = convert(column, raw)
    if op == "^=":
        return column.begins_with(value)
    operators = {
        "=": column.__eq__,
        "!=": column.__ne__,
        "<": column.__lt__,
        "<=": column.__le__,
        ">": column.__gt__,
        ">=": column.__ge__,
    }
    return operators[op](value)


# -- the export format --------------------------------------------------------------------------------------------


def _encode(value: dict[str, Any]) -> dict[str, Any]:
    ((tag, wire),) = value.items()
    if tag == "B":
        return {"B": base64.b64encode(wire).decode("ascii")}
    if tag == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in wire]}
    if tag in ("SS", "NS"):
        return {tag: list(wire)}
    if tag == "M":
        return {"M": {k: _encode(v) for k, v in wire.items()}}
    if tag == "L":
        return {"L": [_encode(v) for v in wire]}
    return {tag: wire}


def _decode(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or len(cast("dict[str, Any]", value)) != 1:
        raise ValueError(f"not a DynamoDB attribute value: {value!r}")
    ((tag, wire),) = cast("dict[str, Any]", value).items()
    if tag == "B":
        return {"B": base64.b64decode(wire, validate=True)}
    if tag == "BS":
        return {"BS": [base64.b64decode(b, validate=True) for b in cast("list[str]", wire)]}
    if tag == "M":
        return {"M": {k: _decode(v) for k, v in cast("dict[str, Any]", wire).items()}}
    if tag == "L":
        return {"L": [_decode(v) for v in cast("list[Any]", wire)]}
    if tag not in ("S", "N", "BOOL", "NULL", "SS", "NS"):
        raise ValueError(f"unknown DynamoDB type {tag!r}")
    return {tag: wire}


def item_to_json(item: dict[str, Any]) -> str:
    """
    One export line: the DynamoDB item in DynamoDB's JSON form (``{"id": {"S": "a"}, "n": {"N": "1.50"}}``), with
    binaries (B, BS) as base64, as DynamoDB's own export writes it.
    """
    return json.dumps({k: _encode(v) for k, v in item.items()}, ensure_ascii=False, separators=(",", ":"))


def item_from_json(line: str) -> dict[str, Any]:
    """
    The inverse of `item_to_json`.
    """
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("an export line is a JSON object")
    return {k: _decode(v) for k, v in cast("dict[str, Any]", data).items()}


class ExportFile:
    """
    The file an export writes, and its resume state in ``FILE.token``: saved after each page is written and synced,
    with the file's length then, so a resumed export first cuts whatever was written after it.
    """

    def __init__(self, path: str, *, resume: bool, segments: int) -> None:
        self.path = path
        self.token_path = path + ".token"
        self.segments = segments
        self.token: str | None = None
        self.count = 0
        if resume:
            try:
                with open(self.token_path, encoding="utf-8") as f:
                    state = json.load(f)
            except FileNotFoundError:
                raise CliError(
                    f"nothing to resume: no {self.token_path} (the export finished or never started)"
                ) from None
            if state.get("segments") != segments:
                raise CliError(
                    f"the export was started with --segments {state.get('segments')}: use it to resume"
                )
            self.token = str(state["token"])
            self.count = int(state["count"])
            self.file = open(path, "r+b")  # noqa: SIM115 - closed by close()
            self.file.truncate(int(state["offset"]))
            self.file.seek(0, os.SEEK_END)
        else:
            self.remove_token()
            self.file = open(path, "w+b")  # noqa: SIM115 - closed by close()

    def write_page(self, items: list[dict[str, Any]], token: str | None) -> None:
        self.file.write(b"".join((item_to_json(item) + "\n").encode() for item in items))
        self.file.flush()
        os.fsync(self.file.fileno())
        self.count += len(items)
        if token is not None:
            state = {
                "token": token,
                "offset": self.file.tell(),
                "count": self.count,
                "segments": self.segments,
            }
            with open(self.token_path + ".tmp", "w", encoding="utf-8") as f:
                json.dump(state, f)
            os.replace(self.token_path + ".tmp", self.token_path)

    def remove_token(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.token_path)

    def close(self) -> None:
        self.file.close()


def read_lines(path: str) -> Iterator[tuple[int, str, int]]:
    """
    (line number, line, bytes read so far) for each non-blank line of `path`.
    """
    done = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            done += len(line.encode())
            if line.strip():
                yield number, line, done


# -- progress -----------------------------------------------------------------------------------------------------


class Progress:
    """
    Progress on stderr: one line redrawn in place on a terminal (a bar when the total is known), a plain line every
    few seconds otherwise, nothing when quiet.
    """

    def __init__(
        self, label: str, *, quiet: bool, stream: TextIO | None = None, interval: float = 5.0
    ) -> None:
        self.label = label
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.interval = 0.1 if self.tty else interval
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def update(
        self, done: float, total: float | None = None, *, items: int, failed: int = 0, force: bool = False
    ) -> None:
        now = time.monotonic()
        if self.quiet or (not force and now - self.last < self.interval):
            return
        self.last = now
        rate = items / max(now - self.started, 1e-9)
        text = f"{self.label}: {items:,} items"
        if failed:
            text += f", {failed:,} failed"
        text += f" ({rate:,.0f}/s)"
        if self.tty:
            if total:
                share = min(done / total, 1.0)
                filled = int(share * 30)
                text = f"[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {text}"
            self.stream.write(f"\r\x1b[K{text}")
            self.drawn = True
        else:
            self.stream.write(f"{text}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def write_lines(path: str, lines: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
