"""The definitions of issue 9 on the hand-built clinic of ozone_testkit/fixture_definitions.py:
the ODI and OMERACT-OARSI secondary responders (methods.md section 1), the day-21 landmark
view (section 2), the early-flare window of day 0-10 (section 5) and escalated_day >= 0.
Every expected figure is worked out course by course in the fixture's comments.
"""

from __future__ import annotations

import copy
import dataclasses

import duckdb
import pandas as pd
import pytest

from ozone_testkit import fixture_definitions as fx
from queries.analytics import durability, landmark, secondary
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db
from queries.data.validation import read_extract
from queries.data.violations import ContractViolation

SETTINGS = Settings()
COLUMNS = list(fx.COUNT_COLUMNS)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = db.connect(fx.load(tmp_path_factory.mktemp("definitions")))
    yield connection
    connection.close()


def _q(con: duckdb.DuckDBPyConnection, filters: Filters = Filters()) -> Query:
    return Query(con, Scope(), filters, SETTINGS)


def _counts(frame, key: str = "group") -> dict[str, tuple[int, ...]]:
    return {str(row[key]): tuple(int(row[c]) for c in COLUMNS) for _, row in frame.iterrows()}


def _flags(con, table: str, column: str, where: str = "") -> dict[str, object]:
    frame = con.cursor().execute(f"select course_id, {column} from {table} {where}").df()
    return dict(zip(frame["course_id"], frame[column], strict=True))


# --- secondary responders -----------------------------------------------------------------


@pytest.mark.parametrize(
    "definition, expected",
    [("odi", fx.EXPECTED_ODI_RESPONDER), ("omeract_oarsi", fx.EXPECTED_OARSI_RESPONDER)],
)
def test_secondary_responder_course_by_course(con, definition, expected):
    got = _flags(
        con,
        "course_secondary_outcomes",
        "is_responder",
        f"where definition = '{definition}' and window_name = '12w'",
    )
    assert {k: (None if pd.isna(v) else bool(v)) for k, v in got.items()} == expected


def test_oarsi_domains_flip_koos_scale_ptga_and_prefer_womac(con):
    frame = (
        con.cursor()
        .execute(
            "select * from course_secondary_outcomes "
            "where definition = 'omeract_oarsi' and window_name = '12w'"
        )
        .df()
        .set_index("course_id")
    )
    for course, (pain_i, function_i, pain, function, glob) in fx.EXPECTED_OARSI_DOMAINS.items():
        row = frame.loc[course]
        assert (row["pain_instrument"], row["function_instrument"]) == (pain_i, function_i)
        assert (row["pain_baseline"], row["pain_followup"]) == pain
        assert (row["function_baseline"], row["function_followup"]) == function
        assert (row["global_baseline"], row["global_followup"]) == pytest.approx(glob)


# Wilson 95 % intervals of 3/4 and 5/7, from statsmodels' proportion_confint(method="wilson")
WILSON_95 = {"odi": (0.300642, 0.954413), "omeract_oarsi": (0.358934, 0.917781)}


@pytest.mark.parametrize(
    "definition, expected",
    [("odi", fx.EXPECTED_ODI), ("omeract_oarsi", fx.EXPECTED_OARSI)],
)
def test_secondary_rates_equal_the_hand_worked_counts_and_wilson(con, definition, expected):
    rates = secondary.secondary_rates(_q(con), definition, "all")
    assert _counts(rates) == expected
    (_, _, _, _, eligible, followup, responders) = expected["all"]
    row = rates.iloc[0]
    assert row["responder_rate"] == pytest.approx(responders / followup)  # ODI 3/4, OARSI 5/7
    assert [row["ci_lower_95"], row["ci_upper_95"]] == pytest.approx(
        WILSON_95[definition], abs=1e-6
    )
    assert row["itt_rate"] == pytest.approx(responders / eligible)  # ODI 3/5, OARSI 5/8


def test_odi_rates_by_provider(con):
    every = Query(con, Scope(), Filters(), dataclasses.replace(SETTINGS, min_provider_courses=1))
    assert (
        _counts(secondary.secondary_rates(every, "odi", "provider")) == fx.EXPECTED_ODI_BY_PROVIDER
    )
    # with the 20-course rule (methods.md section 4), neither has responders of its own
    rates = secondary.secondary_rates(_q(con), "odi", "provider")
    assert rates["too_few_courses"].all() and rates["n_responders"].isna().all()
    assert rates["n_followup"].tolist() == [v[-2] for v in fx.EXPECTED_ODI_BY_PROVIDER.values()]


def test_switch_dispatches_to_the_primary_or_a_secondary(con):
    q = _q(con)
    primary = secondary.definition_rates(q, "immpact", "all")
    assert "n_substantial_responders" in primary  # rates.responder_rates
    odi = secondary.definition_rates(q, "odi", "all")
    assert _counts(odi) == fx.EXPECTED_ODI
    cells = secondary.definition_rates_2d(q, "omeract_oarsi", "severity", "rehab")
    assert int(cells["n_responders"].sum()) == fx.EXPECTED_OARSI["all"][-1]


