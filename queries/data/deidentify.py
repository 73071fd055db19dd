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
Nothing is written unless the whole export converts. The values are converted and checked by
:mod:`queries.data.raw_conversion`; here: the places, the pseudonyms, the files and the report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from queries.data.contract import FILES, FileSpec
from queries.data.pseudonyms import (
    PSEUDONYM_HEX_CHARS,
    KeyFileError,
    PseudonymCollision,
    PseudonymKey,
    pseudonym_map,
    read_key,
)
from queries.data.raw_conversion import (
    DERIVED_FROM,
    OBSERVED_DAYS,
    PSEUDONYMOUS,
    check_kept_codes,
    convert_courses,
    convert_dated,
    header_ok,
)
from queries.data.raw_export import (
    AGE,
    DATE_COLUMN,
    ESCALATION_DATE,
    FIRST_SESSION_DATE,
    RawExportError,
    RawTable,
    read_raw_export,
)
from queries.data.reading import identifier_reason
from queries.data.violations import Violation

# A hidden name: today's loader refuses any file beside the four that is not hidden. Once it
# ignores other files (data-contract.md: "they are listed and ignored"), drop the dot.
REPORT_NAME = ".deidentify-report.txt"
REPLACED_BY = {
    FIRST_SESSION_DATE: "a full date, replaced by start_year (and start_quarter, "
    "observed_days where asked)",
    AGE: "replaced by age_band",
    ESCALATION_DATE: "a full date, replaced by escalated_day",
}


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
    headers_ok = [header_ok(table, out) for table in raw.values()]
    if not all(headers_ok):
        raise RawExportError(raw_dir, out)
    courses, firsts = convert_courses(raw["courses"], keep_quarter, extract_date, out)
    frames = {"courses": courses} | {
        name: convert_dated(raw[name], firsts, out) for name in DATE_COLUMN
    }
    check_kept_codes(raw, frames, out)
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
