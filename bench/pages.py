"""Benchmark: every page of the app, cold and warm, by clinic size; ``rates`` against pandas.

For each clinic (``--courses N``: ``ozone-outcomes generate --courses N`` then ``load`` into a
temporary folder; or ``--db FILE`` already loaded, ``--extract DIR`` its CSVs) and each of the
director's pages (dashboard/menu.py), a process of its own runs the page in AppTest, signed
in as the director through a users file, default settings (no ``OUTCOMES_*`` variable but
the database, the users file and the audit log). **Cold**: the page's first run in that
process, opened directly, caches empty; the app's modules are imported before the clock
starts (reported apart), so cold is a page view with nothing cached, not Python's start-up.
**Warm**: the same page run again in the same AppTest. **Peak**: the process's maximum
resident set (AppTest runs the app in it). Then ``ozone-outcomes rates --by severity`` as a
process against plain pandas computing the same table from the four CSVs (methods.md
section 1 as ``ozone_testkit.reference_outcomes`` implements it), the two alternately three
times, the median of each. ``--profile K`` profiles a
cold run of the K slowest pages of the largest clinic (cProfile; seconds per named SQL query
through ``queries.data.db.run``). Issue 10's goal: at 1M courses each page within 3x (cold)
and 2x (warm) of its time at 6,000. Not a test: it asserts nothing.

    .venv/bin/python bench/pages.py --courses 6000 100000 1000000 [--profile 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support"), str(ROOT / "bench")]

from machine import REPEAT, machine, median_run, run, spread  # noqa: E402  (bench/machine.py)

# The director's pages and their titles, from dashboard/menu.py in a process of its own.
MENU = "import json; from dashboard import menu; print(json.dumps([menu.ROLE_PAGES, menu.PAGES]))"
ROLES, PAGES = json.loads(subprocess.check_output([sys.executable, "-c", MENU], cwd=ROOT))

APP = ROOT / "dashboard" / "app.py"
EMAIL = "director@clinic.example"
TIMEOUT_S = 1800  # AppTest's default is 3 s
FILES = ("courses", "sessions", "assessments", "adverse_events")
CLI = [sys.executable, "-m", "queries.cli"]
COUNTS = ["n_courses", "n_eligible", "n_followup", "n_responders", "n_not_yet_due"]


# -- the page worker: one process, one page ------------------------------------------------


def preimport() -> float:
    """Import every module of the app (not the page scripts, which run when imported): the
    seconds it took."""
    import importlib
    import pkgutil

    started = time.perf_counter()
    for package in ("queries", "dashboard"):
        for info in pkgutil.walk_packages([str(ROOT / package)], f"{package}."):
            if info.name not in ("dashboard.app",) and ".views" not in info.name:
                importlib.import_module(info.name)
    importlib.import_module("streamlit.testing.v1")
    return time.perf_counter() - started


def sql_timer(times: dict[str, list[float]]) -> None:
    """Wrap ``queries.data.db.run`` (every named query of the app goes through it) to record
    each query's seconds by name."""
    from queries.data import db

    inner = db.run

    def timed(con, name, **params):
        started = time.perf_counter()
        try:
            return inner(con, name, **params)
        finally:
            times.setdefault(name, []).append(time.perf_counter() - started)

    db.run = timed


