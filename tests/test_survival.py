"""Known-answer tests for queries/survival.py.

Independent implementation: ``statsmodels.duration.survfunc.SurvfuncRight`` (product-limit
estimate ``surv_prob``, Greenwood standard error ``surv_prob_se``, ``n_risk``, ``n_events``
at ``surv_times``; ``quantile`` / ``quantile_ci`` for the median) and ``CumIncidenceRight``
for 1 - KM. statsmodels has no pointwise interval for S(t), so the log(-log) interval is
recomputed here from statsmodels' own estimate and standard error.

Published values: the 6-MP arm of the Freireich et al. 1963 (Blood 21:699) leukaemia
remission trial (weeks; + = censored). Kaplan-Meier estimates as tabulated by Kleinbaum &
Klein, Survival Analysis: A Self-Learning Text (3rd ed. 2012), chapter 2; Greenwood standard
errors as in Klein & Moeschberger, Survival Analysis (2nd ed. 2003), section 4.2, Table
4.1A; log(-log) 95 % limits as printed by R ``survival::survfit(..., conf.type =
"log-log")`` for these data.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

from queries.stats.survival import (
    at_risk_table,
    cumulative_incidence_by,
    kaplan_meier,
    kaplan_meier_by_group,
    loglog_interval,
    median_survival,
    survival_at,
)

# Freireich 1963, 6-MP group: 6, 6, 6, 6+, 7, 9+, 10, 10+, 11+, 13, 16, 17+, 19+, 20+, 22,
# 23, 25+, 32+, 32+, 34+, 35+
SIX_MP_TIME = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
# time: (n at risk, events, S(t), Greenwood SE, log-log 95 % lower, upper)
SIX_MP_PUBLISHED = {
    6: (21, 3, 0.857, 0.0764, 0.620, 0.952),
    7: (17, 1, 0.807, 0.0869, 0.563, 0.923),
    10: (15, 1, 0.753, 0.0963, 0.503, 0.889),
    13: (12, 1, 0.690, 0.1068, 0.432, 0.849),
    16: (11, 1, 0.627, 0.1141, 0.368, 0.805),
    22: (7, 1, 0.538, 0.1282, 0.268, 0.747),
    23: (6, 1, 0.448, 0.1346, 0.188, 0.680),
}


def simulated(seed: int = 20261125, n: int = 400) -> pd.DataFrame:
    """Exponential event times, uniform censoring, rounded to whole weeks (many ties)."""
    rng = np.random.default_rng(seed)
    event_t = rng.exponential(40, n)
    censor_t = rng.uniform(0, 120, n)
    time = np.ceil(np.minimum(event_t, censor_t) / 7)
    event = (event_t <= censor_t).astype(int)
    group = rng.choice(["mild", "moderate", "severe"], n)
    return pd.DataFrame({"time": time, "event": event, "severity": group})


def loglog_reference(s, se, level=0.95):
    """The log(-log) interval written out afresh from statsmodels' S and SE."""
    z = sps.norm.ppf(0.5 + level / 2)
    half = z * se / (s * np.abs(np.log(s)))
    return np.exp(-np.exp(np.log(-np.log(s)) + half)), np.exp(-np.exp(np.log(-np.log(s)) - half))


def event_rows(km):
    return km[km["n_events"] > 0].reset_index(drop=True)


def test_six_mp_matches_published_tables():
    ev = event_rows(kaplan_meier(SIX_MP_TIME, SIX_MP_EVENT)).set_index("time")
    assert list(ev.index) == list(SIX_MP_PUBLISHED)
    for t, (n_risk, d, s, se, lo, hi) in SIX_MP_PUBLISHED.items():
        row = ev.loc[t]
        assert (row["n_at_risk"], row["n_events"]) == (n_risk, d)
        assert round(row["survival"], 3) == s
        assert round(row["std_error"], 4) == se
        assert round(row["ci_lower_95"], 3) == lo
        assert round(row["ci_upper_95"], 3) == hi


