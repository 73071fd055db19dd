"""Every page runs, on the fixture clinic, and shows the hand-worked numbers.

Streamlit's AppTest runs dashboard/app.py in-process with ``OUTCOMES_DB`` pointing at the
fixture database (``fixture_env``, tests/conftest.py). Expected values come from
``ozone_testkit.fixture_clinic.EXPECTED_COUNTS`` / ``EXPECTED_TOTAL``, worked out course by
course. Plotly charts are read from their JSON spec (what AppTest sees of a figure), with the
readers of ozone_testkit/screens.py.
"""

from __future__ import annotations

import pytest

from dashboard import sidebar
from dashboard.charts.rates import rate_chart_title
from dashboard.state import NO_MATCH
from ozone_testkit.fixture_clinic import EXPECTED_COUNTS, EXPECTED_TOTAL
from ozone_testkit.screens import charts, metrics, open_app, start_app, texts, trace

PAGES = ("overview", "patterns", "data")
SYNTHETIC = "Synthetic data"


def label(group: str, by: str) -> str:
    return group if by == "provider" else group.replace("_", " ")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(fixture_env, page):
    at = open_app(page)
    assert at.title[0].value.lower() == page


def test_overview_shows_the_hand_worked_totals(fixture_env):
    shown = metrics(open_app("overview"))
    assert shown["Courses"] == str(EXPECTED_TOTAL["n_courses"])
    assert shown["Eligible"] == str(EXPECTED_TOTAL["n_eligible"])
    assert shown["No baseline"] == str(EXPECTED_TOTAL["n_no_baseline"])
    assert shown["Low baseline"] == str(EXPECTED_TOTAL["n_low_baseline"])
    assert shown["Follow-up completeness"] == "82 %"  # 9 of 11 eligible
    assert shown["Responders, complete case"] == "67 %"  # 6 of 9 with follow-up
    assert shown["Responders, ITT"] == "55 %"  # 6 of 11 eligible
    assert shown["Substantial (≥ 50 % less pain)"] == "22 %"  # 2 of 9
    assert shown["Adverse events per 100 sessions"] == "9.7"  # 3 events / 31 sessions
    assert shown["Serious adverse events"] == str(EXPECTED_TOTAL["n_serious_adverse_events"])
    assert "6 of 9 eligible with follow-up" in texts(open_app("overview"), "caption")


@pytest.mark.parametrize("by", sorted(EXPECTED_COUNTS))
def test_patterns_charts_hold_the_fixture_rates(fixture_env, by):
    spec = charts(open_app("patterns"))[rate_chart_title(by)]
    complete_case, itt = trace(spec, "Complete case"), trace(spec, "ITT (missing = no response)")
    expected = EXPECTED_COUNTS[by]
    assert list(complete_case) == [label(g, by) for g in expected]  # natural order, none dropped
    # every fixture provider is under the 20 eligible courses with follow-up a point of its
    # own needs (methods.md section 4): listed, with no rate, and the chart says why
    compared = by != "provider"
    for group, (_courses, eligible, followup, responders) in expected.items():
        assert complete_case[label(group, by)] == (
            pytest.approx(responders / followup) if followup and compared else None
        )
        assert itt[label(group, by)] == (
            pytest.approx(responders / eligible) if eligible and compared else None
        )
    notes = [a["text"] for a in spec["layout"].get("annotations", [])]
    assert len([n for n in notes if "too few" in n]) == (0 if compared else len(expected))


def test_patterns_has_all_seven_charts_with_titles_and_captions(fixture_env):
    at = open_app("patterns")
    specs = charts(at)
    assert len(specs) == 7  # four one-way, the day-21 landmark view (issue 9), two heat maps
    heatmaps = [s for s in specs.values() if s["data"][0]["type"] == "heatmap"]
    assert len(heatmaps) == 2
    for spec in heatmaps:  # every cell shows its n
        assert all("n=" in cell for row in spec["data"][0]["text"] for cell in row)
    caption = texts(at, "caption")
    assert "Descriptive: people who felt worse after session 1 may have quit" in caption
    assert "Association, not effect" in caption
    assert "Landmark view (methods.md section 2)" in caption and "still descriptive" in caption


