"""Developer and CI sessions for adyn.

``python -m nox`` runs the whole check (lint, type checks, tests).
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2024.4"
nox.options.sessions = ["lint", "typecheck", "tests"]
# Reuse environments between local runs; a fresh clone has none and creates them.
nox.options.reuse_venv = "yes"


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


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against an embedded local DynamoDB server."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


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
