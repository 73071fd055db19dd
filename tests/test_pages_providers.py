"""The provider pages (issue 3) in AppTest: Providers, My practice, Cases like this.

Uses the AppTest helpers of ozone_testkit/screens.py and the databases and environments of
tests/conftest.py. The planted providers of the synthetic clinic are read from the generator
(the ``planted`` fixture), never hard-coded. Expected counts of the fixture clinic come from
``ozone_testkit.fixture_clinic.EXPECTED_COUNTS`` (worked out course by course).
Plotly specs encode numeric arrays as base64 typed arrays; :func:`values` decodes them.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

from dashboard.charts.timeline import trajectory_title
from ozone_testkit import accounts
from ozone_testkit.fixture_clinic import EXPECTED_COUNTS, EXPECTED_TOTAL
from ozone_testkit.screens import charts, open_app, texts
from queries.analytics.providers import PROVIDER_TABLE_COLUMNS

FIXTURE_PROVIDERS = tuple(EXPECTED_COUNTS["provider"])  # P_A, P_B, P_SMALL
TITLES = {
    "providers": "Providers",
    "my_practice": "My practice",
    "cases_like_this": "Cases like this",
}
ADJUSTED_FUNNEL = "Responders by provider, adjusted for case mix"
CRUDE_FUNNEL = "Responder rate by provider, crude"
TRAJECTORY = trajectory_title(None)  # the Timeline page's trajectory chart, reused
# "rank", "league", "#1" (not a colour like #0072B2), "1st", "2nd" ...
RANK_WORDS = re.compile(r"\brank(ed|ing|s)?\b|\bleague\b|#\s?\d{1,2}\b|\b\d+(st|nd|rd|th)\b", re.I)


def as_provider(monkeypatch, provider_id: str) -> None:
    accounts.as_provider(monkeypatch, provider_id)


def values(array) -> list:
    """A Plotly spec array as a list (decodes ``{"dtype": "f8", "bdata": ...}``)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def traces(spec: dict, name: str) -> list[dict]:
    return [t for t in spec["data"] if t.get("name") == name]


def limit_line(spec: dict, meta: str) -> tuple[list, list]:
    (line,) = [t for t in spec["data"] if t.get("meta") == meta]
    return values(line["x"]), values(line["y"])


def _walk(node, parts: list[str]) -> None:
    proto = getattr(node, "proto", None)
    if proto is not None:
        parts.append(str(proto))
    for child in getattr(node, "children", {}).values():
        _walk(child, parts)


def everything(at) -> str:
    """Every element the page rendered (main and sidebar protos, chart JSON included) and
    every dataframe's cells, as one string."""
    parts: list[str] = []
    for block in (at.main, at.sidebar):
        _walk(block, parts)
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def visible_text(at) -> str:
    """What a person reads: text elements, table headers and cells, chart text."""
    parts = [texts(at, kind) for kind in ("title", "subheader", "markdown", "caption", "info")]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [m.label for m in at.metric]
    for spec in charts(at).values():
        layout = {k: v for k, v in spec["layout"].items() if k != "template"}
        parts.append(
            json.dumps(
                {
                    "layout": layout,
                    "text": [t.get("text") for t in spec["data"]],
                    "names": [t.get("name") for t in spec["data"]],
                }
            )
        )
    return "\n".join(str(p) for p in parts)


# --- every page runs ----------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(TITLES))
def test_every_provider_page_runs_for_the_director(fixture_env, page):
    at = open_app(page)
    assert at.title[0].value == TITLES[page]


@pytest.mark.parametrize("page", ["my_practice", "cases_like_this"])
@pytest.mark.parametrize("provider", FIXTURE_PROVIDERS)
def test_provider_pages_run_for_a_provider(fixture_env, monkeypatch, page, provider):
    as_provider(monkeypatch, provider)
    at = open_app(page)
    assert at.title[0].value == TITLES[page]


