"""
The public surface: what `adyn` and `adyn.types` export, and where the layers may import from.
"""

from __future__ import annotations

import ast
import pathlib

import adyn
import adyn.exceptions
import adyn.types

SRC = pathlib.Path(adyn.__file__).parent


def test_all_complete() -> None:
    """adyn.__all__ has no duplicates, and every name in it exists (ruff's RUF022 keeps it sorted)."""
    assert len(set(adyn.__all__)) == len(adyn.__all__)
    for name in adyn.__all__:
        assert hasattr(adyn, name), name


def test_types_all_complete() -> None:
    """adyn.types.__all__ lists every public Type subclass defined there, once."""
    assert len(set(adyn.types.__all__)) == len(adyn.types.__all__)
    defined = {
        name
        for name, value in vars(adyn.types).items()
        if isinstance(value, type) and issubclass(value, adyn.types.Type) and not name.startswith("_")
    }
    assert defined == set(adyn.types.__all__)


def test_exceptions_exported() -> None:
    """Every exception class in adyn.exceptions is exported from adyn and derives from AdynError."""
    classes = {
        name
        for name, value in vars(adyn.exceptions).items()
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    assert classes == set(adyn.exceptions.__all__)
    for name in classes:
        assert getattr(adyn, name) is getattr(adyn.exceptions, name)
        assert issubclass(getattr(adyn, name), adyn.AdynError)


def test_reexports_read_as_adyn() -> None:
    """Re-exported classes report their module as `adyn`, so reprs and tracebacks read adyn.Model."""
    assert adyn.Model.__module__ == "adyn"
    assert adyn.Column.__module__ == "adyn"


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_only_transport_touches_aws_sdk() -> None:
    """
    No module but _transport (with _sigv4 and _direct, the signer and request path it plugs into botocore) imports
    aiobotocore or botocore.
    """
    for path in SRC.rglob("*.py"):
        if path.name in ("_transport.py", "_sigv4.py", "_direct.py"):
            continue
        assert not _imports(path) & {"aiobotocore", "botocore", "boto3"}, path.name


def test_pure_layers_do_no_io() -> None:
    """types, _expressions, _columns, _indexes and _models import no I/O or async machinery."""
    forbidden = {"asyncio", "aiohttp", "aiobotocore", "botocore", "socket", "subprocess"}
    for name in ("types.py", "_expressions.py", "_columns.py", "_indexes.py", "_models.py", "_wire.py"):
        assert not _imports(SRC / name) & forbidden, name
