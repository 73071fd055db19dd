"""Load a checked extract into the database, all or nothing.

The new database is built beside the old one (old courses not in the extract are copied,
the extract's courses replace theirs by ``course_id``), the derived marts are computed once,
the load is recorded, and only then is the new file swapped in with ``os.replace``. A failed
load leaves the old file byte-for-byte as it was (docs/engineering.md, DuckDB 2.0 locking),
and so does a load killed at any moment; the next load removes what a dead one left beside
the file (:func:`queries.data.db.remove_dead_scratch`).

A CSV extract is read once, inside DuckDB, straight into the new file
(:mod:`queries.data.streaming`, issue 10); when that fast path cannot accept it, the careful
path (:func:`queries.data.validation.read_extract`, then the Arrow tables written) decides and
says what is wrong. The file itself and the swap are :mod:`queries.data.new_file`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from queries.core import responders
from queries.core.settings import Settings
from queries.data import db
from queries.data.casemix_mart import build_casemix_mart
from queries.data.contract import FILES
from queries.data.discovery import ignored_note
from queries.data.new_file import (
    STAGING_VIEWS,  # noqa: F401  (the views a load creates; tests read it from here)
    fresh_scratch,
    open_new,
    remove_scratch,
    swap_in,
)
from queries.data.raw_export import RawExportRefused, raw_export_reason
from queries.data.streaming import NotStreamable, ScanStarted, begin_scan, stream_into
from queries.data.validation import Extract, read_extract, release_arrow_memory
from queries.data.violations import ContractViolation
from queries.stats import trajectory

Progress = Callable[[str], None]


def load_steps(replacing: bool) -> int:
    """How many progress messages a load sends: reading and checking, (when a database is
    there already) copying the courses kept, writing, computing the marts, recording."""
    return 5 if replacing else 4


@dataclass(frozen=True)
class LoadReport:
    status: str  # "loaded" or "unchanged"
    db_path: Path
    load_id: int | None
    n_courses_in_extract: int
    n_courses_replaced: int
    n_courses_added: int
    n_courses_after: int
    rows: dict[str, int]
    is_synthetic: bool
    ignored_files: tuple[str, ...] = ()  # the folder's entries that are not data (a README)

    def summary(self) -> str:
        ignored = ignored_note(self.ignored_files)
        if self.status == "unchanged":
            return (
                f"Unchanged: this extract is the one loaded last into {self.db_path}; "
                "nothing to do." + (f" {ignored}" if ignored else "")
            )
        return (
            f"Loaded into {self.db_path}: {self.n_courses_in_extract:,} courses in the "
            f"extract ({self.n_courses_added:,} new, {self.n_courses_replaced:,} replaced); "
            f"{self.n_courses_after:,} courses in the database now. Rows: "
            + ", ".join(f"{k} {v:,}" for k, v in self.rows.items())
            + (f"\n{ignored}" if ignored else "")
        )


def responder_definition(settings: Settings) -> str:
    """A one-line statement of the definition the outcome marts were computed with."""
    windows = "; ".join(f"{w.name} = day {w.first_day}..{w.last_day}" for w in settings.windows)
    return (
        f"{settings.primary_instrument}: eligible baseline >= {settings.min_baseline:g}; "
        f"responder drop >= {settings.responder_min_drop_points:g} points and >= "
        f"{settings.responder_min_drop_fraction:.0%}; substantial >= "
        f"{settings.substantial_min_drop_fraction:.0%}; primary window "
        f"{settings.primary_window}; windows {windows} (methods.md section 1); secondary "
        f"{', '.join(d.label for d in responders.SECONDARY)}; early flare day "
        f"{settings.flare_first_day}..{settings.flare_last_day}; landmark day "
        f"{settings.landmark_day} (sections 2, 5)"
    )


def _last_load_hashes(db_path: Path) -> dict[str, str] | None:
    """The files of the last load, or None (no database, or one built by another schema
    version, which a load rebuilds even from the same extract)."""
    if not db_path.exists():
        return None
    con = db.connect_snapshot(db_path)  # not an older instance of the path (#15912)
    try:
        if db.schema_version(con) != db.SCHEMA_VERSION:
            return None
        frame = db.run(con, "meta/last_load_files")
    finally:
        con.close()
    return dict(zip(frame["file_name"], frame["sha256"], strict=True)) if len(frame) else None


def build_marts(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Compute the derived tables once per load (data-contract "Derived", methods.md 1, 2
    and 5): daily values, primary and secondary outcomes, the per-course facts."""
    windows = [  # the days each takes: FollowupWindow.first_day..last_day (macros.sql nearest_in)
        {
            "window_name": w.name,
            "target_day": w.target_day,
            "first_day": w.first_day,
            "last_day": w.last_day,
        }
        for w in settings.windows
    ]
    db.execute_script(con, "marts/assessment_repeats")  # then the daily values, a view
    db.execute_script(con, "marts/assessment_daily")
    week_slots = trajectory.mart_weeks()
    db.execute_script(  # one aggregation per course for the three marts after it (issue 10)
        con,
        "marts/primary_course_values",
        instrument=settings.primary_instrument,
        windows=windows,
        **trajectory.week_plan(week_slots, windows),
        flare_first_day=settings.flare_first_day,
        flare_last_day=settings.flare_last_day,
    )
    db.execute_script(
        con,
        "marts/course_outcomes",
        windows=windows,
        min_baseline=settings.min_baseline,
        min_drop_points=settings.responder_min_drop_points,
        min_drop_fraction=settings.responder_min_drop_fraction,
        substantial_fraction=settings.substantial_min_drop_fraction,
    )
    db.execute_script(
        con,
        "marts/course_facts",
        flare_last_day=settings.flare_last_day,
        flare_min_rise=settings.flare_min_rise,
        landmark_day=settings.landmark_day,
    )
    db.execute_script(
        con,
        "marts/course_secondary_outcomes",
        windows=windows,
        **responders.mart_parameters(),
    )
    # Timeline and Cases like this (issue 10): trajectory weeks, durability, escalation
    db.execute_script(
        con,
        "marts/course_trajectory_weeks",
        week_slots=week_slots,
    )
    db.execute_script(
        con,
        "marts/course_durability",
        instrument=settings.primary_instrument,
        primary_window=settings.primary_window,
        min_drop_points=settings.responder_min_drop_points,
        min_drop_fraction=settings.responder_min_drop_fraction,
    )
    db.execute_script(con, "marts/course_escalation")
    db.execute_script(con, "marts/scope_summaries", primary_window=settings.primary_window)
    build_casemix_mart(con, settings)  # the unfiltered clinic's case-mix model (issue 10)
    db.execute_script(con, "marts/assessment_duplicates")  # and the daily values dropped


