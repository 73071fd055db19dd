"""What the benchmarks share: the machine they ran on (one line under every table: bench/README.md
"report absolute times only with the machine") and a command run as a process of its own,
timed (wall, CPU, peak resident set), and the median of runs repeated alternately. Imported
by bench/load.py and bench/pages.py, which run as scripts (bench/ is first on their
``sys.path``).
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    """One process: wall seconds, CPU seconds, peak RSS in MB, exit 0, the last line it wrote."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    ok: bool
    tail: str


def run(args: list[str], log: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command in the project folder with the default settings (no ``OUTCOMES_*``
    variable but those of ``env``), its output to ``log``; its times and peak RSS
    (``os.wait4``)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OUTCOMES_")}
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=base | (env or {}), stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    lines = log.read_text(errors="replace").strip().splitlines()
    return Run(
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,  # KiB on Linux
        os.waitstatus_to_exitcode(status) == 0,
        lines[-1] if lines else "",
    )


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


def machine() -> str:
    """'AMD EPYC 7B13, 2 cores, 8 GB RAM; Python 3.11.7, duckdb 2.0.1; load average at start
    1.9'."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu_name()}, {os.cpu_count()} cores, {memory_gb():.0f} GB RAM; Python "
        f"{platform.python_version()}, duckdb {duckdb.__version__}; load average at start "
        f"{load:.1f}"
    )


REPEAT = 3  # each timed comparison: the two commands run alternately this many times


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time (of an odd number of runs; the later middle one of an even
    number), with the largest peak of them all: what a table reports when the machine is
    shared and one run can be a second off either way."""
    middle = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
    peak = max(r.peak_mb for r in runs)
    return Run(middle.seconds, middle.cpu_seconds, peak, all(r.ok for r in runs), middle.tail)


def spread(runs: list[Run]) -> str:
    """'median of 3: 7.9-8.4 s' (the range of the wall times)."""
    walls = sorted(r.seconds for r in runs)
    return f"median of {len(runs)}: {walls[0]:.1f}-{walls[-1]:.1f} s"
