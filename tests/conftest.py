"""Shared fixtures: databases built once per test session through the real loader.

- ``fixture_clinic_db``: the hand-built fixture clinic (tests/fixture_clinic.py), whose
  every count is worked out by hand in ``EXPECTED_COUNTS``.
- ``synthetic_clinic_db``: a small synthetic clinic (sample_data/generator.py, fixed seed),
  labelled synthetic by the loader; big enough for charts that look like a clinic's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from queries.data.loading import load_folder
from queries.core.settings import Settings
from tests import fixture_clinic

SYNTHETIC_TEST_COURSES = 2000
SYNTHETIC_TEST_SEED = 20261125


@pytest.fixture(scope="session")
def fixture_clinic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding only the fixture clinic (13 courses, not synthetic)."""
    tmp = tmp_path_factory.mktemp("fixture_clinic")
    folder = fixture_clinic.write(tmp / "extract")
    path = tmp / "fixture.duckdb"
    load_folder(folder, path)
    return path


@pytest.fixture(scope="session")
def synthetic_clinic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding a synthetic clinic of ``SYNTHETIC_TEST_COURSES`` courses."""
    from queries.data.bootstrap import build_synthetic

    settings = Settings(data_dir=tmp_path_factory.mktemp("synthetic_clinic"),
                        synthetic_courses=SYNTHETIC_TEST_COURSES,
                        synthetic_seed=SYNTHETIC_TEST_SEED)
    return build_synthetic(settings.synthetic_db_path, settings)
