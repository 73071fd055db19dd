"""Turn a clinic's raw export into contract files (data-contract.md, "Raw clinic export").

HIPAA Safe Harbor (45 CFR 164.514(b)(2), methods.md section 6): ids become keyed pseudonyms
(HMAC-SHA256, :mod:`queries.data.pseudonyms`); every calendar date becomes ``day`` counted from
the course's first session, ``start_year`` (``start_quarter`` only when asked) and, given the
extract date, ``observed_days``; ``age`` becomes ``age_band`` (90 and over: ``90+``); every
other column the contract does not list is dropped, identifier-like or not. ``provider_id`` and
``site_id`` are the clinic's codes and are kept as they are, but refused when a value looks
like an email, phone number, SSN or date. A short report beside the files says what was removed
(column names and counts) and which key was used (its fingerprint), never a value; it holds no
date either: the extract date and ``observed_days`` together would give back every full date.
Nothing is written unless the whole export converts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from queries.data.contract import AGE_BANDS, FILE_BY_NAME, FILES, FileSpec
from queries.data.pseudonyms import (
    PSEUDONYM_HEX_CHARS,
    KeyFileError,
    PseudonymCollision,
    PseudonymKey,
    pseudonym_map,
    read_key,
)
from queries.data.raw_export import (
    AGE,
    DATE_COLUMN,
    DATE_FORMAT,
    DATE_SHAPE,
    ESCALATION_DATE,
    FIRST_SESSION_DATE,
    RawExportError,
    RawTable,
    identifier_values,
    read_raw_export,
)
from queries.data.reading import identifier_reason
from queries.data.validation import INT_PATTERN
from queries.data.violations import Violation

# A hidden name: today's loader refuses any file beside the four that is not hidden. Once it
# ignores other files (data-contract.md: "they are listed and ignored"), drop the dot.
REPORT_NAME = ".deidentify-report.txt"
OBSERVED_DAYS = "observed_days"
PSEUDONYMOUS = ("course_id", "patient_id")
DERIVED_FROM = {
    "start_year": FIRST_SESSION_DATE,
    "start_quarter": FIRST_SESSION_DATE,
    "age_band": AGE,
    "escalated_day": ESCALATION_DATE,
    OBSERVED_DAYS: FIRST_SESSION_DATE,
}
MAX_AGE = 120  # an age above this is a typo, not a patient
REPLACED_BY = {
    FIRST_SESSION_DATE: "a full date, replaced by start_year (and start_quarter, "
    "observed_days where asked)",
    AGE: "replaced by age_band",
    ESCALATION_DATE: "a full date, replaced by escalated_day",
}
EXPECTED_DATE = "a date YYYY-MM-DD (e.g. 2024-03-15)"


class OutputFolderError(ValueError):
    """OUT_DIR cannot receive the de-identified files (it is RAW_DIR, holds other files, or
    would hold the key)."""


# What a command line catches to print the message and exit 2.
DEIDENTIFY_ERRORS = (KeyFileError, PseudonymCollision, RawExportError, OutputFolderError)


@dataclass(frozen=True)
class RemovedColumn:
    """A raw column that was not written: where, why, and how many values it held."""

    file: str
    column: str
    reason: str
    n_values: int


@dataclass(frozen=True)
class DeidentifyReport:
    out_dir: Path
    report_path: Path
    key_fingerprint: str
    rows: dict[str, int]
    n_pseudonyms: dict[str, int]
    removed: tuple[RemovedColumn, ...]
    kept_quarter: bool
    wrote_observed_days: bool

    def summary(self) -> str:
        """The report's text: names and counts, never a value or a date."""
        ids = ", ".join(f"{k} {v:,} distinct" for k, v in self.n_pseudonyms.items())
        lines = [
            "De-identified extract (queries.data.deidentify; data-contract.md, "
            "'Raw clinic export')",
            f"key fingerprint: {self.key_fingerprint} (first 12 hex of SHA-256 of the key)",
            f"pseudonyms: HMAC-SHA256, prefix + {PSEUDONYM_HEX_CHARS} hex characters: {ids}",
            "start_quarter: "
            + ("kept" if self.kept_quarter else "left empty (Safe Harbor keeps only the year)"),
            "observed_days: "
            + ("written" if self.wrote_observed_days else "not written (no extract date given)"),
            "rows written: " + ", ".join(f"{k}.csv {v:,}" for k, v in self.rows.items()),
            "columns removed (no value is shown):",
        ]
        lines += [
            f"  {r.file}, column {r.column}: {r.n_values:,} value(s); {r.reason}"
            for r in self.removed
        ]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Checks of the places and the header


