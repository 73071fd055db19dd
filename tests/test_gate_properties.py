"""Properties of the disclosure gate (methods.md section 6, CMS cell-size policy), on random
count tables and on every result of the analytics core.

- Random tables (hypothesis): a clinic row and groups with courses >= eligible >= follow-up
  >= responders and their rates; the clinic is the sum of the groups (a director's table) or
  more (a provider's: the peers are in the clinic, not in the rows); thresholds 1..20;
  rounding to 1 or 5. After the gate: no shown count in 1..t-1; no shown rate over a
  denominator under t or beside a hidden numerator or denominator; no hidden cell worked out
  from its row (the difference of two shown counts that nest) or its column (the clinic less
  the shown groups, one hidden cell or several whose sum is small); shown counts rounded as
  methods.md says; a threshold of 1 changes nothing. Two-way tables the same way along both
  of their keys.
- Every public function of queries/analytics on the fixture clinic, for a director and for
  a provider: no count from 1 to 10 in any frame, and no sentence with a count the
  test suite's own reader of sentences (ozone_testkit.leak_rules) calls small or derived.
- The ``rates`` and ``providers`` commands print through the same gate.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ozone_testkit import leak_rules
from queries.analytics import (
    cases,
    durability,
    flare,
    landmark,
    monitoring,
    nonresponders,
    providers,
    rates,
    safety,
    secondary,
    trajectories,
    trends,
)
from queries.analytics.query import Query
from queries.cli import main
from queries.core.errors import InsufficientData
from queries.core.scope import Scope
from queries.data import db
from queries.disclosure.counts import count_columns
from queries.disclosure.gate import EXEMPT, Policy, disclose

COUNTS = ("n_courses", "n_eligible", "n_followup", "n_responders")
RATES = {  # rate -> (numerator, denominator)
    "responder_rate": ("n_responders", "n_followup"),
    "itt_rate": ("n_responders", "n_eligible"),
    "followup_rate": ("n_followup", "n_eligible"),
}
INTERVAL_OF = {"ci_lower_95": "responder_rate", "ci_upper_95": "responder_rate"}


@st.composite
def nested_counts(draw, most: int = 60) -> tuple[int, int, int, int]:
    courses = draw(st.integers(0, most))
    eligible = draw(st.integers(0, courses))
    followup = draw(st.integers(0, eligible))
    return courses, eligible, followup, draw(st.integers(0, followup))


@st.composite
def count_tables(draw) -> pd.DataFrame:
    """A clinic row then 1-6 groups; the clinic is their sum plus (sometimes) peers."""
    rows = draw(st.lists(nested_counts(), min_size=1, max_size=6))
    peers = draw(st.one_of(st.just((0, 0, 0, 0)), nested_counts(30)))
    clinic = tuple(sum(col) + p for col, p in zip(zip(*rows, strict=True), peers, strict=True))
    frame = pd.DataFrame([clinic, *rows], columns=list(COUNTS), index=range(len(rows) + 1)).assign(
        group=["clinic"] + [f"g{i}" for i in range(1, len(rows) + 1)]
    )
    for rate, (num, den) in RATES.items():
        frame[rate] = (frame[num] / frame[den]).where(frame[den] > 0)
    frame["ci_lower_95"] = frame["responder_rate"] * 0.9
    frame["ci_upper_95"] = frame["responder_rate"] * 1.1
    return frame[["group", *COUNTS, *RATES, *INTERVAL_OF]]


def shown(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].notna()


def small(value: float, t: int) -> bool:
    return 1 <= value < t


def rounded(n: float, t: int, r: int) -> float:
    """methods.md section 6 by hand: nearest multiple of r, not below the first one >= t."""
    if r == 1 or n == 0:
        return n
    return max(r * math.floor(n / r + 0.5), r * math.ceil(t / r))


@settings(max_examples=300, deadline=None)
@given(count_tables(), st.integers(1, 20), st.sampled_from([1, 5]))
def test_the_gate_on_random_count_tables(frame, t, r):
    out = disclose(frame, Policy(min_cell_size=t, round_to=r))
    if t == 1:
        assert out is frame
        return
    clinic, groups = frame.index[0], frame.index[1:]
    for column in COUNTS:  # no small count; shown counts rounded
        for i in frame.index[shown(out, column)]:
            value, true = float(out.at[i, column]), float(frame.at[i, column])
            assert not small(value, t), (column, i, value)
            if i != clinic:
                assert value == rounded(true, t, r), (column, i, value, true)
    for rate, (num, den) in {**RATES, **{c: RATES[s] for c, s in INTERVAL_OF.items()}}.items():
        for i in frame.index[shown(out, rate)]:  # a rate only over a shown n >= t
            assert frame.at[i, den] >= t and shown(out, den)[i] and shown(out, num)[i], (rate, i)
    for i in frame.index:  # row arithmetic: the differences of shown counts that nest
        for a, outer in enumerate(COUNTS):
            for inner in COUNTS[a + 1 :]:
                if shown(out, outer)[i] and shown(out, inner)[i]:
                    gap = frame.at[i, outer] - frame.at[i, inner]
                    assert not small(gap, t), (i, outer, inner, gap)
    for column in COUNTS:  # column arithmetic: the clinic less the shown groups
        is_shown = shown(out, column)
        hidden = [i for i in groups if not is_shown[i]]
        exact = frame.loc[groups, column].sum() == frame.at[clinic, column]
        if is_shown[clinic]:
            rest = frame.at[clinic, column] - frame.loc[groups[is_shown[groups]], column].sum()
            assert not small(rest, t), (column, rest)
            if exact:
                assert len(hidden) != 1, (column, hidden)  # one hidden cell = the rest
            if r > 1 and exact and not hidden:  # the total from the rounded cells
                assert out.at[clinic, column] == out.loc[groups, column].sum()
        elif exact:
            assert hidden, column  # a hidden clinic is not the sum of shown groups


@st.composite
def two_way_tables(draw) -> pd.DataFrame:
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    values = draw(st.lists(st.integers(0, 40), min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    return pd.DataFrame(
        {
            "row_group": [f"r{i}" for i in range(n_rows) for _ in range(n_cols)],
            "col_group": [f"c{j}" for _ in range(n_rows) for j in range(n_cols)],
            "n_courses": values,
        }
    )


@settings(max_examples=300, deadline=None)
@given(two_way_tables(), st.integers(2, 20))
def test_two_way_tables_hide_along_both_keys(frame, t):
    """The one-way tables by rows and by columns are shown elsewhere: within each row and each
    column, no hidden cell alone while another count could be hidden beside it, and no hidden
    sum that is small (all of a line hidden: its total is small too, hidden where it shows)."""
    out = disclose(frame, Policy(min_cell_size=t))
    hidden = out["n_courses"].isna()
    assert not any(small(v, t) for v in out.loc[~hidden, "n_courses"])
    for key in ("row_group", "col_group"):
        for _, rows in frame.groupby(key):
            masked = hidden[rows.index]
            others = rows.loc[~masked, "n_courses"]
            if masked.sum() == 1:
                assert (others == 0).all(), (key, rows)
            if (others > 0).any():
                assert not small(rows.loc[masked, "n_courses"].sum(), t), (key, rows)


# --- every result of the analytics core on the fixture clinic --------------------------------

PROFILE = cases.CaseProfile()
CALLS = (
    (rates.responder_rates, {"by": "severity"}),
    (rates.responder_rates, {"by": "provider"}),
    (rates.responder_rates_2d, {"rows": "severity", "cols": "adherence"}),
    (rates.overview, {}),
    (cases.cases_like_this, {"profile": PROFILE}),
    (cases.trajectory_like_this, {"profile": PROFILE}),
    (providers.compare_providers, {}),
    (providers.case_mix_and_process, {}),
    (monitoring.provider_monitoring, {}),
    (nonresponders.nonresponder_profile, {}),
    (nonresponders.response_associations, {}),
    (safety.adverse_event_rates, {"by": "route"}),
    (safety.adverse_event_rates, {"by": "provider"}),
    (safety.clinic_adverse_event_rates, {}),
    (safety.serious_events, {}),
    (safety.screening_summary, {}),
    (safety.screening_exceptions, {}),
    (trends.quarterly_pchart, {"measure": "responder"}),
    (trends.quarterly_pchart, {"measure": "followup"}),
    (flare.flare_summary, {}),
    (flare.flare_flow, {}),
    (durability.durability_km, {"by": "rehab"}),
    (durability.escalation_by_severity, {}),
    (secondary.definition_rates, {"definition": "immpact", "by": "rehab"}),
    (secondary.definition_rates_2d, {"definition": "immpact", "rows": "severity", "cols": "rehab"}),
    (landmark.landmark_rates, {}),
    (trajectories.nrs_trajectory, {"by": "severity"}),
    (trajectories.nrs_trajectory, {}),
)


def parts(value, path: str):
    """Every frame and sentence of a result, with where it is."""
    if isinstance(value, (pd.DataFrame, str)):
        yield path, value
    elif type(value) is tuple:
        for i, item in enumerate(value):
            yield from parts(item, f"{path}[{i}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if (type(value).__name__, f.name) not in EXEMPT:  # not data about people
                yield from parts(getattr(value, f.name), f"{path}.{f.name}")


@pytest.mark.parametrize("audience", ["director", "provider"])
def test_no_result_of_the_core_shows_a_small_count(fixture_clinic_db, audience):
    con = db.connect(fixture_clinic_db, read_only=True)
    scope = Scope.provider("P_A") if audience == "provider" else Scope.clinic()
    policy = Policy(audience=audience, min_cell_size=11)
    found, walked = [], 0
    try:
        for function, options in CALLS:
            try:  # the core, or a rule the result declares, may leave nothing to show
                result = disclose(function(Query(con, scope), **options), policy)
            except InsufficientData:
                continue
            for path, value in parts(result, function.__name__):
                walked += 1
                if isinstance(value, str):
                    found += [(path, leak) for leak in leak_rules.text_leaks(value, 11)]
                    continue
                for column in count_columns(value) if "course_id" not in value else ():
                    numbers = pd.to_numeric(value[column], errors="coerce")
                    found += [(path, column, v) for v in numbers.dropna() if small(v, 11)]
    finally:
        con.close()
    assert walked > 50  # the walk reached the results (frames and sentences)
    assert found == []


# --- the command line -----------------------------------------------------------------------


def cli_json(capsys, *argv: str) -> pd.DataFrame:
    assert main(list(argv)) == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("by", ["provider", "severity"])
def test_rates_prints_through_the_gate(capsys, monkeypatch, fixture_clinic_db, by):
    monkeypatch.delenv("OUTCOMES_MIN_CELL", raising=False)
    monkeypatch.delenv("OUTCOMES_ROUND_TO", raising=False)
    args = ("rates", "--db", str(fixture_clinic_db), "--by", by, "--format", "json")
    gated = cli_json(capsys, *args)
    counts = ["n_courses", "n_eligible", "n_followup", "n_responders", "n_not_yet_due"]
    values = gated[counts].stack().dropna()
    assert not any(small(v, 11) for v in values)  # the fixture clinic has 13 courses
    assert gated["responder_rate"].isna().all()  # no group has 11 courses with follow-up
    whole = cli_json(capsys, *args, "--min-cell", "1")  # an analyst holding the database
    assert int(whole["n_courses"].sum()) == 13 and whole["n_courses"].min() < 11
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "3")
    monkeypatch.setenv("OUTCOMES_ROUND_TO", "5")
    loose = cli_json(capsys, *args).set_index("group")
    for column in counts:
        for group, v in loose[column].dropna().items():
            true = whole.set_index("group").at[group, column]
            assert v == rounded(true, 3, 5), (group, column)


def test_providers_prints_through_the_gate(capsys, monkeypatch, fixture_clinic_db):
    monkeypatch.delenv("OUTCOMES_MIN_CELL", raising=False)
    args = ("providers", "--db", str(fixture_clinic_db), "--format", "json")
    table = cli_json(capsys, *args)
    assert table["n_followup"].isna().all() and table["n_responders"].isna().all()
    assert table[["crude_rate", "oe_ratio", "adjusted_rate"]].isna().all().all()
    whole = cli_json(capsys, *args, "--min-cell", "1")
    assert int(whole["n_followup"].sum()) == 9  # fixture_clinic: 9 courses with follow-up


def test_a_command_refuses_a_threshold_under_one(capsys, fixture_clinic_db):
    code = main(["rates", "--db", str(fixture_clinic_db), "--by", "rehab", "--min-cell", "0"])
    assert code == 2 and "OUTCOMES_MIN_CELL must be at least 1" in capsys.readouterr().err
