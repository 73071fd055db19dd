"""A clinic's raw export (data-contract.md, "Raw clinic export"): read it, and recognise one.

``read_raw_export`` reads the four files of a raw export as text with the editor line of every
row, for :func:`queries.data.deidentify.deidentify`. ``raw_export_reason`` tells whether a
folder handed to the loader is such an export (identifier columns, or values that look like
emails, phone numbers, SSNs or full dates: HIPAA Safe Harbor, 45 CFR 164.514(b)(2)), so that
the loader can refuse it with a message that names ``deidentify``. No identifier value is ever
put in a message.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from queries.data.contract import FILE_BY_NAME, FILES, SUFFIXES
from queries.data.reading import identifier_reason
from queries.data.validation import FULL_DATE_VALUE
from queries.data.violations import SUMMARY_LIMIT, ContractViolation, Violation

# What a raw export has instead of the contract's de-identified columns.
FIRST_SESSION_DATE = "first_session_date"
AGE = "age"
ESCALATION_DATE = "escalation_date"
DATE_COLUMN = {
    "sessions": "session_date",
    "assessments": "assessment_date",
    "adverse_events": "event_date",
}
DATE_FORMAT = "%Y-%m-%d"
DATE_SHAPE = r"^\d{4}-\d{2}-\d{2}$"

# Values that look like direct identifiers (methods.md section 6), most specific first.
EMAIL_VALUE = r"^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$"
SSN_VALUE = r"^\s*\d{3}-\d{2}-\d{4}\s*$"
# At least 10 digits (a national number with its area code, NANP) among separators only ...
PHONE_VALUE = r"^\s*\+?[ ().\-]*(\d[ ().\-]*){10,}\s*$"
PHONE_SEPARATOR = r"[ ().\-+]"  # ... and one of them: digits alone may as well be an id
MAX_FINDINGS_SHOWN = 6
DEIDENTIFY_HINT = (
    "De-identify it first: ozone-outcomes deidentify RAW_DIR OUT_DIR --key-file K "
    "(queries.data.deidentify; data-contract.md, 'Raw clinic export'), then load "
    "OUT_DIR."
)


class RawExportError(ValueError):
    """The raw export cannot be de-identified; ``violations`` lists every problem."""

    def __init__(self, folder: Path, violations: list[Violation]):
        self.folder = folder
        self.violations = violations
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        lines = [
            f"Refused: {len(self.violations)} problem(s) in the raw export {self.folder}; "
            "nothing was written."
        ]
        lines += [f"  {v}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)


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
class RawTable:
    """One raw file as text: ``frame`` holds str or None (empty cell) in every column."""

    name: str  # contract stem: courses, sessions, assessments, adverse_events
    file_name: str
    frame: pd.DataFrame
    lines: np.ndarray  # editor line (CSV, header = line 1) or 1-based row (Parquet)
    row_word: str

    def violation(
        self, position: int | None, column: str | None, value: str | None, expected: str
    ) -> Violation:
        """A problem at row ``position`` (0-based in ``frame``; None: the file or header)."""
        line = None if position is None else int(self.lines[position])
        if position is None and self.row_word == "line" and column is not None:
            line = 1
        return Violation(self.file_name, line, column, value, expected, self.row_word)


def identifier_values(arr: pa.Array | pa.ChunkedArray) -> list[tuple[str, np.ndarray]]:
    """For each kind of identifier-looking value (email, SSN, phone, full date), the mask of
    the values of ``arr`` (strings) that look like it; only kinds that occur are returned."""

    def mask(pattern: str) -> np.ndarray:
        found = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)

    ssn = mask(SSN_VALUE)
    phone = mask(PHONE_VALUE) & mask(PHONE_SEPARATOR) & ~ssn
    kinds = (
        ("an email address", mask(EMAIL_VALUE)),
        ("a social security number", ssn),
        ("a phone number", phone),
        ("a full calendar date", mask(FULL_DATE_VALUE.pattern)),
    )
    return [(what, found) for what, found in kinds if found.any()]


def identifier_value_counts(arr: pa.Array | pa.ChunkedArray) -> list[tuple[str, int]]:
    """How many values of ``arr`` look like each kind of identifier; the patterns run on the
    distinct values only (a column of days or enums has a handful)."""
    counted = pc.value_counts(arr)
    distinct, counts = counted.field("values"), counted.field("counts").to_numpy()
    return [(what, int(counts[found].sum())) for what, found in identifier_values(distinct)]


# ---------------------------------------------------------------------------------------------
# Reading a raw export for deidentify


def _csv_fast(text: str) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Arrow's reader when every row is one line (no quotes, no blank lines, a header without
    doubles), so that row i is editor line i + 2; None otherwise, or when Arrow refuses the
    file: the careful reader then finds and reports exactly what is wrong."""
    body = text.rstrip("\r\n")
    header = [h.strip() for h in text.split("\n", 1)[0].rstrip("\r").split(",")]
    if '"' in text or "\n\n" in body or "\n\r\n" in body or len(set(header)) < len(header):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    frame = pd.DataFrame(
        {h: table.column(h).to_numpy(zero_copy_only=False) for h in header},
        columns=header,
        dtype=object,
    )
    return frame, np.arange(2, table.num_rows + 2, dtype=np.int64)


