"""Read each contract file of a folder as text columns.

CSV is read by Arrow's fast reader when every row is one line, else by Python's careful
reader, which knows the editor line of every row; Parquet is read by Arrow and its values
turned into the same text form (the files are found by :mod:`queries.data.discovery`).
Problems of the header or the file itself are collected as
:class:`~queries.data.violations.Violation` (the rules of the values are checked in
:mod:`queries.data.validation`). Nothing here touches a database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from queries.data.contract import FileSpec
from queries.data.violations import Violation

HASH_CHUNK_BYTES = 1 << 20

# Column names that look like direct identifiers (HIPAA Safe Harbor, methods.md section 6).
IDENTIFIER_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(^|_)(first|last|full|given|family|sur|middle|patient|maiden)?_?name($|_)", "a name"),
    (r"(^|_)(dob|birth|birthday|birthdate|date_of_birth)($|_)", "a date of birth"),
    (r"(^|_)(mrn|medical_record|record_number|chart_number)($|_)", "a medical record number"),
    (
        r"(^|_)(ssn|social_security|national_id|nhs_number|insurance_number)($|_)",
        "a social security or national id number",
    ),
    (r"(^|_)(phone|telephone|tel|mobile|cell|fax)($|_)", "a phone or fax number"),
    (r"(^|_)(e_?mail)($|_)", "an email address"),
    (r"(^|_)(address|street|city|town|county)($|_)", "an address"),
    (r"(^|_)(zip|zipcode|zip_code|postcode|postal_code)($|_)", "a ZIP or postal code"),
    (r"(^|_)(date|datetime|timestamp|dt)($|_)|_date$|^date_", "a full date"),
)


@dataclass
class RawFile:
    """One contract file read as text: one Arrow string array per contract column (null =
    empty; an optional column left out of the header is all null)."""

    spec: FileSpec
    path: Path
    fmt: str
    columns: dict[str, pa.Array]
    lines: np.ndarray  # editor line (CSV) or 1-based row (Parquet) of every row
    sha256: str
    row_word: str = "line"

    @property
    def display_name(self) -> str:
        return self.path.name

    @property
    def n_rows(self) -> int:
        return len(self.lines)


@dataclass(frozen=True)
class ReadColumns:
    """What a reader got from a file: the text columns and the line (or row) of every row."""

    columns: dict[str, pa.Array]
    lines: np.ndarray


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(HASH_CHUNK_BYTES), b""):
            h.update(chunk)
    return h.hexdigest()


def identifier_reason(column_name: str) -> str | None:
    """Why a column name looks like a direct identifier, or None."""
    norm = re.sub(r"[^a-z0-9]+", "_", column_name.strip().lower()).strip("_")
    for pattern, what in IDENTIFIER_NAME_PATTERNS:
        if re.search(pattern, norm):
            return what
    return None


def check_header(
    spec: FileSpec, name: str, header: list[str], row_word: str, out: list[Violation]
) -> list[str] | None:
    """Check the header; returns the usable column names, or None when rows can't be read.

    An optional column may be left out (data-contract "Conventions"); a required one may not.
    """
    usable = True
    seen: set[str] = set()
    line = 1 if row_word == "line" else None
    for col in header:
        if col in seen:
            out.append(Violation(name, line, col, None, "this column appears twice in the header"))
            usable = False
        seen.add(col)
        if col in spec.column_names:
            continue
        reason = identifier_reason(col)
        expected = (
            f"this column looks like {reason}, a direct identifier; "
            "remove it and de-identify the extract before loading "
            "(README: 'Loading your own data')"
            if reason
            else f"unexpected column; {spec.name} has exactly: " + ", ".join(spec.column_names)
        )
        out.append(Violation(name, line, col, None, expected))
    for column in spec.columns:
        if column.name not in seen and column.required:
            out.append(
                Violation(
                    name, line, column.name, None, "required column is missing from the header"
                )
            )
            usable = False
    return header if usable else None


def _csv_fast(text: str, columns: list[str]) -> ReadColumns | None:
    """Arrow's multi-threaded CSV reader, used when every row is one line (no quotes, no blank
    lines), so that row i is editor line i + 2. None when Arrow refuses the file: the careful
    reader then finds and reports exactly what is wrong."""
    if '"' in text or "\n\n" in text.rstrip("\r\n") or "\n\r\n" in text.rstrip("\r\n"):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=columns, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    arrays = {c: table.column(c).combine_chunks() for c in columns}
    return ReadColumns(arrays, np.arange(2, table.num_rows + 2, dtype=np.int64))


def _csv_careful(
    text: str, name: str, columns: list[str], out: list[Violation]
) -> ReadColumns | None:
    """Python's csv reader: slower, but knows the editor line of every row (quoted newlines,
    blank lines) and reports ragged or truncated rows."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    n_cols = len(columns)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    try:
        for row in reader:
            if not row:  # a blank line
                start = reader.line_num + 1
                continue
            if len(row) != n_cols:
                ragged = (
                    f"this row has {len(row)} fields, the header has {n_cols} "
                    "(a truncated file, or a stray or missing comma?)"
                )
                out.append(Violation.of_file(name, ragged, start))
            else:
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        unreadable = f"the row cannot be read ({exc}); the file may be truncated"
        out.append(Violation.of_file(name, unreadable, start))
        return None
    arrays = {}
    for i, col in enumerate(columns):
        arrays[col] = pa.array([r[i] if r[i] != "" else None for r in rows], type=pa.string())
    return ReadColumns(arrays, np.asarray(lines, dtype=np.int64))