def in_script_thread(profiler) -> None:
    """Profile the script's runs: AppTest runs the script in a thread of its own, and a
    profiler sees only the thread that enabled it."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    inner = ScriptRunner._run_script

    def profiled(self, rerun_data):
        profiler.enable()
        try:
            return inner(self, rerun_data)
        finally:
            profiler.disable()

    ScriptRunner._run_script = profiled


def worker(page: str, out: Path, profile: bool) -> None:
    """Open ``page`` cold, then run it again warm; write the times (and a profile) to ``out``."""
    import cProfile
    import pstats

    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    result: dict = {"imports": preimport()}
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": EMAIL}
    # st.Page hashes its url_path (dashboard/app.py: the key with "-"): the first run opens
    # this page directly, so no other page fills a cache before it.
    at._page_hash = calc_hash(page.replace("_", "-"))
    sql: dict[str, list[float]] = {}
    profiler = cProfile.Profile() if profile else None
    if profiler:
        sql_timer(sql)
        in_script_thread(profiler)
    started = time.perf_counter()
    at.run()
    result["cold"] = time.perf_counter() - started
    result["title"] = [t.value for t in at.title]
    result["errors"] = [e.message for e in at.exception]
    if profiler:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(12)  # where the time is spent
        stats.sort_stats("cumulative").print_stats(f"{ROOT}/(dashboard|queries)/", 14)  # by whom
        site = str(Path(pstats.__file__).parent)
        result["profile"] = "\n".join(
            line.replace(f"{ROOT}/", "").replace(f"{sys.prefix}/", "").replace(f"{site}/", "")
            for line in text.getvalue().splitlines()
            if line.strip() and not line.lstrip().startswith(("List reduced", "Ordered by"))
        )
        result["sql"] = sorted(
            ((name, sum(t), len(t)) for name, t in sql.items()), key=lambda x: -x[1]
        )
        out.write_text(json.dumps(result))
        return
    started = time.perf_counter()
    at.run()
    result["warm"] = time.perf_counter() - started
    result["errors"] += [e.message for e in at.exception]
    out.write_text(json.dumps(result))


def pandas_rates(folder: Path, out: Path) -> None:
    """``rates --by severity`` in plain pandas from the four CSVs (methods.md sections 1, 3)."""
    import numpy as np
    import pandas as pd

    from ozone_testkit.reference_outcomes import course_outcomes, severity_class

    tables = {
        name: pd.read_csv(folder / f"{name}.csv", dtype={"severity_grade": str}) for name in FILES
    }
    courses = tables["courses"]
    per_course = course_outcomes(courses, tables["assessments"])
    per_course["group"] = severity_class(courses).to_numpy()
    t = per_course.groupby("group").agg(
        n_courses=("course_id", "size"),
        n_eligible=("eligible", "sum"),
        n_followup=("has_followup", "sum"),
        n_responders=("responder", "sum"),
        n_not_yet_due=("not_yet_due", "sum"),
    )
    n, k, z = t["n_followup"], t["n_responders"], 1.959964
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)  # Wilson score interval
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    t["responder_rate"], t["ci_lower_95"], t["ci_upper_95"] = p, centre - half, centre + half
    t["itt_rate"] = k / t["n_eligible"]
    t.reset_index().to_csv(out, index=False)


# -- the parent: clinics, pages, rates ------------------------------------------------------


@dataclass
class Clinic:
    label: str
    db: Path
    extract: Path | None
    courses: int = 0
    prepare: str = ""
    pages: dict[str, dict] = field(default_factory=dict)
    rates: list[str] = field(default_factory=list)


def prepare(n: int, work: Path) -> Clinic:
    """Generate and load a clinic of ``n`` courses in ``work``."""
    extract, db = work / "extract", work / "clinic.duckdb"
    gen = run([*CLI, "generate", "--courses", str(n), "--out", str(extract)], work / "gen.log")
    if not gen.ok:
        raise SystemExit(f"generate failed: {gen.tail}")
    load = run([*CLI, "load", str(extract), "--db", str(db)], work / "load.log")
    if not load.ok:
        raise SystemExit(f"load failed: {load.tail}")
    note = f"generate {gen.seconds:.0f} s, load {load.seconds:.0f} s ({load.peak_mb / 1024:.2f} GB)"
    return Clinic(f"{n:,}", db, extract, prepare=note)


def count_courses(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute("select count(*) from courses").fetchone()[0])


def app_env(clinic: Clinic, work: Path) -> dict[str, str]:
    from queries.access import users

    users_file = work / "users.toml"
    if not users_file.exists():
        users.add_user(users_file, EMAIL, "director")
    return {
        "OUTCOMES_DB": str(clinic.db),
        "OUTCOMES_USERS": str(users_file),
        "OUTCOMES_AUDIT_LOG": str(work / "audit.csv"),  # never beside a reused database
    }


def time_page(clinic: Clinic, page: str, work: Path, profile: bool = False) -> dict:
    out = work / f"{page}{'.profile' if profile else ''}.json"
    args = [sys.executable, __file__, "--worker", page, str(out)] + (["--profiled"] * profile)
    proc = run(args, work / f"{page}.log", app_env(clinic, work))
    if not proc.ok:
        return {"failed": proc.tail[:120], "peak_mb": proc.peak_mb}
    return json.loads(out.read_text()) | {"peak_mb": proc.peak_mb}


def time_rates(clinic: Clinic, work: Path) -> list[str]:
    """``rates --by severity`` as a process against plain pandas as a process, the two
    alternately three times (machine.REPEAT): the median of each, with their range."""
    cli_out, pd_out = work / "rates.csv", work / "pandas_rates.csv"
    command = [*CLI, "rates", "--by", "severity", "--db", str(clinic.db)]
    if clinic.extract is None:
        cli = run(command, cli_out)
        return [f"{cli.seconds:.1f} s, {cli.peak_mb / 1024:.2f} GB", "no extract", "", ""]
    clis, plains = [], []
    for _ in range(REPEAT):
        clis.append(run(command, cli_out))
        plains.append(
            run(
                [sys.executable, __file__, "--pandas-rates", str(clinic.extract), str(pd_out)],
                work / "pandas.log",
            )
        )
    cli, plain = median_run(clis), median_run(plains)
    same = "failed"
    if cli.ok and plain.ok:
        import pandas as pd

        a = pd.read_csv(cli_out).set_index("group")[COUNTS]
        b = pd.read_csv(pd_out).set_index("group").reindex(a.index)[COUNTS]
        try:
            shown, cli_counts = a.notna(), a.astype(float)
            agree = ((cli_counts - b.astype(float)).abs() < 1e-9) | ~shown
            hidden = int((~shown).to_numpy().sum())  # cells the gate left empty
            same = "yes" if agree.to_numpy().all() else "no"
            same += f" ({hidden} cells hidden by the gate)" if hidden else ""
        except ValueError:  # a count the gate wrote as text ("fewer than 11")
            same = "hidden cells"
    return [
        f"{cli.seconds:.2f} s ({spread(clis)}), {cli.peak_mb / 1024:.2f} GB",
        f"{plain.seconds:.1f} s ({spread(plains)}), {plain.peak_mb / 1024:.2f} GB",
        f"{plain.seconds / cli.seconds:.1f}x",
        same,
    ]


def fmt(page: dict, key: str, base: dict | None) -> str:
    """``2.31 s (4.2x)``: the time and its ratio to the smallest clinic's."""
    value = page.get(key)
    if value is None:
        return f"failed: {page['failed']}"
    text = f"{value:.2f} s"
    if base is not None and base.get(key):
        text += f" ({value / base[key]:.1f}x)"
    return text + (" (error on page)" if page.get("errors") else "")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def report(clinics: list[Clinic], pages: list[str], ran_on: str, profiles: list[str]) -> str:
    first = clinics[0]
    lines = [f"Machine: {ran_on}.", ""]
    lines += [f"- {c.label} courses: {c.prepare or f'database {c.db}'}" for c in clinics] + [""]
    header = ["page"] + [f"{c.label}: cold (ratio), warm (ratio)" for c in clinics]
    rows = []
    for page in pages:
        row = [PAGES[page][0]]
        for c in clinics:
            base = None if c is first else first.pages[page]
            row.append(f"{fmt(c.pages[page], 'cold', base)}; {fmt(c.pages[page], 'warm', base)}")
        rows.append(row)
    peaks = ["peak RSS (largest of the page processes)"] + [
        f"{max(p['peak_mb'] for p in c.pages.values()) / 1024:.2f} GB" for c in clinics
    ]
    imports = ["imports before the clock (median)"] + [
        f"{sorted(p.get('imports', 0) for p in c.pages.values())[len(c.pages) // 2]:.1f} s"
        for c in clinics
    ]
    lines += [*table(header, [*rows, peaks, imports]), ""]
    lines += table(
        ["courses", "rates --by severity (wall, peak)", "plain pandas (wall, peak)",
         "pandas / rates", "same counts"],
        [[c.label, *c.rates] for c in clinics],
    )  # fmt: skip
    return "\n".join(lines + profiles)


