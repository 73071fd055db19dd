"""A raw clinic export's columns converted to the contract's (data-contract.md, "Raw clinic
export"), for :func:`queries.data.deidentify.deidentify`.

Every calendar date becomes ``day`` counted from the course's first session, ``start_year``
(``start_quarter`` only when asked) and, given the extract date, ``observed_days``; ``age``
becomes ``age_band`` (HIPAA Safe Harbor, methods.md section 6). Ids stay raw here (the keyed
pseudonyms are :mod:`queries.data.pseudonyms`'). Every malformed date, age or id and every
missing column is a :class:`~queries.data.violations.Violation` with its file, line and
column; the raw value is never echoed.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from queries.data.contract import AGE_BANDS, FILE_BY_NAME, FileSpec
from queries.data.raw_export import (
    AGE,
    DATE_COLUMN,
    DATE_FORMAT,
    DATE_SHAPE,
    ESCALATION_DATE,
    FIRST_SESSION_DATE,
    RawTable,
    identifier_values,
)
from queries.data.validation import INT_PATTERN
from queries.data.violations import Violation

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
EXPECTED_DATE = "a date YYYY-MM-DD (e.g. 2024-03-15)"


def _required_raw(spec: FileSpec) -> list[str]:
    """The raw columns a file must have: the contract's required ones, with the raw dates and
    age in place of what is derived from them."""
    if spec.name == "courses":
        kept = [c.name for c in spec.columns if c.required and c.name not in DERIVED_FROM]
        return [*kept[:2], FIRST_SESSION_DATE, AGE, *kept[2:]]
    return [
        c.name if c.name != "day" else DATE_COLUMN[spec.name] for c in spec.columns if c.required
    ]


def header_ok(table: RawTable, out: list[Violation]) -> bool:
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


def convert_courses(
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


def convert_dated(table: RawTable, firsts: pd.Series, out: list[Violation]) -> pd.DataFrame:
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


def check_kept_codes(
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