@dataclass(frozen=True)
class _Incoming:
    """What a load records of its extract, however it was read."""

    folder: Path
    fmt: str
    is_synthetic: bool
    ignored_files: tuple[str, ...]
    rows: dict[str, int]  # rows of each contract file
    hashes: dict[str, str]  # file name -> SHA-256


def _build(
    con: duckdb.DuckDBPyConnection,
    old: Path | None,
    incoming: _Incoming,
    write: Callable[[], object],
    settings: Settings,
    progress: Progress,
) -> LoadReport:
    """Copy the kept courses of ``old``, ``write`` the extract (unless it is in already: then
    ``write`` puts it on disk), compute the marts and record the load, in the new file of
    ``con``; ``extract_course_ids`` is registered or created on ``con`` by the caller."""
    rows = incoming.rows
    n_replaced = 0
    if old is not None:
        progress("copying the courses this extract does not replace")
        db.execute_script(con, "meta/attach_old", path=str(old))
        n_replaced = int(db.first_value(db.run_here(con, "meta/count_replaced"), "n_replaced"))
        db.execute_script(con, "meta/copy_kept_rows")
    progress("writing " + ", ".join(f"{k} ({n:,} rows)" for k, n in rows.items()))
    write()
    progress("computing severity, adherence and outcomes for every course")
    build_marts(con, settings)
    row_counts = db.run_here(con, "meta/table_row_counts")
    n_after = int(db.first_value(row_counts[row_counts["table_name"] == "courses"], "n_rows"))
    n_in = rows["courses"]
    progress("recording the load and writing the new database to disk")
    load_id = int(db.first_value(db.run_here(con, "meta/next_load_id"), "load_id"))
    db.execute_script(
        con,
        "meta/record_load",
        load_id=load_id,
        loaded_at=datetime.now(UTC).replace(tzinfo=None),
        source_folder=str(incoming.folder.resolve()),
        source_format=incoming.fmt,
        is_synthetic=incoming.is_synthetic,
        n_in=n_in,
        n_replaced=n_replaced,
        n_added=n_in - n_replaced,
        n_after=n_after,
        definition=responder_definition(settings),
    )
    names = list(incoming.hashes)
    con.register(
        "incoming_files",
        pd.DataFrame(
            {
                "load_id": load_id,
                "file_name": names,
                "sha256": [incoming.hashes[name] for name in names],
                "n_rows": [rows[name.rsplit(".", 1)[0]] for name in names],
            }
        ),
    )
    db.execute_script(con, "meta/record_load_files")
    if old is not None:
        con.execute("detach old")
    con.execute("checkpoint")
    return LoadReport(
        "loaded",
        Path(),
        load_id,
        n_in,
        n_replaced,
        n_in - n_replaced,
        n_after,
        rows,
        incoming.is_synthetic,
        incoming.ignored_files,
    )