@pytest.mark.parametrize("data", ["six_mp", "simulated"])
def test_matches_statsmodels(data):
    if data == "six_mp":
        time, event = np.array(SIX_MP_TIME), np.array(SIX_MP_EVENT)
    else:
        frame = simulated()
        time, event = frame["time"].to_numpy(), frame["event"].to_numpy()
    km = kaplan_meier(time, event)
    sf = SurvfuncRight(time, event)
    ev = event_rows(km)
    np.testing.assert_array_equal(ev["time"], sf.surv_times)
    np.testing.assert_array_equal(ev["n_at_risk"], sf.n_risk)
    np.testing.assert_array_equal(ev["n_events"], sf.n_events)
    np.testing.assert_allclose(ev["survival"], sf.surv_prob, rtol=1e-12)
    finite = np.isfinite(sf.surv_prob_se)
    np.testing.assert_allclose(ev["std_error"][finite], sf.surv_prob_se[finite], rtol=1e-10)
    ok = finite & (sf.surv_prob > 0)
    lo, hi = loglog_reference(sf.surv_prob[ok], sf.surv_prob_se[ok])
    np.testing.assert_allclose(ev["ci_lower_95"][ok], lo, rtol=1e-10)
    np.testing.assert_allclose(ev["ci_upper_95"][ok], hi, rtol=1e-10)


def test_simulated_data_really_has_ties_and_censoring():
    frame = simulated()
    km = kaplan_meier(frame["time"], frame["event"])
    assert (km["n_events"] > 1).sum() > 5
    assert ((km["n_events"] > 0) & (km["n_censored"] > 0)).any()  # events and censoring tied
    assert km["n_censored"].sum() > 50


def test_every_observed_time_kept_with_counts_that_add_up():
    frame = simulated()
    km = kaplan_meier(frame["time"], frame["event"])
    assert km["time"].iloc[0] == 0 and km["n_at_risk"].iloc[0] == len(frame)
    assert set(frame["time"]) <= set(km["time"])
    assert km["n_events"].sum() == frame["event"].sum()
    assert km["n_events"].sum() + km["n_censored"].sum() == len(frame)
    # between event times the curve and its interval carry forward
    s = km["survival"].to_numpy()
    assert np.all(np.diff(s) <= 0)
    no_event = km["n_events"].to_numpy()[1:] == 0
    np.testing.assert_array_equal(s[1:][no_event], s[:-1][no_event])


def test_at_risk_table_counts_directly_and_agrees_with_statsmodels():
    frame = simulated()
    km = kaplan_meier(frame["time"], frame["event"])
    times = [0, 2, 5, 10, 13, 100]
    table = at_risk_table(km, times)
    for _, row in table.iterrows():
        t = row["time"]
        assert row["n_at_risk"] == (frame["time"] >= t).sum()
        assert row["n_events_so_far"] == ((frame["time"] <= t) & (frame["event"] == 1)).sum()
        assert row["n_censored_so_far"] == ((frame["time"] <= t) & (frame["event"] == 0)).sum()
    sf = SurvfuncRight(frame["time"], frame["event"])
    at_events = at_risk_table(km, sf.surv_times)
    np.testing.assert_array_equal(at_events["n_at_risk"], sf.n_risk)
    assert table["n_at_risk"].iloc[-1] == 0  # past the last follow-up


def test_six_mp_at_risk_and_survival_read_off():
    km = kaplan_meier(SIX_MP_TIME, SIX_MP_EVENT)
    table = at_risk_table(km, [0, 10, 20, 30])
    assert list(table["n_at_risk"]) == [21, 15, 8, 4]  # counted from the list above
    s = survival_at(km, [0, 5, 12, 35, 36])
    assert list(np.round(s["survival"][:4], 3)) == [1.0, 1.0, 0.753, 0.448]
    assert np.isnan(s["survival"].iloc[4])  # after the last follow-up: not extrapolated


def test_median_and_interval_match_statsmodels():
    km = kaplan_meier(SIX_MP_TIME, SIX_MP_EVENT)
    sf = SurvfuncRight(SIX_MP_TIME, SIX_MP_EVENT)
    med = median_survival(km)
    assert med.median == 23 == sf.quantile(0.5)  # Kleinbaum & Klein: median 23 weeks
    assert (med.lower, med.upper) == sf.quantile_ci(0.5, method="cloglog")
    frame = simulated()
    km = kaplan_meier(frame["time"], frame["event"])
    sf = SurvfuncRight(frame["time"], frame["event"])
    assert not np.isclose(sf.surv_prob, 0.5).any()  # so <= 0.5 and < 0.5 agree
    med = median_survival(km)
    assert med.median == sf.quantile(0.5)
    assert (med.lower, med.upper) == sf.quantile_ci(0.5, method="cloglog")


def test_median_exactly_half_and_never_reached():
    # 4 courses, events at 1 and 2: S(1) = 0.75, S(2) = 0.5 -> median 2 (S <= 0.5)
    assert median_survival(kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0])).median == 2
    assert np.isnan(median_survival(kaplan_meier([5, 6, 7], [1, 0, 0])).median)