def profile_text(clinic: Clinic, page: str, result: dict) -> list[str]:
    sql = "; ".join(f"{name} {s:.2f} s ({n}x)" for name, s, n in result.get("sql", [])[:8])
    return [
        "",
        f"Profile of {PAGES[page][0]} at {clinic.label} courses, one cold run: "
        f"{result.get('cold', float('nan')):.2f} s (under cProfile).",
        "",
        f"SQL by query file (queries.data.db.run): {sql or 'none'}.",
        "",
        "```",
        *[line for line in result.get("profile", "").splitlines() if line.strip()],
        "```",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, nargs="*", default=None)
    parser.add_argument("--db", type=Path, nargs="*", default=[], help="databases to reuse")
    parser.add_argument("--extract", type=Path, nargs="*", default=[], help="their CSVs")
    parser.add_argument("--pages", nargs="*", help="only these pages (keys of menu.PAGES)")
    parser.add_argument("--profile", type=int, default=0, help="profile the K slowest pages")
    parser.add_argument("--out", type=Path, help="also write the tables to this file")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--profiled", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pandas-rates", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.profiled)
        return 0
    if args.pandas_rates:
        pandas_rates(*args.pandas_rates)
        return 0
    sizes = args.courses or ([] if args.db else [6000, 100_000, 1_000_000])
    pages = args.pages or list(ROLES["director"])
    unknown = [p for p in pages if p not in ROLES["director"]]
    if unknown:  # a title such as "Providers" would time the Overview under its name
        parser.error(f"unknown page {unknown[0]!r}; the keys are {', '.join(ROLES['director'])}")
    ran_on, clinics, profiles = machine(), [], []
    with tempfile.TemporaryDirectory(prefix="ozone-bench-pages-") as tmp:
        specs = [("n", n) for n in sizes] + [("db", i) for i in range(len(args.db))]
        for kind, value in specs:
            work = Path(tmp) / f"{kind}{value}"
            work.mkdir()
            if kind == "n":
                clinic = prepare(value, work)
            else:
                extract = args.extract[value] if value < len(args.extract) else None
                clinic = Clinic("", args.db[value], extract)
            clinic.courses = count_courses(clinic.db)
            clinic.label = clinic.label or f"{clinic.courses:,}"
            print(f"{clinic.label} courses: {clinic.prepare}", file=sys.stderr, flush=True)
            for page in pages:
                clinic.pages[page] = time_page(clinic, page, work)
                print(f"  {page}: {clinic.pages[page]}", file=sys.stderr, flush=True)
            clinic.rates = time_rates(clinic, work)
            print(f"  rates: {clinic.rates}", file=sys.stderr, flush=True)
            clinics.append(clinic)
        largest = clinics[-1]
        worst = sorted(pages, key=lambda p: -(largest.pages[p].get("cold") or 0))
        for page in worst[: args.profile]:
            (Path(tmp) / "profile").mkdir(exist_ok=True)
            result = time_page(largest, page, Path(tmp) / "profile", True)
            profiles += profile_text(largest, page, result)
        text = report(clinics, pages, ran_on, profiles)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