def _csv_careful(
    text: str, name: str, out: list[Violation]
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Python's csv reader: knows the editor line of every row (quoted newlines, blank lines)
    and reports ragged or truncated rows; None (with a violation) when unreadable."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        start = reader.line_num + 1
        for row in reader:
            if row and len(row) != len(header):
                ragged = (
                    f"this row has {len(row)} fields, the header has "
                    f"{len(header)} (a truncated file, or a stray comma?)"
                )
                out.append(Violation.of_file(name, ragged, start))
            elif row:
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        unreadable = f"the row cannot be read ({exc}); the file may be truncated"
        out.append(Violation.of_file(name, unreadable, reader.line_num))
        return None
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return frame.where(frame != "", None), np.asarray(lines, dtype=np.int64)


def _read_csv(name: str, path: Path, out: list[Violation]) -> RawTable | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        not_utf8 = f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        out.append(Violation.of_file(path.name, not_utf8))
        return None
    if not text.strip():
        out.append(Violation.of_file(path.name, "the file is empty; expected a header"))
        return None
    found = _csv_fast(text) or _csv_careful(text, path.name, out)
    if found is None:
        return None
    frame, lines = found
    return RawTable(name, path.name, frame, lines, "line")


def _as_text(arr: pa.Array) -> pa.Array:
    """A Parquet column as strings; dates and timestamps as YYYY-MM-DD."""
    if pa.types.is_timestamp(arr.type):
        arr = pc.cast(arr, pa.date32())
    return arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())


def _read_parquet(name: str, path: Path, out: list[Violation]) -> RawTable | None:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        unreadable = f"the file cannot be read as Parquet ({exc})"
        out.append(Violation.of_file(path.name, unreadable, row_word="row"))
        return None
    data = {
        col: _as_text(table.column(col).combine_chunks()).to_pylist() for col in table.column_names
    }
    frame = pd.DataFrame(data, columns=table.column_names, dtype=object)
    frame = frame.where(frame.notna() & (frame != ""), None)
    return RawTable(name, path.name, frame, np.arange(1, table.num_rows + 1), "row")


def _find(folder: Path, name: str, out: list[Violation]) -> Path | None:
    present = [
        folder / f"{name}{suffix}" for suffix in SUFFIXES if (folder / f"{name}{suffix}").is_file()
    ]
    if len(present) > 1:
        doubled = f"both {present[0].name} and {present[1].name} are present; keep one"
        out.append(Violation.of_file(present[1].name, doubled))
    if not present:
        missing = f"required file is missing from the raw export {folder}"
        out.append(Violation.of_file(f"{name}.csv", missing))
        return None
    return present[0]


def read_raw_export(folder: str | Path) -> dict[str, RawTable]:
    """The four files of a raw export as text; raises :class:`RawExportError` listing every
    file that is missing or cannot be read. Other files in the folder are ignored."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RawExportError(folder, [Violation.of_file(str(folder), "no such folder")])
    out: list[Violation] = []
    tables: dict[str, RawTable] = {}
    for spec in FILES:
        path = _find(folder, spec.name, out)
        if path is None:
            continue
        reader = _read_parquet if path.suffix == ".parquet" else _read_csv
        table = reader(spec.name, path, out)
        if table is not None:
            tables[spec.name] = table
    if out:
        raise RawExportError(folder, out)
    return tables


# ---------------------------------------------------------------------------------------------
# Recognising a raw export handed to the loader


def _text_table(path: Path) -> pa.Table | None:
    """Every column as strings; None when the file cannot be parsed (the loader reports why)."""
    try:
        if path.suffix == ".parquet":
            table = pq.read_table(path)
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
            table = pacsv.read_csv(
                path,
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={h: pa.string() for h in header}, strings_can_be_null=True
                ),
            )
    except (pa.ArrowException, OSError, UnicodeDecodeError, csv.Error):
        return None
    return pa.table({c: _as_text(table.column(c).combine_chunks()) for c in table.column_names})


def _header_findings(file_name: str, name: str, columns: list[str]) -> list[str]:
    found = []
    known = FILE_BY_NAME[name].column_names
    for col in columns:
        reason = None if col in known else identifier_reason(col)
        if col == AGE and name == "courses":
            reason = "an age in years (the contract has age_band)"
        if reason:
            found.append(f"{file_name} has a column {col}, which looks like {reason}")
    return found


def _value_findings(file_name: str, table: pa.Table) -> list[str]:
    found = []
    for col in table.column_names:
        for what, n_values in identifier_value_counts(table.column(col)):
            found.append(
                f"{file_name}, column {col}: {n_values} value(s) look like {what} (not shown)"
            )
    return found


def raw_export_reason(folder: str | Path) -> str | None:
    """Why ``folder`` looks like a raw clinic export rather than a de-identified extract
    (data-contract.md, "What a load does with bad input"), or None.

    Looks at the column names of the contract's four files (identifier-like names, ``age``,
    the raw date columns) and at every value (emails, SSNs, phone numbers, full dates). The
    message names the columns and counts, never a value, and says to run ``deidentify``.
    """
    folder = Path(folder)
    findings: list[str] = []
    for spec in FILES:
        for suffix in SUFFIXES:
            path = folder / f"{spec.name}{suffix}"
            table = _text_table(path) if path.is_file() else None
            if table is not None:
                findings += _header_findings(path.name, spec.name, list(table.column_names))
                findings += _value_findings(path.name, table)
    if not findings:
        return None
    shown = "; ".join(findings[:MAX_FINDINGS_SHOWN])
    more = (
        f"; and {len(findings) - MAX_FINDINGS_SHOWN} more"
        if len(findings) > MAX_FINDINGS_SHOWN
        else ""
    )
    return (
        f"{folder} looks like a raw clinic export, not a de-identified extract: "
        f"{shown}{more}. {DEIDENTIFY_HINT}"
    )
