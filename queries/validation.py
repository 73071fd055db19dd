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

from queries.contract import (
    BOOL_FALSE, BOOL_TRUE, FILE_BY_NAME, FILES, INSTRUMENT_RANGES, SEVERITY_GRADES_BY_SCALE,
    SUFFIXES, SYNTHETIC_MANIFEST, Column, FileSpec,
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
    """One contract file read as text: cells are str or None (empty = unknown)."""

    spec: FileSpec
    path: Path
    fmt: str
    frame: pd.DataFrame  # one column per contract column present, plus "_line"
    sha256: str
    row_word: str = "line"

    @property
    def display_name(self) -> str:
        return self.path.name

    @property
    def n_rows(self) -> int:
        return len(self.frame)


@dataclass
class Extract:
    """A folder's four files, checked; ``tables`` holds typed frames in contract order."""

    folder: Path
    fmt: str
    files: dict[str, RawFile]
    is_synthetic: bool
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

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


def _read_csv(spec: FileSpec, path: Path, out: list[Violation]) -> pd.DataFrame | None:
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
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        out.append(Violation(name, 1, None, None, f"the header row cannot be read ({exc})"))
        return None
    columns = _check_header(spec, name, header, "line", out)
    if columns is None:
        return None
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
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame = frame.replace({"": None})
    frame["_line"] = np.asarray(lines, dtype=np.int64)
    return frame


def _read_parquet(spec: FileSpec, path: Path, out: list[Violation]) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

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
    data = {}
    for col in columns:
        arr = table.column(col)
        if pa.types.is_boolean(arr.type):
            arr = pc.if_else(arr, "true", "false")
        elif not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        data[col] = arr.to_numpy(zero_copy_only=False)
    frame = pd.DataFrame(data, dtype=object)
    frame = frame.where(frame.notna(), None).replace({"": None})
    frame["_line"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    return frame


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


def _add(out: list[Violation], raw: RawFile, mask: np.ndarray, column: str | None,
         expected: str, values: pd.Series | None = None) -> None:
    """Record one violation per True row of ``mask``."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    lines = raw.frame["_line"].to_numpy()[idx]
    shown = (values if values is not None else raw.frame[column]).to_numpy()[idx] \
        if column is not None or values is not None else [None] * idx.size
    for line, value in zip(lines, shown):
        out.append(Violation(raw.display_name, int(line), column,
                             None if value is None else str(value), expected, raw.row_word))


def _check_column(raw: RawFile, col: Column, out: list[Violation]) -> None:
    s = raw.frame[col.name]
    empty = s.isna().to_numpy()
    if col.required:
        _add(out, raw, empty, col.name, f"empty, but a value is required ({col.expected()})",
             values=s.fillna(""))
    present = ~empty
    text = s.fillna("").astype(str)
    if col.kind == "int":
        ok = text.str.match(INT_PATTERN).to_numpy()
        _add(out, raw, present & ~ok, col.name, f"not {col.expected()}")
        nums = pd.to_numeric(text.where(ok & present), errors="coerce").to_numpy(dtype=float)
        _check_range(raw, col, nums, present & ok, out)
    elif col.kind == "decimal":
        nums = pd.to_numeric(text.str.strip().where(present), errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(nums)
        _add(out, raw, present & ~ok, col.name, f"not {col.expected()}")
        _check_range(raw, col, nums, present & ok, out)
    elif col.kind == "bool":
        ok = text.str.strip().str.lower().isin(BOOL_TRUE + BOOL_FALSE).to_numpy()
        _add(out, raw, present & ~ok, col.name, f"not {col.expected()}")
    elif col.kind == "enum":
        ok = text.isin(col.values).to_numpy()
        _add(out, raw, present & ~ok, col.name, f"not allowed here (use {col.expected()})")
    elif col.kind == "text":
        looks_like_date = text.str.match(FULL_DATE_VALUE).to_numpy()
        _add(out, raw, present & looks_like_date, col.name,
             "looks like a full calendar date, a direct identifier under HIPAA Safe Harbor; "
             "keep only the year (start_year) and de-identify the extract")
    if col.unique:
        dup = s.duplicated(keep="first").to_numpy() & present
        if dup.any():
            first_line = raw.frame.groupby(col.name, sort=False)["_line"].transform("min")
            idx = np.flatnonzero(dup)
            for i in idx:
                out.append(Violation(raw.display_name, int(raw.frame["_line"].iat[i]), col.name,
                                     str(s.iat[i]), f"{col.name} must be unique; this value "
                                     f"is already on {raw.row_word} {int(first_line.iat[i])}",
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
    f = raw.frame
    scale = f["severity_scale"]
    grade = f["severity_grade"]
    for scale_name, grades in SEVERITY_GRADES_BY_SCALE.items():
        on_scale = (scale == scale_name).to_numpy()
        has_grade = grade.notna().to_numpy()
        wrong = on_scale & has_grade & ~grade.isin(grades).to_numpy()
        if grades:
            expected = (f"not a grade of the {scale_name} scale (use one of "
                        + ", ".join(grades) + ", or leave it empty when unknown)")
        else:
            expected = "severity_scale is none, so severity_grade must be empty"
        _add(out, raw, wrong, "severity_grade", expected)


def _known_courses(courses: RawFile | None) -> set[str] | None:
    if courses is None:
        return None
    return set(courses.frame["course_id"].dropna())


def _check_foreign_key(raw: RawFile, known: set[str] | None, out: list[Violation]) -> None:
    if known is None:
        return
    s = raw.frame["course_id"]
    bad = s.notna().to_numpy() & ~s.isin(known).to_numpy()
    _add(out, raw, bad, "course_id", "no course with this course_id in courses")


def _check_sessions(raw: RawFile, out: list[Violation]) -> None:
    f = raw.frame
    num = pd.to_numeric(f["session_number"].where(f["session_number"].fillna("").str.match(
        INT_PATTERN)), errors="coerce")
    day = pd.to_numeric(f["day"].where(f["day"].fillna("").str.match(INT_PATTERN)),
                        errors="coerce")
    ok = (num.notna() & day.notna() & f["course_id"].notna()).to_numpy()
    work = pd.DataFrame({"course_id": f["course_id"], "num": num, "day": day,
                         "pos": np.arange(len(f))})[ok]
    dup = work.duplicated(["course_id", "num"], keep="first")
    mask = np.zeros(len(f), dtype=bool)
    mask[work.loc[dup, "pos"].to_numpy()] = True
    _add(out, raw, mask, "session_number",
         "this session_number appears twice for the course; each session once")
    work = work[~dup].sort_values(["course_id", "num"], kind="stable")
    count = work.groupby("course_id")["num"].transform("size")
    rank = work.groupby("course_id").cumcount() + 1
    gap = (work["num"] != rank).to_numpy()
    mask = np.zeros(len(f), dtype=bool)
    mask[work.loc[gap, "pos"].to_numpy()] = True
    expected_upto = pd.Series(count.to_numpy(), index=work["pos"].to_numpy())
    idx = np.flatnonzero(mask)
    for i in idx:
        out.append(Violation(raw.display_name, int(f["_line"].iat[i]), "session_number",
                             str(f["session_number"].iat[i]),
                             f"sessions of course {f['course_id'].iat[i]} must be numbered "
                             f"1..{int(expected_upto[i])} without gaps", raw.row_word))
    first_bad = (work["num"] == 1) & (work["day"] != 0)
    mask = np.zeros(len(f), dtype=bool)
    mask[work.loc[first_bad, "pos"].to_numpy()] = True
    _add(out, raw, mask, "day", "session 1 must be on day 0 (day counts from the first session)")
    prev_day = work.groupby("course_id")["day"].shift(1)
    not_increasing = prev_day.notna() & (work["day"] <= prev_day)
    mask = np.zeros(len(f), dtype=bool)
    mask[work.loc[not_increasing, "pos"].to_numpy()] = True
    _add(out, raw, mask, "day",
         "not after the previous session's day; days must increase with session_number")


def _check_assessments(raw: RawFile, out: list[Violation]) -> None:
    f = raw.frame
    score = pd.to_numeric(f["score"].fillna("").str.strip(), errors="coerce").to_numpy(dtype=float)
    inst = f["instrument"]
    for name, (lo, hi) in INSTRUMENT_RANGES.items():
        on = (inst == name).to_numpy() & np.isfinite(score)
        with np.errstate(invalid="ignore"):
            bad = on & ((score < lo) | (score > hi))
        _add(out, raw, bad, "score", f"out of range for {name} (expected {lo:g} to {hi:g})")


def _typed(raw: RawFile) -> pd.DataFrame:
    """The checked text frame as typed columns in contract order."""
    data = {}
    for col in raw.spec.columns:
        s = raw.frame[col.name]
        if col.kind == "int":
            data[col.name] = pd.to_numeric(s, errors="raise").astype("Int64") if len(s) else \
                pd.Series([], dtype="Int64")
        elif col.kind == "decimal":
            data[col.name] = pd.to_numeric(s.str.strip() if len(s) else s).astype("Float64")
        elif col.kind == "bool":
            low = s.str.strip().str.lower()
            data[col.name] = low.map(lambda v: None if v is None or v != v
                                     else v in BOOL_TRUE).astype("boolean")
        else:
            data[col.name] = s.astype("string")
    return pd.DataFrame(data)


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
        frame = reader(spec, path, violations)
        if frame is None:
            continue
        raw = RawFile(spec, path, fmt, frame, _sha256(path),
                      row_word="row" if fmt == "parquet" else "line")
        if raw.n_rows == 0 and not spec.may_be_empty:
            violations.append(Violation(path.name, None, None, None,
                                        "the file has a header but no rows"))
        for col in spec.columns:
            _check_column(raw, col, violations)
        files[spec.name] = raw
    known = _known_courses(files.get("courses"))
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
