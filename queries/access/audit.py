"""The audit log: one line per view, export or report, appended, never edited (methods.md
section 6: "Every view and export is audit-logged"; a report is an export of every page).

A JSON Lines file of its own (never inside the database, so a load that replaces the database
file cannot touch it). ``record`` appends one line under an exclusive ``fcntl.flock`` and
fsyncs it, so writers in threads and in separate server processes never interleave, and the
time of an event taken under the lock makes the file's order the order of time. This module
offers no way to change or delete a line.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from queries.core.scope import Filters, Scope
from queries.core.settings import ROLES

AUDIT_COLUMNS = ("at", "user", "role", "action", "page", "filters", "rows")
# a page seen, a table downloaded, the report built (in the app or by `ozone-outcomes report`)
ACTIONS = ("view", "export", "report")
FILE_MODE = 0o600
DATABASE_SUFFIXES = (".duckdb", ".db")


class AuditLogError(ValueError):
    """An event that cannot be recorded, or a log line that cannot be read."""


def scope_filters(scope: Scope, filters: Filters) -> dict[str, Any]:
    """What was asked, as the log records it: whose courses (``scope``: ``clinic`` or a
    provider id) and the sidebar filters that restrict anything (lists for tuples)."""
    chosen: dict[str, Any] = {"scope": scope.provider_id or "clinic"}
    return chosen | {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in dataclasses.asdict(filters).items()
        if value not in (None, ())
    }


def _json_value(value: Any) -> Any:
    """Filter values JSON has no type for: dates as ISO 8601, sets as sorted lists."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"a filter value of type {type(value).__name__} cannot be logged")


def _event_line(
    user: str, role: str, action: str, page: str, filters: dict, rows: int | None, at: datetime
) -> bytes:
    event = {
        "at": at.astimezone(UTC).isoformat(),
        "user": user,
        "role": role,
        "action": action,
        "page": page,
        "filters": filters,
        "rows": rows,
    }
    return (
        json.dumps(event, default=_json_value, ensure_ascii=False, sort_keys=False) + "\n"
    ).encode("utf-8")


def _check_event(path: Path, role: str, action: str, rows: int | None, at: datetime | None) -> None:
    if path.suffix.lower() in DATABASE_SUFFIXES:
        raise AuditLogError(
            f"{path}: the audit log is a JSON Lines file of its own, never the database"
        )
    if action not in ACTIONS:
        raise AuditLogError(f"action {action!r} is not logged; use one of {', '.join(ACTIONS)}")
    if role not in ROLES:
        raise AuditLogError(f"role {role!r} is not a role; use one of {', '.join(ROLES)}")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        raise AuditLogError(f"rows must be a count (a whole number >= 0) or None, not {rows!r}")
    if at is not None and at.tzinfo is None:
        raise AuditLogError("at must carry its time zone (e.g. datetime.now(UTC))")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def record(
    path: str | Path,
    *,
    user: str,
    role: str,
    action: str,
    page: str,
    filters: dict,
    rows: int | None,
    at: datetime | None = None,
) -> None:
    """Append one event (``action`` 'view' or 'export') and fsync it before returning.

    ``filters`` is what the page was asked (JSON-serialisable; dates and sets are converted);
    ``rows`` is how many rows were shown or exported (None: not a table). ``at`` defaults to
    now (UTC), taken once the lock is held.
    """
    path = Path(path)
    _check_event(path, role, action, rows, at)
    try:
        json.dumps(filters, default=_json_value)
    except (TypeError, ValueError) as exc:
        raise AuditLogError(f"filters cannot be logged: {exc}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        line = _event_line(user, role, action, page, filters, rows, at or datetime.now(UTC))
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a line cut short by a crash stays a line of its own
        _write_all(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def _parse(path: Path, number: int, line: str) -> dict:
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        event = None
    if not isinstance(event, dict) or set(event) != set(AUDIT_COLUMNS):
        raise AuditLogError(
            f"{path} line {number}: not an audit record (a write cut short by a "
            "crash?); the log is append-only: leave the line, report it"
        )
    return event


def _events(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)  # no half-written line from a writer
        return [_parse(path, n, line) for n, line in enumerate(fh, 1) if line.strip()]


def read(path: str | Path, since: date | None = None) -> pd.DataFrame:
    """The events in the order they were recorded, from ``since`` (a UTC day) on.

    Columns exactly ``at`` (UTC timestamp), ``user``, ``role``, ``action``, ``page``,
    ``filters`` (JSON text, keys sorted), ``rows`` (nullable integer). No file yet: no rows.
    """
    path = Path(path)
    events = _events(path) if path.exists() else []
    frame = pd.DataFrame(events, columns=list(AUDIT_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    frame["filters"] = frame["filters"].map(lambda f: json.dumps(f, sort_keys=True))
    frame["rows"] = frame["rows"].astype("Int64")
    if since is not None:
        frame = frame[frame["at"] >= pd.Timestamp(since).tz_localize(UTC)]
    return frame.reset_index(drop=True)


def _exportable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(at=frame["at"].map(lambda t: t.isoformat()))


def to_csv(frame: pd.DataFrame) -> str:
    """The events as CSV text (``at`` in ISO 8601, ``filters`` as JSON text)."""
    return _exportable(frame).to_csv(index=False, lineterminator="\n")


def to_json(frame: pd.DataFrame) -> str:
    """The events as a JSON array of objects (``filters`` as objects again)."""
    events = _exportable(frame).assign(filters=frame["filters"].map(json.loads))
    records = [
        {k: (None if v is pd.NA else v) for k, v in event.items()}
        for event in events.astype(object).to_dict(orient="records")
    ]
    return json.dumps(records, ensure_ascii=False, indent=1)
