"""Load a checked extract into the database, all or nothing.

The new database is built beside the old one (old courses not in the extract are copied,
the extract's courses replace theirs by ``course_id``), the derived marts are computed once,
the load is recorded, and only then is the new file swapped in with ``os.replace``. A failed
load leaves the old file byte-for-byte as it was (docs/engineering.md, DuckDB 2.0 locking),
and so does a load killed at any moment; the next load removes what a dead one left beside
the file (:func:`queries.data.db.remove_dead_scratch`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from queries.core import responders
from queries.core.settings import Settings
from queries.data import db
from queries.data.contract import FILES
from queries.data.discovery import ignored_note
from queries.data.raw_export import raw_export_reason
from queries.data.validation import Extract, read_extract
from queries.data.violations import SUMMARY_LIMIT, ContractViolation, Violation

Progress = Callable[[str], None]


def load_steps(replacing: bool) -> int:
    """How many progress messages a load sends: reading and checking, (when a database is
    there already) copying the courses kept, writing, computing the marts, recording."""
    return 5 if replacing else 4


class RawExportRefused(ContractViolation):
    """The folder is a raw clinic export, not a de-identified extract (``reason``, from
    :func:`queries.data.raw_export.raw_export_reason`, says what was found and to run
    ``ozone-outcomes deidentify`` first), with the contract's own findings, if any, shown
    without their values: a raw export's refusal prints no value of it."""

    def __init__(self, reason: str, violations: list[Violation]):
        self.reason = reason
        super().__init__([dataclasses.replace(v, value=None) for v in violations])

    def summary(self, limit: int | None = SUMMARY_LIMIT) -> str:
        text = f"Refused: {self.reason}\nNothing was loaded and the database is unchanged."
        if not self.violations:
            return text
        shown = self.violations if limit is None else self.violations[:limit]
        more = len(self.violations) - len(shown)
        return "\n".join(
            [text, f"The data contract's checks found {len(self.violations)} problem(s) too:"]
            + [f"  {v}" for v in shown]
            + ([f"  ... and {more} more"] if more else [])
        )


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


# The staging views (sql/staging/): the contract tables renamed and cast, read by the marts.
STAGING_VIEWS = ("stg_courses", "stg_sessions", "stg_assessments", "stg_adverse_events")


def build_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Create the staging views the marts read (house style: staging only renames and casts)."""
    for view in STAGING_VIEWS:
        db.execute_script(con, f"staging/{view}")


def build_marts(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Compute the derived tables once per load (data-contract "Derived", methods.md 1, 2
    and 5): daily values, primary and secondary outcomes, the per-course facts."""
    windows = [
        {"window_name": w.name, "target_day": w.target_day, "half_width_days": w.half_width_days}
        for w in settings.windows
    ]
    db.execute_script(con, "marts/assessment_daily")
    db.execute_script(
        con,
        "marts/course_outcomes",
        instrument=settings.primary_instrument,
        windows=windows,
        min_baseline=settings.min_baseline,
        min_drop_points=settings.responder_min_drop_points,
        min_drop_fraction=settings.responder_min_drop_fraction,
        substantial_fraction=settings.substantial_min_drop_fraction,
    )
    db.execute_script(
        con,
        "marts/course_facts",
        instrument=settings.primary_instrument,
        primary_window=settings.primary_window,
        flare_first_day=settings.flare_first_day,
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


def _build(
    tmp: Path, old: Path | None, extract: Extract, settings: Settings, progress: Progress
) -> LoadReport:
    rows = {k: len(v) for k, v in extract.tables.items()}
    file_rows = {raw.path.name: (raw.sha256, raw.n_rows) for raw in extract.files.values()}
    _release_text(extract)
    con = db.connect(
        tmp,
        read_only=False,
        threads=settings.threads,
        memory_limit=settings.memory_limit,
        temp_directory=_spill_dir(tmp),
    )
    try:
        # bulk work: rows need not keep their order while written (docs/engineering.md)
        con.execute("set preserve_insertion_order = false")
        db.execute_script(con, "meta/schema")
        db.execute_script(con, "macros")
        build_staging(con)
        db.execute_script(con, "meta/record_schema_version", schema_version=db.SCHEMA_VERSION)
        new_ids = extract.tables["courses"].select(["course_id"])
        con.register("extract_course_ids", new_ids)
        n_replaced = 0
        if old is not None:
            progress("copying the courses this extract does not replace")
            db.execute_script(con, "meta/attach_old", path=str(old))
            n_replaced = int(db.first_value(db.run_here(con, "meta/count_replaced"), "n_replaced"))
            db.execute_script(con, "meta/copy_kept_rows")
        for spec in FILES:
            con.register(f"incoming_{spec.name}", extract.tables[spec.name])
        progress("writing " + ", ".join(f"{k} ({n:,} rows)" for k, n in rows.items()))
        db.execute_script(con, "meta/insert_extract")
        for name in ["extract_course_ids", *(f"incoming_{spec.name}" for spec in FILES)]:
            con.unregister(name)
        extract.tables.clear()  # written: the marts read DuckDB's copy, the memory goes back
        _release_arrow_memory()
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
            source_folder=str(extract.folder.resolve()),
            source_format=extract.fmt,
            is_synthetic=extract.is_synthetic,
            n_in=n_in,
            n_replaced=n_replaced,
            n_added=n_in - n_replaced,
            n_after=n_after,
            definition=responder_definition(settings),
        )
        con.register(
            "incoming_files",
            pd.DataFrame(
                {
                    "load_id": load_id,
                    "file_name": list(file_rows),
                    "sha256": [sha for sha, _ in file_rows.values()],
                    "n_rows": [n for _, n in file_rows.values()],
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
            extract.is_synthetic,
            extract.ignored_files,
        )
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
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.scratch_path(db_path, "loading")
    _remove_scratch(tmp)
    try:
        report = _build(tmp, db_path if db_path.exists() else None, extract, settings, progress)
        _fsync(tmp)
        os.replace(tmp, db_path)
        _fsync(db_path.parent)  # the swap itself survives a power loss
    finally:
        _remove_scratch(tmp)
    return LoadReport(**{**report.__dict__, "db_path": db_path})


def _spill_dir(tmp: Path) -> Path:
    return tmp.with_name(tmp.name + ".tmp")


def _remove_scratch(tmp: Path) -> None:
    """Remove a load's new file (when not swapped in), its WAL and its spill folder."""
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(_spill_dir(tmp), ignore_errors=True)


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk (where the system allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _release_text(extract: Extract) -> None:
    """Drop the text form of every checked column (the typed tables are what is written)."""
    for raw in extract.files.values():
        raw.columns = {}
    _release_arrow_memory()


def _release_arrow_memory() -> None:
    """Give Arrow's freed buffers back to the system before DuckDB's share of memory."""
    with contextlib.suppress(Exception):
        pa.default_memory_pool().release_unused()


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
    """
    progress(f"reading and checking {folder}")
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
