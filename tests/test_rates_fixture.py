"""The ``rates`` numbers on the hand-built fixture clinic equal the hand-worked answers.

Each expected count is derived course by course in tests/fixture_clinic.py (methods.md
section 1: ties in the window, a second older baseline, baseline < 3, no baseline, no
follow-up, zero sessions, unknown severity, the 30 % boundary, same-day duplicates).
"""

import csv
import io
import json
import re
from pathlib import Path

import pytest

from ozone_testkit import fixture_clinic
from queries.analytics import rates as analytics
from queries.analytics.query import Query
from queries.cli import main
from queries.core.errors import InsufficientData
from queries.core.scope import CLINIC, Filters, Scope
from queries.core.settings import Settings
from queries.data import db
from queries.stats.intervals import wilson_interval

README = Path(__file__).resolve().parent.parent / "README.md"


def documented_columns(command: str) -> list[str]:
    """The output columns README.md's command table promises for ``ozone-outcomes COMMAND``
    (its row's "one row per ...: `a, b, ...`")."""
    row = next(
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| `ozone-outcomes {command} ")
    )
    listed = re.search(r"one row per \w+: `([^`]+)`", row)
    assert listed is not None, f"README's row of {command} lists no columns"
    return listed.group(1).split(", ")


# The CLI prints exactly the columns the README documents, in that order.
RATES_HEADER = documented_columns("rates")


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    from queries.data.loading import load_folder

    tmp = tmp_path_factory.mktemp("fixture")
    folder = fixture_clinic.write(tmp / "extract")
    path = tmp / "fixture.duckdb"
    load_folder(folder, path)
    return path


def _rates_cli(capsys, path, by, fmt="csv"):
    # the hand-worked counts are under 11: read them as the analyst who holds the database
    assert main(["rates", "--db", str(path), "--by", by, "--format", fmt, "--min-cell", "1"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("by", sorted(fixture_clinic.EXPECTED_COUNTS))
def test_rates_cli_csv_matches_hand_counts(fixture_db, capsys, by):
    out = _rates_cli(capsys, fixture_db, by)
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames == RATES_HEADER
    rows = list(reader)
    expected = fixture_clinic.EXPECTED_COUNTS[by]
    assert [r["group"] for r in rows] == list(expected)  # natural order, unknown last
    for row in rows:
        _, n_eligible, n_followup, n_responders = expected[row["group"]]
        if by == "provider" and row["group"] != CLINIC:
            # methods.md section 4: under 20 with follow-up (every provider of these 13
            # courses), a provider is listed with its denominators but gets no responder
            # count, rate or interval of its own, whoever looks (even at --min-cell 1)
            assert n_followup < Settings().min_provider_courses
            assert (int(row["n_courses"]), int(row["n_eligible"]), int(row["n_followup"])) == (
                expected[row["group"]][:3]
            )
            assert row["n_responders"] == row["responder_rate"] == row["itt_rate"] == ""
            continue
        assert (
            int(row["n_courses"]),
            int(row["n_eligible"]),
            int(row["n_followup"]),
            int(row["n_responders"]),
        ) == expected[row["group"]]
        if n_followup == 0:
            assert row["responder_rate"] == row["ci_lower_95"] == row["ci_upper_95"] == ""
        else:
            assert float(row["responder_rate"]) == pytest.approx(
                n_responders / n_followup, abs=1e-6
            )
            lo, hi = wilson_interval(n_responders, n_followup)
            assert float(row["ci_lower_95"]) == pytest.approx(float(lo), abs=1e-6)
            assert float(row["ci_upper_95"]) == pytest.approx(float(hi), abs=1e-6)
        if n_eligible == 0:
            assert row["itt_rate"] == ""
        else:
            assert float(row["itt_rate"]) == pytest.approx(n_responders / n_eligible, abs=1e-6)
        # no observed_days in this extract: every course counts as due (methods.md section 1)
        assert row["n_not_yet_due"] == "0"


def test_rates_cli_json(fixture_db, capsys):
    rows = json.loads(_rates_cli(capsys, fixture_db, "severity", "json"))
    assert list(rows[0]) == RATES_HEADER
    mild = next(r for r in rows if r["group"] == "mild")
    assert mild["n_courses"] == 2 and mild["responder_rate"] is None
    moderate = next(r for r in rows if r["group"] == "moderate")
    assert moderate["responder_rate"] == pytest.approx(2 / 3, abs=1e-6)
    assert moderate["itt_rate"] == pytest.approx(0.4)


def test_rates_groups_by_indication_and_route(fixture_db, capsys):
    rows = list(csv.DictReader(io.StringIO(_rates_cli(capsys, fixture_db, "route"))))
    assert {r["group"]: int(r["n_courses"]) for r in rows} == {
        "intra_articular": 12,
        "paravertebral": 1,
    }


def test_course_level_outcomes(fixture_db):
    """The per-course mart, one edge at a time."""
    con = db.connect(fixture_db)
    try:
        cur = con.cursor()
        got = (
            cur.execute(
                "select course_id, baseline_score, followup_score, followup_day, is_eligible, "
                "has_followup, is_responder, is_substantial_responder from course_outcomes "
                "where window_name = '12w'"
            )
            .df()
            .set_index("course_id")
        )
    finally:
        con.close()
    assert got.loc["tie_in_window", "followup_day"] == 88
    assert bool(got.loc["tie_in_window", "is_substantial_responder"])
    assert got.loc["second_older_baseline", "baseline_score"] == 6
    assert bool(got.loc["exact_30_percent", "is_responder"])
    assert not bool(got.loc["drop_2_under_30_percent", "is_responder"])
    assert got.loc["window_last_day_112", "followup_day"] == 112
    assert not bool(got.loc["window_outside_day_55", "has_followup"])
    assert got.loc["same_day_duplicate_followup", "followup_score"] == 4
    assert not bool(got.loc["same_day_duplicate_followup", "is_substantial_responder"])
    assert not bool(got.loc["low_baseline", "is_eligible"])
    assert got["is_responder"].isna()["no_baseline"]


def test_overview_totals(fixture_db):
    con = db.connect(fixture_db)
    try:
        ov = analytics.overview(Query(con))
    finally:
        con.close()
    for name, value in fixture_clinic.EXPECTED_TOTAL.items():
        assert getattr(ov, name) == value, name
    assert ov.n_not_yet_due == 0  # no observed_days: every course is due
    assert ov.responder_complete_case.rate == pytest.approx(6 / 9)
    assert ov.responder_itt.rate == pytest.approx(6 / 11)
    assert ov.followup.rate == pytest.approx(9 / 11)
    assert ov.adverse_events_per_100_sessions == pytest.approx(300 / 31)


def test_scope_and_filters_are_applied_in_sql(fixture_db):
    con = db.connect(fixture_db)
    try:
        mine = analytics.responder_rates(Query(con, Scope.provider("P_B")), "provider")
        assert list(mine["group"]) == ["P_B"]
        sev = analytics.responder_rates(Query(con, Scope.provider("P_SMALL")), "severity")
        assert int(sev["n_courses"].sum()) == 2
        site2 = analytics.responder_rates(Query(con, filters=Filters(site_ids=("S2",))), "provider")
        assert list(site2["group"]) == ["P_B"]
        y2023 = analytics.overview(Query(con, filters=Filters(year_min=2023, year_max=2023)))
        assert y2023.n_courses == 6
        nobody = analytics.responder_rates(Query(con, Scope.provider("nobody")), "severity")
        assert nobody.empty
        with pytest.raises(InsufficientData):
            analytics.overview(Query(con, Scope.provider("nobody")))
        with pytest.raises(ValueError):
            analytics.responder_rates(Query(con, Scope.clinic()), "provider_id; drop table courses")
        injected = analytics.responder_rates(
            Query(con, Scope.provider("P_A' or '1'='1")), "provider"
        )
        assert injected.empty
    finally:
        con.close()


def test_heat_map_cells_add_up(fixture_db):
    con = db.connect(fixture_db)
    try:
        cells = analytics.responder_rates_2d(Query(con), "severity", "adherence")
    finally:
        con.close()
    by_sev = cells.groupby("row_group")["n_courses"].sum().to_dict()
    assert by_sev == {k: v[0] for k, v in fixture_clinic.EXPECTED_COUNTS["severity"].items()}
    cell = cells[(cells.row_group == "end_stage") & (cells.col_group == "one_and_done")]
    assert int(cell["n_courses"].iat[0]) == 1 and int(cell["n_responders"].iat[0]) == 0


@pytest.mark.parametrize("by", sorted(fixture_clinic.EXPECTED_COUNTS))
def test_independent_pandas_reference_agrees_with_hand_counts(tmp_path, by):
    """The pandas reference (used on the synthetic clinic) is itself right on the fixture."""
    from ozone_testkit.reference_outcomes import rates_by
    from queries.data.validation import read_extract

    tables = {
        k: v.to_pandas()
        for k, v in read_extract(fixture_clinic.write(tmp_path / "x")).tables.items()
    }
    got = rates_by(tables, by)
    expected = fixture_clinic.EXPECTED_COUNTS[by]
    assert {g: tuple(int(v) for v in row) for g, row in got.iterrows()} == expected


def test_early_flare_and_quit_after_flare(fixture_db):
    """methods.md section 5, course by course: a flare event (tie_in_window, 4 of 4 sessions:
    continued), an NRS rise of 1 on day 3 (drop_2_under_30_percent, 1 of 4: quit)."""
    con = db.connect(fixture_db)
    try:
        got = (
            con.cursor()
            .execute("select course_id, is_early_flare, is_quit_after_flare from course_facts")
            .df()
        )
    finally:
        con.close()
    flags = {
        r.course_id: (bool(r.is_early_flare), bool(r.is_quit_after_flare)) for r in got.itertuples()
    }
    assert flags.pop("tie_in_window") == (True, False)
    assert flags.pop("drop_2_under_30_percent") == (True, True)
    assert set(flags.values()) == {(False, False)}
