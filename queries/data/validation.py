"""Read a folder of contract files and check every rule of the data contract.

Every violation is collected (not just the first) as ``file line N, column C: value 'x' —
what was expected``; line numbers are those an editor shows (the header is line 1; for
Parquet, "row N" counts data rows from 1). Nothing here touches a database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from queries.data.contract import (
    BOOL_FALSE,
    BOOL_TRUE,
    FILE_BY_NAME,
    FILES,
    INSTRUMENT_RANGES,
    SEVERITY_GRADES_BY_SCALE,
    SUFFIXES,
    SYNTHETIC_MANIFEST,
    Column,
    FileSpec,
)

MAX_VALUE_SHOWN = 40

# Column names that look like direct identifiers (HIPAA Safe Harbor, methods.md section 6).
IDENTIFIER_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(^|_)(first|last|full|given|family|sur|middle|patient|maiden)?_?name($|_)", "a name"),
    (r"(^|_)(dob|birth|birthday|birthdate|date_of_birth)($|_)", "a date of birth"),
    (r"(^|_)(mrn|medical_record|record_number|chart_number)($|_)", "a medical record number"),
    (r"(^|_)(ssn|social_security|national_id|nhs_number|insurance_number)($|_)",
     "a social security or national id number"),
    (r"(^|_)(phone|telephone|tel|mobile|cell|fax)($|_)", "a phone or fax number"),
    (r"(^|_)(e_?mail)($|_)", "an email address"),
    (r"(^|_)(address|street|city|town|county)($|_)", "an address"),
    (r"(^|_)(zip|zipcode|zip_code|postcode|postal_code)($|_)", "a ZIP or postal code"),
    (r"(^|_)(date|datetime|timestamp|dt)($|_)|_date$|^date_", "a full date"),
)
FULL_DATE_VALUE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})([ T].*)?\s*$"
)
INT_PATTERN = r"^\s*[+-]?\d+(\.0*)?\s*$"


@dataclass(frozen=True)
class Violation:
    """One broken rule, with where it is and what was expected."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    row_word: str = "line"  # "row" for Parquet

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" {self.row_word} {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.value is not None:
            shown = self.value if len(self.value) <= MAX_VALUE_SHOWN else \
                self.value[:MAX_VALUE_SHOWN] + "…"
            return f"{where}: value '{shown}' — {self.expected}"
        return f"{where}: {self.expected}"


class ContractViolation(Exception):
    """The extract breaks the data contract; ``violations`` lists every broken rule."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__(self.summary())

    def summary(self, limit: int | None = 20) -> str:
        shown = self.violations if limit is None else self.violations[:limit]
        lines = [f"Refused: {len(self.violations)} problem(s) in the extract; "
                 "nothing was loaded and the database is unchanged."]
        lines += [f"  {v}" for v in shown]
        if limit is not None and len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)


@dataclass
class RawFile:
    """One contract file read as text: one Arrow string array per column (null = empty)."""

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


@dataclass
class Extract:
    """A folder's four files, checked; ``tables`` holds typed Arrow tables in contract order."""

    folder: Path
    fmt: str
    files: dict[str, RawFile]
    is_synthetic: bool
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def hashes(self) -> dict[str, str]:
        return {f.path.name: f.sha256 for f in self.files.values()}


# ---------------------------------------------------------------------------------------------
# Reading


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def identifier_reason(column_name: str) -> str | None:
    """Why a column name looks like a direct identifier, or None."""
    norm = re.sub(r"[^a-z0-9]+", "_", column_name.strip().lower()).strip("_")
    for pattern, what in IDENTIFIER_NAME_PATTERNS:
        if re.search(pattern, norm):
            return what
    return None


