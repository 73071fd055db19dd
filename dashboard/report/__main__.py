"""``python -m dashboard.report``: what ``ozone-outcomes report`` runs (queries/cli.py hands
over here, as ``serve`` hands over to streamlit, because the report draws with the
dashboard's figure builders, which the core never imports).

Opens the database read-only, builds the report in the scope asked (``--provider-id``: that
provider's own report, with a provider's policy) and the filters given, records it in the
audit log (action ``report``, before the file is written: methods.md section 6), writes the
HTML and, with ``--pdf``, prints it. Every refusal is one sentence on standard error and exit
code 2.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import duckdb

from dashboard.report.build import DIRECTOR, PROVIDER, build_report, core_runner
from dashboard.report.document import render
from dashboard.report.pdf import PdfUnavailable, print_pdf
from queries.access import audit
from queries.analytics import checks
from queries.cli import EXIT_OK, EXIT_REFUSED, add_report_options
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db


class Refused(Exception):
    """One sentence for the person at the terminal."""


def command_line_user() -> str:
    """Who the audit log names for a report built at the terminal."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


def _settings(args: argparse.Namespace) -> Settings:
    try:
        settings = Settings.from_env(
            db_path=args.db, min_cell_size=args.min_cell, round_to=args.round_to
        )
    except ValueError as exc:
        raise Refused(str(exc)) from None
    if settings.db_path is None:
        raise Refused("no database given: use --db PATH or set OUTCOMES_DB")
    if not settings.db_path.is_file():
        raise Refused(f"no database at {settings.db_path}; load a folder first")
    return settings


def _connect(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    try:
        con = db.connect(path, threads=settings.threads, memory_limit=settings.memory_limit)
    except duckdb.Error:
        raise Refused(f"{path} is not a database this app can read; load a folder first") from None
    try:
        db.check_schema(con, path)
    except (db.SchemaOutdated, duckdb.Error) as exc:
        con.close()
        raise Refused(str(exc).splitlines()[0]) from None
    return con


def _filters(args: argparse.Namespace) -> Filters:
    try:
        return Filters(
            year_min=args.year_min,
            year_max=args.year_max,
            site_ids=tuple(args.site or ()),
            indications=tuple(args.indication or ()),
            routes=tuple(args.route or ()),
        )
    except ValueError as exc:
        raise Refused(str(exc)) from None


def make_report(args: argparse.Namespace) -> list[Path]:
    """Build, log and write the report; the files written."""
    settings = _settings(args)
    path = settings.db_path
    assert path is not None
    filters = _filters(args)
    con = _connect(path, settings)
    try:
        if args.provider_id and args.provider_id not in checks.provider_ids(con):
            raise Refused(f"no provider {args.provider_id!r} in {path}")
        scope = Scope.provider(args.provider_id) if args.provider_id else Scope.clinic()
        user = command_line_user()
        report = build_report(
            core_runner(con, scope, filters, settings),
            settings=settings,
            scope=scope,
            filters=filters,
            load_history=checks.load_history(con),
            synthetic=checks.is_synthetic(con),
            user=user,
        )
    finally:
        con.close()
    page = render(report)
    try:
        audit.record(
            settings.audit_log_for(path),
            user=user,
            role=PROVIDER if scope.provider_id else DIRECTOR,
            action="report",
            page=f"report/{args.out.name}",
            filters=audit.scope_filters(scope, filters),
            rows=None,
        )
    except (audit.AuditLogError, OSError) as exc:
        raise Refused(
            f"the report was not written: the audit log cannot be written ({exc})"
        ) from None
    try:
        args.out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise Refused(f"cannot write {args.out}: {exc.strerror or exc}") from None
    written = [args.out]
    if args.pdf is not None:
        try:
            print_pdf(args.out, args.pdf)
        except PdfUnavailable as exc:
            raise Refused(str(exc)) from None
        written.append(args.pdf)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ozone-outcomes report", description="The report for the quality meeting."
    )
    add_report_options(parser)
    args = parser.parse_args(argv)
    try:
        written = make_report(args)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return EXIT_REFUSED
    for path in written:
        print(path)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
