"""The new database file a load builds beside the old one, and the swap that puts it in place.

The file is named ``.<name>.loading-<pid>`` (:func:`queries.data.db.scratch_path`) with its
spill folder beside it; it gets the schema, the macros and the staging views, the loader fills
it (:mod:`queries.data.loading`), and only a finished file replaces the database, in one
``os.replace`` that survives a power loss. A failed load removes everything it left; a killed
one is cleaned up by the next (:func:`queries.data.db.remove_dead_scratch`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import duckdb

from queries.core.settings import Settings
from queries.data import db

# The staging views (sql/staging/): the contract tables renamed and cast, read by the marts.
STAGING_VIEWS = ("stg_courses", "stg_sessions", "stg_assessments", "stg_adverse_events")


def build_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Create the staging views the marts read (house style: staging only renames and casts)."""
    for view in STAGING_VIEWS:
        db.execute_script(con, f"staging/{view}")


def open_new(tmp: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    """The new database file, with the schema, macros and staging views, and nothing else."""
    con = db.connect(
        tmp,
        read_only=False,
        threads=settings.threads,
        memory_limit=settings.memory_limit,
        temp_directory=spill_dir(tmp),
    )
    try:
        # bulk work: rows need not keep their order while written (docs/engineering.md)
        con.execute("set preserve_insertion_order = false")
        db.execute_script(con, "meta/schema")
        db.execute_script(con, "macros")
        build_staging(con)
        db.execute_script(con, "meta/record_schema_version", schema_version=db.SCHEMA_VERSION)
    except BaseException:
        con.close()
        raise
    return con


def fresh_scratch(db_path: Path) -> Path:
    """The path of a load's new file beside the database, with nothing left there."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.scratch_path(db_path, "loading")
    remove_scratch(tmp)
    return tmp


def swap_in(tmp: Path, db_path: Path) -> None:
    """Put the finished new file in place of the database in one step."""
    fsync(tmp)
    os.replace(tmp, db_path)
    fsync(db_path.parent)  # the swap itself survives a power loss


def spill_dir(tmp: Path) -> Path:
    return tmp.with_name(tmp.name + ".tmp")


def remove_scratch(tmp: Path) -> None:
    """Remove a load's new file (when not swapped in), its WAL and its spill folder."""
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(spill_dir(tmp), ignore_errors=True)


def fsync(path: Path) -> None:
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
