"""Kaplan-Meier curves through the gate (methods.md section 6; small_cells.SurvivalSteps).

A curve's drop at one step, read with the number at risk, gives the events there back
(d = n × (1 − S(t)/S(t−))), usually 1: hiding the n_events cell is not enough. Worked by
hand: 30 responders, one loses the response on each of days 1..30, nobody censored.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from queries.analytics.durability import Durability
from queries.disclosure.gate import Policy, disclose
from queries.stats.survival import at_risk_table, kaplan_meier_by_group

DAYS = list(range(1, 31))


def durability(days=DAYS, events=None) -> Durability:
    frame = pd.DataFrame(
        {"group": "none", "duration_days": days, "event": events or [1] * len(days)}
    )
    km = kaplan_meier_by_group(frame, "duration_days", "event", "group")
    return Durability(
        km=km,
        at_risk=at_risk_table(km, [0, 10, 20]),
        n_responders=len(days),
        by="rehab",
        at_risk_days=(0, 10, 20),
    )


def test_a_step_is_shown_only_with_eleven_events_behind_it():
    shown = disclose(durability(), Policy(min_cell_size=11)).km
    # day 0 (S = 1), day 11 (11 events: S = 19/30), day 22 (S = 8/30); the last 8 events
    # are fewer than 11, so the curve is not drawn past day 22
    assert shown["time"].tolist() == [0, 11, 22]
    assert shown["survival"].tolist() == pytest.approx([1.0, 19 / 30, 8 / 30])
    assert shown["n_events"].tolist()[1:] == [11, 11]
    # at risk: 30 at day 0, 20 on day 11, 9 on day 22 -> rounded down to multiples of 11
    assert shown["n_at_risk"].iloc[:2].tolist() == [22, 11]
    assert pd.isna(shown["n_at_risk"].iloc[2])
    assert shown["n_censored"].isna().all()


def test_no_drop_between_shown_steps_gives_fewer_than_eleven_events_back():
    raw = durability(DAYS, [1, 0] * 15)  # every other responder censored
    shown = disclose(raw, Policy(min_cell_size=5)).km
    true = raw.km.set_index("time")
    steps = shown["time"].tolist()
    for before, after in itertools.pairwise(steps):
        # events between two shown steps, counted from the true table
        between = true.loc[(true.index > before) & (true.index <= after)]
        assert between["n_events"].sum() >= 5
    assert (shown["n_at_risk"].dropna() % 5 == 0).all()


def test_the_at_risk_table_is_rounded_down_to_the_threshold():
    shown = disclose(durability(), Policy(min_cell_size=11)).at_risk
    # at risk on days 0, 10, 20: 30, 21, 11 -> 22, 11, 11; lost so far 0, 9, 19 -> 0, -, 11
    assert shown["n_at_risk"].tolist() == [22, 11, 11]
    assert shown["n_events_so_far"].iloc[0] == 0 and pd.isna(shown["n_events_so_far"].iloc[1])
    assert shown["n_events_so_far"].iloc[2] == 11


def test_threshold_one_shows_every_step():
    raw = durability()
    shown = disclose(raw, Policy(min_cell_size=1)).km
    assert shown["time"].tolist() == raw.km["time"].tolist()


def test_the_durability_chart_draws_a_curve_whose_tail_at_risk_is_hidden():
    from dashboard.charts.durability import durability_chart
    from queries.core.settings import Settings

    policy = Policy(min_cell_size=11)
    shown = disclose(durability(), policy)
    assert shown.km["n_at_risk"].isna().any()  # day 22: 9 at risk, hidden
    figure = durability_chart(shown, Settings(), policy)  # hover of a hidden n: no crash
    hover = " ".join(str(t) for trace in figure.data for t in (trace.customdata or []))
    assert "9" not in hover.split()
