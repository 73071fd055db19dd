"""The test suite's own modules, importable under a name no installed package uses.

pytest puts ``tests/support`` on ``sys.path`` (``pythonpath`` in pyproject.toml), so tests
import ``ozone_testkit.fixture_clinic`` and never ``tests.…``: a wheel that ships its own
top-level ``tests`` package cannot shadow them (tests/test_architecture.py proves it).

- ``fixture_clinic``, ``fixture_timeline``: the hand-built clinics with hand-worked answers.
- ``reference_outcomes``: the plain-pandas reference implementation of the outcome rules.
- ``screens``: driving and reading the app, in-process (AppTest) and in Chromium.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # tests/support/ozone_testkit/ -> the project