def _check_places(raw_dir: Path, out_dir: Path, key_file: Path) -> None:
    raw, out = raw_dir.resolve(), out_dir.resolve()
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"OUT_DIR {out_dir} is a file; give a folder")
    if raw == out:
        raise OutputFolderError(
            f"OUT_DIR {out_dir} is RAW_DIR: write the de-identified files to a folder of their own"
        )
    if key_file.resolve().is_relative_to(out):
        raise OutputFolderError(
            f"the key file {key_file} is inside OUT_DIR {out_dir}: keep the "
            "key away from the data it protects"
        )
    ours = {f"{spec.name}.csv" for spec in FILES} | {REPORT_NAME}
    others = sorted(p.name for p in out.iterdir() if p.name not in ours) if out.is_dir() else []
    if others:
        raise OutputFolderError(
            f"OUT_DIR {out_dir} holds other files ({', '.join(others[:5])}); "
            "use an empty or new folder"
        )


def _required_raw(spec: FileSpec) -> list[str]:
    """The raw columns a file must have: the contract's required ones, with the raw dates and
    age in place of what is derived from them."""
    if spec.name == "courses":
        kept = [c.name for c in spec.columns if c.required and c.name not in DERIVED_FROM]
        return [*kept[:2], FIRST_SESSION_DATE, AGE, *kept[2:]]
    return [
        c.name if c.name != "day" else DATE_COLUMN[spec.name] for c in spec.columns if c.required
    ]


def _header_ok(table: RawTable, out: list[Violation]) -> bool:
    columns = list(table.frame.columns)
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    missing = [c for c in _required_raw(FILE_BY_NAME[table.name]) if c not in columns]
    for col in doubled:
        out.append(table.violation(None, col, None, "this column appears twice in the header"))
    for col in missing:
        out.append(
            table.violation(
                None,
                col,
                None,
                "required column of a raw export is "
                "missing from the header (data-contract.md, 'Raw clinic "
                "export')",
            )
        )
    return not doubled and not missing


# ---------------------------------------------------------------------------------------------
# Converting the values


def _flag(
    table: RawTable, mask: np.ndarray | pd.Series, column: str, expected: str, out: list[Violation]
) -> None:
    """One violation per True row (NA = False); the raw value is never echoed."""
    for pos in np.flatnonzero(pd.Series(mask).fillna(False).to_numpy(dtype=bool)):
        out.append(table.violation(int(pos), column, None, expected))


def _text(table: RawTable, column: str) -> pd.Series:
    if column not in table.frame.columns:
        return pd.Series([None] * len(table.frame), dtype=object)
    return table.frame[column].str.strip()


def _dates(table: RawTable, column: str, required: bool, out: list[Violation]) -> pd.Series:
    """The dates of a column (NaT where empty or malformed; malformed ones are violations)."""
    text = _text(table, column)
    shaped = text.str.match(DATE_SHAPE).fillna(False).astype(bool)
    parsed = pd.to_datetime(text.where(shaped), format=DATE_FORMAT, errors="coerce")
    _flag(table, text.notna() & parsed.isna(), column, "not " + EXPECTED_DATE, out)
    if required:
        _flag(table, text.isna(), column, "empty, but " + EXPECTED_DATE + " is required", out)
    return parsed


def _ids(table: RawTable, column: str, out: list[Violation]) -> pd.Series:
    ids = _text(table, column)
    _flag(table, ids.isna() | (ids == ""), column, "empty, but an id is required", out)
    return ids


def age_bands(ages: pd.Series) -> pd.Series:
    """The contract's age band of each whole age (``AGE_BANDS``; the last one, ``90+``,
    takes every age from its lower bound up: HIPAA Safe Harbor aggregates ages over 89)."""
    lowers = np.array([int(band.rstrip("+").split("-")[0]) for band in AGE_BANDS])
    index = np.searchsorted(lowers, ages.to_numpy(dtype=float), side="right") - 1
    return pd.Series(np.asarray(AGE_BANDS, dtype=object)[np.clip(index, 0, None)], index=ages.index)


