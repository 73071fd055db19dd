"""The one benchmark command (issue 10, item 4): clinics of 6,000, 10,000, 100,000 and
1,000,000 courses built once each, then the load against DuckDB's plain ``read_csv``
(``load.py``), every page cold and warm in AppTest and ``rates`` against plain pandas
(``pages.py``), on the machine it names; the result is written into docs/performance.md
between its markers, with each goal of issue 10 met or not and, where one is missed, the
profile that says why. Not a test: it asserts nothing (speed belongs here, not in tests).

    .venv/bin/python bench/all.py                       # 6000 10000 100000 1000000
    .venv/bin/python bench/all.py --courses 2000 20000 --doc /tmp/perf.md

The first size is the pages' baseline (issue 10: each page at the largest size within 3x of
its cold time and 2x of its warm time at 6,000 courses); the load's goal is read at the
largest size (within 3x of the plain read, under 3 GB of peak memory).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH)]

import load  # noqa: E402  (bench/load.py)
import pages  # noqa: E402  (bench/pages.py)
from machine import machine  # noqa: E402  (bench/machine.py)

START = "<!-- bench/all.py: start (generated; edit bench/all.py, not this block) -->"
END = "<!-- bench/all.py: end -->"
LOAD_RATIO, LOAD_PEAK_GB, COLD_RATIO, WARM_RATIO, APP_GB, RATES_X = 3.0, 3.0, 3.0, 2.0, 2.0, 10.0


def ratio(text: str) -> float:
    """The number before "x" in a cell such as ``4.3x`` (NaN when the step failed)."""
    try:
        return float(text.rstrip("x"))
    except ValueError:
        return float("nan")


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def load_section(rows: list[list[str]], steps: list[str]) -> list[str]:
    header = ["courses", "CSV", "DuckDB read_csv (wall, CPU, peak)",
              "ozone-outcomes load (wall, CPU, peak)", "load / read"]  # fmt: skip
    largest = rows[-1]
    peak_gb = float(largest[3].rsplit(", ", 1)[-1].split(" GB")[0])
    fast = ratio(largest[4]) <= LOAD_RATIO
    lines = ["### Loading", "", *pages.table(header, rows), ""]
    lines += [
        f"At {largest[0]} courses: within {LOAD_RATIO:.0f}x of the plain read: "
        f"{verdict(fast)} ({largest[4]}); peak under {LOAD_PEAK_GB:.0f} GB: "
        f"{verdict(peak_gb < LOAD_PEAK_GB)} ({peak_gb:.2f} GB).",
    ]
    if not fast:
        lines += ["", f"Where the load's time goes at {largest[0]} courses (`--profile`):", ""]
        kept = [s.replace("[profile] ", "") for s in steps if not s.endswith(": 0.0 s")]
        lines += ["```", *kept, "```"]  # the steps that took a tenth of a second or more
    return lines


def pages_verdicts(clinics: list[pages.Clinic], names: list[str]) -> tuple[list[str], list[str]]:
    """The goal lines and the pages that miss one at the largest size."""
    first, last = clinics[0], clinics[-1]
    missed = []
    for page in names:
        a, b = first.pages[page], last.pages[page]
        cold = (b.get("cold") or float("inf")) / (a.get("cold") or float("nan"))
        warm = (b.get("warm") or float("inf")) / (a.get("warm") or float("nan"))
        if not (cold <= COLD_RATIO and warm <= WARM_RATIO):
            missed.append(page)
    peak_gb = max(p["peak_mb"] for p in last.pages.values()) / 1024
    rates_x = ratio(last.rates[2]) if len(last.rates) > 2 else float("nan")
    lines = [
        f"At {last.label} against {first.label} courses: every page within {COLD_RATIO:.0f}x "
        f"cold and {WARM_RATIO:.0f}x warm: {verdict(not missed)}"
        + (f" (missed: {', '.join(pages.PAGES[p][0] for p in missed)})" if missed else "")
        + f"; app memory under {APP_GB:.0f} GB: {verdict(peak_gb < APP_GB)} ({peak_gb:.2f} GB);"
        f" `rates` at least {RATES_X:.0f}x plain pandas: {verdict(rates_x >= RATES_X)} "
        f"({rates_x:.1f}x).",
    ]
    return lines, missed


def write_doc(doc: Path, block: str) -> None:
    """Put ``block`` between the markers of ``doc`` (after its title the first time)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    wrapped = f"{START}\n{block}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + wrapped + rest.split(END, 1)[1]
    else:
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{wrapped}\n{rest}"
    doc.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--courses", type=int, nargs="+", default=[6000, 10_000, 100_000, 1_000_000]
    )
    parser.add_argument("--doc", type=Path, default=BENCH.parent / "docs" / "performance.md")
    parser.add_argument("--profile", type=int, default=2, help="profile the K slowest pages")
    args = parser.parse_args()
    ran_on, names = machine(), list(pages.ROLES["director"])
    load_rows: list[list[str]] = []
    steps: list[str] = []
    clinics: list[pages.Clinic] = []
    profiles: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ozone-bench-all-") as tmp:
        for i, n in enumerate(args.courses):
            work = Path(tmp) / f"n{n}"
            (work / "load").mkdir(parents=True)
            clinic = pages.prepare(n, work)
            print(f"{clinic.label} courses: {clinic.prepare}", file=sys.stderr, flush=True)
            largest = i == len(args.courses) - 1
            load_rows.append(load.measure(n, work / "load", clinic.extract, largest, steps))
            print(" | ".join(load_rows[-1]), file=sys.stderr, flush=True)
            clinic.courses = pages.count_courses(clinic.db)
            for page in names:
                clinic.pages[page] = pages.time_page(clinic, page, work)
                print(f"  {page}: {clinic.pages[page]}", file=sys.stderr, flush=True)
            clinic.rates = pages.time_rates(clinic, work)
            clinics.append(clinic)
        goal_lines, missed = pages_verdicts(clinics, names)
        last = clinics[-1]
        slowest = sorted(names, key=lambda p: -(last.pages[p].get("cold") or 0))
        for page in (missed or slowest)[: args.profile]:
            (Path(tmp) / "profile").mkdir(exist_ok=True)
            result = pages.time_page(last, page, Path(tmp) / "profile", True)
            profiles += pages.profile_text(last, page, result)
        block = [
            "## The latest run of `bench/all.py`",
            "",
            f"Command: `.venv/bin/python bench/all.py --courses "
            f"{' '.join(str(n) for n in args.courses)}`.",
            "",
            f"Machine: {ran_on}.",
            "",
            *load_section(load_rows, steps),
            "",
            "### Pages",
            "",
            pages.report(clinics, names, ran_on, []).split("\n", 2)[2],  # its machine line is above
            "",
            *goal_lines,
            *profiles,
        ]
    write_doc(args.doc, "\n".join(block))
    print(f"written into {args.doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
