"""The thin SQL loader: run a named SQL file from ``queries/sql`` with bound parameters.

SQL text lives only in ``.sql`` files; values always travel as ``$name`` parameters (never
formatted into the text). Every query gets its own cursor and is fetched fully, because
DuckDB 2.0 results stream and one connection is not thread-safe (docs/engineering.md).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


class UnknownQuery(KeyError):
    """A query name that has no .sql file."""


@cache
def sql_text(name: str) -> str:
    """The text of ``sql/<name>.sql`` (``name`` may contain one folder, e.g. ``meta/schema``)."""
    path = (SQL_DIR / f"{name}.sql").resolve()
    if SQL_DIR.resolve() not in path.parents or not path.is_file():
        raise UnknownQuery(f"no SQL file named {name!r} in {SQL_DIR}")
    return path.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """The statements of a multi-statement SQL file (schema, marts), full-line comments removed.

    Statements are separated by ``;`` at the end of a line; our SQL files keep no ``;`` inside
    string literals.
    """
    code = "\n".join(
        line for line in sql_text(name).splitlines() if not line.lstrip().startswith("--")
    )
    return [part.strip() for part in code.split(";") if part.strip()]


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run the single query in ``sql/<name>.sql`` with ``params`` bound, as a DataFrame.

    The query runs on its own cursor (safe for a connection shared between threads).
    """
    cur = con.cursor()
    try:
        return cur.execute(sql_text(name), params or None).df()
    finally:
        cur.close()


def count_rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> int:
    """How many rows the query in ``sql/<name>.sql`` returns, counted inside DuckDB (a data
    check at a million courses flags tens of thousands of rows: none is fetched to count)."""
    cur = con.cursor()
    try:
        return int(
            cur.sql(sql_text(name), params=params or None).aggregate("count(*)").fetchall()[0][0]
        )
    finally:
        cur.close()


def first_value(frame: pd.DataFrame, column: str) -> Any:
    """The value of ``column`` in the first row of a query result (one-row queries)."""
    return frame[column].to_numpy()[0]