def _age_band(table: RawTable, out: list[Violation]) -> pd.Series:
    text = _text(table, AGE)
    whole = text.str.match(INT_PATTERN).fillna(False).astype(bool)
    ages = pd.to_numeric(text.where(whole), errors="coerce")
    youngest = int(AGE_BANDS[0].split("-")[0])
    bad = ages.isna() | (ages < youngest) | (ages > MAX_AGE)
    _flag(
        table,
        bad,
        AGE,
        f"not an age in whole years from {youngest} to {MAX_AGE} "
        f"(the contract's age bands start at {AGE_BANDS[0]})",
        out,
    )
    return age_bands(ages.where(~bad, youngest)).where(~bad, None)


def _flag_doubled(table: RawTable, ids: pd.Series, out: list[Violation]) -> None:
    """A course id seen before is a violation naming the line it was first on."""
    first_position: dict[str, int] = {}
    for position, course_id in enumerate(ids):
        if course_id is None or pd.isna(course_id):
            continue
        if course_id in first_position:
            line = int(table.lines[first_position[course_id]])
            out.append(
                table.violation(
                    position,
                    "course_id",
                    None,
                    f"course_id must be unique; this id is already on {table.row_word} {line}",
                )
            )
        else:
            first_position[course_id] = position


def _whole_days(later: pd.Series, first: pd.Series) -> pd.Series:
    return (later - first).dt.days.astype("Int64")


def _courses(
    table: RawTable, keep_quarter: bool, extract_date: date | None, out: list[Violation]
) -> tuple[pd.DataFrame, pd.Series]:
    """The de-identified courses (raw ids still) and the first-session date per course id."""
    ids = _ids(table, "course_id", out)
    _flag_doubled(table, ids, out)
    first = _dates(table, FIRST_SESSION_DATE, True, out)
    unknown = pd.Series(pd.NA, index=first.index, dtype="Int64")
    frame = table.frame.assign(
        course_id=ids,
        patient_id=_ids(table, "patient_id", out),
        start_year=first.dt.year.astype("Int64"),
        start_quarter=first.dt.quarter.astype("Int64") if keep_quarter else unknown,
        age_band=_age_band(table, out),
        escalated_day=_whole_days(_dates(table, ESCALATION_DATE, False, out), first),
        observed_days=unknown,
    )  # never a raw column's: only from the extract date
    if extract_date is not None:
        observed = _whole_days(pd.Series(pd.Timestamp(extract_date), index=first.index), first)
        _flag(
            table,
            observed < 0,
            FIRST_SESSION_DATE,
            "after the extract date; observed_days would be negative",
            out,
        )
        frame[OBSERVED_DAYS] = observed
    firsts = pd.Series(first.to_numpy(), index=ids.to_numpy())
    return frame, firsts[~firsts.index.duplicated(keep="first")]


def _dated(table: RawTable, firsts: pd.Series, out: list[Violation]) -> pd.DataFrame:
    """Sessions, assessments or adverse events with ``day`` from their date."""
    ids = _ids(table, "course_id", out)
    _flag(
        table,
        ids.notna() & ~ids.isin(firsts.index),
        "course_id",
        "no course with this course_id in courses (its first_session_date gives day)",
        out,
    )
    when = _dates(table, DATE_COLUMN[table.name], True, out)
    first = pd.Series(firsts.reindex(ids.to_numpy()).to_numpy(), index=ids.index)
    return table.frame.assign(course_id=ids, day=_whole_days(when, first))


def _pseudonymised(
    frames: dict[str, pd.DataFrame], key: PseudonymKey
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    courses = frames["courses"]
    maps = {kind: pseudonym_map(key, kind, courses[kind]) for kind in PSEUDONYMOUS}
    done = {
        name: frame.assign(
            **{kind: frame[kind].map(maps[kind]) for kind in PSEUDONYMOUS if kind in frame.columns}
        )
        for name, frame in frames.items()
    }
    return done, {kind: len(mapping) for kind, mapping in maps.items()}


def _output_columns(spec: FileSpec, observed: bool) -> list[str]:
    columns = list(spec.column_names)
    if spec.name == "courses" and observed and OBSERVED_DAYS not in columns:
        columns.append(OBSERVED_DAYS)  # data-contract.md lists it last
    return columns


def _in_contract_order(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: frame[c] if c in frame.columns else pd.Series(pd.NA, frame.index) for c in columns}
    )


