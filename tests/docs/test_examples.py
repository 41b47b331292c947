"""
Every fenced ``python`` block of README.md and the docs pages runs here, against the session's DynamoDB server,
so no example can rot.

A page runs like one interactive session: its blocks in order, in one namespace, compiled so that top-level
``await``, ``async with`` and ``async for`` work, inside the test's event loop. A block without any top-level
await runs in a worker thread, as a script would (where ``asyncio.run()`` works). A block whose first line starts
with ``>>>`` is a doctest: its output must match (whitespace normalized).

The examples show plain ``Engine(region=...)`` and ``LocalDynamoDB()`` as a user writes them; the test points them
at the session's server from the outside: botocore's ``AWS_ENDPOINT_URL_DYNAMODB`` (and the streams one) and local
credentials in the environment, and ``adyn.local.LocalDynamoDB`` replaced by a stand-in for the session's server.
Tables a page creates are deleted after it, and engines it left open are closed.

An HTML comment right before a block opts it out, visibly in the page's source and with a reason:

- ``<!-- example: skip (reason) -->``: not run (another library's API, say);
- ``<!-- example: excerpt PATH [PATH...] -->``: not run, but every line of it must be in those files of the
  repository (whose own tests run them), in the same order, so the excerpt cannot drift from the tested code; it
  may leave lines out (docstrings, code between two functions) and comment a line differently.

Any other ``<!-- example: ... -->`` comment, or one not followed by a python block, fails the page.
"""

from __future__ import annotations

import ast
import asyncio
import doctest
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, TracebackType
from typing import Any

import pytest
from aiobotocore.session import AioSession

import adyn.local
from adyn import Engine
from adyn.testing import DynamoDBTarget

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^\s*<!--\s*example:\s*(?P<spec>.*?)\s*-->\s*$")
TRAILING_COMMENT = re.compile(r"(?<=\S)  # .*$")
SKIP = re.compile(r"^skip \((?P<reason>.+)\)$")
EXCERPT = re.compile(r"^excerpt (?P<paths>\S+( \S+)*)$")


class ExampleError(Exception):
    """An example failed, or a page's example markup is wrong; the message names the page, block and line."""


@dataclass(frozen=True)
class Block:
    """One fenced python block: its position in the page, its dedented code and its opt-out marker, if any."""

    index: int
    line: int  # of the first code line, 1-based, in the page
    code: str
    marker: str | None

    def where(self, page: Path) -> str:
        return f"{page.relative_to(ROOT)} block {self.index} (line {self.line})"


def extract(page: Path, text: str) -> list[Block]:
    """
    The fenced python blocks of a markdown text in order, including indented ones (in admonitions and tabs), each
    with the marker comment right before it. Raises `ExampleError` for a marker that does not precede a python
    block, and for an unclosed fence.
    """
    lines = text.splitlines()
    blocks: list[Block] = []
    marker: tuple[int, str] | None = None  # (line number, spec) waiting for its block
    i = 0
    while i < len(lines):
        line = lines[i]
        found = MARKER.match(line)
        if found:
            if marker is not None:
                raise ExampleError(
                    f"{page.relative_to(ROOT)} line {marker[0]}: example marker before no block"
                )
            marker = (i + 1, found["spec"])
            i += 1
            continue
        fence = FENCE.match(line)
        if not fence:
            if line.strip() and marker is not None:
                raise ExampleError(
                    f"{page.relative_to(ROOT)} line {marker[0]}: example marker before no block"
                )
            i += 1
            continue
        indent, chars = len(fence["indent"]), fence["fence"]
        language = fence["info"].strip().split(" ")[0].strip("{}.").lower()
        end = i + 1
        while end < len(lines):
            closing = FENCE.match(lines[end])
            if closing and closing["fence"].startswith(chars) and not closing["info"].strip():
                break
            end += 1
        else:
            raise ExampleError(f"{page.relative_to(ROOT)} line {i + 1}: unclosed code fence")
        if language in ("python", "py"):
            body = [ln[indent:] if ln[:indent].strip() == "" else ln for ln in lines[i + 1 : end]]
            code = textwrap.dedent("\n".join(body)) + "\n"
            blocks.append(Block(len(blocks) + 1, i + 2, code, marker[1] if marker else None))
            marker = None
        elif marker is not None:
            raise ExampleError(
                f"{page.relative_to(ROOT)} line {marker[0]}: example marker before a {language} block"
            )
        i = end + 1
    if marker is not None:
        raise ExampleError(f"{page.relative_to(ROOT)} line {marker[0]}: example marker before no block")
    return blocks


