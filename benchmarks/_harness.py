"""
The shared benchmark harness: timing loops, the machine and versions header, and Markdown tables.

Timing: each benchmark is one callable taking one argument. It is first warmed up and calibrated to a loop count
whose run lasts about ``Settings.run_ms``; then ``Settings.repeat`` runs are timed with
``time.perf_counter_ns`` around a plain ``for`` loop, with the garbage collector disabled during each run and
re-enabled after it. The runs of all the benchmarks of a case are interleaved (run 1 of every benchmark, then
run 2 of every benchmark...), so a slow phase of a noisy machine hits them all alike. A benchmark's result is the
median over its runs of the time per call; its spread is the interquartile range over the median.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.metadata
import itertools
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BASE_PACKAGES",
    "NOISY_IQR_PCT",
    "Bench",
    "Settings",
    "Timing",
    "command_line",
    "loop_overhead_us",
    "machine_header",
    "markdown_table",
    "measure",
    "noise_warning",
    "progress",
]

#: A benchmark whose runs spread more than this (interquartile range, % of the median) was timed on a busy machine.
NOISY_IQR_PCT = 10.0

#: Packages whose versions every report shows; a case may name more.
BASE_PACKAGES = ("adyn", "boto3", "pynamodb", "pendulum", "attrs")

_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """
    How long to measure: `repeat` timed runs per benchmark, each of about `run_ms` milliseconds.
    """

    repeat: int = 15
    run_ms: float = 40.0


@dataclass(frozen=True)
class Bench:
    """
    One thing to time: ``fn(arg)``, called in a loop. `label` names it in tables and progress output.
    """

    label: str
    fn: Callable[[Any], object]
    arg: Any


@dataclass
class Timing:
    """
    The timed runs of one benchmark: `loops` calls per run, and the nanoseconds per call of each run.
    """

    label: str
    loops: int
    ns_per_call: list[float] = field(default_factory=list)

    @property
    def median_us(self) -> float:
        return statistics.median(self.ns_per_call) / 1000

    @property
    def min_us(self) -> float:
        return min(self.ns_per_call) / 1000

    @property
    def iqr_pct(self) -> float:
        """
        The interquartile range of the runs as a percentage of their median (0 with fewer than 2 runs).
        """
        if len(self.ns_per_call) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.ns_per_call, n=4, method="inclusive")
        return 100 * (q3 - q1) / statistics.median(self.ns_per_call)


def noise_warning(timings: Iterable[Timing]) -> str:
    """
    A Markdown warning naming the benchmarks whose runs spread more than `NOISY_IQR_PCT`, or "" if none did.
    """
    noisy = [t for t in timings if t.iqr_pct > NOISY_IQR_PCT]
    if not noisy:
        return ""
    names = ", ".join(f"{t.label} ({t.iqr_pct:.0f}%)" for t in noisy)
    return (
        f"**Warning: noisy measurement.** Runs spread more than {NOISY_IQR_PCT:g}% of the median "
        f"(interquartile range) for: {names}. The machine was busy; compare with care or rerun."
    )


# -- timing ---------------------------------------------------------------------------------------------------------


def _time_run(fn: Callable[[Any], object], arg: Any, loops: int) -> int:
    """
    Nanoseconds taken by `loops` calls of ``fn(arg)``, with the garbage collector off while they run.
    """
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        iterations = itertools.repeat(None, loops)
        start = time.perf_counter_ns()
        for _ in iterations:
            fn(arg)
        return time.perf_counter_ns() - start
    finally:
        if gc_was_enabled:
            gc.enable()


def _calibrate(bench: Bench, run_ns: float) -> int:
    """
    The loop count making one run of `bench` last about `run_ns` (at least 1). Runs it repeatedly, so warms it up.
    """
    fn, arg = bench.fn, bench.arg
    for _ in range(3):
        fn(
            arg
        )  # the first calls may pay one-off costs (lazy imports, caches) that must not set the loop count
    loops = 1
    while True:
        elapsed = _time_run(fn, arg, loops)
        if elapsed >= run_ns / 5:
            # A second look, so one interruption by the rest of the machine cannot shrink the loop count.
            elapsed = min(elapsed, _time_run(fn, arg, loops))
            return max(1, round(loops * run_ns / elapsed))
        loops *= 10 if elapsed < run_ns / 100 else 2


def measure(benches: Sequence[Bench], settings: Settings, *, name: str = "") -> dict[str, Timing]:
    """
    Time every benchmark (see the module docstring) and return their timings by label. With a `name`, report
    progress on stderr under that name.
    """
    run_ns = settings.run_ms * 1_000_000
    timings: dict[str, Timing] = {}
    if name:
        progress(f"{name}: calibrating {len(benches)} benchmark(s)")
    for bench in benches:
        timings[bench.label] = Timing(bench.label, _calibrate(bench, run_ns))
    if name:
        seconds = len(benches) * settings.repeat * settings.run_ms / 1000
        progress(f"{name}: timing {len(benches)} benchmark(s) x {settings.repeat} runs (~{seconds:.0f} s)")
    for bench_run in range(settings.repeat):
        if name:
            progress(f"{name}: run {bench_run + 1}/{settings.repeat}", transient=True)
        for bench in benches:
            timing = timings[bench.label]
            timing.ns_per_call.append(_time_run(bench.fn, bench.arg, timing.loops) / timing.loops)
    return timings


def loop_overhead_us(settings: Settings) -> float:
    """
    The median cost of one harness iteration calling a no-op one-argument function (included in every timing).
    """
    noop = Bench("no-op", _noop, None)
    timings = measure([noop], Settings(repeat=max(3, settings.repeat // 3), run_ms=settings.run_ms))
    return timings["no-op"].median_us


def _noop(arg: object) -> object:
    return arg


def progress(message: str, *, transient: bool = False) -> None:
    """
    Progress for the person waiting, on stderr (stdout carries only the Markdown report). A `transient` message
    is shown only on a terminal, and the next message overwrites it.
    """
    if not sys.stderr.isatty():
        if not transient:
            print(f"... {message}", file=sys.stderr, flush=True)
        return
    print(f"\r\033[K... {message}", end="" if transient else "\n", file=sys.stderr, flush=True)


# -- header ---------------------------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware", "cpu"):
            return value.strip()
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        pass
    if package == "adyn":
        return _source_version()
    return "not installed"


def _source_version() -> str:
    """
    adyn's version when it is imported from the source tree (``PYTHONPATH=src``) rather than installed.
    """
    version = "unknown"
    try:
        import tomllib  # Python 3.11+

        version = tomllib.loads((_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (ImportError, OSError, KeyError):
        pass
    return f"{version} (source tree, not installed)"


def _adyn_fingerprint() -> str:
    """
    A short hash of the imported adyn package's Python source, identifying the code measured even without a commit.
    """
    try:
        import adyn
    except ImportError:
        return "adyn not importable"
    package = Path(adyn.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return f"{digest.hexdigest()[:12]} (sha256 of {os.path.relpath(package, _ROOT)}/**/*.py)"


def _git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if head.returncode != 0:
            return "no commit"
        dirty = subprocess.run(
            # The report itself is being written (`run.py > benchmarks/RESULTS.md`): it does not make the tree dirty.
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/RESULTS.md"],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def command_line() -> str:
    """
    The command that is running, as one could type it again (with ``PYTHONPATH`` when set).
    """
    python = "python" if Path(sys.executable).name.startswith("python") else sys.executable
    argv = [python, *sys.argv]
    pythonpath = os.environ.get("PYTHONPATH")
    prefix = f"PYTHONPATH={shlex.quote(pythonpath)} " if pythonpath else ""
    return prefix + shlex.join(argv)


def machine_header(packages: Iterable[str], settings: Settings) -> str:
    """
    A Markdown list describing the machine, the interpreter, the package versions and the timing settings.
    """
    cpu = _cpu_model()
    cores = os.cpu_count() or "?"
    python = f"{platform.python_implementation()} {platform.python_version()} ({platform.python_compiler()})"
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    lines = [
        f"- Command: `{command_line()}`",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- Platform: {platform.platform()}",
        f"- CPU: {cpu}, {cores} logical cores (load average at start: {load})",
        f"- Python: {python}",
        "- Versions: " + ", ".join(f"{p} {_version(p)}" for p in dict.fromkeys(packages)),
        f"- adyn revision: {_git_revision()}; source fingerprint {_adyn_fingerprint()}",
        f"- Timing: {settings.repeat} runs of ~{settings.run_ms:g} ms per benchmark, interleaved; "
        "median per call reported; gc disabled while timing",
    ]
    return "\n".join(lines)


# -- Markdown -------------------------------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """
    A Markdown table. `align` has one letter per column, ``l`` or ``r`` (default: first left, the rest right).
    """
    align = align or "l" + "r" * (len(headers) - 1)
    table = [list(headers), *(list(r) for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(cells, widths, align, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    def rule(width: int, a: str) -> str:
        return "-" * (width + 1) + ":" if a == "r" else ":" + "-" * (width + 1)

    rules = [rule(w, a) for w, a in zip(widths, align, strict=True)]
    return "\n".join([line(table[0]), "|" + "|".join(rules) + "|", *(line(r) for r in table[1:])])
