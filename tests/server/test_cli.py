"""
The ``adyn`` command line against the session's moto server: `main()` in-process, and the installed module once
in a subprocess. Each test writes its own models module into tmp_path and uses its own table prefix.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adyn import Engine, Model
from adyn._cli_support import Progress
from adyn.cli import main

MODELS = """
from __future__ import annotations

import decimal

from adyn import Column, Model, column


class Thing(Model):
    class Meta:
        table_name = "things"

    group: Column[str] = column(hash_key=True)
    id: Column[int] = column(range_key=True)
    name: Column[str] = column(default="")
    views: Column[int] = column(default=0)
    price: Column[decimal.Decimal | None] = column(default=None)
    ratio: Column[float | None] = column(default=None)
    data: Column[bytes | None] = column(default=None)
    tags: Column[set[str]] = column(factory=set)
    blobs: Column[set[bytes]] = column(factory=set)
    amounts: Column[set[decimal.Decimal]] = column(factory=set)


class User(Model):
    class Meta:
        table_name = "users"

    id: Column[str] = column(hash_key=True)
    name: Column[str] = column(default="")
"""

CHANGED = """
from adyn import Column, Model, column


class User(Model):
    class Meta:
        table_name = "users"

    id: Column[str] = column(hash_key=True)
    at: Column[int] = column(range_key=True)
"""


class Cli:
    """A models module in tmp_path, an environment pointing at the server, and `run()` for main()."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], prefix: str) -> None:
        self.tmp_path = tmp_path
        self.capsys = capsys
        self.prefix = prefix
        self.templates = [f"{prefix}-{{table_name}}"]
        self.module = f"cli_models_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{self.module}.py").write_text(MODELS)

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def model(self, name: str) -> type[Model]:
        return getattr(sys.modules[self.module], name)  # type: ignore[no-any-return]


@pytest.fixture
def cli(
    local_dynamodb: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cli]:
    options: dict[str, Any] = local_dynamodb.engine_options()
    prefix = uuid.uuid4().hex[:10]
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("ADYN_ENDPOINT_URL", options["endpoint_url"])
    monkeypatch.setenv("ADYN_REGION", options.get("region") or "us-east-1")
    monkeypatch.setenv("ADYN_TABLE_NAME_TEMPLATE", f"{prefix}-{{table_name}}")
    if "aws_access_key_id" in options:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", options["aws_access_key_id"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", options["aws_secret_access_key"])
        monkeypatch.delenv("AWS_PROFILE", raising=False)
    cli = Cli(tmp_path, capsys, prefix)
    yield cli
    module = sys.modules.pop(cli.module, None)
    if module is not None:  # drop what the test created, under every prefix it used
        models = [module.Thing, module.User]

        async def drop() -> None:
            for template in cli.templates:
                async with Engine(**options, table_name_template=template) as engine:
                    await engine.delete_tables(*models)

        asyncio.run(drop())


def make_things(model: Any, n: int) -> list[Any]:
    return [
        model(
            group=f"g{i % 3}",
            id=i,
            name=f"name{i}",
            views=i * 10,
            price=Decimal(f"{i}.50") if i % 2 else Decimal("1E+3"),
            ratio=0.1 + i / 3,
            data=bytes([i, 0, 255]) + os.urandom(3),
            tags={f"t{i}", "all"},
            blobs={bytes([i]), b"\x00\xff"},
            amounts={Decimal("0.10"), Decimal(i)},
        )
        for i in range(n)
    ]


def seed(local: Any, template: str, objs: list[Any]) -> None:
    async def go() -> None:
        async with Engine(**local.engine_options(), table_name_template=template) as engine:
            await engine.bind(type(objs[0]))
            await engine.put_all(*objs)

    asyncio.run(go())


def scan_all(local: Any, template: str, model: Any) -> list[Any]:
    async def go() -> list[Any]:
        async with Engine(**local.engine_options(), table_name_template=template) as engine:
            await engine.bind(model, create=False)
            return await engine.scan(model).all()

    return asyncio.run(go())


def wire(obj: Any) -> dict[str, Any]:
    """The item as stored, with sets sorted (their order carries no meaning)."""
    item = obj.__adyn__.dump_item(obj)
    return {
        k: {t: sorted(v) if t in ("SS", "NS", "BS") else v for t, v in av.items()} for k, av in item.items()
    }


