"""Not yet due (methods.md section 1; issue 9 point 2) on the hand-built extract with
``observed_days`` (ozone_testkit/fixture_not_yet_due.py, every count worked out there course by
course): the per-course mart, ``ozone-outcomes rates`` (its new last column
``n_not_yet_due``), the headline numbers, both windows, the quarterly p-charts, and the
Overview and Patterns pages.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager

import pytest

from ozone_testkit import fixture_clinic
from ozone_testkit import fixture_not_yet_due as fx
from ozone_testkit.screens import metrics, open_app, texts
from queries.analytics import rates as analytics
from queries.analytics import trends
from queries.analytics.query import Query
from queries.cli import main
from queries.core.errors import InsufficientData
from queries.core.settings import Settings
from queries.data import db
from queries.data.loading import load_folder


@pytest.fixture(scope="module")
def due_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("not_yet_due")
    path = tmp / "due.duckdb"
    load_folder(fx.write(tmp / "extract"), path)
    return path


@pytest.fixture()
def due_con(due_db):
    con = db.connect(due_db)
    yield con
    con.close()


def _rates_cli(capsys, path, by, fmt="csv"):
    # the hand-worked counts are under 11: read them as the analyst who holds the database
    assert main(["rates", "--db", str(path), "--by", by, "--format", fmt, "--min-cell", "1"]) == 0
    return capsys.readouterr().out


def test_the_mart_marks_the_courses_not_yet_due_per_window(due_con):
    got = due_con.execute(
        "select window_name, course_id from course_outcomes where is_not_yet_due"
    ).fetchall()
    by_window: dict[str, set[str]] = {}
    for window, course in got:
        by_window.setdefault(window, set()).add(course)
    # observed_days < 35 (4w), < 112 (12w), < 210 (26w), < 406 (52w); empty = due
    recent = {"not_due_at_4w_either"}
    under_112 = recent | {
        "not_due_111_with_value",
        "not_due_60_no_value",
        "not_due_low_baseline",
        "not_due_no_baseline",
        "due_at_4w_exactly_35",
    }
    assert by_window["4w"] == recent
    assert by_window["12w"] == under_112
    assert by_window["26w"] == under_112 | {
        "due_exactly_112",
        "due_non_responder",
        "due_no_followup",
    }
    assert by_window["52w"] == by_window["26w"] | {"due_low_baseline", "due_responder"}
    # a not-yet-due course keeps what the extract holds but is never eligible
    row = due_con.execute(
        "select has_baseline, has_followup, is_eligible, is_responder from course_outcomes "
        "where course_id = 'not_due_111_with_value' and window_name = '12w'"
    ).fetchone()
    assert row == (True, True, False, None)


CLI_COUNTS = ("n_courses", "n_eligible", "n_followup", "n_responders", "n_not_yet_due")
CLI_RATES = ("responder_rate", "ci_lower_95", "ci_upper_95", "itt_rate")


def test_rates_cli_reproduces_the_hand_counts_with_n_not_yet_due_last(due_db, capsys):
    rows = list(csv.DictReader(io.StringIO(_rates_cli(capsys, due_db, "provider"))))
    assert list(rows[0])[-1] == "n_not_yet_due"
    # methods.md section 4: under 20 with follow-up a provider gets no responder count or rate
    # of its own in the CLI either; its denominators and n_not_yet_due stay
    shown = [c for c in CLI_COUNTS if c != "n_responders"]
    assert {r["group"]: tuple(int(r[c]) for c in shown) for r in rows} == {
        "P_A": (6, 3, 2, 3),
        "P_B": (7, 2, 2, 3),
    }
    assert all(r[c] == "" for r in rows for c in ("n_responders", *CLI_RATES))


def test_rates_by_provider_reproduce_the_hand_counts_with_the_20_course_rule_off(due_con):
    settings = Settings(min_provider_courses=1)  # the hand-worked rates of two small providers
    frame = analytics.responder_rates(Query(due_con, settings=settings), "provider")
    rows = frame.set_index("group")
    counts = {g: tuple(int(rows.loc[g, c]) for c in CLI_COUNTS) for g in ("P_A", "P_B")}
    shares = {g: tuple(float(rows.loc[g, c]) for c in CLI_RATES) for g in ("P_A", "P_B")}
    # P_A: 6 courses, 3 not yet due (observed 111, 60, 20); 3 eligible, 2 with follow-up, both
    # responders: complete case 2/2, Wilson 95 % 0.3424-1 (statsmodels proportion_confint
    # method="wilson" gives 0.342380, 1.0); ITT 2/3.
    assert counts["P_A"] == (6, 3, 2, 2, 3)
    assert shares["P_A"] == pytest.approx((1.0, 0.342380, 1.0, 2 / 3), abs=1e-5)
    # P_B: 7 courses, 3 not yet due (observed 50, 90, 35); eligible empty_observed_days and
    # due_non_responder, both with follow-up, 1 responder: 1/2, Wilson 0.0945-0.9055
    # (statsmodels: 0.094531, 0.905469); ITT 1/2.
    assert counts["P_B"] == (7, 2, 2, 1, 3)
    assert shares["P_B"] == pytest.approx((0.5, 0.094531, 0.905469, 0.5), abs=1e-5)


def test_rates_cli_json_one_group(due_db, capsys):
    (row,) = json.loads(_rates_cli(capsys, due_db, "severity", "json"))
    # every course is KL 3 (moderate): 13 courses, 6 not yet due; 5 eligible, 4 with follow-up,
    # 3 responders: 3/4 (statsmodels Wilson 0.300642-0.954413), ITT 3/5
    assert list(row)[-1] == "n_not_yet_due"
    assert (row["group"], row["n_courses"], row["n_eligible"], row["n_followup"]) == (
        "moderate",
        13,
        5,
        4,
    )
    assert (row["n_responders"], row["n_not_yet_due"]) == (3, 6)
    assert row["responder_rate"] == pytest.approx(0.75)
    assert row["ci_lower_95"] == pytest.approx(0.300642, abs=1e-5)
    assert row["ci_upper_95"] == pytest.approx(0.954413, abs=1e-5)
    assert row["itt_rate"] == pytest.approx(0.6)


@pytest.mark.parametrize("window", sorted(fx.EXPECTED_COUNTS))
def test_every_count_per_window(due_con, window):
    settings = Settings(min_provider_courses=1)  # every count of two small providers
    frame = analytics.responder_rates(Query(due_con, settings=settings), "provider", window=window)
    got = {r["group"]: tuple(int(r[c]) for c in fx.COUNT_COLUMNS) for _, r in frame.iterrows()}
    assert got == fx.EXPECTED_COUNTS[window]
    for counts in got.values():  # not yet due + no baseline + low baseline + eligible
        n_courses, no_baseline, low, eligible, *_, not_due = counts
        assert n_courses == not_due + no_baseline + low + eligible


def test_overview_leaves_the_not_yet_due_out_of_every_rate(due_con):
    ov = analytics.overview(Query(due_con))
    assert (ov.n_courses, ov.n_not_yet_due, ov.n_no_baseline, ov.n_low_baseline) == (13, 6, 1, 1)
    assert (ov.n_eligible, ov.n_followup, ov.n_responders) == (5, 4, 3)
    assert ov.n_substantial_responders == 2  # due_responder, due_exactly_112
    assert ov.followup.rate == pytest.approx(4 / 5)
    assert ov.responder_complete_case.rate == pytest.approx(3 / 4)
    assert ov.responder_itt.rate == pytest.approx(3 / 5)
    assert ov.substantial.rate == pytest.approx(2 / 4)
    assert analytics.n_not_yet_due(Query(due_con)) == 6
    assert analytics.n_not_yet_due(Query(due_con), window="4w") == 1


@pytest.mark.parametrize(
    "measure, n_col, events_col",
    [("responder", 2, 3), ("followup", 1, 2)],
)
def test_quarterly_pcharts_leave_the_not_yet_due_out(due_con, measure, n_col, events_col):
    chart = trends.quarterly_pchart(Query(due_con), measure=measure)
    assert chart.n_not_yet_due == 6
    pts = chart.points
    assert list(pts["period"]) == list(fx.EXPECTED_QUARTERS)
    expected = fx.EXPECTED_QUARTERS
    assert list(pts["n"]) == [expected[p][n_col] for p in expected]
    assert list(pts["events"]) == [expected[p][events_col] for p in expected]
    assert list(pts["n_not_yet_due"]) == [expected[p][4] for p in expected]
    # the latest quarter has no denominator left, so no point (it does not dip to 1 of 4)
    assert pts.loc[pts["period"] == "2025-Q4", "proportion"].isna().all()


@contextmanager
def _loaded(tmp_path, data):
    """A connection to a fresh database holding the fixture rows ``data``."""
    load_folder(fixture_clinic.write(tmp_path / "extract", data), tmp_path / "x.duckdb")
    con = db.connect(tmp_path / "x.duckdb")
    try:
        yield con
    finally:
        con.close()


def test_without_observed_days_the_latest_quarter_dips(tmp_path):
    """The same extract with observed_days left out: every course counts as due, so 2025-Q4
    shows 4 eligible courses (baselines 8, 7, 8, 6), 1 with follow-up
    (not_due_111_with_value): the dip issue 9 describes."""
    data = fx.rows()
    for row in data["courses"]:
        del row["observed_days"]
    with _loaded(tmp_path, data) as con:
        chart = trends.quarterly_pchart(Query(con), measure="followup")
        ov = analytics.overview(Query(con))
    latest = chart.points.set_index("period").loc["2025-Q4"]
    assert (latest["n"], latest["events"], chart.n_not_yet_due) == (4, 1, 0)
    assert ov.n_not_yet_due == 0 and ov.n_eligible == 9


def test_a_clinic_with_nothing_due_yet_says_so(tmp_path):
    data = fx.rows()
    for row in data["courses"]:
        row["observed_days"] = "10"
    with _loaded(tmp_path, data) as con:
        with pytest.raises(InsufficientData, match="due for the 12w follow-up yet"):
            trends.quarterly_pchart(Query(con))
        ov = analytics.overview(Query(con))
    assert (ov.n_not_yet_due, ov.n_eligible) == (13, 0)
    assert ov.responder_itt.n == 0


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture()
def due_env(monkeypatch, due_db):
    monkeypatch.setenv("OUTCOMES_DB", str(due_db))
    monkeypatch.delenv("OUTCOMES_ROUND_TO", raising=False)
    # the hand-worked counts of 13 courses are all under 11: the analyst's setting, gate off
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")
    return due_db


def test_overview_shows_the_count_and_says_what_it_means(due_env):
    at = open_app("overview")
    shown = metrics(at)
    assert (shown["Courses"], shown["Not yet due"], shown["Eligible"]) == ("13", "6", "5")
    assert "Not yet due: 6 courses are too recent for the 12w follow-up" in texts(at, "caption")


def test_patterns_says_how_many_are_left_out_and_tables_show_them(due_env):
    at = open_app("patterns")
    assert "Not yet due: 6 courses are too recent" in texts(at, "caption")
    tables = [t.value for t in at.dataframe]
    provider = next(t for t in tables if "Provider" in t.columns)
    assert dict(zip(provider["Provider"], provider["Not yet due"], strict=True)) == {
        "P_A": 3,
        "P_B": 3,
    }