def test_confidence_level_is_a_parameter():
    km = kaplan_meier(SIX_MP_TIME, SIX_MP_EVENT, confidence_level=0.90)
    assert {"ci_lower_90", "ci_upper_90"} <= set(km.columns)
    sf = SurvfuncRight(SIX_MP_TIME, SIX_MP_EVENT)
    lo, hi = loglog_reference(sf.surv_prob, sf.surv_prob_se, 0.90)
    ev = event_rows(km)
    np.testing.assert_allclose(ev["ci_lower_90"], lo, rtol=1e-10)
    np.testing.assert_allclose(ev["ci_upper_90"], hi, rtol=1e-10)
    wide = event_rows(kaplan_meier(SIX_MP_TIME, SIX_MP_EVENT, 0.99))
    assert (wide["ci_lower_99"] < ev["ci_lower_90"]).all()


def test_edges_curve_to_zero_and_no_events():
    km = kaplan_meier([1, 2, 2, 3], [1, 1, 1, 1])
    assert km["survival"].iloc[-1] == 0
    assert np.isnan(km["ci_lower_95"].iloc[-1]) and np.isnan(km["std_error"].iloc[-1])
    km = kaplan_meier([3, 5, 8], [0, 0, 0])
    assert (km["survival"] == 1).all() and (km["ci_lower_95"] == 1).all()


@pytest.mark.parametrize(
    ("time", "event"),
    [([1, -2], [1, 0]), ([1, np.nan], [1, 0]), ([1, 2], [1, 2]), ([1, 2], [1, None]), ([], [])],
)
def test_bad_input_is_refused(time, event):
    with pytest.raises(ValueError):
        kaplan_meier(time, event)


def test_by_group_is_each_group_on_its_own_in_natural_order():
    frame = simulated()
    frame["severity"] = pd.Categorical(
        frame["severity"], ["none", "mild", "moderate", "severe", "unknown"]
    )
    long = kaplan_meier_by_group(frame, "time", "event", "severity")
    assert list(long["group"].unique()) == ["mild", "moderate", "severe"]  # empty skipped
    for key in ["mild", "moderate", "severe"]:
        rows = frame[frame["severity"] == key]
        own = kaplan_meier(rows["time"], rows["event"])
        got = long[long["group"] == key].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, own)
    table = at_risk_table(long, [0, 7])
    assert list(table.columns) == [
        "group",
        "time",
        "n_at_risk",
        "n_events_so_far",
        "n_censored_so_far",
    ]
    mild = frame[frame["severity"] == "mild"]
    assert table.iloc[1]["n_at_risk"] == (mild["time"] >= 7).sum()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels divides by 0 at n == d
def test_cumulative_incidence_is_one_minus_km_as_statsmodels():
    frame = simulated()
    horizon = 8
    got = cumulative_incidence_by(frame, "time", "event", "severity", horizon)
    assert list(got["group"]) == ["mild", "moderate", "severe"]
    for _, row in got.iterrows():
        rows = frame[frame["severity"] == row["group"]]
        ci = CumIncidenceRight(rows["time"], rows["event"])
        k = np.searchsorted(ci.times, horizon, side="right") - 1
        assert row["cumulative_incidence"] == pytest.approx(ci.cinc[0][k], rel=1e-10)
        assert row["n_courses"] == len(rows)
        by_horizon = (rows["time"] <= horizon) & (rows["event"] == 1)
        assert row["n_events_by_horizon"] == by_horizon.sum()
        sf = SurvfuncRight(rows["time"], rows["event"])
        j = np.searchsorted(sf.surv_times, horizon, side="right") - 1
        lo, hi = loglog_reference(sf.surv_prob[j], sf.surv_prob_se[j])
        assert row["ci_lower_95"] == pytest.approx(1 - hi, rel=1e-10)
        assert row["ci_upper_95"] == pytest.approx(1 - lo, rel=1e-10)


def test_loglog_interval_is_named_and_matches_the_reference():
    # Greenwood sum from an SE: Var S = S² · sum, so sum = (SE / S)²
    s, se = np.array([0.857, 0.448]), np.array([0.0764, 0.1346])
    bounds = loglog_interval(s, (se / s) ** 2, 0.95)
    ref_lower, ref_upper = loglog_reference(s, se, 0.95)
    np.testing.assert_allclose(bounds.lower, ref_lower, rtol=1e-12)
    np.testing.assert_allclose(bounds.upper, ref_upper, rtol=1e-12)
    lower, upper = bounds
    np.testing.assert_array_equal(lower, bounds.lower)
    np.testing.assert_array_equal(upper, bounds.upper)