def _check_kept_codes(
    raw: dict[str, RawTable], frames: dict[str, pd.DataFrame], out: list[Violation]
) -> None:
    """Text columns written as they are (site_id, provider_id, severity_grade) must not hold
    an email, phone number, SSN or date."""
    for name, frame in frames.items():
        for col in FILE_BY_NAME[name].columns:
            if col.kind != "text" or col.name in PSEUDONYMOUS or col.name not in frame.columns:
                continue
            values = pa.array(
                frame[col.name].where(frame[col.name].notna(), None), type=pa.string()
            )
            for what, mask in identifier_values(values):
                _flag(
                    raw[name],
                    mask,
                    col.name,
                    f"looks like {what}; {col.name} is written as "
                    "it is, so it must be a code, not an identifier: replace it in the raw "
                    "export",
                    out,
                )


def _removed(table: RawTable, written: list[str]) -> list[RemovedColumn]:
    """Every raw column not written as it is, with the reason and its count of values."""
    replaced = dict(REPLACED_BY)
    if table.name in DATE_COLUMN:
        replaced[DATE_COLUMN[table.name]] = "a full date, replaced by day"
    found = []
    for col in table.frame.columns:
        if col in written and col not in DERIVED_FROM and col != "day":
            continue
        reason = replaced.get(col) or (
            "derived by deidentify; the raw column is not used"
            if col in written
            else f"looks like {what}, a direct identifier"
            if (what := identifier_reason(col))
            else "not a contract column"
        )
        found.append(
            RemovedColumn(table.file_name, col, reason, int(table.frame[col].notna().sum()))
        )
    return found


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.writing")
    frame.to_csv(tmp, index=False, lineterminator="\n", na_rep="")
    os.replace(tmp, path)


def deidentify(
    raw_dir: str | Path,
    out_dir: str | Path,
    key_file: str | Path,
    *,
    keep_quarter: bool = False,
    extract_date: date | None = None,
) -> DeidentifyReport:
    """De-identify the raw export in ``raw_dir`` into contract files in ``out_dir``.

    Raises :class:`KeyFileError` (key missing or under 32 characters),
    :class:`RawExportError` (every malformed date, age, id or missing column, by file, line
    and column), :class:`OutputFolderError` or :class:`PseudonymCollision`; then nothing is
    written. The files load with :func:`queries.data.loading.load_folder`.
    """
    raw_dir, out_dir, key_file = Path(raw_dir), Path(out_dir), Path(key_file)
    _check_places(raw_dir, out_dir, key_file)
    key = read_key(key_file)
    raw = read_raw_export(raw_dir)
    out: list[Violation] = []
    headers_ok = [_header_ok(table, out) for table in raw.values()]
    if not all(headers_ok):
        raise RawExportError(raw_dir, out)
    courses, firsts = _courses(raw["courses"], keep_quarter, extract_date, out)
    frames = {"courses": courses} | {name: _dated(raw[name], firsts, out) for name in DATE_COLUMN}
    _check_kept_codes(raw, frames, out)
    if out:
        raise RawExportError(raw_dir, out)
    frames, n_pseudonyms = _pseudonymised(frames, key)
    columns = {spec.name: _output_columns(spec, extract_date is not None) for spec in FILES}
    out_dir.mkdir(parents=True, exist_ok=True)
    for spec in FILES:
        _write_csv(
            _in_contract_order(frames[spec.name], columns[spec.name]), out_dir / f"{spec.name}.csv"
        )
    report = DeidentifyReport(
        out_dir,
        out_dir / REPORT_NAME,
        key.fingerprint,
        {name: len(frame) for name, frame in frames.items()},
        n_pseudonyms,
        tuple(r for spec in FILES for r in _removed(raw[spec.name], columns[spec.name])),
        keep_quarter,
        extract_date is not None,
    )
    report.report_path.write_text(report.summary(), encoding="utf-8")
    return report
