"""Shared fixtures: databases built once per test session through the real loader, the
environment a page test runs in, and the served app with a Chromium to drive it.

- ``fixture_clinic_db``: the hand-built fixture clinic (ozone_testkit/fixture_clinic.py),
  whose every count is worked out by hand in ``EXPECTED_COUNTS``.
- ``timeline_con``: a connection to the hand-built timeline clinic
  (ozone_testkit/fixture_timeline.py, every answer worked out course by course).
- ``synthetic_clinic_db``: a small synthetic clinic (sample_data/generator.py, fixed seed),
  labelled synthetic by the loader; big enough for charts that look like a clinic's;
  ``planted``: what the generator planted in it.
- ``fixture_env`` / ``synthetic_env``: ``OUTCOMES_DB`` set to one of them, as the director.
- ``chromium``, ``server``, ``browser``, ``page``: the app served as the README starts it and
  a fresh Chromium page per test (helpers in ozone_testkit/screens.py). Without
  /usr/bin/chromium these skip with the reason, except in CI (``CI=true``), where a missing
  browser fails the run.

The suite's helper modules live in tests/support/ozone_testkit (on ``sys.path`` through
pytest's ``pythonpath`` setting); test modules import those, never each other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dashboard.report.pdf import CHROMIUM, LAUNCH_ARGS  # as root and offline (engineering.md)
from ozone_testkit import accounts, fixture_clinic, fixture_timeline, served
from queries.access import users
from queries.core.settings import Settings
from queries.data import db
from queries.data.loading import load_folder
from sample_data.generator import generate_clinic

# The generator tests' session fixtures ``clinic`` and ``outcomes`` (20,000 synthetic courses).
pytest_plugins = ["ozone_testkit.synthetic_outcomes"]

SYNTHETIC_TEST_COURSES = 2000
SYNTHETIC_TEST_SEED = 20261125
# What a page test must not inherit from the shell: the threshold and rounding, and
# where the views are logged (a test's views go beside its own database, never to a real log).
DEPLOYMENT_VARS = (
    "OUTCOMES_MIN_CELL",
    "OUTCOMES_ROUND_TO",
    "OUTCOMES_AUDIT_LOG",
)

VIEWPORT = {"width": 1400, "height": 2200}  # the app scrolls an inner panel: no full_page
TIMEOUT_MS = 30_000  # the first render loads ~4.7 MB of plotly.js


# --- databases ----------------------------------------------------------------------------


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

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("synthetic_clinic"),
        synthetic_courses=SYNTHETIC_TEST_COURSES,
        synthetic_seed=SYNTHETIC_TEST_SEED,
    )
    return build_synthetic(settings.synthetic_db_path, settings)


@pytest.fixture(scope="session")
def timeline_con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a database holding only the timeline clinic (22 courses)."""
    tmp = tmp_path_factory.mktemp("timeline_clinic")
    load_folder(fixture_timeline.write(tmp / "extract"), tmp / "timeline.duckdb")
    connection = db.connect(tmp / "timeline.duckdb")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def planted():
    """The planted truths of the synthetic clinic ``synthetic_clinic_db`` holds, read from the
    generator (``generate_clinic(...).truth``), never hard-coded."""
    return generate_clinic(SYNTHETIC_TEST_COURSES, SYNTHETIC_TEST_SEED).truth


# --- the environment of a page test -------------------------------------------------------


@pytest.fixture(autouse=True)
def users_file(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test has its own users file holding the director (``accounts.DIRECTOR``), the
    account the app signs in as unless the test chooses another (ozone_testkit/accounts.py):
    a database of real courses never opens without sign-in."""
    path = accounts.write_users(tmp_path_factory.mktemp("accounts") / "users.toml")
    monkeypatch.setenv(users.USERS_ENV, str(path))
    monkeypatch.delenv(accounts.USER_VAR, raising=False)
    return path


def _as_director(monkeypatch: pytest.MonkeyPatch, database: Path) -> Path:
    monkeypatch.setenv("OUTCOMES_DB", str(database))
    for var in DEPLOYMENT_VARS:
        monkeypatch.delenv(var, raising=False)
    return database


@pytest.fixture()
def fixture_env(monkeypatch: pytest.MonkeyPatch, fixture_clinic_db: Path) -> Path:
    """The app reads the fixture clinic, as the director, with the small-cell gate off
    (``OUTCOMES_MIN_CELL=1``, the analyst's setting): every hand-worked count of these 13
    courses is under 11, and these tests check the numbers. What the gate hides at the
    default threshold is checked on the same clinic by tests/test_role_walk.py and
    tests/test_gate_properties.py."""
    _as_director(monkeypatch, fixture_clinic_db)
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")
    return fixture_clinic_db


@pytest.fixture()
def synthetic_env(monkeypatch: pytest.MonkeyPatch, synthetic_clinic_db: Path) -> Path:
    """The app reads the synthetic clinic, as the director, with the default threshold."""
    return _as_director(monkeypatch, synthetic_clinic_db)


# --- the served app and a browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"Debian chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: browser tests must run in CI")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def server(
    chromium: Path, synthetic_clinic_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app as the README starts it (``ozone-outcomes serve``, which runs ``streamlit run``
    headless on 127.0.0.1 without usage stats) on the synthetic clinic with no users file
    (the demo), logging to a file (ozone_testkit/served.py ``serving``); yields its base URL
    once ``/_stcore/health`` answers."""
    with served.serving(tmp_path_factory.mktemp("streamlit"), synthetic_clinic_db) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()
