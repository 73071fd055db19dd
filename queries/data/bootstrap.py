"""Which database the app and CLI use, and building the synthetic clinic when there is none.

With ``OUTCOMES_DB`` (or ``--db``) set, that file is used as it is. Without it, the synthetic
clinic (``sample_data/``) is generated and loaded once into the data folder, through the same
checked, all-or-nothing loader as any clinic's extract, and reused afterwards.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from queries.core.settings import Settings
from queries.data import db

if TYPE_CHECKING:
    from queries.data.loading import Progress


class DatabaseMissing(FileNotFoundError):
    """The configured database file does not exist."""


def resolve_database(settings: Settings, progress: Progress = lambda _m: None) -> Path:
    """The database path to read, building the synthetic clinic on first use (and again when
    it was built by an older schema). A clinic's own database built by another schema version
    raises :class:`queries.data.db.SchemaOutdated` saying to load the extract again."""
    if settings.db_path is not None:
        if not settings.db_path.exists():
            raise DatabaseMissing(
                f"no database at {settings.db_path}; load a folder first: "
                f"ozone-outcomes load FOLDER --db {settings.db_path}"
            )
        db.raise_if_outdated(db.file_schema_version(settings.db_path), settings.db_path)
        return settings.db_path
    path = settings.synthetic_db_path
    if not path.exists() or db.file_schema_version(path) != db.SCHEMA_VERSION:
        build_synthetic(path, settings, progress)
    return path


def build_synthetic(path: Path, settings: Settings, progress: Progress = lambda _m: None) -> Path:
    """Generate the synthetic clinic and load it into ``path``."""
    from queries.data.loading import load_folder  # here: only a build needs the loader
    from sample_data.generator import generate_clinic, write_clinic

    progress(
        f"generating a synthetic clinic of {settings.synthetic_courses:,} courses "
        f"(seed {settings.synthetic_seed})"
    )
    clinic = generate_clinic(settings.synthetic_courses, settings.synthetic_seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ozone-synthetic-", dir=path.parent) as tmp:
        write_clinic(clinic, Path(tmp) / "extract")
        fresh = Path(tmp) / path.name  # a new file: nothing of an outdated one is carried over
        load_folder(Path(tmp) / "extract", fresh, settings, progress)
        os.replace(fresh, path)
    return path