def test_help_everywhere(cli: Cli) -> None:
    """--help works on the program and on every command, exiting 0."""
    for args in ([], ["local"], ["tables"], ["scan"], ["get"], ["export"], ["import"]):
        code, out, _ = cli.run(*args, "--help")
        assert code == 0
        assert "usage: adyn" in out
    code, _, err = cli.run("nosuchcommand")
    assert code == 2
    assert "invalid choice" in err


def test_tables_create_check_drop(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """create makes missing tables, check reports a match (0) or the differences (1), drop asks unless --yes."""
    code, out, _ = cli.run("tables", "check", cli.module)
    assert code == 1
    assert f"missing  {cli.prefix}-things (Thing)" in out
    code, out, _ = cli.run("tables", "create", cli.module)
    assert code == 0
    assert f"created  {cli.prefix}-things (Thing)" in out
    assert f"created  {cli.prefix}-users (User)" in out
    code, out, _ = cli.run("tables", "check", cli.module)
    assert (code, out.count("ok ")) == (0, 2)

    (cli.tmp_path / "changed_models.py").write_text(CHANGED)
    monkeypatch.delitem(sys.modules, "changed_models", raising=False)
    code, out, _ = cli.run("tables", "check", "changed_models:User")
    assert code == 1
    assert f"differs  {cli.prefix}-users (User):" in out
    assert "  - key: " in out

    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    code, _, err = cli.run("tables", "drop", f"{cli.module}:User")
    assert code == 1
    assert err == "adyn: error: refusing to drop tables without confirmation: pass --yes\n"

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    code, out, _ = cli.run("tables", "drop", f"{cli.module}:User")
    assert (code, out) == (1, f"Drop tables {cli.prefix}-users? [y/N] nothing dropped\n")
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    code, out, _ = cli.run("tables", "drop", f"{cli.module}:User")
    assert code == 0
    assert out.endswith(f"dropped {cli.prefix}-users\n")
    code, out, _ = cli.run("tables", "drop", "--yes", cli.module)
    assert code == 0
    assert f"dropped {cli.prefix}-things" in out
    code, out, _ = cli.run("tables", "check", cli.module)
    assert (code, out.count("missing ")) == (1, 2)


def test_scan_and_get(cli: Cli, local_dynamodb: Any) -> None:
    """scan pretty-prints items, filtered (ANDed, values typed by the column) and limited; get reads one by key."""
    assert cli.run("tables", "create", f"{cli.module}:Thing")[0] == 0
    things = make_things(cli.model("Thing"), 12)
    seed(local_dynamodb, f"{cli.prefix}-{{table_name}}", things)

    code, out, err = cli.run("scan", f"{cli.module}:Thing", "--filter", "views>50", "--filter", "tags~=all")
    assert code == 0
    assert err == "6 items\n"
    decoder = json.JSONDecoder()
    items: list[dict[str, Any]] = []
    rest = out.strip()
    while rest:
        item, end = decoder.raw_decode(rest)
        items.append(item)
        rest = rest[end:].strip()
    assert sorted(i["id"] for i in items) == [6, 7, 8, 9, 10, 11]
    assert '\n  "group": ' in out  # indented

    code, out, err = cli.run(
        "scan", f"{cli.module}:Thing", "--filter", "price = 3.50", "--filter", "name^=name"
    )
    assert (code, err) == (0, "1 item\n")
    # As a number, not "3.50": DynamoDB returns numbers normalized ("3.5"), where moto echoes what was written.
    assert Decimal(json.loads(out)["price"]) == Decimal("3.50")
    code, _, err = cli.run("scan", f"{cli.module}:Thing", "--limit", "4")
    assert (code, err) == (0, "4 items\n")

    code, out, _ = cli.run("get", f"{cli.module}:Thing", "g1,4")
    assert code == 0
    # Equal as objects: DynamoDB returns numbers normalized ("1000" for 1E+3), where moto echoes what was written.
    assert cli.model("Thing").from_dict(json.loads(out), json=True) == things[4]
    code, _, err = cli.run("get", f"{cli.module}:Thing", "g1,5")
    assert (code, err) == (1, "adyn: error: no Thing with key g1,5\n")


def test_errors_are_one_line(cli: Cli) -> None:
    """Mistakes give one 'adyn: error:' line and a non-zero exit code; --debug adds the traceback."""
    cases = [
        (("scan", "no_such_module:Thing"), 1, "cannot import no_such_module"),
        (("scan", f"{cli.module}:Nope"), 1, f"no model Nope in {cli.module} (models: Thing, User)"),
        (("scan", cli.module), 2, "defines several models (Thing, User)"),
        (("get", f"{cli.module}:Thing", "g1"), 2, "Thing keys are GROUP,ID"),
        (("get", f"{cli.module}:Thing", "g1,abc"), 2, "id: cannot read 'abc' as Integer()\n"),
        (("scan", f"{cli.module}:Thing", "--filter", "views>>1"), 2, "views: cannot read '>1' as Integer()"),
        (("scan", f"{cli.module}:Thing", "--filter", "nope=1"), 2, "has no column nope"),
        (("scan", f"{cli.module}:Thing"), 1, "TableNotFound"),
        (("--table-name-template", "bad", "scan", f"{cli.module}:User"), 1, "must contain {table_name}"),
        (("import", f"{cli.module}:User", "missing.jsonl"), 1, "missing.jsonl: No such file or directory"),
    ]
    for args, expected_code, text in cases:
        code, _, err = cli.run(*args)
        assert code == expected_code, (args, err)
        assert err.startswith("adyn: error: "), err
        assert err.count("\n") == 1, err
        assert text in err, err
        assert "Traceback" not in err
    code, _, err = cli.run("--debug", "scan", "no_such_module:Thing")
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert err.endswith("adyn: error: cannot import no_such_module: No module named 'no_such_module'\n")


def test_export_import_round_trip(cli: Cli, local_dynamodb: Any, tmp_path: Path) -> None:
    """Export then import into fresh tables keeps every stored value exactly: binaries, sets, decimals, floats."""
    assert cli.run("tables", "create", f"{cli.module}:Thing")[0] == 0
    model = cli.model("Thing")
    things = make_things(model, 40)
    seed(local_dynamodb, f"{cli.prefix}-{{table_name}}", things)

    target = f"{cli.module}:Thing"
    code, _, err = cli.run("export", target, "out.jsonl", "--segments", "3", "--page-size", "7")
    assert code == 0, err
    assert err.startswith("export Thing: ")  # not a terminal: plain progress lines, no carriage returns
    assert "\r" not in err
    assert err.endswith("40 items exported to out.jsonl\n")
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == 40
    first = json.loads(next(line for line in lines if '"id":{"N":"3"}' in line))
    assert Decimal(first["price"]["N"]) == Decimal("3.50")
    assert first["data"] == {"B": __import__("base64").b64encode(things[3].data).decode()}
    assert not (tmp_path / "out.jsonl.token").exists()

    fresh = uuid.uuid4().hex[:10]
    template = f"{fresh}-{{table_name}}"
    cli.templates.append(template)
    assert cli.run("--table-name-template", template, "tables", "create", target)[0] == 0
    code, _, err = cli.run(
        "import", target, "out.jsonl", "--table-name-template", template, "--chunk-size", "15"
    )
    assert code == 0, err
    assert err.endswith("40 written, 0 failed\n")

    copies = sorted(scan_all(local_dynamodb, template, model), key=lambda t: t.id)
    assert copies == things
    # The copies against the originals as stored, not as written: DynamoDB normalizes numbers ("3.50" is stored
    # as "3.5"), moto keeps them as written. Either way no digit may change on the way through the file.
    originals = sorted(scan_all(local_dynamodb, f"{cli.prefix}-{{table_name}}", model), key=lambda t: t.id)
    assert [wire(c) for c in copies] == [wire(o) for o in originals]
    assert copies[3].price.as_tuple() == originals[3].price.as_tuple()
    assert copies[0].price.as_tuple() == originals[0].price.as_tuple()
    assert {a.as_tuple() for a in copies[1].amounts} == {a.as_tuple() for a in originals[1].amounts}


def test_import_reports_failures(cli: Cli, tmp_path: Path) -> None:
    """Lines that cannot be written are counted, listed and kept in FILE.failed.jsonl; the exit code is 1."""
    assert cli.run("tables", "create", f"{cli.module}:User")[0] == 0
    good = '{"id":{"S":"u1"},"name":{"S":"Ann"}}'
    lines = [good, "not json", '{"name":{"S":"no key"}}', '{"id":{"Q":"x"}}', "", '{"id":{"S":"u2"}}']
    (tmp_path / "users.jsonl").write_text("\n".join(lines) + "\n")
    code, _, err = cli.run("import", f"{cli.module}:User", "users.jsonl")
    assert code == 1
    assert "2 written, 3 failed\n" in err
    assert "line 2: JSONDecodeError" in err
    assert "line 4: ValueError: unknown DynamoDB type 'Q'" in err
    assert (tmp_path / "users.failed.jsonl").read_text().splitlines() == lines[1:4]
    code, out, _ = cli.run("get", f"{cli.module}:User", "u1")
    assert (code, json.loads(out)) == (0, {"id": "u1", "name": "Ann"})


def test_export_resumes_without_duplicates(cli: Cli, local_dynamodb: Any, tmp_path: Path) -> None:
    """An interrupted export continues from its token; what was written after the last token is cut first."""
    assert cli.run("tables", "create", f"{cli.module}:Thing")[0] == 0
    things = make_things(cli.model("Thing"), 50)
    seed(local_dynamodb, f"{cli.prefix}-{{table_name}}", things)
    target = f"{cli.module}:Thing"
    options = ["--segments", "2", "--page-size", "5", "--quiet"]

    code, _, err = cli.run("export", target, "out.jsonl", *options, "--stop-after-pages", "3")
    assert (code, err) == (1, "adyn: error: export stopped after 3 pages: continue it with --resume\n")
    path = tmp_path / "out.jsonl"
    partial = path.read_text().splitlines()
    assert 0 < len(partial) < 50
    state = json.loads((tmp_path / "out.jsonl.token").read_text())
    assert state["count"] == len(partial)
    with path.open("a") as f:  # a page written, the process killed before its token was saved
        f.write('{"group":{"S":"torn"},"id":{"N":"999"}}\n{"gro')

    code, _, err = cli.run("export", target, "out.jsonl", "--segments", "3", "--resume", "-q")
    assert (code, err) == (1, "adyn: error: the export was started with --segments 2: use it to resume\n")
    code, _, err = cli.run("export", target, "out.jsonl", *options, "--resume")
    assert code == 0, err
    assert err.endswith("50 items exported to out.jsonl\n")
    lines = path.read_text().splitlines()
    assert lines[: len(partial)] == partial
    keys = [(json.loads(line)["group"]["S"], json.loads(line)["id"]["N"]) for line in lines]
    assert len(keys) == len(set(keys)) == 50
    assert not (tmp_path / "out.jsonl.token").exists()
    code, _, err = cli.run("export", target, "out.jsonl", *options, "--resume")
    assert code == 1
    assert "nothing to resume" in err


def test_console_script_in_subprocess(cli: Cli, local_dynamodb: Any, tmp_path: Path) -> None:
    """`python -m adyn.cli` runs as a program: exit codes and one-line errors on stderr."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), str(tmp_path)]),
    }
    command = [sys.executable, "-m", "adyn.cli"]
    done = subprocess.run(
        [*command, "tables", "create", cli.module],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"created  {cli.prefix}-users (User)" in done.stdout
    done = subprocess.run(
        [*command, "get", f"{cli.module}:User", "nobody"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (1, "adyn: error: no User with key nobody\n")


@pytest.mark.needs("moto")
def test_local_server_runs_until_sigterm(adyn_local_process: tuple[subprocess.Popen[str], int]) -> None:
    """`adyn local` prints its endpoint, serves, and stops cleanly on SIGTERM."""
    process, _ = adyn_local_process
    assert process.stdout is not None
    assert "--endpoint-url http://127.0.0.1:" in process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out.endswith("stopped\n")


def test_progress_on_a_terminal() -> None:
    """On a terminal progress is one line redrawn with a carriage return (a bar when the total is known)."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress("export Thing", quiet=False, stream=stream)
    progress.update(50, 200, items=50, force=True)
    progress.update(100, None, items=100, failed=2, force=True)
    progress.finish()
    text = stream.getvalue()
    assert text.startswith("\r\x1b[K[#######.......................]  25% export Thing: 50 items (")
    assert "\r\x1b[Kexport Thing: 100 items, 2 failed (" in text
    assert text.endswith("/s)\n")
    assert text.count("\n") == 1
    quiet = Terminal()
    Progress("x", quiet=True, stream=quiet).update(1, 2, items=1, force=True)
    assert quiet.getvalue() == ""