@pytest.mark.parametrize("page", sorted(TITLES))
def test_provider_pages_run_on_the_synthetic_clinic(synthetic_env, page):
    at = open_app(page)
    assert len(charts(at)) >= 2


def test_providers_page_is_not_reachable_for_a_provider(fixture_env, monkeypatch):
    as_provider(monkeypatch, "P_A")
    at = open_app("overview")
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("views/providers.py")


# --- Providers ----------------------------------------------------------------------------


def test_adjusted_funnel_puts_the_worse_provider_below_the_alarm_limit(synthetic_env, planted):
    spec = charts(open_app("providers"))[ADJUSTED_FUNNEL]
    (points,) = traces(spec, "Provider")
    ids = list(points["text"])
    x, y = values(points["x"]), values(points["y"])
    low_x, low_y = limit_line(spec, "lower 99.8 % limits")
    high_x, high_y = limit_line(spec, "upper 99.8 % limits")
    worse = ids.index(planted.worse_provider_id)
    assert y[worse] < np.interp(x[worse], low_x, low_y)
    hard = ids.index(planted.hard_case_mix_provider_id)  # within once case mix is allowed for
    assert np.interp(x[hard], low_x, low_y) < y[hard] < np.interp(x[hard], high_x, high_y)
    assert planted.small_provider_id not in ids  # too few courses: no point of its own
    hover = points["customdata"][worse]
    assert hover[0] == planted.worse_provider_id and "below the 99.8 % limit" in hover[4]
    assert "95 % limits" in hover[3] and "O/E" in hover[2]


def test_funnels_show_limits_target_and_the_overdispersion_note(synthetic_env, planted):
    at = open_app("providers")
    specs = charts(at)
    for title in (CRUDE_FUNNEL, ADJUSTED_FUNNEL):
        metas = {t.get("meta") for t in specs[title]["data"]}
        assert {
            "lower 95 % limits",
            "upper 95 % limits",
            "lower 99.8 % limits",
            "upper 99.8 % limits",
        } <= metas
        assert traces(specs[title], "Clinic rate" if title == CRUDE_FUNNEL else "O/E = 1")
    # Issue 9 changed the note on purpose: excess variation is stated only when phi > 1,
    # with how much; else the spread is "within what chance alone gives".
    notes = [m.value for m in at.markdown if m.value.startswith("**Overdispersion")]
    assert len(notes) == 2 and all("phi = " in n for n in notes)
    for note in notes:
        assert ("times as much as chance" in note and "tau² = " in note) or (
            "within what chance alone gives" in note and "tau²" not in note
        )
    (not_enough,) = [m.value for m in at.markdown if m.value.startswith("Not enough courses")]
    assert planted.small_provider_id in not_enough


def test_providers_page_shows_model_table_and_association_label(synthetic_env, planted):
    at = open_app("providers")
    assert any(m.label == "C-statistic" for m in at.metric)
    assert "fitted on" in texts(at, "caption")
    tables = [d.value for d in at.dataframe]
    (table,) = [t for t in tables if list(t.columns) == list(PROVIDER_TABLE_COLUMNS)]
    assert set(table["provider_id"]) == set(planted.provider_ids)
    flags = dict(zip(table["provider_id"], table["flag_adjusted"], strict=True))
    assert flags[planted.worse_provider_id] == "low_alarm"
    assert flags[planted.small_provider_id] == "too_few"
    assert any(b.id.endswith("download_providers.csv") for b in at.download_button)
    forest = [t for t in charts(at) if "odds ratios" in t]
    assert forest and "association, not effect" in forest[0]
    spec = charts(at)[forest[0]]
    assert spec["layout"]["xaxis"]["type"] == "log"


CUSUM_CHART = "CUSUM of non-response per provider"