def run_here(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Like :func:`run`, but on ``con`` itself, so it sees frames registered on it and
    databases attached to it (the loader's private connection)."""
    return con.execute(sql_text(name), params or None).df()


# A call with an argument ``$name[*]`` (no parentheses inside the call): one copy per element of
# the list parameter ``name``, ``$name[1]``, ``$name[2]``, ... (see expand_slots).
_SLOT_CALL = re.compile(r"\b\w+\([^()]*\$(\w+)\[\*\][^()]*\)")


def expand_slots(stmt: str, params: dict[str, Any]) -> str:
    """``stmt`` with every call that takes ``$name[*]`` repeated once per element of the list
    parameter ``name``, comma-separated: ``f(x, $slots[*])`` with two slots is
    ``f(x, $slots[1]), f(x, $slots[2])``. A mart that keeps one column per follow-up window or
    trajectory week in one aggregation (marts/primary_course_values.sql) is written once for
    any number of them; only the indices are generated, every value stays a bound parameter."""

    def repeat(match: re.Match[str]) -> str:
        name = match.group(1)
        if not params.get(name):
            raise ValueError(f"${name}[*] needs a non-empty list parameter {name!r}")
        call = match.group(0)
        return ", ".join(
            call.replace(f"${name}[*]", f"${name}[{i}]") for i in range(1, len(params[name]) + 1)
        )

    return _SLOT_CALL.sub(repeat, stmt)


def execute_script(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Run every statement of ``sql/<name>.sql`` (DDL or a mart build) with ``params``.

    Each statement is given only the parameters it mentions, since DuckDB refuses unused ones;
    a call with a ``$name[*]`` argument is repeated per element first (:func:`expand_slots`).
    """
    for stmt in statements(name):
        if "[*]" in stmt:
            stmt = expand_slots(stmt, params)
        used = {k: v for k, v in params.items() if f"${k}" in stmt}
        con.execute(stmt, used or None)


# The version of sql/meta/schema.sql, sql/macros.sql, sql/staging/ and sql/marts/ (all stored
# in the database file): bump it whenever one changes, so that a file built by an older
# version is rebuilt (synthetic) or refused with what to do.
# 5: courses.observed_days; staging views; course_facts.n_sessions_completed and
#    is_quit_after_flare (were sessions_completed, quit_after_flare); the macros take scope
#    and filters as one STRUCT (scoped_courses($scope)).
# 6: course_outcomes.is_not_yet_due (observed_days; a not-yet-due course is not eligible).
# (Still 6 after issue 10 dropped the keys other than courses.course_id: no column or value
#  changed, so a file built before reads the same and is not rebuilt.)
# 7: marts computed at load for pages whose cost must not grow with the data (issue 10):
#    course_trajectory_weeks, course_durability, course_escalation (and the Providers
#    pages' case-mix marts); the contract tables lost their CHECK constraints (the loader
#    checks every rule, with its line, before anything is written).
# 8: course_casemix and casemix_model: the unfiltered clinic's case-mix model fitted at load.
#    course_facts carries every column of courses (scoped_courses reads no join);
#    clinic_overview and scope_filter_values: the unfiltered Overview and filter values.
# 9: course_outcomes is a view over course_outcome_values (one row per course, the windows'
#    follow-ups as lists) and outcome_windows (the windows and thresholds of the load);
#    course_secondary_outcomes a view over course_secondary_values (one row per course) and
#    secondary_thresholds.
SCHEMA_VERSION = 9


class SchemaOutdated(RuntimeError):
    """The database file was built by another version of the schema or marts."""


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version that built the file (0 when it predates versioning)."""
    if not bool(first_value(run(con, "meta/has_schema_info"), "has_schema_info")):
        return 0
    found = first_value(run(con, "meta/schema_version"), "schema_version")
    return 0 if found is None else int(found)


@cache
def _file_schema_version(path: str, mtime_ns: int, size: int, inode: int) -> int:
    con = connect_snapshot(path)
    try:
        return schema_version(con)
    finally:
        con.close()


def file_schema_version(path: str | Path) -> int:
    """:func:`schema_version` of a file, read once per version of the file (path, mtime, size,
    inode: a load swaps in a new file). The app asks on every rerun; opening the file each
    time cost ~45 ms."""
    stat = Path(path).stat()
    return _file_schema_version(
        str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size, stat.st_ino
    )


def check_schema(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    """Raise :class:`SchemaOutdated` unless the file was built with :data:`SCHEMA_VERSION`."""
    raise_if_outdated(schema_version(con), path)


def raise_if_outdated(found: int, path: str | Path) -> None:
    """Raise :class:`SchemaOutdated` when ``found`` is not :data:`SCHEMA_VERSION`."""
    if found != SCHEMA_VERSION:
        raise SchemaOutdated(
            f"{path} was built by another version of Ozone Outcomes (schema {found}, this "
            f"version reads schema {SCHEMA_VERSION}); load your extract again to rebuild it: "
            f"ozone-outcomes load FOLDER --db {path}"
        )


def connect(
    path: str | Path,
    *,
    read_only: bool = True,
    threads: int = 2,
    memory_limit: str = "2GB",
    temp_directory: str | Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database file with explicit threads and memory limit (and, for the loader, the
    folder DuckDB spills to when a step needs more than the limit: docs/engineering.md)."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": threads,
        "memory_limit": memory_limit,
    }
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    return duckdb.connect(str(path), read_only=read_only, config=config)


# --- scratch files beside the database: a load's new file, a reader's link --------------------
# A load builds `.<name>.loading-<pid>` (with its `.wal` and spill folder `.tmp`) beside the
# database and swaps it in; a reader opens the file through a hard link `.<name>.reading-<pid>-<n>`
# that lives only while the connection opens. A process killed in between leaves them behind;
# the next load removes those of processes that are no longer alive.
_SCRATCH = re.compile(r"^\.(?P<name>.+)\.(?:loading|reading)-(?P<pid>\d+)(?:[-.].*)?$")
_snapshot_count = itertools.count(1)


def scratch_path(db_path: Path, kind: str, suffix: str = "") -> Path:
    """``.<name>.<kind>-<pid><suffix>`` beside ``db_path`` (kind: ``loading`` or ``reading``)."""
    return db_path.with_name(f".{db_path.name}.{kind}-{os.getpid()}{suffix}")


def _is_alive(pid: int) -> bool:
    """Whether a process with this id runs (a process we may not signal counts as alive)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there: assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_scratch(db_path: Path) -> list[Path]:
    """Remove the scratch files and folders a killed load or reader left beside ``db_path``
    (those whose process id is no longer alive); returns what was removed. The scratch of a
    load still running, or of this process, is left alone."""
    removed: list[Path] = []
    if not db_path.parent.is_dir():
        return removed
    for entry in db_path.parent.glob(f".{glob.escape(db_path.name)}.*-*"):
        match = _SCRATCH.match(entry.name)
        if match is None or match["name"] != db_path.name or _is_alive(int(match["pid"])):
            continue
        with contextlib.suppress(FileNotFoundError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        removed.append(entry)
    return removed


def connect_snapshot(
    path: str | Path, *, threads: int = 2, memory_limit: str = "2GB"
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file as it is now, never to an older version of it.

    DuckDB's Python client keeps one database instance per path per process: while any
    connection to a path is open, connecting again returns the old instance even after a
    load replaced the file (duckdb/duckdb#15912; docs/engineering.md). So the file is opened
    through a hard link whose name is used once, removed as soon as DuckDB holds the file
    open; readers of the older version keep theirs. Where no link can be made (a read-only
    folder, a file system without hard links), the path itself is opened.
    """
    path = Path(path)
    link = scratch_path(path, "reading", f"-{next(_snapshot_count)}")
    try:
        os.link(path, link)
    except OSError:
        return connect(path, read_only=True, threads=threads, memory_limit=memory_limit)
    try:
        return connect(link, read_only=True, threads=threads, memory_limit=memory_limit)
    finally:
        link.unlink(missing_ok=True)
