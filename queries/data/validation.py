"""Check every rule of the data contract on the files of a folder, and type what passed.

:func:`read_extract` finds and reads the files (:mod:`queries.data.reading`), checks every
value, row and cross-file rule here, and collects every violation (not just the first) into
one :class:`~queries.data.violations.ContractViolation`. Nothing here touches a database.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from queries.data.contract import (
    BOOL_FALSE,
    BOOL_TRUE,
    FILES,
    INSTRUMENT_RANGES,
    SEVERITY_GRADES_BY_SCALE,
    Column,
)
from queries.data.discovery import discover
from queries.data.reading import RawFile, read_file
from queries.data.violations import ContractViolation, Violation

FULL_DATE_VALUE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})([ T].*)?\s*$"
)
INT_PATTERN = r"^\s*[+-]?\d+(\.0*)?\s*$"
DECIMAL_PATTERN = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


@dataclass
class Extract:
    """A folder's four files, checked; ``tables`` holds typed Arrow tables in contract order."""

    folder: Path
    fmt: str
    files: dict[str, RawFile]
    is_synthetic: bool
    tables: dict[str, pa.Table] = field(default_factory=dict)
    ignored_files: tuple[str, ...] = ()  # entries of the folder that are not data (discovery)

    @property
    def hashes(self) -> dict[str, str]:
        return {f.path.name: f.sha256 for f in self.files.values()}

    def release_text(self) -> None:
        """Drop the text form of every checked column (the typed tables are what a load
        writes), so that Python's copy is not held while DuckDB works (issue 10)."""
        for raw in self.files.values():
            raw.columns = {}
        release_arrow_memory()


def release_arrow_memory() -> None:
    """Give Arrow's freed buffers back to the system before DuckDB's share of memory."""
    with contextlib.suppress(Exception):
        pa.default_memory_pool().release_unused()


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, null = False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _add(
    out: list[Violation],
    raw: RawFile,
    mask: np.ndarray,
    column: str | None,
    expected: str,
    values: pa.Array | None = None,
) -> None:
    """Record one violation per True row of ``mask``; only the bad rows are converted."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    source = values if values is not None else raw.columns.get(column) if column else None
    shown = source.take(pa.array(idx)).to_pylist() if source is not None else [None] * idx.size
    for line, value in zip(raw.lines[idx], shown, strict=True):
        out.append(
            Violation(
                raw.display_name,
                int(line),
                column,
                "" if value is None and column else value,
                expected,
                raw.row_word,
            )
        )


def _numbers(arr: pa.Array, ok: np.ndarray) -> np.ndarray:
    """Float values of the rows whose text passed a number pattern, NaN elsewhere."""
    kept = pc.if_else(pa.array(ok), pc.utf8_trim_whitespace(arr), pa.scalar(None, pa.string()))
    return np.asarray(pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _check_column(raw: RawFile, col: Column, out: list[Violation]) -> None:
    arr = raw.columns[col.name]
    present = _mask(pc.is_valid(arr))
    if col.required:
        _add(out, raw, ~present, col.name, f"empty, but a value is required ({col.expected()})")
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
        _add(
            out,
            raw,
            looks_like_date,
            col.name,
            "looks like a full calendar date, a direct identifier under HIPAA Safe Harbor; "
            "keep only the year (start_year) and de-identify the extract",
        )
    if col.unique:
        values = pd.Series(arr.to_numpy(zero_copy_only=False))
        dup = values.duplicated(keep="first").to_numpy() & present
        if dup.any():
            first_line = (
                pd.Series(raw.lines)
                .groupby(values.to_numpy(), sort=False)
                .transform("min")
                .to_numpy()
            )
            for i in np.flatnonzero(dup):
                out.append(
                    Violation(
                        raw.display_name,
                        int(raw.lines[i]),
                        col.name,
                        str(values.iat[int(i)]),
                        f"{col.name} must be unique; this value is already on "
                        f"{raw.row_word} {int(first_line[i])}",
                        raw.row_word,
                    )
                )


def _check_range(
    raw: RawFile, col: Column, nums: np.ndarray, valid: np.ndarray, out: list[Violation]
) -> None:
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
            expected = (
                f"not a grade of the {scale_name} scale (use one of "
                + ", ".join(grades)
                + ", or leave it empty when unknown)"
            )
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
    work = pd.DataFrame({"course_id": course, "num": num, "day": day, "pos": np.arange(raw.n_rows)})
    work = work[work["course_id"].notna() & work["num"].notna() & work["day"].notna()]

    def mark(positions) -> np.ndarray:
        mask = np.zeros(raw.n_rows, dtype=bool)
        mask[np.asarray(positions, dtype=np.int64)] = True
        return mask

    dup = work.duplicated(["course_id", "num"], keep="first")
    _add(
        out,
        raw,
        mark(work.loc[dup, "pos"]),
        "session_number",
        "this session_number appears twice for the course; each session once",
    )
    work = work[~dup].sort_values(["course_id", "num"], kind="stable")
    count = work.groupby("course_id")["num"].transform("size").to_numpy()
    rank = work.groupby("course_id").cumcount().to_numpy() + 1
    gap = work["num"].to_numpy() != rank
    for pos, n_sessions in zip(work["pos"].to_numpy()[gap], count[gap], strict=True):
        out.append(
            Violation(
                raw.display_name,
                int(raw.lines[pos]),
                "session_number",
                str(num_arr[int(pos)].as_py()),
                f"sessions of course {course.iat[pos]} must be numbered "
                f"1..{int(n_sessions)} without gaps",
                raw.row_word,
            )
        )
    first_bad = (work["num"] == 1) & (work["day"] != 0)
    _add(
        out,
        raw,
        mark(work.loc[first_bad, "pos"]),
        "day",
        "session 1 must be on day 0 (day counts from the first session)",
    )
    prev_day = work.groupby("course_id")["day"].shift(1)
    not_increasing = prev_day.notna() & (work["day"] <= prev_day)
    _add(
        out,
        raw,
        mark(work.loc[not_increasing, "pos"]),
        "day",
        "not after the previous session's day; days must increase with session_number",
    )


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
            data[col.name] = pc.if_else(
                pc.is_valid(arr),
                pc.is_in(lowered, value_set=pa.array(BOOL_TRUE)),
                pa.scalar(None, pa.bool_()),
            )
        else:
            data[col.name] = arr
    return pa.table(data)


def _check_file(raw: RawFile, out: list[Violation]) -> None:
    """The rules of one file on its own: rows present, every column's values."""
    if raw.n_rows == 0 and not raw.spec.may_be_empty:
        out.append(Violation.of_file(raw.display_name, "the file has a header but no rows"))
    for col in raw.spec.columns:
        _check_column(raw, col, out)