def opt_out(page: Path, block: Block) -> str | None:
    """
    None when the block is to run; otherwise why not, after checking an ``excerpt`` against its file. Raises
    `ExampleError` for an unknown marker or an excerpt that is not in its files.
    """
    if block.marker is None:
        return None
    if skip := SKIP.match(block.marker):
        return skip["reason"]
    if excerpt := EXCERPT.match(block.marker):
        paths = excerpt["paths"].split()
        source: list[str] = []
        for path in paths:
            if not (ROOT / path).is_file():
                raise ExampleError(f"{block.where(page)}: excerpt of {path}, which does not exist")
            source += (ROOT / path).read_text(encoding="utf-8").splitlines()
        if missing := not_in_order(block.code.splitlines(), source):
            raise ExampleError(
                f"{block.where(page)}: line {missing!r} is not in {', '.join(paths)} (in this order)"
            )
        return f"an excerpt of {', '.join(paths)}"
    raise ExampleError(
        f"{block.where(page)}: unknown example marker {block.marker!r} "
        "(expected 'skip (reason)' or 'excerpt PATH')"
    )


def not_in_order(excerpt: list[str], source: list[str]) -> str | None:
    """
    The first non-blank line of the excerpt that is not in the source after the previous one's match, or None when
    they all are: an excerpt may leave lines out (docstrings, other functions) and add or change a line's trailing
    comment, but not change or reorder code.
    """
    lines = iter(code_of(line) for line in source)
    for wanted in excerpt:
        if wanted.strip() and not any(line == code_of(wanted) for line in lines):
            return wanted
    return None


def code_of(line: str) -> str:
    """The line without its trailing comment (one after two spaces) and trailing whitespace."""
    return TRAILING_COMMENT.sub("", line).rstrip()


