"""Benchmark: ``ozone-outcomes load`` against DuckDB's plain ``read_csv`` of the same files.

For each N: generate a clinic of N courses (``ozone-outcomes generate --courses N``) into a
temporary folder, then, each in a process of its own with the default settings (no
``OUTCOMES_*`` variables): DuckDB reading the four CSVs into tables with no checks, and
``ozone-outcomes load`` (read and check every contract rule, build the new file, compute the
marts, swap it in), the two alternately three times (machine.REPEAT), each into a new file.
Times are wall clock, the median of the three (with their range); peak memory is the largest
maximum resident set of the three (``os.wait4``). Issue 10's goal: at 1M courses the load
within 3x of the plain read and under 3 GB. Not a test: it asserts nothing.

    .venv/bin/python bench/load.py --courses 10000 100000 1000000 [--out FILE]
    .venv/bin/python bench/load.py --extract N=FOLDER ...   # reuse generated clinics

``--extract 1000000=/tmp/x/extract`` measures the clinic already generated in that folder (by
``ozone-outcomes generate --courses 1000000``) instead of generating it again.

Prints a markdown table with the machine it ran on (and writes it to ``--out``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from machine import REPEAT, machine, median_run, run, spread  # bench/machine.py (first on sys.path)

FILES = ("courses", "sessions", "assessments", "adverse_events")

# DuckDB with no checks: each file straight into a table (the same threads and memory limit
# as the loader's defaults, queries/core/settings.py).
PLAIN_READ = """
import sys, duckdb
folder, path = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, config={"threads": 2, "memory_limit": "2GB"})
for name in ("courses", "sessions", "assessments", "adverse_events"):
    con.execute(f"create table {name} as select * from read_csv('{folder}/{name}.csv')")
con.execute("checkpoint")
con.close()
"""

# ``ozone-outcomes load`` itself (queries.cli.main), with the time of every step it announces
# and of every SQL script it runs written to its log: where the time goes (--profile).
PROFILED_LOAD = """
import sys, time
from queries.data import db, progress
from queries.cli import main
started = time.perf_counter()
run_script, announce = db.execute_script, progress.StepProgress.__call__
def timed_script(con, name, **params):
    begun = time.perf_counter()
    run_script(con, name, **params)
    print(f"[profile] {name}: {time.perf_counter() - begun:.1f} s", file=sys.stderr, flush=True)
def timed_step(self, message):
    print(f"[profile] at {time.perf_counter() - started:.1f} s: {message}", file=sys.stderr)
    announce(self, message)
db.execute_script, progress.StepProgress.__call__ = timed_script, timed_step
raise SystemExit(main(sys.argv[1:]))
"""


def measure(
    n: int,
    work: Path,
    extract: Path | None = None,
    profile: bool = False,
    steps: list[str] | None = None,
) -> list[str]:
    """One row of the table for a clinic of ``n`` courses (generated, unless ``extract`` is a
    folder that holds it already); with ``profile``, the load's steps are printed (and added
    to ``steps`` when given)."""
    cli = [sys.executable, "-m", "queries.cli"]
    if extract is None:
        extract = work / "extract"
        generated = run([*cli, "generate", "--courses", str(n), "--out", str(extract)], work / "g")
        if not generated.ok:
            raise SystemExit(f"generate failed: {generated.tail}")
    mb = sum((extract / f"{name}.csv").stat().st_size for name in FILES) / 1e6
    command = [sys.executable, "-c", PROFILED_LOAD] if profile else cli
    plains, loads = [], []
    for _ in range(REPEAT):  # alternately, each into a new file: the machine's drift shared
        for made in work.glob("*.duckdb*"):
            made.unlink()
        plains.append(
            run(
                [sys.executable, "-c", PLAIN_READ, str(extract), str(work / "plain.duckdb")],
                work / "p",
            )
        )
        loads.append(
            run([*command, "load", str(extract), "--db", str(work / "o.duckdb")], work / "l")
        )
    plain, load = median_run(plains), median_run(loads)
    if profile:  # the last load's steps
        lines = [line for line in (work / "l").read_text().splitlines() if "[profile]" in line]
        print("\n".join(lines), file=sys.stderr, flush=True)
        if steps is not None:
            steps += lines
    ratio = f"{load.seconds / plain.seconds:.2f}x" if load.ok else "failed"
    return [
        f"{n:,}",
        f"{mb:,.0f} MB",
        f"{plain.seconds:.1f} s ({spread(plains)}; {plain.cpu_seconds:.0f} s CPU), "
        f"{plain.peak_mb / 1024:.2f} GB",
        f"{load.seconds:.1f} s ({spread(loads)}; {load.cpu_seconds:.0f} s CPU), "
        f"{load.peak_mb / 1024:.2f} GB" + ("" if load.ok else f": {load.tail[:80]}"),
        ratio,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--extract",
        nargs="+",
        default=[],
        metavar="N=FOLDER",
        help="measure the clinic of N courses already generated in FOLDER",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the time of each step of the load and of each SQL script it runs",
    )
    args = parser.parse_args()
    given = {int(n): Path(folder) for n, folder in (item.split("=", 1) for item in args.extract)}
    header = [
        "courses",
        "CSV",
        "DuckDB read_csv (wall, CPU, peak)",
        "ozone-outcomes load (wall, CPU, peak)",
        "load / read",
    ]
    rows, ran_on = [], machine()
    sizes = list(given) if given and args.courses == parser.get_default("courses") else args.courses
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="ozone-bench-load-") as tmp:
            rows.append(measure(n, Path(tmp), given.get(n), args.profile))
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    table = "\n".join(
        [
            f"Machine: {ran_on}.",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows),
        ]
    )
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
