"""What the loading tests (tests/test_loading*.py, tests/test_optional_columns.py) build their
variants of the fixture clinic from: the clinic loaded into a fresh database, an extract
rewritten as Parquet files, and a file's hash (a refused load leaves the database byte for
byte as it was).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq

from ozone_testkit import fixture_clinic
from queries.data.loading import load_folder
from queries.data.validation import Extract


def sha(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_fixture_clinic(tmp_path: Path) -> Path:
    """The fixture clinic's extract written to ``tmp_path/first`` and loaded into a new
    database ``tmp_path/clinic.duckdb``; returns the database's path."""
    path = tmp_path / "clinic.duckdb"
    load_folder(fixture_clinic.write(tmp_path / "first"), path)
    return path


def as_parquet(extract: Extract, folder: Path, drop: dict[str, list[str]] | None = None) -> Path:
    """The extract's tables written to ``folder`` as ``<name>.parquet``, without the columns
    ``drop`` names for a table (as an extract that left them out would be)."""
    folder.mkdir()
    for name, table in extract.tables.items():
        pq.write_table(table.drop_columns((drop or {}).get(name, [])), folder / f"{name}.parquet")
    return folder