def _check_header(spec: FileSpec, name: str, header: list[str], row_word: str,
                  out: list[Violation]) -> list[str] | None:
    """Check the header; returns the usable column names, or None when rows can't be read."""
    usable = True
    seen: set[str] = set()
    for col in header:
        if col in seen:
            out.append(Violation(name, 1 if row_word == "line" else None, col, None,
                                 "this column appears twice in the header"))
            usable = False
        seen.add(col)
        if col in spec.column_names:
            continue
        reason = identifier_reason(col)
        if reason:
            out.append(Violation(name, 1 if row_word == "line" else None, col, None,
                                 f"this column looks like {reason}, a direct identifier; "
                                 "remove it and de-identify the extract before loading "
                                 "(README: 'Loading your own data')"))
        else:
            out.append(Violation(name, 1 if row_word == "line" else None, col, None,
                                 f"unexpected column; {spec.name} has exactly: "
                                 + ", ".join(spec.column_names)))
    for col in spec.column_names:
        if col not in seen:
            out.append(Violation(name, 1 if row_word == "line" else None, col, None,
                                 "required column is missing from the header"))
            usable = False
    return header if usable else None


ReadResult = tuple[dict[str, pa.Array], np.ndarray]


def _csv_fast(text: str, columns: list[str]) -> ReadResult | None:
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
                column_types={c: pa.string() for c in columns}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except pa.ArrowInvalid:
        return None
    arrays = {c: table.column(c).combine_chunks() for c in columns}
    return arrays, np.arange(2, table.num_rows + 2, dtype=np.int64)


def _csv_careful(text: str, name: str, columns: list[str],
                 out: list[Violation]) -> ReadResult | None:
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
                out.append(Violation(
                    name, start, None, None,
                    f"this row has {len(row)} fields, the header has {n_cols} "
                    "(a truncated file, or a stray or missing comma?)"))
            else:
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        out.append(Violation(name, start, None, None,
                             f"the row cannot be read ({exc}); the file may be truncated"))
        return None
    arrays = {}
    for i, col in enumerate(columns):
        arrays[col] = pa.array([r[i] if r[i] != "" else None for r in rows], type=pa.string())
    return arrays, np.asarray(lines, dtype=np.int64)


def _read_csv(spec: FileSpec, path: Path, out: list[Violation]) -> ReadResult | None:
    name = path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        out.append(Violation(name, line, None, None,
                             f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8"))
        return None
    if not text.strip():
        out.append(Violation(name, None, None, None,
                             "the file is empty; expected a header row: "
                             + ",".join(spec.column_names)))
        return None
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline=""),
                                                     strict=True))]
    except csv.Error as exc:
        out.append(Violation(name, 1, None, None, f"the header row cannot be read ({exc})"))
        return None
    columns = _check_header(spec, name, header, "line", out)
    if columns is None:
        return None
    return _csv_fast(text, columns) or _csv_careful(text, name, columns, out)


def _read_parquet(spec: FileSpec, path: Path, out: list[Violation]) -> ReadResult | None:
    name = path.name
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        out.append(Violation(name, None, None, None,
                             f"the file cannot be read as Parquet ({exc}); it may be truncated",
                             row_word="row"))
        return None
    columns = _check_header(spec, name, list(table.column_names), "row", out)
    if columns is None:
        return None
    arrays = {}
    for col in columns:
        arr = table.column(col).combine_chunks()
        if pa.types.is_boolean(arr.type):
            arr = pc.if_else(arr, "true", "false")
        elif pa.types.is_floating(arr.type):
            # whole numbers stored as floating point (common for nullable ints) read as "3"
            whole = pc.fill_null(pc.equal(arr, pc.floor(arr)), False)
            arr = pc.if_else(whole, pc.cast(pc.cast(pc.if_else(whole, arr, 0), pa.int64()),
                                            pa.string()), pc.cast(arr, pa.string()))
        elif not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        arrays[col] = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return arrays, np.arange(1, table.num_rows + 1, dtype=np.int64)