def test_severity_by_adherence_heatmap_cell(fixture_env):
    specs = charts(open_app("patterns"))
    (spec,) = [s for t, s in specs.items() if "severity × sessions" in t]
    heat = spec["data"][0]
    cell = heat["z"][heat["y"].index("moderate")][heat["x"].index("full protocol")]
    # tie_in_window and second_older_baseline: both KL 3, full protocol, both responders
    assert cell == pytest.approx(1.0)


def test_every_table_has_a_csv_download(fixture_env):
    assert len(open_app("patterns").main.download_button) == 7  # with the landmark view's
    assert len(open_app("data").main.download_button) == 3


def test_data_page_lists_loads_tables_and_checks(fixture_env):
    at = open_app("data")
    history, row_counts, checks = (d.value for d in at.dataframe)
    assert set(history["File"]) == {
        "courses.csv",
        "sessions.csv",
        "assessments.csv",
        "adverse_events.csv",
    }
    assert history["SHA-256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert not history["Synthetic"].any()
    assert dict(zip(row_counts["Table"], row_counts["Rows"], strict=True))["courses"] == 13
    assert set(checks["Status"]) <= {"pass", "review"}
    flagged = dict(zip(checks["Check"], checks["Rows flagged"], strict=True))
    assert flagged["courses_without_baseline"] == EXPECTED_TOTAL["n_no_baseline"]


def test_site_filter_changes_the_numbers(fixture_env):
    at = open_app("overview")
    at.multiselect(key=sidebar.SITE_KEY).set_value(["S2"]).run()
    assert metrics(at)["Courses"] == "5"  # the five P_B courses at S2
    at.switch_page("views/patterns.py").run()
    provider = charts(at)[rate_chart_title("provider")]
    assert list(trace(provider, "Complete case")) == ["P_B"]


def test_filters_are_read_from_the_url(fixture_env):
    at = open_app("overview", {sidebar.SITE_KEY: "S2", sidebar.YEARS_KEY: ["2024", "2024"]})
    assert metrics(at)["Courses"] == "5"
    assert at.multiselect(key=sidebar.SITE_KEY).value == ["S2"]


def test_no_matching_course_gives_one_calm_sentence(fixture_env):
    at = open_app(
        "overview", {sidebar.SITE_KEY: "S1", sidebar.INDICATION_KEY: "lumbar_disc_herniation"}
    )
    assert [i.value for i in at.info] == [NO_MATCH]
    at.switch_page("views/patterns.py").run()
    assert not at.exception
    assert [i.value for i in at.info] == [NO_MATCH]


def test_fixture_database_is_not_labelled_synthetic(fixture_env):
    at = open_app("overview")
    assert SYNTHETIC not in texts(at, "warning")


def test_first_start_builds_and_labels_the_synthetic_clinic(monkeypatch, tmp_path):
    monkeypatch.delenv("OUTCOMES_DB", raising=False)
    monkeypatch.setenv("OUTCOMES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OUTCOMES_SYNTHETIC_COURSES", "300")
    at = open_app("overview")
    assert len(at.status) == 1  # progress shown while building
    assert list(tmp_path.glob("synthetic-300-*.duckdb"))
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception
        assert SYNTHETIC in texts(at, "warning"), page
    assert len(at.status) == 0  # built once, reused afterwards


def test_synthetic_database_is_labelled_on_every_page(monkeypatch, synthetic_clinic_db):
    monkeypatch.setenv("OUTCOMES_DB", str(synthetic_clinic_db))
    for page in PAGES:
        assert SYNTHETIC in texts(open_app(page), "warning"), page


def test_missing_database_is_a_calm_sentence(monkeypatch, tmp_path):
    monkeypatch.setenv("OUTCOMES_DB", str(tmp_path / "nowhere.duckdb"))
    at = start_app()
    assert not at.exception
    assert "no database at" in at.error[0].value
