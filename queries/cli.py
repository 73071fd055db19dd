"""The ``ozone-outcomes`` command line: generate, deidentify, load, rates, providers, report,
serve, users, audit.

Every command has ``--help``; bad input ends with a clear message and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from queries.access.commands import REFUSED, add_audit_command, add_users_command, iso_day
from queries.analytics.query import Query
from queries.analytics.rates import RATES_COLUMNS, responder_rates
from queries.core.errors import InsufficientData
from queries.core.scope import Scope
from queries.core.settings import Settings
from queries.data import db
from queries.data.bootstrap import DatabaseMissing, resolve_database
from queries.data.contract import INDICATIONS, ROUTES
from queries.data.violations import ContractViolation
from queries.disclosure.gate import (
    DIRECTOR,
    PROVIDER,
    Policy,
    present,
    redact,
    to_csv,
    to_json,
)

EXIT_OK = 0
EXIT_REFUSED = 2
RATES_GROUPINGS = ("severity", "adherence", "rehab", "provider", "indication", "route")
DB_HELP = "database file (default: $OUTCOMES_DB)"


def package_version() -> str:
    """The installed version of Ozone Outcomes (the report names it beside the data)."""
    try:
        return metadata.version("ozone-outcomes")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from sample_data.generator import generate_clinic, write_clinic

    if args.courses < 1:
        print("--courses must be at least 1", file=sys.stderr)
        return EXIT_REFUSED
    _progress(f"generating {args.courses:,} synthetic courses (seed {args.seed})")
    paths = write_clinic(generate_clinic(args.courses, args.seed), args.out, fmt=args.format)
    for path in paths:
        print(path)
    return EXIT_OK


def cmd_deidentify(args: argparse.Namespace) -> int:
    from queries.data.deidentify import DEIDENTIFY_ERRORS, deidentify

    _progress(f"de-identifying the raw export {args.raw_dir}")
    try:
        report = deidentify(
            args.raw_dir,
            args.out_dir,
            args.key_file,
            keep_quarter=args.keep_quarter,
            extract_date=args.extract_date,
        )
    except DEIDENTIFY_ERRORS as exc:
        print(exc, file=sys.stderr)
        return EXIT_REFUSED
    print(report.summary(), end="")
    print(
        f"Wrote {report.out_dir} (report: {report.report_path}); load it with: "
        f"ozone-outcomes load {report.out_dir} --db PATH"
    )
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    settings = Settings.from_env(db_path=args.db)
    if settings.db_path is None:
        print("no database given: use --db PATH or set OUTCOMES_DB", file=sys.stderr)
        return EXIT_REFUSED
    from queries.data.loading import load_folder, load_steps
    from queries.data.progress import StepProgress

    progress = StepProgress(load_steps(settings.db_path.exists()))
    try:
        report = load_folder(args.folder, settings.db_path, settings, progress)
    except ContractViolation as exc:
        progress.close(done=False)
        print(exc.summary(limit=None), file=sys.stderr)
        return EXIT_REFUSED
    progress.close(done=True)
    print(report.summary())
    return EXIT_OK


def cmd_rates(args: argparse.Namespace) -> int:
    opened = _open(args)
    if opened is None:
        return EXIT_REFUSED
    settings, con = opened
    scope = Scope.provider(args.provider) if args.provider else Scope.clinic()
    policy = Policy.for_audience(PROVIDER if args.provider else DIRECTOR, settings)
    try:
        rates = responder_rates(Query(con, scope, settings=settings), args.by)
    finally:
        con.close()
    _emit(present(rates, RATES_COLUMNS, policy), args.format)
    return EXIT_OK


def _open(args: argparse.Namespace) -> tuple[Settings, duckdb.DuckDBPyConnection] | None:
    """The settings (``--min-cell`` and ``--round-to`` over the environment: what the
    disclosure gate hides and rounds, methods.md section 6) and a connection to the database."""
    try:
        settings = Settings.from_env(
            db_path=args.db,
            min_cell_size=getattr(args, "min_cell", None),
            round_to=getattr(args, "round_to", None),
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return None
    if settings.db_path is None:
        print("no database given: use --db PATH or set OUTCOMES_DB", file=sys.stderr)
        return None
    if not settings.db_path.exists():
        print(f"no database at {settings.db_path}; load a folder first", file=sys.stderr)
        return None
    con = db.connect(settings.db_path, threads=settings.threads, memory_limit=settings.memory_limit)
    try:
        db.check_schema(con, settings.db_path)
    except db.SchemaOutdated as exc:
        con.close()
        print(exc, file=sys.stderr)
        return None
    return settings, con


def _emit(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        print(to_json(table))
    else:
        sys.stdout.write(to_csv(table).decode("utf-8"))


def cmd_providers(args: argparse.Namespace) -> int:
    # Imported here: the case-mix model's libraries (statsmodels, scipy) take a second to
    # import, which every other command would pay (docs/performance.md, `rates`).
    from queries.analytics.providers import PROVIDER_TABLE_COLUMNS, compare_providers
    from queries.stats.casemix import covariate_sentence

    opened = _open(args)
    if opened is None:
        return EXIT_REFUSED
    settings, con = opened
    policy = Policy.for_audience(DIRECTOR, settings)
    try:
        comparison = compare_providers(Query(con, Scope.clinic(), settings=settings))
    except InsufficientData as exc:
        print(redact(str(exc), policy), file=sys.stderr)
        return EXIT_REFUSED
    finally:
        con.close()
    # methods.md section 4: which factors the expected counts allow for
    print(redact(covariate_sentence(comparison.model), policy), file=sys.stderr)
    _emit(present(comparison.table, PROVIDER_TABLE_COLUMNS, policy), args.format)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Hand over to ``python -m dashboard.report`` (the report draws with the dashboard's
    figure builders, which the core never imports), with the same options."""
    command = [sys.executable, "-m", "dashboard.report", *report_argv(args)]
    return subprocess.run(command, check=False).returncode


