"""The test suite's own modules, importable under a name no installed package uses.

pytest puts ``tests/support`` on ``sys.path`` (``pythonpath`` in pyproject.toml), so tests
import ``ozone_testkit.fixture_clinic`` and never ``tests.…``: a wheel that ships its own
top-level ``tests`` package cannot shadow them (tests/test_architecture.py proves it).

- ``fixture_clinic``, ``fixture_timeline``: the hand-built clinics, their courses written as
  tables, with hand-worked answers; ``fixture_clinic`` also holds the helpers both write their
  contract files with (``course_table``, ``course_row``, ``rows``, ``write``).
- ``raw_clinic``: the fixture clinic as the clinic's own system exports it, before
  de-identification, and the same clinic de-identified by hand.
- ``extract_variants``: the fixture clinic loaded into a fresh database, rewritten as
  Parquet, and file hashes, for the loading tests.
- ``awkward_extracts``: the fixture clinic transformed into awkward but contract-valid
  extracts (optional columns empty or absent, one provider, no follow-up yet, ...), each its
  own fixture, with their known totals; the files a folder may hold beside the four.
- ``reference_outcomes``: the plain-pandas reference implementation of the outcome rules.
- ``synthetic_outcomes``: the 20,000-course synthetic clinic the generator tests share, its
  outcomes computed directly, and the data contract as its markdown states it.
- ``casemix_simulation``: courses simulated from a known logistic model, for the case-mix and
  association tests.
- ``fixture_definitions``: a hand-built clinic for the day-21 landmark view, the ODI and
  OMERACT-OARSI responders and the early-flare window, its answers worked out course by course.
- ``fixture_monitoring``: a hand-built clinic for the CUSUM per provider (start order,
  every step of the path, the signals and the reset worked out by hand).
- ``trend_clinic``: seeded quarterly clinics (overdispersed, binomial) for the choice between
  the p-chart and Laney's p′ chart through the trends analytics.
- ``planted_series``: a quarterly series with the "Making Data Count" signals planted by
  construction, for the p-chart and Laney p′ tests.
- ``accounts``: who a page test signs in as (the test's users file, ``AppTest.user``).
- ``leaks``, ``leak_rules``, ``leak_charts``: the scanner of what a viewer can read (text,
  metrics, tables, chart hovers, downloads) for other providers' ids and small counts.
- ``screens``: driving and reading the app, in-process (AppTest) and in Chromium.
- ``browser_roles``: every page of a role walked in Chromium (charts drawn, no exception,
  axe-core's WCAG 2.1 AA pass, screenshots to artifacts/screenshots/), filters picked and
  tables downloaded, on a generated clinic loaded as real courses.
- ``command_line``: ``ozone-outcomes`` run in a process of its own, as a clinic runs it.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # tests/support/ozone_testkit/ -> the project