def test_providers_page_draws_a_cusum_per_provider_with_its_thresholds(synthetic_env, planted):
    at = open_app("providers")
    spec = charts(at)[CUSUM_CHART]
    (table,) = [
        d.value for d in at.dataframe if list(d.value.columns) == list(PROVIDER_TABLE_COLUMNS)
    ]
    enough = table[table["flag_crude"] != "too_few"]
    assert set(enough["provider_id"]) == set(planted.provider_ids) - {planted.small_provider_id}
    # a line's length is its provider's count: where the gate hid that count (so that the
    # small provider's cannot be worked out from the clinic's total), no line either
    drawn = sorted(enough.loc[enough["n_followup"].notna(), "provider_id"])
    gated = sorted(enough.loc[enough["n_followup"].isna(), "provider_id"])
    metas = {t.get("meta") for t in spec["data"]}
    for provider in drawn:  # one panel each, both thresholds as lines
        assert {f"alert threshold {provider}", f"alarm threshold {provider}"} <= metas
    for provider in gated:
        assert not any(str(m).endswith(f" {provider}") for m in metas)
        assert f"{provider}: " in texts(at, "markdown") and "not drawn" in texts(at, "markdown")
    assert len(traces(spec, "CUSUM")) == len(drawn)
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert f"{planted.worse_provider_id} · alarm" in titles
    caption = texts(at, "caption")
    assert "Steiner et al. 2000" in caption and "OR = 2" in caption
    assert "10,000 in-control series" in caption and "alert over those courses is 5 %" in caption
    assert "an alarm 0.2 %" in caption
    sentences = texts(at, "markdown")
    assert f"{planted.worse_provider_id}: **alarm**" in sentences
    assert f"{planted.small_provider_id}: not enough courses yet" in sentences


def test_caterpillar_lists_providers_by_id_and_nothing_is_ranked(synthetic_env, planted):
    at = open_app("providers")
    spec = charts(at)["Responder rate per provider, shrunken"]
    (shrunk,) = traces(spec, "Shrunken rate")
    enough = sorted(set(planted.provider_ids) - {planted.small_provider_id})
    assert list(shrunk["y"]) == enough  # by id, not by rate
    assert not RANK_WORDS.search(visible_text(at))
    assert all("rank" not in c.lower() for d in at.dataframe for c in d.value.columns)


def test_nonresponder_profile_for_one_provider(synthetic_env, planted):
    at = open_app("providers")
    at.selectbox(key="nonresponders_of").set_value(planted.worse_provider_id).run()
    assert not at.exception
    assert f"Non-responders vs responders: {planted.worse_provider_id}" in charts(at)
    # the profile's sentences compare the two groups (which factors come first depends on
    # the clinic: since the extract date, "9 % of non-responders vs 0 % of responders ...")
    assert "% of non-responders vs " in texts(at, "markdown")


# --- My practice --------------------------------------------------------------------------


def test_my_practice_shows_peers_without_names(synthetic_env, monkeypatch, planted):
    me = planted.hard_case_mix_provider_id
    as_provider(monkeypatch, me)
    at = open_app("my_practice")
    page = everything(at)
    for other in set(planted.provider_ids) - {me}:
        assert other not in page, other
    assert me in page
    for spec in (s for t, s in charts(at).items() if "among all providers" in t):
        (peers,) = traces(spec, "Others")
        assert peers.get("hoverinfo") == "skip" and "text" not in peers
        assert "customdata" not in peers
        assert len(values(peers["x"])) == len(planted.provider_ids) - 2  # no small peer
        (mine,) = traces(spec, "You")
        assert len(values(mine["x"])) == 1
    cusum = charts(at)["My CUSUM of non-response"]  # my own line only
    assert len(traces(cusum, "CUSUM")) == 1
    assert {t.get("meta") for t in cusum["data"]} - {None} == {
        f"alert threshold {me}",
        f"alarm threshold {me}",
    }
    assert "Your CUSUM:" in texts(at, "markdown")