REPORT_VALUES = ("db", "out", "pdf", "provider_id", "year_min", "year_max", "min_cell", "round_to")
REPORT_LISTS = ("site", "indication", "route")


def report_argv(args: argparse.Namespace) -> list[str]:
    """The options of ``report`` as given, as arguments again (for ``dashboard.report``)."""
    argv: list[str] = []
    for name in REPORT_VALUES:
        if getattr(args, name) is not None:
            argv += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    for name in REPORT_LISTS:
        for value in getattr(args, name) or ():
            argv += [f"--{name}", value]
    return argv


def add_report_options(p: argparse.ArgumentParser) -> None:
    """The options of ``ozone-outcomes report`` (also parsed by ``python -m dashboard.report``):
    the database, the files, whose courses, and the sidebar's filters."""
    _db_option(p)
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    p.add_argument("--pdf", type=Path, help="also print it to this PDF (needs Chromium)")
    p.add_argument("--provider-id", help="a provider's own report (default: the whole clinic)")
    p.add_argument("--year-min", type=int, help="courses started in this year or later")
    p.add_argument("--year-max", type=int, help="courses started in this year or earlier")
    p.add_argument("--site", action="append", help="only this site (repeat for more)")
    p.add_argument("--indication", action="append", choices=INDICATIONS, help="repeatable")
    p.add_argument("--route", action="append", choices=ROUTES, help="repeatable")
    _disclosure_options(p)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env(db_path=args.db)
    try:
        path = resolve_database(settings, _progress)
    except (DatabaseMissing, db.SchemaOutdated) as exc:
        print(exc, file=sys.stderr)
        return EXIT_REFUSED
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    env = {**os.environ}
    if settings.db_path is not None:
        env["OUTCOMES_DB"] = str(path)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    print(
        f"Ozone Outcomes on http://{args.address}:{args.port}  (database {path})",
        file=sys.stderr,
        flush=True,
    )
    # Become the server process (no parent left behind to orphan it on SIGTERM).
    os.execve(sys.executable, command, env)
    return EXIT_OK  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ozone-outcomes", description="Outcome analytics for clinics giving ozone therapy."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, func: Callable[[argparse.Namespace], int], summary: str
    ) -> argparse.ArgumentParser:
        """The parser of the subcommand ``name``, which ``func`` runs."""
        p = sub.add_parser(name, help=summary)
        p.set_defaults(func=func)
        return p

    p = command("generate", cmd_generate, "write the four contract files of a synthetic clinic")
    p.add_argument("--courses", type=int, default=6000, help="number of courses (default 6000)")
    p.add_argument("--seed", type=int, default=20261125, help="random seed (default 20261125)")
    p.add_argument("--out", type=Path, required=True, help="folder to write into")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")

    p = command(
        "deidentify",
        cmd_deidentify,
        "turn a clinic's raw export into de-identified contract files (data-contract.md)",
    )
    p.add_argument("raw_dir", type=Path, help="folder of the raw export (four files)")
    p.add_argument("out_dir", type=Path, help="new or empty folder for the contract files")
    p.add_argument(
        "--key-file",
        type=Path,
        required=True,
        help="file holding the clinic's pseudonym secret (at least 32 characters; keep it "
        "outside OUT_DIR: the same key gives the same pseudonyms)",
    )
    p.add_argument(
        "--keep-quarter",
        action="store_true",
        help="also write start_quarter (Safe Harbor keeps only the year)",
    )
    p.add_argument(
        "--extract-date",
        type=iso_day,
        help="YYYY-MM-DD the export was taken: writes observed_days",
    )

    p = command("load", cmd_load, "check a folder against the data contract and load it")
    p.add_argument(
        "folder",
        type=Path,
        help="folder with courses, sessions, assessments, adverse_events (.csv or .parquet)",
    )
    _db_option(p)

    p = command("rates", cmd_rates, "responder rates per group as CSV or JSON")
    _db_option(p)
    p.add_argument("--by", choices=RATES_GROUPINGS, required=True, help="grouping")
    p.add_argument("--provider", help="only this provider's courses (default: whole clinic)")
    _table_format_option(p)
    _disclosure_options(p)

    p = command(
        "providers",
        cmd_providers,
        "crude and case-mix-adjusted responder rates, funnel flags and CUSUM signal per "
        "provider, as CSV or JSON",
    )
    _db_option(p)
    _table_format_option(p)
    _disclosure_options(p)

    p = command(
        "report",
        cmd_report,
        "write the report for the quality meeting: one self-contained HTML file, and a PDF",
    )
    add_report_options(p)

    p = command("serve", cmd_serve, "run the dashboard")
    _db_option(
        p, "database file (default: $OUTCOMES_DB, else the synthetic clinic, built on first start)"
    )
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1")

    add_users_command(command)
    add_audit_command(command)
    return parser


def _db_option(p: argparse.ArgumentParser, summary: str = DB_HELP) -> None:
    p.add_argument("--db", type=Path, help=summary)


def _table_format_option(p: argparse.ArgumentParser) -> None:
    """How a command that prints a table prints it."""
    p.add_argument("--format", choices=("csv", "json"), default="csv")


def _disclosure_options(p: argparse.ArgumentParser) -> None:
    """The small-cell threshold and rounding of a command that prints counts (methods.md
    section 6: the CLI passes the same gate as the app)."""
    p.add_argument(
        "--min-cell",
        type=int,
        help="hide counts under this (default: $OUTCOMES_MIN_CELL, else 11; 1 = off)",
    )
    p.add_argument(
        "--round-to",
        type=int,
        help="round shown counts to a multiple of this (default: $OUTCOMES_ROUND_TO, else 1)",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except REFUSED as exc:
        print(exc, file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
