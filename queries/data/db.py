"""The thin SQL loader: run a named SQL file from ``queries/sql`` with bound parameters.

SQL text lives only in ``.sql`` files; values always travel as ``$name`` parameters (never
formatted into the text). Every query gets its own cursor and is fetched fully, because
DuckDB 2.0 results stream and one connection is not thread-safe (docs/engineering.md).
"""

from __future__ import annotations

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


def first_value(frame: pd.DataFrame, column: str) -> Any:
    """The value of ``column`` in the first row of a query result (one-row queries)."""
    return frame[column].to_numpy()[0]


def run_here(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Like :func:`run`, but on ``con`` itself, so it sees frames registered on it and
    databases attached to it (the loader's private connection)."""
    return con.execute(sql_text(name), params or None).df()


def execute_script(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Run every statement of ``sql/<name>.sql`` (DDL or a mart build) with ``params``.

    Each statement is given only the parameters it mentions, since DuckDB refuses unused ones.
    """
    for stmt in statements(name):
        used = {k: v for k, v in params.items() if f"${k}" in stmt}
        con.execute(stmt, used or None)


# The version of sql/meta/schema.sql, sql/macros.sql, sql/staging/ and sql/marts/ (all stored
# in the database file): bump it whenever one changes, so that a file built by an older
# version is rebuilt (synthetic) or refused with what to do.
# 5: courses.observed_days; staging views; course_facts.n_sessions_completed and
#    is_quit_after_flare (were sessions_completed, quit_after_flare); the macros take scope
#    and filters as one STRUCT (scoped_courses($scope)).
# 6: course_outcomes.is_not_yet_due (observed_days; a not-yet-due course is not eligible).
SCHEMA_VERSION = 6


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
    con = connect(path, read_only=True)
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
    path: str | Path, *, read_only: bool = True, threads: int = 2, memory_limit: str = "2GB"
) -> duckdb.DuckDBPyConnection:
    """Open the database file with explicit threads and memory limit."""
    return duckdb.connect(
        str(path), read_only=read_only, config={"threads": threads, "memory_limit": memory_limit}
    )