def test_no_instrument_in_view_is_one_calm_sentence(con):
    spine = Filters(indications=("lumbar_disc_herniation", "low_back_pain"))
    with pytest.raises(
        InsufficientData, match=r"no OMERACT-OARSI \(Pham 2004\) responders to show"
    ):
        secondary.secondary_rates(_q(con, spine), "omeract_oarsi", "severity")
    with pytest.raises(ValueError, match="no secondary responder definition"):
        secondary.secondary_rates(_q(con), "koos", "severity")


# --- the landmark view --------------------------------------------------------------------


def test_landmark_class_and_in_care_course_by_course(con):
    in_care = _flags(con, "course_facts", "is_in_care_at_landmark", "where course_id like 'lm%'")
    reached = _flags(con, "course_facts", "landmark_adherence_class", "where course_id like 'lm%'")
    got = {c: (reached[c] if in_care[c] else None) for c in in_care}
    assert got == fx.EXPECTED_LANDMARK_CLASS


def test_landmark_rates_equal_the_hand_worked_counts(con):
    view = landmark.landmark_rates(_q(con))
    assert list(view.rates["group"]) == list(fx.EXPECTED_LANDMARK)  # natural order
    assert _counts(view.rates) == fx.EXPECTED_LANDMARK
    assert view.landmark_day == 21
    assert (view.n_eligible_in_care, view.n_eligible_left_out) == (
        fx.EXPECTED_LANDMARK_IN_CARE,
        fx.EXPECTED_LANDMARK_LEFT_OUT,
    )
    partial = view.rates.set_index("group").loc["partial"]
    assert partial["responder_rate"] == 1.0  # 1 of 1
    one = view.rates.set_index("group").loc["one_and_done"]
    assert (one["responder_rate"], one["itt_rate"]) == (0.0, 0.0)  # 0 of 1, 0 of 2


def test_landmark_by_a_secondary_definition(con):
    view = landmark.landmark_rates(_q(con), definition="odi")
    assert _counts(view.rates) == fx.EXPECTED_LANDMARK_ODI
    assert view.n_eligible_left_out == 0


def test_landmark_day_is_a_setting(tmp_path):
    """Day 14 instead of 21: lm_quit_before_21 (last seen day 14, 2 of 4 by then) is in care."""
    connection = db.connect(fx.load(tmp_path, settings=Settings(landmark_day=14)))
    try:
        reached = _flags(connection, "course_facts", "landmark_adherence_class")
        in_care = _flags(connection, "course_facts", "is_in_care_at_landmark")
    finally:
        connection.close()
    assert in_care["lm_quit_before_21"] and reached["lm_quit_before_21"] == "partial"
    assert reached["lm_session_on_day_21"] == "partial"  # 3 of 4 by day 14


def test_no_one_in_care_at_the_landmark_is_one_calm_sentence(con):
    flare_only = Filters(year_min=2030)
    with pytest.raises(InsufficientData):
        landmark.landmark_rates(_q(con, flare_only))


# --- the early-flare window and escalated_day ----------------------------------------------


def test_a_flare_event_after_day_10_is_not_an_early_flare(con):
    """Changed in issue 9: an event on any day used to count (day 11 did)."""
    frame = (
        con.cursor()
        .execute(
            "select course_id, is_early_flare, is_early_quit, is_quit_after_flare, "
            "n_adverse_events from course_facts where course_id like 'flare%'"
        )
        .df()
    )
    got = {
        r.course_id: (
            bool(r.is_early_flare),
            bool(r.is_early_quit),
            bool(r.is_quit_after_flare),
            int(r.n_adverse_events),
        )
        for r in frame.itertuples()
    }
    assert got == fx.EXPECTED_FLARE


def test_escalation_on_day_0_counts_at_day_0(con):
    courses = durability.escalation_courses(_q(con)).set_index("course_id")
    row = courses.loc["flare_event_day_11_is_adverse_only"]
    assert bool(row["is_escalated"]) and row["duration_days"] == 0


def test_a_negative_escalated_day_is_refused_at_load(tmp_path):
    data = copy.deepcopy(fx.rows())
    index = next(i for i, r in enumerate(data["courses"]) if r["course_id"] == "lm_low_baseline")
    data["courses"][index]["escalated_day"] = "-3"
    with pytest.raises(ContractViolation) as info:
        read_extract(fx.write(tmp_path / "bad", data))
    (violation,) = info.value.violations
    message = str(violation)
    assert f"courses.csv line {index + 2}, column escalated_day: value '-3'" in message
    assert "a whole number >= 0" in message