def _read_csv(spec: FileSpec, path: Path, out: list[Violation]) -> ReadColumns | None:
    name = path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        not_utf8 = f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        out.append(Violation.of_file(name, not_utf8, line))
        return None
    if not text.strip():
        empty = "the file is empty; expected a header row: " + ",".join(spec.column_names)
        out.append(Violation.of_file(name, empty))
        return None
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline=""), strict=True))]
    except csv.Error as exc:
        out.append(Violation.of_file(name, f"the header row cannot be read ({exc})", 1))
        return None
    columns = check_header(spec, name, header, "line", out)
    if columns is None:
        return None
    return _csv_fast(text, columns) or _csv_careful(text, name, columns, out)


def _parquet_as_text(arr: pa.Array) -> pa.Array:
    """A Parquet column as the text a CSV would hold (booleans as true/false, whole floats as
    "3"), empty strings as null."""
    if pa.types.is_boolean(arr.type):
        arr = pc.if_else(arr, "true", "false")
    elif pa.types.is_floating(arr.type):
        # whole numbers stored as floating point (common for nullable ints) read as "3"
        whole = pc.fill_null(pc.equal(arr, pc.floor(arr)), False)
        arr = pc.if_else(
            whole,
            pc.cast(pc.cast(pc.if_else(whole, arr, 0), pa.int64()), pa.string()),
            pc.cast(arr, pa.string()),
        )
    elif not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _read_parquet(spec: FileSpec, path: Path, out: list[Violation]) -> ReadColumns | None:
    name = path.name
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        unreadable = f"the file cannot be read as Parquet ({exc}); it may be truncated"
        out.append(Violation.of_file(name, unreadable, row_word="row"))
        return None
    columns = check_header(spec, name, list(table.column_names), "row", out)
    if columns is None:
        return None
    arrays = {col: _parquet_as_text(table.column(col).combine_chunks()) for col in columns}
    return ReadColumns(arrays, np.arange(1, table.num_rows + 1, dtype=np.int64))


def _with_missing_optional(spec: FileSpec, read: ReadColumns) -> dict[str, pa.Array]:
    """The columns in contract order, an optional column left out of the header all null."""
    n_rows = len(read.lines)
    return {
        col.name: read.columns[col.name]
        if col.name in read.columns
        else pa.nulls(n_rows, type=pa.string())
        for col in spec.columns
    }


def read_file(spec: FileSpec, path: Path, out: list[Violation]) -> RawFile | None:
    """Read one contract file (CSV or Parquet); None when its rows cannot be read (the reason
    is in ``out``)."""
    fmt = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    reader = _read_parquet if fmt == "parquet" else _read_csv
    read = reader(spec, path, out)
    if read is None:
        return None
    return RawFile(
        spec,
        path,
        fmt,
        _with_missing_optional(spec, read),
        read.lines,
        _sha256(path),
        row_word="row" if fmt == "parquet" else "line",
    )