def test_my_practice_says_calmly_when_there_are_too_few_courses_for_a_cusum(
    fixture_env, monkeypatch
):
    as_provider(monkeypatch, "P_A")  # 3 courses with follow-up in the fixture clinic
    at = open_app("my_practice")
    assert not at.exception
    assert "My CUSUM of non-response" not in charts(at)
    assert "Not enough courses yet: a CUSUM is drawn from 20 courses with follow-up" in texts(
        at, "info"
    )
    assert "3 with follow-up" not in texts(at, "info")  # never the provider's own small count


@pytest.mark.parametrize("page", ["my_practice", "cases_like_this"])
def test_a_provider_never_sees_another_provider_id(fixture_env, monkeypatch, page):
    as_provider(monkeypatch, "P_A")
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")  # show every number there is
    page_text = everything(open_app(page))
    assert "P_A" in page_text
    assert "P_B" not in page_text and "P_SMALL" not in page_text


def test_director_previews_a_providers_practice(fixture_env):
    at = open_app("my_practice")
    at.selectbox(key="preview_provider").set_value("P_B").run()
    assert not at.exception
    assert "You are seeing what P_B sees" in texts(at, "caption")
    (rates,) = [d.value for d in at.dataframe if "Group" in d.value.columns]
    assert list(rates["Group"]) == ["clinic", "P_B"]


def test_my_practice_outcomes_beside_the_clinic(fixture_env, monkeypatch):
    as_provider(monkeypatch, "P_B")
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")
    at = open_app("my_practice")
    (rates,) = [d.value for d in at.dataframe if "Group" in d.value.columns]
    rows = rates.set_index("Group")
    _courses, _eligible, followup, _responders = EXPECTED_COUNTS["provider"]["P_B"]
    assert rows.loc["P_B", "With follow-up"] == followup
    assert rows.loc["clinic", "With follow-up"] == EXPECTED_TOTAL["n_followup"]
    assert rows.loc["clinic", "Responders"] == EXPECTED_TOTAL["n_responders"]
    # 5 courses with follow-up, under the 20 a point of one's own needs (methods.md 4):
    # no responder count, rate or interval of P_B's own, and the chart and a sentence say why
    assert rows.loc["P_B", ["Responders", "Responder rate (ITT)"]].isna().all()
    spec = charts(at)["My responder rate beside the whole clinic"]
    notes = [a["text"] for a in spec["layout"].get("annotations", [])]
    assert any("too few" in n for n in notes)
    (you,) = traces(charts(at)["My responder rate among all providers, crude"], "You")
    assert values(you["x"]) == []
    assert "Not enough courses yet for a point of your own" in texts(at, "markdown")


# --- Cases like this ----------------------------------------------------------------------


def cases_table(at):
    (rows,) = [d.value for d in at.dataframe if "Note" in d.value.columns]
    return rows.set_index("Group")


def test_cases_like_this_hides_small_groups(fixture_env, monkeypatch):
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "11")  # the default: every fixture group is smaller
    at = open_app("cases_like_this")
    rows = cases_table(at)
    assert list(rows.index) == ["clinic", *FIXTURE_PROVIDERS]
    assert (rows["Note"] == "fewer than 11 courses with follow-up — hidden").all()
    numbers = rows.drop(columns="Note")
    assert numbers.isna().all().all()
    spec = charts(at)["Responders among similar courses: the clinic and each provider"]
    assert all(v is None or np.isnan(v) for t in spec["data"] for v in values(t["y"]))
    notes = {a["x"]: a["text"] for a in spec["layout"]["annotations"]}
    assert set(notes) == {"Whole clinic", *FIXTURE_PROVIDERS}  # each group says so
    assert all(text.startswith("fewer than 11") for text in notes.values())
    (counts,) = traces(charts(at)[TRAJECTORY], "All courses: n")  # n under each week
    assert "–" in counts["text"]  # weeks with fewer than 11 courses hidden
    assert all(n == "–" or int(n.replace(",", "")) >= 11 for n in counts["text"])