def discover(folder: Path) -> tuple[dict[str, Path], bool, list[Violation]]:
    """Find the contract files in a folder; wrong, missing or doubled names are violations."""
    out: list[Violation] = []
    expected_names = ", ".join(f"{f.name}.csv" for f in FILES) + " (or the same as .parquet)"
    if not folder.exists():
        return {}, False, [Violation(str(folder), None, None, None,
                                     "no such folder; expected a folder holding " + expected_names)]
    if not folder.is_dir():
        return {}, False, [Violation(str(folder), None, None, None,
                                     "is a file, not a folder; expected a folder holding "
                                     + expected_names)]
    found: dict[str, Path] = {}
    is_synthetic = False
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    if not entries:
        return {}, False, [Violation(str(folder), None, None, None,
                                     "the folder is empty; expected " + expected_names)]
    for path in entries:
        if path.name == SYNTHETIC_MANIFEST:
            is_synthetic = True
            continue
        stem, suffix = path.stem, path.suffix.lower()
        if path.is_file() and suffix in SUFFIXES and stem in FILE_BY_NAME:
            if stem in found:
                out.append(Violation(path.name, None, None, None,
                                     f"both {found[stem].name} and {path.name} are present; "
                                     "keep one"))
            found[stem] = path
        else:
            out.append(Violation(path.name, None, None, None,
                                 "unexpected file name; the contract's files are "
                                 + expected_names))
    for spec in FILES:
        if spec.name not in found:
            out.append(Violation(f"{spec.name}.csv", None, None, None,
                                 "required file is missing from the folder"
                                 + (" (it may have a header and no rows)"
                                    if spec.may_be_empty else "")))
    suffixes = {p.suffix.lower() for p in found.values()}
    if len(suffixes) > 1:
        out.append(Violation(str(folder), None, None, None,
                             "mixes CSV and Parquet files; use one format for all four"))
    return found, is_synthetic, out