def _check_across_files(files: dict[str, RawFile], out: list[Violation]) -> None:
    """The rules that need more than one column or file: severity grades, course ids known in
    courses, session numbering, instrument ranges."""
    known = files["courses"].columns["course_id"] if "courses" in files else None
    if "courses" in files:
        _check_courses(files["courses"], out)
    for name in ("sessions", "assessments", "adverse_events"):
        if name in files:
            _check_foreign_key(files[name], known, out)
    if "sessions" in files:
        _check_sessions(files["sessions"], out)
    if "assessments" in files:
        _check_assessments(files["assessments"], out)


def _in_file_order(violations: list[Violation]) -> list[Violation]:
    """Violations by contract file, then by line (folder-level ones first)."""
    order = {spec.name: i for i, spec in enumerate(FILES)}
    return sorted(
        violations,
        key=lambda v: (
            order.get(v.file.rsplit(".", 1)[0], -1),
            v.line if v.line is not None else -1,
        ),
    )


def read_extract(folder: str | Path) -> Extract:
    """Read and check a folder; raises :class:`ContractViolation` listing every problem."""
    folder = Path(folder)
    discovery = discover(folder)
    violations = discovery.violations
    files: dict[str, RawFile] = {}
    fmt = "csv"
    for spec in FILES:
        path = discovery.found.get(spec.name)
        if path is None:
            continue
        fmt = "parquet" if path.suffix.lower() == ".parquet" else "csv"
        raw = read_file(spec, path, violations)
        if raw is None:
            continue
        _check_file(raw, violations)
        files[spec.name] = raw
    _check_across_files(files, violations)
    if violations:
        raise ContractViolation(_in_file_order(violations))
    extract = Extract(folder, fmt, files, discovery.is_synthetic)
    extract.tables = {name: _typed(raw) for name, raw in files.items()}
    extract.ignored_files = tuple(discovery.ignored)
    return extract
