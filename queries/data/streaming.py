"""Stream a CSV extract into the loader's new database inside DuckDB, checking every rule on
the way (issue 10, "Load at the speed of reading").

A load's fast path: DuckDB reads each CSV once, every column as text, and one ``insert``
per file types and checks every value as it streams (``sql/meta/stream_macros.sql``,
``stream_<file>.sql``); the rules across rows and files are then counted over the tables
(``stream_rules.sql``). Nothing is copied into Arrow or pandas, and the raw-export scan
(:func:`queries.data.raw_export.raw_export_reason`) is folded into the same read.

The fast path only ever *accepts*. Whenever it would refuse (a value, a row or a rule the
contract does not allow, a value that might be a direct identifier) or is not sure (quotes, a
lone carriage return, a header with blanks or columns the contract does not name, a
Parquet extract), it raises :class:`NotStreamable` and the loader takes the careful path
(:mod:`queries.data.reading` and :mod:`queries.data.validation`), which reads the files again
and reports every problem with its file, line and column exactly as before. So what the fast
path accepts is exactly what the careful path accepts, typed the same way, and the messages
and the all-or-nothing behaviour are the careful path's (data-contract.md, "What a load does
with bad input").
"""

from __future__ import annotations

import codecs
import hashlib
import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from queries.data import db
from queries.data.contract import (
    BOOL_FALSE,
    BOOL_TRUE,
    FILES,
    INSTRUMENT_RANGES,
    SEVERITY_GRADES_BY_SCALE,
    FileSpec,
)
from queries.data.discovery import discover
from queries.data.raw_export import EMAIL_VALUE, PHONE_SEPARATOR, PHONE_VALUE, SSN_VALUE
from queries.data.reading import HASH_CHUNK_BYTES, check_header
from queries.data.validation import DECIMAL_PATTERN, FULL_DATE_VALUE, INT_PATTERN
from queries.data.violations import Violation

SCAN_CHUNK_BYTES = 8 * HASH_CHUNK_BYTES


class NotStreamable(Exception):
    """The fast path cannot accept this extract: the careful path decides (and explains)."""


@dataclass(frozen=True)
class StreamedFile:
    """One contract CSV the fast path may read: its header (contract names, no blanks) and
    its SHA-256 (what the load records)."""

    spec: FileSpec
    path: Path
    header: tuple[str, ...]
    sha256: str


@dataclass(frozen=True)
class Streamable:
    """A folder whose four files the fast path may read."""

    folder: Path
    files: dict[str, StreamedFile]
    is_synthetic: bool
    ignored_files: tuple[str, ...]

    @property
    def hashes(self) -> dict[str, str]:
        return {f.path.name: f.sha256 for f in self.files.values()}


def _header(spec: FileSpec, path: Path, first_line: bytes) -> tuple[str, ...] | None:
    """The header's names when the careful reader would accept them as they are written."""
    try:
        names = first_line.decode("utf-8-sig").rstrip("\r\n").split(",")
    except UnicodeDecodeError:
        return None
    problems: list[Violation] = []
    if (
        any(n != n.strip() for n in names)
        or check_header(spec, path.name, names, "line", problems) is None
        or problems
    ):
        return None
    return tuple(names)


def _header_of(spec: FileSpec, path: Path) -> tuple[str, ...] | None:
    """The file's header when the fast path may read it (no quote or NUL in it either)."""
    with path.open("rb") as fh:
        first_line = fh.readline()
    if b'"' in first_line or b"\x00" in first_line:
        return None
    return _header(spec, path, first_line)