# ---------------------------------------------------------------------------------------------
# Checking


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, null = False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _add(out: list[Violation], raw: RawFile, mask: np.ndarray, column: str | None,
         expected: str, values: pa.Array | None = None) -> None:
    """Record one violation per True row of ``mask``; only the bad rows are converted."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    source = values if values is not None else raw.columns.get(column) if column else None
    shown = source.take(pa.array(idx)).to_pylist() if source is not None else [None] * idx.size
    for line, value in zip(raw.lines[idx], shown):
        out.append(Violation(raw.display_name, int(line), column,
                             "" if value is None and column else value, expected, raw.row_word))


DECIMAL_PATTERN = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


def _numbers(arr: pa.Array, ok: np.ndarray) -> np.ndarray:
    """Float values of the rows whose text passed a number pattern, NaN elsewhere."""
    kept = pc.if_else(pa.array(ok), pc.utf8_trim_whitespace(arr), pa.scalar(None, pa.string()))
    return np.asarray(pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _check_column(raw: RawFile, col: Column, out: list[Violation]) -> None:
    arr = raw.columns[col.name]
    present = _mask(pc.is_valid(arr))
    if col.required:
        _add(out, raw, ~present, col.name,
             f"empty, but a value is required ({col.expected()})")
    if col.kind in ("int", "decimal"):
        pattern = INT_PATTERN if col.kind == "int" else DECIMAL_PATTERN
        ok = _mask(pc.match_substring_regex(arr, pattern))
        _add(out, raw, present & ~ok, col.name, f"not {col.expected()}")
        _check_range(raw, col, _numbers(arr, ok), ok, out)
    elif col.kind == "bool":
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        ok = _mask(pc.is_in(lowered, value_set=pa.array(BOOL_TRUE + BOOL_FALSE)))
        _add(out, raw, present & ~ok, col.name, f"not {col.expected()}")
    elif col.kind == "enum":
        ok = _mask(pc.is_in(arr, value_set=pa.array(col.values)))
        _add(out, raw, present & ~ok, col.name, f"not allowed here (use {col.expected()})")
    elif col.kind == "text":
        looks_like_date = _mask(pc.match_substring_regex(arr, FULL_DATE_VALUE.pattern))
        _add(out, raw, looks_like_date, col.name,
             "looks like a full calendar date, a direct identifier under HIPAA Safe Harbor; "
             "keep only the year (start_year) and de-identify the extract")
    if col.unique:
        values = pd.Series(arr.to_numpy(zero_copy_only=False))
        dup = values.duplicated(keep="first").to_numpy() & present
        if dup.any():
            first_line = pd.Series(raw.lines).groupby(values.to_numpy(), sort=False) \
                .transform("min").to_numpy()
            for i in np.flatnonzero(dup):
                out.append(Violation(raw.display_name, int(raw.lines[i]), col.name,
                                     str(values.iat[i]), f"{col.name} must be unique; this value "
                                     f"is already on {raw.row_word} {int(first_line[i])}",
                                     raw.row_word))


def _check_range(raw: RawFile, col: Column, nums: np.ndarray, valid: np.ndarray,
                 out: list[Violation]) -> None:
    bad = np.zeros(len(nums), dtype=bool)
    with np.errstate(invalid="ignore"):
        if col.min_value is not None:
            bad |= valid & (nums < col.min_value)
        if col.max_value is not None:
            bad |= valid & (nums > col.max_value)
    _add(out, raw, bad, col.name, f"out of range (expected {col.expected()})")


def _check_courses(raw: RawFile, out: list[Violation]) -> None:
    scale = raw.columns["severity_scale"]
    grade = raw.columns["severity_grade"]
    has_grade = _mask(pc.is_valid(grade))
    for scale_name, grades in SEVERITY_GRADES_BY_SCALE.items():
        on_scale = _mask(pc.equal(scale, scale_name))
        in_scale = _mask(pc.is_in(grade, value_set=pa.array(grades, type=pa.string())))
        if grades:
            expected = (f"not a grade of the {scale_name} scale (use one of "
                        + ", ".join(grades) + ", or leave it empty when unknown)")
        else:
            expected = "severity_scale is none, so severity_grade must be empty"
        _add(out, raw, on_scale & has_grade & ~in_scale, "severity_grade", expected)


def _check_foreign_key(raw: RawFile, known: pa.Array | None, out: list[Violation]) -> None:
    if known is None:
        return
    arr = raw.columns["course_id"]
    bad = _mask(pc.is_valid(arr)) & ~_mask(pc.is_in(arr, value_set=known))
    _add(out, raw, bad, "course_id", "no course with this course_id in courses")


def _check_sessions(raw: RawFile, out: list[Violation]) -> None:
    num_arr, day_arr = raw.columns["session_number"], raw.columns["day"]
    num = _numbers(num_arr, _mask(pc.match_substring_regex(num_arr, INT_PATTERN)))
    day = _numbers(day_arr, _mask(pc.match_substring_regex(day_arr, INT_PATTERN)))
    course = pd.Series(raw.columns["course_id"].to_numpy(zero_copy_only=False))
    work = pd.DataFrame({"course_id": course, "num": num, "day": day,
                         "pos": np.arange(raw.n_rows)})
    work = work[work["course_id"].notna() & work["num"].notna() & work["day"].notna()]

    def mark(positions) -> np.ndarray:
        mask = np.zeros(raw.n_rows, dtype=bool)
        mask[np.asarray(positions, dtype=np.int64)] = True
        return mask

    dup = work.duplicated(["course_id", "num"], keep="first")
    _add(out, raw, mark(work.loc[dup, "pos"]), "session_number",
         "this session_number appears twice for the course; each session once")
    work = work[~dup].sort_values(["course_id", "num"], kind="stable")
    count = work.groupby("course_id")["num"].transform("size").to_numpy()
    rank = work.groupby("course_id").cumcount().to_numpy() + 1
    gap = work["num"].to_numpy() != rank
    for pos, n_sessions in zip(work["pos"].to_numpy()[gap], count[gap]):
        out.append(Violation(raw.display_name, int(raw.lines[pos]), "session_number",
                             str(num_arr[int(pos)].as_py()),
                             f"sessions of course {course.iat[pos]} must be numbered "
                             f"1..{int(n_sessions)} without gaps", raw.row_word))
    first_bad = (work["num"] == 1) & (work["day"] != 0)
    _add(out, raw, mark(work.loc[first_bad, "pos"]), "day",
         "session 1 must be on day 0 (day counts from the first session)")
    prev_day = work.groupby("course_id")["day"].shift(1)
    not_increasing = prev_day.notna() & (work["day"] <= prev_day)
    _add(out, raw, mark(work.loc[not_increasing, "pos"]), "day",
         "not after the previous session's day; days must increase with session_number")


def _check_assessments(raw: RawFile, out: list[Violation]) -> None:
    score_arr = raw.columns["score"]
    score = _numbers(score_arr, _mask(pc.match_substring_regex(score_arr, DECIMAL_PATTERN)))
    inst = raw.columns["instrument"]
    for name, (lo, hi) in INSTRUMENT_RANGES.items():
        on = _mask(pc.equal(inst, name)) & np.isfinite(score)
        with np.errstate(invalid="ignore"):
            bad = on & ((score < lo) | (score > hi))
        _add(out, raw, bad, "score", f"out of range for {name} (expected {lo:g} to {hi:g})")


def _typed(raw: RawFile) -> pa.Table:
    """The checked text columns as a typed Arrow table in contract order."""
    data = {}
    for col in raw.spec.columns:
        arr = raw.columns[col.name]
        if col.kind in ("int", "decimal"):
            values = pc.cast(pc.utf8_trim_whitespace(arr), pa.float64())
            data[col.name] = pc.cast(values, pa.int64()) if col.kind == "int" else values
        elif col.kind == "bool":
            lowered = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            data[col.name] = pc.if_else(pc.is_valid(arr),
                                        pc.is_in(lowered, value_set=pa.array(BOOL_TRUE)),
                                        pa.scalar(None, pa.bool_()))
        else:
            data[col.name] = arr
    return pa.table(data)


def read_extract(folder: str | Path) -> Extract:
    """Read and check a folder; raises :class:`ContractViolation` listing every problem."""
    folder = Path(folder)
    found, is_synthetic, violations = discover(folder)
    files: dict[str, RawFile] = {}
    fmt = "csv"
    for spec in FILES:
        path = found.get(spec.name)
        if path is None:
            continue
        fmt = "parquet" if path.suffix.lower() == ".parquet" else "csv"
        reader = _read_parquet if fmt == "parquet" else _read_csv
        result = reader(spec, path, violations)
        if result is None:
            continue
        columns, lines = result
        raw = RawFile(spec, path, fmt, columns, lines, _sha256(path),
                      row_word="row" if fmt == "parquet" else "line")
        if raw.n_rows == 0 and not spec.may_be_empty:
            violations.append(Violation(path.name, None, None, None,
                                        "the file has a header but no rows"))
        for col in spec.columns:
            _check_column(raw, col, violations)
        files[spec.name] = raw
    known = files["courses"].columns["course_id"] if "courses" in files else None
    if "courses" in files:
        _check_courses(files["courses"], violations)
    for name in ("sessions", "assessments", "adverse_events"):
        if name in files:
            _check_foreign_key(files[name], known, violations)
    if "sessions" in files:
        _check_sessions(files["sessions"], violations)
    if "assessments" in files:
        _check_assessments(files["assessments"], violations)
    if violations:
        order = {spec.name: i for i, spec in enumerate(FILES)}
        violations.sort(key=lambda v: (order.get(v.file.rsplit(".", 1)[0], -1),
                                       v.line if v.line is not None else -1))
        raise ContractViolation(violations)
    extract = Extract(folder, fmt, files, is_synthetic)
    extract.tables = {name: _typed(raw) for name, raw in files.items()}
    return extract
