"""Find the contract files in a folder (data-contract.md, "Conventions" and "Files").

Missing or doubled contract files, an empty or missing folder, a folder that mixes CSV and
Parquet, and a ``.csv`` / ``.parquet`` file whose name is not one of the four (a misspelt
``course.csv``: refused, with the name it was probably meant to have) are collected as
:class:`~queries.data.violations.Violation`. Any other entry (a README, an export log,
deidentify's ``.deidentify-report.txt``, a subfolder) is not data: it is listed in
:attr:`Discovery.ignored` and left alone, and the load report says so. The files are read by
:mod:`queries.data.reading`. Nothing here reads a file's contents.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from queries.data.contract import FILE_BY_NAME, FILES, SUFFIXES, SYNTHETIC_MANIFEST
from queries.data.violations import Violation


@dataclass
class Discovery:
    """The contract files found in a folder, whether it is synthetic, what is wrong, and the
    entries that are not data (names, sorted)."""

    found: dict[str, Path] = field(default_factory=dict)
    is_synthetic: bool = False
    violations: list[Violation] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def discover(folder: Path) -> Discovery:
    """Find the contract files in a folder; wrong, missing or doubled names are violations."""
    expected_names = ", ".join(f"{f.name}.csv" for f in FILES) + " (or the same as .parquet)"
    if not folder.exists():
        problem = "no such folder; expected a folder holding " + expected_names
        return Discovery(violations=[Violation.of_file(str(folder), problem)])
    if not folder.is_dir():
        problem = "is a file, not a folder; expected a folder holding " + expected_names
        return Discovery(violations=[Violation.of_file(str(folder), problem)])
    entries = sorted(folder.iterdir())
    hidden = [p.name for p in entries if p.name.startswith(".")]  # e.g. .deidentify-report.txt
    entries = [p for p in entries if not p.name.startswith(".")]
    if not entries:
        problem = "the folder is empty; expected " + expected_names
        return Discovery(violations=[Violation.of_file(str(folder), problem)], ignored=hidden)
    found = Discovery(ignored=hidden)
    for path in entries:
        _classify_entry(path, found, expected_names)
    found.ignored.sort()
    for spec in FILES:
        if spec.name not in found.found:
            missing = "required file is missing from the folder" + (
                " (it may have a header and no rows)" if spec.may_be_empty else ""
            )
            found.violations.append(Violation.of_file(f"{spec.name}.csv", missing))
    suffixes = {p.suffix.lower() for p in found.found.values()}
    if len(suffixes) > 1:
        mixed = "mixes CSV and Parquet files; use one format for all four"
        found.violations.append(Violation.of_file(str(folder), mixed))
    return found


def _classify_entry(path: Path, found: Discovery, expected_names: str) -> None:
    """Record one folder entry: the synthetic manifest, a contract file, a misspelt data file
    (a violation), or anything else (ignored)."""
    if path.name == SYNTHETIC_MANIFEST:
        found.is_synthetic = True
        return
    stem, suffix = path.stem, path.suffix.lower()
    if suffix not in SUFFIXES:
        found.ignored.append(path.name)
    elif path.is_file() and stem in FILE_BY_NAME:
        if stem in found.found:
            doubled = f"both {found.found[stem].name} and {path.name} are present; keep one"
            found.violations.append(Violation.of_file(path.name, doubled))
        found.found[stem] = path
    else:
        meant = difflib.get_close_matches(stem.lower(), list(FILE_BY_NAME), n=1, cutoff=0.6)
        hint = f" (did you mean {meant[0]}{suffix}?)" if meant else ""
        unexpected = (
            f"unexpected file name{hint}; a data file must be one of the contract's: "
            f"{expected_names}. Rename it or move it out of the folder"
        )
        found.violations.append(Violation.of_file(path.name, unexpected))


def ignored_note(ignored: list[str] | tuple[str, ...]) -> str:
    """The load report's sentence about the entries that are not data ("" when none)."""
    if not ignored:
        return ""
    return f"Ignored {len(ignored)} file(s) that are not data: {', '.join(ignored)}."
