"""Which database the app and CLI use, and building the synthetic clinic when there is none.

With ``OUTCOMES_DB`` (or ``--db``) set, that file is used as it is. Without it, the synthetic
clinic (``sample_data/``) is generated and loaded once into the data folder, through the same
checked, all-or-nothing loader as any clinic's extract, and reused afterwards.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from queries.loading import Progress, load_folder
from queries.settings import Settings


class DatabaseMissing(FileNotFoundError):
    """The configured database file does not exist."""


def resolve_database(settings: Settings, progress: Progress = lambda _m: None) -> Path:
    """The database path to read, building the synthetic clinic on first use."""
    if settings.db_path is not None:
        if not settings.db_path.exists():
            raise DatabaseMissing(
                f"no database at {settings.db_path}; load a folder first: "
                f"ozone-outcomes load FOLDER --db {settings.db_path}")
        return settings.db_path
    path = settings.synthetic_db_path
    if not path.exists():
        build_synthetic(path, settings, progress)
    return path


def build_synthetic(path: Path, settings: Settings, progress: Progress = lambda _m: None) -> Path:
    """Generate the synthetic clinic and load it into ``path``."""
    from sample_data.generator import generate_clinic, write_clinic

    progress(f"generating a synthetic clinic of {settings.synthetic_courses:,} courses "
             f"(seed {settings.synthetic_seed})")
    clinic = generate_clinic(settings.synthetic_courses, settings.synthetic_seed)
    with tempfile.TemporaryDirectory(prefix="ozone-synthetic-") as tmp:
        write_clinic(clinic, tmp)
        load_folder(tmp, path, settings, progress)
    return path
