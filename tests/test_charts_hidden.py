"""Labels and hover texts of the provider-level charts carry only what the gate let through
(issue 8; methods.md section 6): every figure is built from the frame passed in, where the
gate left a hidden cell missing (NA); a hidden count reads "hidden", never a number, and a
provider with too few courses to compare (methods.md section 4) has no point and says so.

The frames are built by hand, with the hidden cells missing as the gate leaves them; one test
goes through the real gate (:func:`queries.disclosure.gate.present`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import associations as ca
from dashboard.charts import bars
from dashboard.charts import funnel as cf
from dashboard.charts import monitoring as cm
from dashboard.charts import providers as cp
from dashboard.charts import rates as cr
from queries.analytics.monitoring import SIGNAL_COLUMNS, SUMMARY_COLUMNS, ProviderMonitoring
from queries.analytics.providers import funnel_view
from queries.core.settings import Settings
from queries.disclosure.gate import Policy
from queries.stats.oe_funnel import oe_funnel

SETTINGS = Settings()
OFF = Policy("director", 1)  # the gate already ran: nothing more is hidden
DIGIT = re.compile(r"\d")
NA = pd.NA


def trace(fig: go.Figure, name: str):
    (found,) = [t for t in fig.data if t.name == name]
    return found


def rate_frame() -> pd.DataFrame:
    """Two providers: p_big shown, p_small hidden by the gate (every count and rate NA)."""
    return pd.DataFrame(
        {
            "group": ["p_big", "p_small"],
            "n_courses": pd.array([40, NA], dtype="Int64"),
            "n_eligible": pd.array([36, NA], dtype="Int64"),
            "n_followup": pd.array([30, NA], dtype="Int64"),
            "n_responders": pd.array([15, NA], dtype="Int64"),
            "responder_rate": [0.5, np.nan],
            "ci_lower_95": [0.33, np.nan],
            "ci_upper_95": [0.67, np.nan],
            "itt_rate": [15 / 36, np.nan],
            "itt_ci_lower_95": [0.27, np.nan],
            "itt_ci_upper_95": [0.58, np.nan],
        }
    )


def test_a_hidden_group_of_a_rate_chart_shows_no_number():
    fig = cr.rate_chart(rate_frame(), "provider", SETTINGS, OFF)
    for name in ("Complete case", "ITT (missing = no response)"):
        points = trace(fig, name)
        hidden = list(points.customdata[1])
        assert hidden[2:] == ["hidden", "hidden"]  # responders, denominator
        assert not any(DIGIT.search(cell) for cell in hidden)  # the rate and CI: "–"
        if name == "Complete case":
            assert list(points.text) == ["n=30", "n hidden"]
    assert "hidden courses" in fig.layout.xaxis.ticktext[1]
    assert "40 courses" in fig.layout.xaxis.ticktext[0]


def test_through_the_gate_a_small_group_has_no_digit_in_its_hover():
    frame = pd.DataFrame(
        {
            "group": ["p_a", "p_b", "p_c"],
            "n_courses": [40, 38, 8],
            "n_eligible": [36, 35, 8],
            "n_followup": [30, 28, 7],
            "n_responders": [15, 14, 4],
        }
    )
    frame = frame.assign(
        responder_rate=frame["n_responders"] / frame["n_followup"],
        ci_lower_95=0.3,
        ci_upper_95=0.7,
        itt_rate=frame["n_responders"] / frame["n_eligible"],
        itt_ci_lower_95=0.3,
        itt_ci_upper_95=0.7,
    )
    fig = cr.rate_chart(frame, "provider", SETTINGS, Policy("director", 11))
    for name in ("Complete case", "ITT (missing = no response)"):
        points = trace(fig, name)
        small = points.x.index("p_c")
        assert not any(DIGIT.search(str(cell)) for cell in points.customdata[small])
        assert not DIGIT.search(points.text[small])
    tick = fig.layout.xaxis.ticktext[2]
    assert "hidden courses" in tick and "8 courses" not in tick


def test_too_few_courses_to_compare_is_said_on_the_rate_chart():
    frame = rate_frame().assign(too_few_courses=[False, True])
    frame.loc[1, ["n_courses", "n_eligible", "n_followup"]] = [22, 20, 19]  # shown counts
    fig = cr.rate_chart(frame, "provider", SETTINGS, OFF)
    notes = [a.text for a in fig.layout.annotations]
    assert notes == [cr.base.tick_label(cr.TOO_FEW_TEXT, 12)]
    assert fig.layout.annotations[0].x == "p_small"
    assert trace(fig, "Complete case").text[1] == "n=19"


def test_a_hidden_heatmap_cell_reads_hidden():
    frame = rate_frame().rename(columns={"group": "row_group"}).assign(col_group="mild")
    fig = cr.rate_heatmap(frame, "provider", "severity", SETTINGS, OFF)
    (heat,) = fig.data
    cells = [c for row in heat.text for c in row]
    assert "–<br>n hidden" in cells and "50 %<br>n=30" in cells
    courses = [c[1] for row in heat.customdata for c in row]
    assert courses == ["40", "hidden"]


def test_rate_bars_read_hidden():
    b = bars.Bars(
        "x", ["a", "b"], [0.5, None], [0.3, None], [0.7, None], [15, NA], [30, NA], "#000000"
    )
    fig = bars.rate_bars([b], "t", "s", bars.BarAxes("x", "y", "courses"), SETTINGS)
    assert list(fig.data[0].customdata[1]) == ["–", "–", "hidden", "hidden"]
    assert list(fig.data[1].text) == ["n=30", "n hidden"]


def test_funnel_hover_of_a_hidden_observed_count():
    courses = pd.DataFrame(
        {
            "unit_id": ["a"] * 40 + ["b"] * 30 + ["c"] * 25,
            "observed": [1] * 20 + [0] * 20 + [1] * 15 + [0] * 15 + [1] * 5 + [0] * 20,
            "p": 0.4,
        }
    )
    view = funnel_view(oe_funnel(courses, SETTINGS), 0.95)
    view.points.loc[view.points["unit_id"] == "c", "n_responders"] = NA  # as the gate hides 5
    fig = cf.funnel_chart(view, SETTINGS, "t", "s")
    points = trace(fig, "Provider")
    hover = dict(zip(points.text, points.customdata, strict=True))
    assert "hidden observed" in hover["c"][2] and "5 observed" not in hover["c"][2]
    assert "20 observed" in hover["a"][2] and hover["a"][1] == "40"


def test_caterpillar_forest_std_difference_and_calibration_read_hidden():
    rows = pd.DataFrame(
        {
            "unit_id": ["a", "b"],
            "n": pd.array([40, NA], dtype="Int64"),
            "rate": [0.5, np.nan],
            "shrunken_rate": [0.49, np.nan],
            "ci_lower_95": [0.35, np.nan],
            "ci_upper_95": [0.63, np.nan],
            "shrinkage": [0.1, np.nan],
            "prior_mean": [0.47, 0.47],
        }
    )
    cat = trace(cf.caterpillar_chart(rows, SETTINGS, "t"), "Shrunken rate")
    assert list(cat.text) == ["n=40", "n hidden"]
    assert cat.customdata[1][2] == "hidden" and not DIGIT.search(" ".join(cat.customdata[1][:3]))
    odds = pd.DataFrame(
        {
            "factor": ["severity_class"],
            "level": ["mild"],
            "reference": ["moderate"],
            "odds_ratio": [1.4],
            "ci_lower_95": [0.9],
            "ci_upper_95": [2.1],
            "n_with_level": pd.array([NA], dtype="Int64"),
            "n": pd.array([NA], dtype="Int64"),
        }
    )
    forest = ca.forest_chart(odds, SETTINGS)
    assert next(d for t in forest.data for d in (t.customdata or []))[2] == "hidden"
    assert "One logistic model, hidden courses" in forest.layout.title.subtitle.text
    differences = pd.DataFrame(
        {
            "factor": ["severity_class", "rehab"],
            "level": ["mild", "none"],
            "share_group_a": [np.nan, 0.4],
            "share_group_b": [np.nan, 0.2],
            "std_difference": [np.nan, 0.45],
        }
    )
    (std,) = ca.std_difference_chart(differences, "t").data
    assert sorted(std.text) == ["40 % vs 20 %", "hidden"]
    calibration = pd.DataFrame(
        {
            "group": [1, 2],
            "n": pd.array([NA, 34], dtype="Int64"),
            "expected_rate": [0.3, 0.5],
            "observed_rate": [np.nan, 0.5],
            "observed_ci_lower_95": [np.nan, 0.33],
            "observed_ci_upper_95": [np.nan, 0.67],
        }
    )
    points = trace(ca.calibration_chart(calibration, SETTINGS), "Tenth of predicted risk")
    assert [list(c) for c in points.customdata] == [["1", "hidden"], ["2", "34"]]


def test_case_mix_process_and_baseline_read_hidden_or_too_few():
    mix = pd.DataFrame(
        {
            "group": ["clinic", "clinic", "p_a"],
            "factor": "severity_class",
            "level": ["mild", "severe", "mild"],
            "n_courses": pd.array([30, 20, NA], dtype="Int64"),
            "share": [0.6, 0.4, 1.0],
        }
    )
    fig = cp.case_mix_chart(mix, "severity_class", OFF, "t")
    hover = {t.name: dict(zip(t.y, t.customdata, strict=True)) for t in fig.data}
    assert hover["mild"] == {"Whole clinic": "30", "p_a": "hidden"}
    assert hover["severe"] == {"Whole clinic": "20", "p_a": "0"}  # no such course: 0
    pain = pd.DataFrame(
        {
            "group": ["clinic", "p_a"],
            "n_with_baseline": pd.array([50, 19], dtype="Int64"),
            "mean_baseline_score": [6.2, np.nan],
            "baseline_ci_lower_95": [5.9, np.nan],
            "baseline_ci_upper_95": [6.5, np.nan],
            "too_few_courses": [False, True],
        }
    )
    (dots,) = cp.baseline_pain_chart(pain, SETTINGS, OFF).data
    assert list(dots.y) == ["Whole clinic · n=50", f"p_a · n=19 · {cr.TOO_FEW_TEXT}"]


def test_a_cusum_whose_count_the_gate_hid_has_no_line_and_no_number():
    summary = pd.DataFrame([dict.fromkeys(SUMMARY_COLUMNS)] * 2)
    summary["provider_id"] = ["p_a", "p_b"]
    summary["n_courses"] = pd.array([NA, 40], dtype="Int64")
    summary["cusum_signal"] = ["none", "none"]
    summary[["alert_threshold", "alarm_threshold"]] = [[2.5, 4.0], [2.5, 4.0]]
    paths = pd.DataFrame(
        {
            "provider_id": ["p_a"] * 33 + ["p_b"] * 40,
            "course_number": list(range(1, 34)) + list(range(1, 41)),
            "period": "2023",
            "cusum": 0.0,
            "alert_start": False,
            "alarm": False,
        }
    )
    signals = pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    watch = ProviderMonitoring(summary, paths, signals, 2.0, 0.95, 0.998, 10_000, 20)
    fig = cm.cusum_chart(watch, "t", "s", ["p_a", "p_b"])
    assert [max(t.x) for t in fig.data if t.name == "CUSUM"] == [40]  # p_a's 33 not drawn
    sentence = cm.signal_sentence(summary.iloc[0], 20)
    assert sentence.startswith("p_a: no signal; not drawn") and not DIGIT.search(sentence[4:])
    too_few = summary.iloc[1].copy()
    too_few["cusum_signal"], too_few["n_courses"] = "too_few", 8
    assert (
        cm.signal_sentence(too_few, 20) == "p_b: not enough courses yet (under 20 with follow-up)."
    )
