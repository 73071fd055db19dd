"""Benchmark: generate N synthetic courses, time the load, then time responder rates from
DuckDB against the plain-pandas reference (ozone_testkit.reference_outcomes) on the same data, in
one run, and check that both give the same numbers. Not a test: it asserts no time limit.

    .venv/bin/python bench/bench_rates.py --courses 100000 [--repeat 5]

Prints the machine (CPU, cores), absolute times and the DuckDB/pandas ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support"), str(ROOT / "bench")]

from machine import machine  # noqa: E402  (bench/machine.py)

from ozone_testkit.reference_outcomes import rates_by  # noqa: E402
from queries.analytics import rates as analytics  # noqa: E402
from queries.analytics.query import Query  # noqa: E402
from queries.data import db  # noqa: E402
from queries.data.loading import load_folder  # noqa: E402
from queries.data.validation import read_extract  # noqa: E402
from sample_data.generator import generate_clinic, write_clinic  # noqa: E402

GROUPINGS = ("severity", "adherence", "rehab", "provider")


@dataclass(frozen=True)
class Timed:
    """The median wall-clock time of ``repeat`` calls, and the last call's result."""

    seconds: float
    result: Any


def timed(fn: Callable[[], Any], repeat: int) -> Timed:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return Timed(seconds=statistics.median(times), result=result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        gen = timed(lambda: generate_clinic(args.courses, args.seed), 1)
        clinic = gen.result
        write_clinic(clinic, tmp / "extract")
        rows = {k: len(v) for k, v in clinic.tables.items()}
        print(f"generate {args.courses:,} courses: {gen.seconds:.2f} s  rows {rows}")
        read = timed(lambda: read_extract(tmp / "extract"), 1)
        print(f"read + check every contract rule: {read.seconds:.2f} s")
        load = timed(lambda: load_folder(tmp / "extract", tmp / "bench.duckdb"), 1)
        print(f"full load (check + build new file + marts + swap): {load.seconds:.2f} s")
        con = db.connect(tmp / "bench.duckdb")
        tables = {k: v.to_pandas() for k, v in read.result.tables.items()}
        for by in GROUPINGS:
            t_sql = timed(lambda by=by: analytics.responder_rates(Query(con), by), args.repeat)
            t_pd = timed(lambda by=by: rates_by(tables, by), args.repeat)
            sql, ref = t_sql.result, t_pd.result
            same = all(
                tuple(int(v) for v in sql.set_index("group").loc[g, list(ref.columns)])
                == tuple(int(v) for v in ref.loc[g])
                for g in ref.index
            )
            print(
                f"rates by {by:<10} duckdb {t_sql.seconds * 1000:8.1f} ms   "
                f"pandas {t_pd.seconds * 1000:8.1f} ms   "
                f"pandas/duckdb {t_pd.seconds / t_sql.seconds:5.1f}x   same numbers: {same}"
            )
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