def _content_hash(path: Path) -> str | None:
    """The file's SHA-256 when DuckDB and the careful reader would read the same rows: UTF-8,
    no quotes, no NUL, every carriage return followed by a newline; else None."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    pending_cr = False
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(SCAN_CHUNK_BYTES), b""):
            digest.update(chunk)
            if b'"' in chunk or b"\x00" in chunk:
                return None
            if pending_cr and not chunk.startswith(b"\n"):
                return None
            # (``in`` first: a search for one byte is 20x faster than counting them, and
            # nearly every extract has no carriage return at all, or only in CR LF endings)
            if b"\r" in chunk and (
                chunk.count(b"\r") != chunk.count(b"\r\n") + chunk.endswith(b"\r")
            ):
                return None
            pending_cr = chunk.endswith(b"\r")
            if not chunk.isascii():
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    return None
    try:
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return None if pending_cr else digest.hexdigest()


@dataclass(frozen=True)
class ScanStarted:
    """A folder whose headers the fast path accepts, its files' contents being checked and
    hashed in a thread of their own while DuckDB streams them (issue 10: the check and the
    hash cost 1.8 s at a million courses, on a core DuckDB leaves partly idle)."""

    extract: Streamable  # every sha256 still empty
    hashes: Future[dict[str, str | None]]

    def finished(self) -> Streamable | None:
        """The extract with its hashes once every file's content is checked; None when one is
        not for the fast path (the careful path decides)."""
        found = self.hashes.result()
        if any(digest is None for digest in found.values()):
            return None
        files = {
            name: replace(file, sha256=str(found[name]))
            for name, file in self.extract.files.items()
        }
        return replace(self.extract, files=files)


def _hash_all(paths: dict[str, Path]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name, path in paths.items():
        found[name] = _content_hash(path)
        if found[name] is None:
            break  # the careful path will read them all anyway
    return found


def begin_scan(folder: Path) -> ScanStarted | None:
    """The folder's headers checked now and its contents checked in a thread (see
    :class:`ScanStarted`); None when the fast path cannot read it (the careful path reads it,
    and reports what is wrong)."""
    discovery = discover(folder)
    if discovery.violations:
        return None
    files: dict[str, StreamedFile] = {}
    for spec in FILES:
        path = discovery.found[spec.name]
        if path.suffix.lower() != ".csv":
            return None
        header = _header_of(spec, path)
        if header is None:
            return None
        files[spec.name] = StreamedFile(spec, path, header, "")
    extract = Streamable(folder, files, discovery.is_synthetic, tuple(discovery.ignored))
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ozone-scan")
    hashes = pool.submit(_hash_all, {name: f.path for name, f in files.items()})
    pool.shutdown(wait=False)  # the thread ends with its one task
    return ScanStarted(extract, hashes)


def scan(folder: Path) -> Streamable | None:
    """The folder's files, headers and contents checked, when the fast path may read them
    all; else None (the careful path reads them, and reports what is wrong)."""
    started = begin_scan(folder)
    return None if started is None else started.finished()


def stream_rules(spec: FileSpec) -> dict[str, Any]:
    """The bound ``$rules`` struct of ``stream_<file>.sql``: the careful path's patterns and
    yes/no words, each number column's bounds (infinite = open) and the score ranges."""
    rules: dict[str, Any] = {
        "int_pattern": INT_PATTERN,
        "decimal_pattern": DECIMAL_PATTERN,
        "full_date": FULL_DATE_VALUE.pattern,
        "email": EMAIL_VALUE,
        "ssn": SSN_VALUE,
        "phone": PHONE_VALUE,
        "phone_separator": PHONE_SEPARATOR,
        "true_words": list(BOOL_TRUE),
        "false_words": list(BOOL_FALSE),
    }
    for col in spec.columns:
        if col.kind in ("int", "decimal"):
            rules[col.name] = {
                "min": -math.inf if col.min_value is None else float(col.min_value),
                "max": math.inf if col.max_value is None else float(col.max_value),
            }
    if spec.name == "assessments":
        rules["score_ranges"] = [
            {"instrument": name, "min": float(lo), "max": float(hi)}
            for name, (lo, hi) in INSTRUMENT_RANGES.items()
        ]
    return rules


def _text_view(con: duckdb.DuckDBPyConnection, file: StreamedFile) -> None:
    """The view ``stream_<file>_text``: the CSV's columns as text, in contract order, an
    optional column left out of the header as NULL (DuckDB reads it when the insert runs)."""
    relation = con.read_csv(
        str(file.path),
        columns=dict.fromkeys(file.header, "VARCHAR"),
        header=True,
        auto_detect=False,
        sep=",",
        quotechar='"',
        escapechar='"',
        strict_mode=True,
        null_padding=False,
    )
    text = duckdb.sqltype("VARCHAR")
    columns = [
        duckdb.ColumnExpression(name)
        if name in file.header
        else duckdb.ConstantExpression(None).cast(text).alias(name)
        for name in file.spec.column_names
    ]
    relation.select(*columns).create_view(f"stream_{file.spec.name}_text", replace=True)


def stream_into(con: duckdb.DuckDBPyConnection, extract: Streamable) -> dict[str, int]:
    """Read, type and check the extract into the contract tables of ``con`` (empty, with the
    schema of ``sql/meta/schema.sql``); the rows of each file. Raises :class:`NotStreamable`
    when the careful path must decide; the caller then discards the new file."""
    try:
        db.execute_script(con, "meta/stream_macros")
        for spec in FILES:
            file = extract.files[spec.name]
            _text_view(con, file)
            db.execute_script(con, f"meta/stream_{spec.name}", rules=stream_rules(spec))
        grades = [
            {"scale": scale, "grade": grade}
            for scale, grades_of in SEVERITY_GRADES_BY_SCALE.items()
            for grade in grades_of
        ]
        broken = db.run_here(con, "meta/stream_rules", grades=grades)
        counts = db.run_here(con, "meta/table_row_counts")
    except duckdb.Error as exc:
        raise NotStreamable(str(exc)) from None
    if int(broken.to_numpy().sum()) > 0:
        raise NotStreamable("a rule across rows or files is broken")
    found = dict(zip(counts["table_name"], counts["n_rows"], strict=True))
    return {spec.name: int(found[spec.name]) for spec in FILES}
