"""The 20-course rule and a provider's view of their peers (methods.md sections 4 and 6; issue
8): a provider with fewer than ``Settings.min_provider_courses`` eligible courses with
follow-up gets no point, rate or interval of its own in any output of the core, whoever looks;
a provider's audience sees peers only unlabelled, at the middle of their volume band, with
their rates rounded, and no frame or figure they get holds a peer's exact n.

Known answers come from the hand-built clinic of ozone_testkit/fixture_volumes.py (V_19 has
19 eligible courses with follow-up, V_20 has 20; every course has the same case mix, so every
p is the clinic rate 183/337) and from hand-built frames.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

from dashboard.charts import funnel as cf
from ozone_testkit import fixture_volumes as fv
from queries.analytics import cases, providers, rates, secondary, trajectories
from queries.analytics.query import Query
from queries.core.scope import Scope
from queries.core.settings import Settings
from queries.data import db
from queries.data.loading import load_folder
from queries.disclosure.gate import Policy, disclose

P0 = fv.N_RESPONDERS / fv.N_COURSES  # the clinic rate: every course's p (intercept only)
# V_20's peers as drawn for V_20: (band, x, rate rounded to 0.01), in order of band and rate
PEERS_DRAWN = [("20–49", 35.0, 0.71), ("50–99", 75.0, 0.51), ("50–99", 75.0, 0.60)]
PEERS_DRAWN += [("100–199", 150.0, 0.47)]  # 22/31, 29/57, 50/83, 60/127
# Every count of V_20's peers with a point: what nothing V_20 gets may hold (V_19's 19 is
# not in any frame either, but the course numbers 1..20 of V_20's own CUSUM are)
PEER_COUNTS = sorted({n for p in fv.PEERS_OF_ENOUGH for n in fv.VOLUMES[p]})  # 22 .. 127
SPEC_COUNTS = [fv.VOLUMES[fv.TOO_FEW][0], *PEER_COUNTS]  # and 19, in the funnel's figure
# A number in a text that is a count: not a percentage or the end of a range ("31–76 %")
COUNT_IN_TEXT = r"(?<![\w.–]){}(?![\w.]|\s?%|\s?–)"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("volumes")
    load_folder(fv.write(tmp / "extract"), tmp / "v.duckdb")
    connection = db.connect(tmp / "v.duckdb")
    yield connection
    connection.close()


def by_group(frame: pd.DataFrame, column: str = "group") -> pd.DataFrame:
    return frame.set_index(column)


# --- the rule on a hand-built frame ---------------------------------------------------------


def test_withhold_small_providers_keeps_only_the_denominators_below_the_minimum():
    frame = pd.DataFrame(
        {
            "group": ["clinic", "p19", "p20"],
            "n_courses": [45, 21, 24],
            "n_eligible": [42, 20, 22],
            "n_followup": [15, 19, 20],  # the clinic row is not a provider's: never withheld
            "n_responders": [9, 10, 12],
            "responder_rate": [0.6, 10 / 19, 0.6],
            "ci_lower_95": [0.36, 0.32, 0.39],
            "itt_rate": [9 / 42, 0.5, 12 / 22],
        }
    )
    out = rates.withhold_small_providers(frame, 20, frame["group"] != "clinic")
    assert out["too_few_courses"].tolist() == [False, True, False]
    rows = by_group(out)
    assert rows.loc["p19", ["n_courses", "n_eligible", "n_followup"]].tolist() == [21, 20, 19]
    assert (
        rows.loc["p19", ["n_responders", "responder_rate", "ci_lower_95", "itt_rate"]].isna().all()
    )
    pd.testing.assert_series_equal(
        rows.loc["p20"].drop("too_few_courses"), by_group(frame).loc["p20"], check_dtype=False
    )
    assert rows.loc["clinic", "n_responders"] == 9  # 15 < 20, but the clinic is not a provider
    assert str(out["n_responders"].dtype) == "Int64"  # a missing count, not a float
    assert rates.too_few_sentence(out, 20) == (
        "Too few courses to compare yet (under 20 eligible courses with follow-up), so no "
        "rate or point of their own: p19."
    )


# --- 19 courses: no point anywhere; 20: a point --------------------------------------------


def test_rates_by_provider_19_none_20_one(con):
    q = Query(con)
    for frame in (
        rates.responder_rates(q, "provider"),
        secondary.definition_rates(q, "odi", "provider"),
        cases.cases_like_this(q, cases.CaseProfile()).groups,
    ):
        rows = by_group(frame)
        assert rows.loc["V_19", "n_followup"] == 19
        assert rows.loc["V_19", "too_few_courses"]
        assert (
            rows.loc["V_19", ["n_responders", "responder_rate", "ci_lower_95", "itt_rate"]]
            .isna()
            .all()
        )
        assert not rows.loc["V_20", "too_few_courses"]
        assert (rows.loc["V_20", "n_responders"], rows.loc["V_20", "responder_rate"]) == (12, 0.6)
    two_way = rates.responder_rates_2d(q, "provider", "severity")
    cells = two_way.set_index("row_group")
    assert np.isnan(cells.loc["V_19", "responder_rate"]) and cells.loc["V_19", "too_few_courses"]
    assert cells.loc["V_20", "responder_rate"] == pytest.approx(0.6)
    assert rates.too_few_providers(q) == ("V_19",)
    assert rates.too_few_names(rates.too_few_providers(q), 20) == (
        "Too few courses to compare yet (under 20 eligible courses with follow-up), so no "
        "rate or point of their own: V_19."
    )
    assert set(trajectories.nrs_trajectory(q, "provider")["group"]) == set(fv.VOLUMES) - {"V_19"}


def test_the_comparison_19_none_20_one(con):
    comparison = providers.compare_providers(Query(con))
    crude = by_group(comparison.crude_view.points, "unit_id")
    assert crude.loc["V_19", ["x", "y", "rate", "n_responders"]].isna().all()
    assert (crude.loc["V_20", "x"], crude.loc["V_20", "y"]) == (20.0, 0.6)
    adjusted = by_group(comparison.adjusted_view.points, "unit_id")
    assert adjusted.loc["V_19", ["x", "y"]].isna().all()
    assert adjusted.loc["V_20", "x"] == pytest.approx(20 * P0)  # E = Σp = 20 p
    assert adjusted.loc["V_20", "y"] == pytest.approx(12 / (20 * P0))
    assert comparison.crude_view.too_few["unit_id"].tolist() == ["V_19"]
    table = by_group(comparison.table, "provider_id")
    # no rate, responders or expected count (E = 19 p would give the n back where hidden)
    withheld = ["n_responders", "crude_rate", "expected_responders", "oe_ratio", "adjusted_rate"]
    assert table.loc["V_19", withheld].isna().all()
    assert table.loc["V_20", "expected_responders"] == pytest.approx(20 * P0)
    assert (table.loc["V_19", "n_followup"], table.loc["V_19", "flag_crude"]) == (19, "too_few")
    assert table.loc["V_20", "crude_rate"] == 0.6
    shrunk = by_group(comparison.shrunken, "unit_id")
    assert shrunk.loc["V_19", ["observed", "rate", "shrunken_rate"]].isna().all()
    assert 0.54 < shrunk.loc["V_20", "shrunken_rate"] < 0.6  # pulled towards 183/337
    watch = comparison.monitoring
    assert set(watch.paths["provider_id"]) == set(fv.VOLUMES) - {"V_19"}
    assert (watch.paths["provider_id"] == "V_20").sum() == 20
    note = cf.not_enough_note(comparison.crude_view, 20)
    assert "V_19" in note and not re.search(r"(?<![\w])19(?![\w])", note)  # no count


def test_process_and_baseline_pain_19_none_20_one(con):
    practice = providers.case_mix_and_process(Query(con))
    process = by_group(practice.process)
    assert process.loc["V_19", "too_few_courses"] and not process.loc["V_20", "too_few_courses"]
    assert (
        process.loc["V_19", ["followup_rate", "rehab_paired_rate", "mean_baseline_score"]]
        .isna()
        .all()
    )
    assert process.loc["V_19", ["n_courses", "n_followup"]].tolist() == [19, 19]
    assert process.loc["V_20", "followup_rate"] == 1.0
    pain = by_group(practice.baseline_pain)
    assert np.isnan(pain.loc["V_19", "mean_baseline_score"]) and pain.loc["V_19", "too_few_courses"]
    assert pain.loc["V_20", "mean_baseline_score"] == 6.0


def test_a_provider_with_19_has_no_point_of_their_own_and_is_told_why(con):
    mine = providers.compare_providers(Query(con, Scope.provider("V_19")))
    for view in (mine.crude_view, mine.adjusted_view):
        assert view.self_too_few
        own = view.points[view.points["is_self"].astype(bool)]
        assert own[["x", "y"]].isna().all().all()
        note = cf.not_enough_note(view, 20)
        assert note == (
            "Not enough courses yet for a point of your own: it needs 20 eligible courses "
            "with follow-up."
        )
    assert mine.table[["crude_rate", "oe_ratio"]].isna().all().all()
    assert mine.shrunken["unit_id"].tolist() == ["V_19"] and mine.shrunken["rate"].isna().all()


# --- a provider's peers ---------------------------------------------------------------------


def test_volume_bands():
    assert [providers.volume_band(n, 20) for n in (20, 49, 50, 99, 100, 199, 200, 399, 400)] == [
        (20, 50), (20, 50), (50, 100), (50, 100), (100, 200), (100, 200), (200, 400),
        (200, 400), (400, 800),
    ]  # fmt: skip
    assert providers.volume_band(70, 60) == (60, 100)  # a higher minimum starts the first band


def test_peers_are_drawn_at_their_band_with_rounded_rates(con):
    mine = providers.compare_providers(Query(con, Scope.provider(fv.ENOUGH)))
    crude = mine.crude_view.points
    peers, own = crude[~crude["is_self"].astype(bool)], crude[crude["is_self"].astype(bool)]
    assert list(zip(peers["volume_band"], peers["x"], peers["y"], strict=True)) == PEERS_DRAWN
    assert (peers["unit_id"] == "").all()
    assert own[["unit_id", "x", "y"]].values.tolist() == [["V_20", 20.0, 0.6]]  # exact
    adjusted = mine.adjusted_view.points
    peers_oe = adjusted[~adjusted["is_self"].astype(bool)]
    assert peers_oe["x"].tolist() == pytest.approx([x * P0 for _, x, _ in PEERS_DRAWN])
    oe = [round(r / n / P0, 2) for r, n in (fv.VOLUMES[p][::-1] for p in fv.PEERS_OF_ENOUGH)]
    assert sorted(peers_oe["y"]) == sorted(oe)  # O/E = rate / p, to 0.01
    # the limit curves end 5 % past the drawn points (150), not past the largest peer (127)
    assert mine.crude_view.curve["x"].max() == round(150 * 1.05)
    # on the O/E funnel at E = m·p for whole equivalent courses m (p_w = p: one p for all)
    assert mine.adjusted_view.curve["x"].max() == pytest.approx(round(150 * 1.05) * P0)
    assert not mine.crude_view.peers_withheld
    note = cf.peer_note(mine.crude_view)
    assert note and "here 20–49, 50–99, 100–199 courses with follow-up" in note


def _frames(value, name: str = "") -> list[tuple[str, pd.DataFrame]]:
    """Every frame of a result (dataclasses walked), by field name."""
    if isinstance(value, pd.DataFrame):
        return [(name, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = []
        for f in dataclasses.fields(value):
            found += _frames(getattr(value, f.name), f.name)
        return found
    return []


@pytest.mark.parametrize("threshold", [1, 11])
def test_no_frame_a_provider_gets_holds_a_peers_count(con, threshold):
    mine = providers.compare_providers(Query(con, Scope.provider(fv.ENOUGH)))
    shown = disclose(mine, Policy("provider", threshold))
    checked = 0
    for name, frame in _frames(shown):
        if name in ("curve", "calibration"):  # a grid of volumes; the clinic's model
            continue
        assert not frame.astype(str).isin([p for p in fv.VOLUMES if p != fv.ENOUGH]).any().any()
        numbers = frame.select_dtypes("number").to_numpy(dtype=float, na_value=np.nan)
        for count in PEER_COUNTS:
            assert not np.isclose(numbers, count).any(), (name, count)
        checked += 1
    assert checked >= 8  # units and points of both funnels, too_few, shrunken, table, CUSUM


def _spec_values(node, skip_x: bool = False):
    """Every number and string of a Plotly spec (typed arrays decoded); the x of the limit
    lines (a fixed grid of volumes, the same whoever the peers are) left out."""
    if isinstance(node, dict) and "bdata" in node:
        yield from np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"]).tolist()
    elif isinstance(node, dict):
        lines = node.get("mode") == "lines"
        for key, value in node.items():
            if not (lines and key == "x"):
                yield from _spec_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _spec_values(item)
    else:
        yield node


@pytest.mark.parametrize("threshold", [1, 11])
def test_a_providers_funnel_spec_holds_no_peer_volume(con, threshold):
    mine = disclose(
        providers.compare_providers(Query(con, Scope.provider(fv.ENOUGH))),
        Policy("provider", threshold),
    )
    for view in (mine.crude_view, mine.adjusted_view):
        fig = cf.funnel_chart(view, Settings(), "Funnel", "Others unnamed", self_view=True)
        spec = json.loads(fig.to_json())
        (others,) = [t for t in spec["data"] if t.get("name") == "Others"]
        assert others["hoverinfo"] == "skip"
        assert not {"customdata", "text", "hovertext", "hovertemplate"} & set(others)
        found = list(_spec_values(spec))
        numbers = [v for v in found if isinstance(v, (int, float)) and not isinstance(v, bool)]
        strings = " ".join(v for v in found if isinstance(v, str))
        for count in SPEC_COUNTS:
            assert not any(v == count for v in numbers), count
            assert not re.search(COUNT_IN_TEXT.format(count), strings), count
        assert "V_20" in strings or threshold == 11  # the own point's hover (if drawn)
        assert not any(p in strings for p in fv.VOLUMES if p != fv.ENOUGH)


def test_the_same_search_finds_every_volume_in_a_directors_funnel(con):
    """The searches above can fail: a director's funnel holds each provider's n (x, hover)."""
    director = disclose(providers.compare_providers(Query(con)), Policy("director", 1))
    fig = cf.funnel_chart(director.crude_view, Settings(), "Funnel", "Every provider")
    found = list(_spec_values(json.loads(fig.to_json())))
    strings = " ".join(v for v in found if isinstance(v, str))
    for provider in fv.PEERS_OF_ENOUGH:
        n, _ = fv.VOLUMES[provider]
        assert n in found and re.search(COUNT_IN_TEXT.format(n), strings), provider
    points = director.crude_view.points
    assert np.isclose(points.select_dtypes("number").to_numpy(float, na_value=np.nan), 127).any()


def test_a_provider_without_a_course_with_follow_up_is_told_too(con):
    result = providers.compare_providers(Query(con)).crude
    view = providers.funnel_view(result, 0.95, "V_NONE")  # not in the comparison at all
    assert view.self_too_few and not view.points["is_self"].astype(bool).any()
    assert cf.not_enough_note(view, 20).startswith("Not enough courses yet for a point of your own")


def test_with_fewer_than_three_peers_none_is_drawn(con):
    result = providers.compare_providers(Query(con)).crude
    two = result.units[result.units["unit_id"].isin(["V_20", "V_31", "V_57"])]
    view = providers.funnel_view(dataclasses.replace(result, units=two), 0.95, "V_20")
    assert view.peers_withheld
    assert view.points["is_self"].astype(bool).all()  # the provider's own point only
    assert "Other providers are not drawn" in cf.not_enough_note(view, 20)