def compile_block(page: Path, block: Block) -> CodeType:
    """The block's code, compiled with the page as its file and its lines numbered as in the page."""
    # Padding puts every line at its line number in the page, so tracebacks show the page's own lines.
    source = "\n" * (block.line - 1) + block.code
    return compile(source, str(page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def run_doctest(page: Path, block: Block, namespace: dict[str, Any]) -> None:
    """Run a ``>>>`` block as a doctest in the namespace, keeping what it assigns; raise if any output differs."""
    test = doctest.DocTestParser().get_doctest(
        block.code, namespace, block.where(page), str(page), block.line - 1
    )
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)
    if runner.failures:
        raise ExampleError(f"{block.where(page)}: doctest failed\n{''.join(report)}")


async def run_page(page: Path, text: str, namespace: dict[str, Any]) -> tuple[int, list[str]]:
    """
    Run a page's python blocks in order in one namespace. Returns how many ran and the opt-outs
    (``where: reason``); raises `ExampleError` (caused by the example's own exception) at the first failure.
    """
    ran, skipped = 0, []
    for block in extract(page, text):
        reason = opt_out(page, block)
        if reason is not None:
            skipped.append(f"{block.where(page)}: {reason}")
            continue
        try:
            if block.code.lstrip().startswith(">>>"):
                run_doctest(page, block, namespace)
            else:
                code = compile_block(page, block)
                if code.co_flags & inspect.CO_COROUTINE:
                    await eval(code, namespace)
                else:
                    await asyncio.to_thread(exec, code, namespace)
        except ExampleError:
            raise
        except Exception as exc:
            raise ExampleError(f"{block.where(page)} raised {type(exc).__name__}: {exc}") from exc
        ran += 1
    return ran, skipped


def session_dynamodb(target: DynamoDBTarget) -> type[Any]:
    """A stand-in for `adyn.local.LocalDynamoDB` that serves the session's DynamoDB instead of starting one."""

    class SessionDynamoDB:
        """The session's DynamoDB behind `LocalDynamoDB`'s interface (start and stop do nothing)."""

        running = True

        def __init__(self, port: int = 0, *, start_timeout: float = 30.0) -> None:
            pass

        @property
        def endpoint_url(self) -> str:
            return target.endpoint_url

        @property
        def region(self) -> str:
            region: str = target.engine_options()["region"]
            return region

        def engine_options(self) -> dict[str, Any]:
            return target.engine_options()

        def start(self) -> None:
            pass

        def stop(self) -> None:
            pass

        def __enter__(self) -> SessionDynamoDB:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        async def __aenter__(self) -> SessionDynamoDB:
            return self

        async def __aexit__(
            self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
        ) -> None:
            pass

    return SessionDynamoDB


async def table_names(target: DynamoDBTarget, region: str) -> set[str]:
    """Every table on the server in that region."""
    async with client(target, region) as dynamodb:
        names: set[str] = set()
        async for page in dynamodb.get_paginator("list_tables").paginate():
            names.update(page["TableNames"])
        return names


async def delete_tables(target: DynamoDBTarget, region: str, names: set[str]) -> None:
    """Delete these tables of that region from the server."""
    async with client(target, region) as dynamodb:
        for name in sorted(names):
            await dynamodb.delete_table(TableName=name)


def client(target: DynamoDBTarget, region: str) -> Any:
    """An aiobotocore DynamoDB client for the server in that region (an async context manager)."""
    options = target.engine_options()
    del options["region"]
    session = AioSession(profile=options.pop("profile", None))
    return session.create_client(
        "dynamodb", region_name=region, endpoint_url=options.pop("endpoint_url"), **options
    )


@pytest.fixture
def example_environment(
    adyn_dynamodb: DynamoDBTarget, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """
    Point a plain ``Engine()`` at the session's server through botocore's environment, with local credentials and
    no AWS config files, and make ``LocalDynamoDB()`` the session's server; work in an empty directory.
    """
    options = adyn_dynamodb.engine_options()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", options["endpoint_url"])
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", options["endpoint_url"])
    monkeypatch.setenv("AWS_REGION", options["region"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", options["region"])
    if "profile" in options:
        monkeypatch.setenv("AWS_PROFILE", options["profile"])
    else:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", options["aws_access_key_id"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", options["aws_secret_access_key"])
        if "aws_session_token" in options:
            monkeypatch.setenv("AWS_SESSION_TOKEN", options["aws_session_token"])
    monkeypatch.setattr(adyn.local, "LocalDynamoDB", session_dynamodb(adyn_dynamodb))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Engine]:
    """Every engine opened from now on (a page may open one, then another under the same name)."""
    engines: list[Engine] = []
    original = Engine.open

    async def open_engine(self: Engine) -> None:
        engines.append(self)
        await original(self)

    monkeypatch.setattr(Engine, "open", open_engine)
    return engines


@pytest.mark.usefixtures("example_environment")
@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
async def test_page(page: Path, adyn_dynamodb: DynamoDBTarget, opened: list[Engine]) -> None:
    """The page's python blocks run in order in one namespace without an error, against the session's server."""
    text = await asyncio.to_thread(page.read_text, encoding="utf-8")
    # Tables live in a region: those of the environment's and of every region the page names.
    regions = {adyn_dynamodb.engine_options()["region"], *re.findall(r"region=\"([a-z0-9-]+)\"", text)}
    before = {region: await table_names(adyn_dynamodb, region) for region in regions}
    namespace: dict[str, Any] = {"__name__": "__example__"}
    try:
        await run_page(page, text, namespace)
    finally:
        # Engines the page left open would warn when collected; tables it made would collide with other pages'.
        for engine in opened:
            if not engine.closed:
                await engine.close()
        for region, existing in before.items():
            await delete_tables(adyn_dynamodb, region, await table_names(adyn_dynamodb, region) - existing)


# -- the runner itself: broken examples and bad markup must fail --

PAGE = ROOT / "docs" / "example.md"


async def test_blocks_share_a_namespace_and_run_in_order() -> None:
    """Indented blocks (in tabs) run; names from one block are seen by the next; top-level await works."""
    text = (
        '=== "tab"\n\n    ```python\n    import asyncio\n    x = 1\n    ```\n\n'
        "```python\nawait asyncio.sleep(0)\ny = x + 1\n```\n\n"
        "```python\n>>> y * 10\n20\n```\n"
    )
    namespace: dict[str, Any] = {}
    assert await run_page(PAGE, text, namespace) == (3, [])
    assert namespace["y"] == 2


async def test_a_failing_block_names_page_block_and_line() -> None:
    """An example raising fails with the page, the block's index and its first line in the page."""
    text = "# Title\n\n```python\nx = 1\n```\n\nText.\n\n```python\nassert x == 2, 'rotten'\n```\n"
    with pytest.raises(
        ExampleError, match=r"docs/example\.md block 2 \(line 10\) raised AssertionError: rotten"
    ):
        await run_page(PAGE, text, {})


async def test_a_wrong_doctest_output_fails() -> None:
    """A doctest block whose output differs fails."""
    with pytest.raises(ExampleError, match="doctest failed"):
        await run_page(PAGE, "```python\n>>> 1 + 1\n3\n```\n", {})


async def test_skip_marker_needs_a_reason_and_unknown_markers_fail() -> None:
    """``skip (reason)`` opts a block out; a skip without a reason, or any other marker, fails."""
    skipped = "<!-- example: skip (another library) -->\n```python\nraise SystemError\n```\n"
    assert await run_page(PAGE, skipped, {}) == (0, ["docs/example.md block 1 (line 3): another library"])
    for spec in ("skip", "skip()", "ignore (because)"):
        with pytest.raises(ExampleError, match="unknown example marker"):
            await run_page(PAGE, f"<!-- example: {spec} -->\n```python\npass\n```\n", {})


async def test_markers_must_precede_a_python_block() -> None:
    """A marker followed by text, another language or nothing fails."""
    for text in (
        "<!-- example: skip (x) -->\nText.\n```python\npass\n```\n",
        "<!-- example: skip (x) -->\n```bash\nls\n```\n",
        "```python\npass\n```\n<!-- example: skip (x) -->\n",
    ):
        with pytest.raises(ExampleError, match="example marker before"):
            await run_page(PAGE, text, {})


async def test_an_excerpt_must_be_in_its_file() -> None:
    """An ``excerpt`` block's lines must be in the files it names, in order."""
    good = (
        "<!-- example: excerpt tests/docs/test_examples.py -->\n```python\n"
        "class ExampleError(Exception):\n\n\n@dataclass(frozen=True)\nclass Block:\n```\n"
    )
    assert (await run_page(PAGE, good, {}))[0] == 0
    rotten = "class " + "Rotten:"  # built, so that this file does not contain it
    bad = f"<!-- example: excerpt tests/docs/test_examples.py -->\n```python\n{rotten}\n```\n"
    with pytest.raises(ExampleError, match=re.escape("is not in tests/docs/test_examples.py")):
        await run_page(PAGE, bad, {})
    reordered = (
        "<!-- example: excerpt tests/docs/test_examples.py -->\n```python\n"
        "class Block:\n\n\nclass ExampleError(Exception):\n```\n"
    )
    with pytest.raises(ExampleError, match="is not in"):
        await run_page(PAGE, reordered, {})
    missing = "<!-- example: excerpt no/such/file.py -->\n```python\npass\n```\n"
    with pytest.raises(ExampleError, match="does not exist"):
        await run_page(PAGE, missing, {})
