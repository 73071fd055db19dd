"""Find the contract files in a folder (data-contract.md, "Files").

Wrong, missing or doubled file names, an empty or missing folder, and a folder that mixes CSV
and Parquet are collected as :class:`~queries.data.violations.Violation`; the files are read
by :mod:`queries.data.reading`. Nothing here reads a file's contents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from queries.data.contract import FILE_BY_NAME, FILES, SUFFIXES, SYNTHETIC_MANIFEST
from queries.data.violations import Violation


@dataclass
class Discovery:
    """The contract files found in a folder, whether it is synthetic, and what is wrong."""

    found: dict[str, Path] = field(default_factory=dict)
    is_synthetic: bool = False
    violations: list[Violation] = field(default_factory=list)


def discover(folder: Path) -> Discovery:
    """Find the contract files in a folder; wrong, missing or doubled names are violations."""
    expected_names = ", ".join(f"{f.name}.csv" for f in FILES) + " (or the same as .parquet)"
    if not folder.exists():
        problem = "no such folder; expected a folder holding " + expected_names
        return Discovery(violations=[Violation.of_file(str(folder), problem)])
    if not folder.is_dir():
        problem = "is a file, not a folder; expected a folder holding " + expected_names
        return Discovery(violations=[Violation.of_file(str(folder), problem)])
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    if not entries:
        problem = "the folder is empty; expected " + expected_names
        return Discovery(violations=[Violation.of_file(str(folder), problem)])
    found = Discovery()
    for path in entries:
        _classify_entry(path, found, expected_names)
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
    """Record one folder entry: the synthetic manifest, a contract file, or a violation."""
    if path.name == SYNTHETIC_MANIFEST:
        found.is_synthetic = True
        return
    stem, suffix = path.stem, path.suffix.lower()
    if path.is_file() and suffix in SUFFIXES and stem in FILE_BY_NAME:
        if stem in found.found:
            doubled = f"both {found.found[stem].name} and {path.name} are present; keep one"
            found.violations.append(Violation.of_file(path.name, doubled))
        found.found[stem] = path
    else:
        unexpected = "unexpected file name; the contract's files are " + expected_names
        found.violations.append(Violation.of_file(path.name, unexpected))
