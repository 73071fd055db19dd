"""The SQL layers keep one definition of each thing: staging only renames and casts, the marts
read staging, and the data checks read the marts for what the marts define (baseline,
eligibility, follow-up, sessions delivered) instead of deriving it again (docs/style.md, SQL).

Expected numbers come from the fixture clinic's hand-worked ``EXPECTED_TOTAL``.
"""

import re
from pathlib import Path

import pytest

from ozone_testkit.fixture_clinic import EXPECTED_TOTAL
from queries.analytics import checks
from queries.data import contract, db
from queries.data.loading import STAGING_VIEWS

SQL = Path(db.SQL_DIR)
RAW_TABLE = re.compile(
    r"\b(from|join)\s+(" + "|".join(f.name for f in contract.FILES) + r")\b", re.I
)


@pytest.fixture()
def con(fixture_clinic_db):
    connection = db.connect(fixture_clinic_db)
    yield connection
    connection.close()


def flagged(con) -> dict[str, int]:
    frame = checks.data_checks(con)
    return dict(zip(frame["check"], frame["n_flagged"], strict=True))


def test_checks_count_what_the_fixture_was_built_with(con):
    found = flagged(con)
    assert found["courses_without_baseline"] == EXPECTED_TOTAL["n_no_baseline"]
    assert (
        found["eligible_without_primary_followup"]
        == EXPECTED_TOTAL["n_eligible"] - EXPECTED_TOTAL["n_followup"]
    )
    assert found["sessions_beyond_plan"] == 1  # kl_1_is_none_beyond_plan: 4 given, 3 planned
    assert found["same_day_duplicate_assessments"] == 1  # same_day_duplicate_followup


def test_every_check_is_run_and_passes_or_asks_for_review(con):
    frame = checks.data_checks(con)
    assert list(frame["check"]) == [c.name for c in checks.DATA_CHECKS]
    assert set(frame["status"]) <= {"pass", "review"}
    assert ((frame["n_flagged"] == 0) == (frame["status"] == "pass")).all()


def test_baseline_and_follow_up_checks_read_course_outcomes():
    for name in ("courses_without_baseline", "eligible_without_primary_followup"):
        text = db.sql_text(f"checks/{name}")
        assert re.search(r"\bfrom\s+course_outcomes\b", text), name
        assert "assessment" not in re.sub(r"--.*", "", text), (
            f"checks/{name} derives from assessments what course_outcomes defines"
        )


def test_no_check_or_mart_reads_a_raw_contract_table():
    for folder in ("checks", "marts"):
        for path in sorted((SQL / folder).glob("*.sql")):
            code = re.sub(r"--.*", "", path.read_text())
            assert not RAW_TABLE.search(code), f"{folder}/{path.name} reads a raw table"


def test_staging_views_hold_every_row_of_their_table(con):
    cur = con.cursor()
    for view in STAGING_VIEWS:
        table = view.removeprefix("stg_")
        n_view, n_table = (
            cur.execute(f"select count(*) from {name}").fetchone()[0] for name in (view, table)
        )
        assert n_view == n_table, view
    stg_courses = [r[0] for r in cur.execute("describe stg_courses").fetchall()]
    assert stg_courses == list(contract.COURSES.column_names)


def test_load_history_and_row_counts(con):
    history = checks.load_history(con)
    assert set(history["file_name"]) == {f"{f.name}.csv" for f in contract.FILES}
    assert not checks.is_synthetic(con)
    counts = checks.table_row_counts(con)
    assert (
        dict(zip(counts["table_name"], counts["n_rows"], strict=True))["courses"]
        == EXPECTED_TOTAL["n_courses"]
    )


def test_each_count_is_the_number_of_rows_the_check_lists(synthetic_clinic_db):
    """Counted inside DuckDB (``db.count_rows``), each check's count is the number of rows
    it lists for review, on a clinic where every check flags something."""
    connection = db.connect(synthetic_clinic_db)
    try:
        found = flagged(connection)
        listed = {c.name: len(checks.flagged_rows(connection, c)) for c in checks.DATA_CHECKS}
    finally:
        connection.close()
    assert found == listed
    assert sum(v > 0 for v in listed.values()) >= 3  # not a clinic of zeros
