"""
Run adyn's benchmarks and print a Markdown report on stdout (progress goes to stderr).

    python benchmarks/run.py              # every case
    python benchmarks/run.py codec        # named cases only
    python benchmarks/run.py --list       # the cases and what they measure

adyn must be importable: ``PYTHONPATH=src`` from the repository root, or ``nox -s bench -- <args>``.
"""

from __future__ import annotations

import argparse
import sys
import time

import cases
from _harness import BASE_PACKAGES, Settings, machine_header, progress


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Run adyn's benchmarks; the report (Markdown) goes to stdout.",
    )
    parser.add_argument(
        "cases", nargs="*", metavar="CASE", help=f"cases to run (default: all): {', '.join(cases.CASES)}"
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument(
        "--repeat",
        type=int,
        default=Settings.repeat,
        help=f"timed runs per benchmark (default {Settings.repeat})",
    )
    parser.add_argument(
        "--run-ms",
        type=float,
        default=Settings.run_ms,
        help=f"approximate length of one timed run in ms (default {Settings.run_ms:g})",
    )
    args = parser.parse_args(argv)

    if args.list:
        for name in cases.CASES:
            print(f"{name}: {cases.load(name).DESCRIPTION}")
        return 0
    unknown = [name for name in args.cases if name not in cases.CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(cases.CASES)}")
    if args.repeat < 1 or args.run_ms <= 0:
        parser.error("--repeat must be at least 1 and --run-ms positive")

    settings = Settings(repeat=args.repeat, run_ms=args.run_ms)
    selected = {name: cases.load(name) for name in dict.fromkeys(args.cases or cases.CASES)}
    packages = [*BASE_PACKAGES, *(p for case in selected.values() for p in case.PACKAGES)]

    print("# adyn benchmarks\n")
    print(machine_header(packages, settings))
    for name, case in selected.items():
        started = time.perf_counter()
        section = case.run(settings)
        print()
        print(section.rstrip())
        progress(f"{name}: done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