def test_cases_like_this_shows_counts_with_min_cell_1(fixture_env, monkeypatch):
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")
    rows = cases_table(open_app("cases_like_this"))
    assert (rows["Note"] == "").all()
    assert rows.loc["clinic", "Courses"] == EXPECTED_TOTAL["n_courses"]
    for provider, (courses, _eligible, followup, _) in EXPECTED_COUNTS["provider"].items():
        assert rows.loc[provider, "Courses"] == courses
        assert rows.loc[provider, "With follow-up"] == followup
        assert pd.isna(rows.loc[provider, "Responders"])  # under 20 with follow-up: none
    assert rows.loc["clinic", "Responders"] == EXPECTED_TOTAL["n_responders"]


def test_cases_like_this_reads_the_case_from_the_url(fixture_env, monkeypatch):
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")
    at = open_app("cases_like_this", {"like_severity": "moderate"})
    assert at.selectbox(key="like_severity").value == "moderate"
    courses, eligible, followup, responders = EXPECTED_COUNTS["severity"]["moderate"]
    clinic = cases_table(at).loc["clinic"]
    assert (
        clinic["Courses"],
        clinic["Eligible"],
        clinic["With follow-up"],
        clinic["Responders"],
    ) == (courses, eligible, followup, responders)
    at.selectbox(key="like_age_band").set_value("90+").run()
    assert at.info[0].value.startswith("No course in the clinic matches")


def test_cases_like_this_trajectory_on_the_synthetic_clinic(synthetic_env):
    at = open_app("cases_like_this", {"like_indication": "knee_oa"})
    spec = charts(at)[TRAJECTORY]
    (line,) = traces(spec, "All courses")
    assert values(line["y"])[0] == pytest.approx(0.0)  # week 0 is the baseline
    assert min(values(line["y"])) < -0.5  # pain falls on average


def test_a_fully_hidden_trajectory_is_one_calm_sentence(fixture_env, monkeypatch):
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "11")  # the default threshold
    at = open_app("cases_like_this", {"like_severity": "moderate"})  # 5 courses < 11
    assert TRAJECTORY not in charts(at)
    assert "Fewer than 11 similar courses" in texts(at, "info")


# --- the small-cell rule itself (queries.disclosure.small_cells, pure pandas) -------------


def small_table(followup: list[int]):
    import pandas as pd

    groups = ["clinic"] + [f"g{i}" for i in range(1, len(followup))]
    return pd.DataFrame(
        {
            "group": groups,
            "n_courses": followup,
            "n_followup": followup,
            "n_responders": [f // 2 for f in followup],
            "responder_rate": [0.5] * len(followup),
        }
    )


@pytest.mark.parametrize(
    "followup, hidden",
    [
        ([40, 3, 25, 12], [False, True, False, True]),  # one small group: the next one too
        ([40, 3, 4, 12, 21], [False, True, True, True, False]),  # hidden total 7 < 11: one more
        ([40, 6, 7, 27], [False, True, True, False]),  # two hidden, total 13: enough
        ([40, 3], [False, True]),  # a provider's view: nothing to pair
        ([8, 3, 5], [True, True, True]),  # the clinic itself is small
    ],
)
def test_small_groups_and_complementary_suppression(followup, hidden):
    from queries.disclosure.small_cells import hide_small_groups

    out = hide_small_groups(small_table(followup), 11)
    assert out["is_hidden"].tolist() == hidden
    assert (
        out.loc[out["is_hidden"], ["n_courses", "n_followup", "n_responders", "responder_rate"]]
        .isna()
        .all()
        .all()
    )
    shown = out[~out["is_hidden"]]
    assert (shown["n_followup"] >= 11).all() and (shown["note"] == "").all()
    assert hide_small_groups(small_table(followup), 1)["is_hidden"].sum() == 0