def _build_from_arrow(
    tmp: Path, old: Path | None, extract: Extract, settings: Settings, progress: Progress
) -> LoadReport:
    incoming = _Incoming(
        extract.folder,
        extract.fmt,
        extract.is_synthetic,
        extract.ignored_files,
        {k: len(v) for k, v in extract.tables.items()},
        extract.hashes,
    )
    extract.release_text()
    con = open_new(tmp, settings)

    def write() -> None:
        for spec in FILES:
            con.register(f"incoming_{spec.name}", extract.tables[spec.name])
        db.execute_script(con, "meta/insert_extract")
        for name in ["extract_course_ids", *(f"incoming_{spec.name}" for spec in FILES)]:
            con.unregister(name)
        extract.tables.clear()  # written: the marts read DuckDB's copy, the memory goes back
        release_arrow_memory()

    try:
        con.register("extract_course_ids", extract.tables["courses"].select(["course_id"]))
        return _build(con, old, incoming, write, settings, progress)
    finally:
        con.close()


def load_extract(
    extract: Extract,
    db_path: str | Path,
    settings: Settings = Settings(),
    progress: Progress = lambda _msg: None,
) -> LoadReport:
    """Load an already checked extract (see :func:`load_folder`). The extract's data is
    consumed: its text columns and tables are released as soon as they are written, so that
    Python's copy is not held while DuckDB computes the marts (issue 10)."""
    db_path = Path(db_path)
    db.remove_dead_scratch(db_path)  # what a killed load (or reader) left beside the file
    if _last_load_hashes(db_path) == extract.hashes:
        n = len(extract.tables["courses"])
        return LoadReport(
            "unchanged",
            db_path,
            None,
            n,
            0,
            0,
            n,
            {k: len(v) for k, v in extract.tables.items()},
            extract.is_synthetic,
            extract.ignored_files,
        )
    tmp = fresh_scratch(db_path)
    old = db_path if db_path.exists() else None
    try:
        report = _build_from_arrow(tmp, old, extract, settings, progress)
        swap_in(tmp, db_path)
    finally:
        remove_scratch(tmp)
    return LoadReport(**{**report.__dict__, "db_path": db_path})


def _load_streamed(
    started: ScanStarted, db_path: Path, settings: Settings, progress: Progress
) -> LoadReport | None:
    """The fast path (:mod:`queries.data.streaming`): the CSVs streamed, typed and checked
    inside DuckDB straight into the new file while a thread checks and hashes their text; None
    when the careful path must decide (the new file is removed, nothing else was touched and
    no other step was announced)."""
    db.remove_dead_scratch(db_path)  # what a killed load (or reader) left beside the file
    tmp = fresh_scratch(db_path)
    try:
        con = open_new(tmp, settings)
        try:
            try:
                rows = stream_into(con, started.extract)
            except NotStreamable:
                started.hashes.result()  # the thread is done before the careful path reads
                return None
            extract = started.finished()
            if extract is None:  # text the two readers might read differently
                return None
            if _last_load_hashes(db_path) == extract.hashes:
                n = rows["courses"]
                return LoadReport(
                    "unchanged", db_path, None, n, 0, 0, n, rows,
                    extract.is_synthetic, extract.ignored_files,
                )  # fmt: skip
            db.execute_script(con, "meta/extract_course_ids")
            incoming = _Incoming(
                extract.folder, "csv", extract.is_synthetic, extract.ignored_files, rows,
                extract.hashes,
            )  # fmt: skip
            old = db_path if db_path.exists() else None
            # the extract is in already: "writing" puts it on disk
            report = _build(
                con, old, incoming, lambda: con.execute("checkpoint"), settings, progress
            )
        finally:
            con.close()
        swap_in(tmp, db_path)
    finally:
        remove_scratch(tmp)
    return LoadReport(**{**report.__dict__, "db_path": db_path})


def load_folder(
    folder: str | Path,
    db_path: str | Path,
    settings: Settings = Settings(),
    progress: Progress = lambda _msg: None,
) -> LoadReport:
    """Check a folder against the contract and load it; all or nothing.

    Raises :class:`RawExportRefused` (naming ``deidentify``) when the folder is a raw clinic
    export (identifier columns, or values that look like emails, phone numbers, SSNs or full
    dates: data-contract.md, "What a load does with bad input"), and
    :class:`queries.data.violations.ContractViolation` (listing every problem) when the
    extract breaks any rule; either way without touching the database.

    A CSV extract is read once, inside DuckDB (:mod:`queries.data.streaming`); when that fast
    path cannot accept it, the careful path (:func:`queries.data.validation.read_extract`)
    reads it again and says exactly what is wrong.
    """
    progress(f"reading and checking {folder}")
    started = begin_scan(Path(folder))
    if started is not None:
        report = _load_streamed(started, Path(db_path), settings, progress)
        if report is not None:
            return report
    reason = raw_export_reason(folder)
    try:
        extract = read_extract(folder)
    except ContractViolation as exc:
        if reason is not None:
            raise RawExportRefused(reason, exc.violations) from None
        raise
    if reason is not None:
        raise RawExportRefused(reason, [])
    return load_extract(extract, db_path, settings, progress)
