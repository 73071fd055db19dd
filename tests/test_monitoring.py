"""The CUSUM per provider (queries/analytics/monitoring.py; methods.md section 4).

- Known answers: the hand-built clinic of ozone_testkit/fixture_monitoring.py, every step of
  its CUSUM worked out in that module's docstring, through the analytics function on a
  loaded database (start order, weights, path, signals with their start quarters, the reset
  after the alarm, too_few, a provider's own line only).
- Simulation: synthetic clinics from the generator (the planted worse provider: a logit
  effect of -1.1 on response, i.e. an odds ratio of 3.0 for non-response) with the seeds
  below; the measured figures are written in the test.
"""

from __future__ import annotations

from contextlib import closing

import numpy as np
import pytest

from ozone_testkit import fixture_monitoring as fm
from queries.analytics.casemix_courses import casemix_courses
from queries.analytics.monitoring import lines_to_draw, provider_monitoring
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.scope import Scope
from queries.data import db
from queries.data.loading import load_folder
from queries.stats.cusum import calibrate_thresholds
from sample_data.generator import generate_clinic, write_clinic


@pytest.fixture(scope="module")
def monitoring_con(tmp_path_factory):
    """The hand-built clinic of ozone_testkit/fixture_monitoring.py, loaded."""
    path = tmp_path_factory.mktemp("monitoring") / "m.duckdb"
    load_folder(fm.write(path.parent / "extract"), path)
    with closing(db.connect(path)) as con:
        yield con


def test_courses_come_in_start_order_with_one_probability(monitoring_con):
    rows = casemix_courses(Query(monitoring_con)).rows
    long = rows[rows["provider_id"] == "M_LONG"]
    outcomes = "".join("R" if r else "N" for r in long["is_responder"])
    assert outcomes == fm.SEQUENCE  # the file's order is the reverse, ids fall with time
    assert long["course_id"].iloc[:3].tolist() == ["long_99", "long_98", "long_97"]
    assert long["course_id"].iloc[-1] == "long_76"  # 2023 without a quarter: last
    assert rows["p_response"].to_numpy() == pytest.approx(np.full(len(rows), 0.5))  # 18/36


def test_cusum_by_hand_through_the_analytics_function(monitoring_con):
    watch = provider_monitoring(Query(monitoring_con))
    thresholds = calibrate_thresholds(np.full(24, 0.5))
    assert (thresholds.alert, thresholds.alarm) == pytest.approx(
        (fm.ALERT_THRESHOLD, fm.ALARM_THRESHOLD), abs=1e-6
    )
    path = watch.paths[watch.paths["provider_id"] == "M_LONG"]
    assert path["course_number"].tolist() == list(range(1, 25))
    assert path["cusum"].to_numpy() == pytest.approx(fm.EXPECTED_CUSUM, abs=1e-5)
    assert path["period"].iloc[[0, 3, 11, 23]].tolist() == ["2022 Q1", "2022 Q2", "2022 Q4", "2023"]
    signals = watch.signals[watch.signals["provider_id"] == "M_LONG"]
    got = list(signals.drop(columns="provider_id").itertuples(index=False, name=None))
    assert got == fm.EXPECTED_SIGNALS
    summary = watch.summary.set_index("provider_id")
    long = summary.loc["M_LONG"]
    assert (long["cusum_signal"], long["n_alerts"], long["n_alarms"]) == ("alarm", 2, 1)
    assert (long["first_alert_course"], long["first_alert_period"]) == (12, "2022 Q4")
    assert (long["first_alarm_course"], long["first_alarm_period"]) == (20, "2023 Q3")
    assert (long["first_alarm_onset_course"], long["first_alarm_onset_period"]) == (4, "2022 Q2")
    assert long["alarm_threshold"] == pytest.approx(fm.ALARM_THRESHOLD, abs=1e-6)
    short = summary.loc["M_SHORT"]
    assert (short["cusum_signal"], short["n_courses"]) == ("too_few", 12)
    assert "M_SHORT" not in set(watch.paths["provider_id"])  # no line under 20 courses
    assert lines_to_draw(watch) == ["M_LONG"]
    assert (watch.odds_ratio, watch.alert_level, watch.alarm_level) == (2.0, 0.95, 0.998)


def test_a_provider_gets_their_own_line_only(monitoring_con):
    mine = provider_monitoring(Query(monitoring_con, Scope.provider("M_LONG")))
    assert set(mine.summary["provider_id"]) == {"M_LONG"}
    assert set(mine.paths["provider_id"]) == {"M_LONG"}
    assert mine.paths["cusum"].to_numpy() == pytest.approx(fm.EXPECTED_CUSUM, abs=1e-5)
    short = provider_monitoring(Query(monitoring_con, Scope.provider("M_SHORT")))
    assert set(short.summary["provider_id"]) == {"M_SHORT"} and short.paths.empty
    with pytest.raises(InsufficientData, match="a CUSUM is drawn from 20 courses") as said:
        lines_to_draw(short)
    assert "12" not in str(said.value)  # the provider's own count is never in the sentence


# --- simulation: synthetic clinics ------------------------------------------------------------

SEEDS = (7, 11)  # with the session clinic of conftest.py (seed 20261125): three clinics
COURSES = 3000


@pytest.fixture(scope="module")
def clinics(tmp_path_factory, synthetic_clinic_db, planted):
    out = [(synthetic_clinic_db, planted)]
    for seed in SEEDS:
        tmp = tmp_path_factory.mktemp(f"monitoring_{seed}")
        clinic = generate_clinic(COURSES, seed)
        write_clinic(clinic, tmp / "extract")
        load_folder(tmp / "extract", tmp / "c.duckdb")
        out.append((tmp / "c.duckdb", clinic.truth))
    return out


def test_the_planted_worse_provider_signals_and_the_others_rarely(clinics):
    others = []
    for path, truth in clinics:
        con = db.connect(path)
        try:
            summary = provider_monitoring(Query(con)).summary.set_index("provider_id")
        finally:
            con.close()
        assert summary.loc[truth.worse_provider_id, "cusum_signal"] == "alarm"
        assert summary.loc[truth.small_provider_id, "cusum_signal"] == "too_few"
        rest = summary.drop(index=[truth.worse_provider_id, truth.small_provider_id])
        others.extend(rest["cusum_signal"])
    # 21 other providers (the hard-case-mix one, no effect of its own, and six ordinary ones
    # with small random effects, logit SD 0.15): measured 1 alert and no alarm.
    assert len(others) == 21
    assert others.count("alarm") == 0
    assert others.count("alert") <= 2
