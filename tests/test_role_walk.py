"""Who sees what, page by page (issue 8, methods.md section 6): sign in as the director, as
each provider, as an unlisted user and signed out, walk every page the role has (and each
value of the page's own main selectors), and read everything the viewer can: texts, metrics,
tables, chart hovers and labels, downloads (ozone_testkit/leaks.py).

- a provider sees no other provider's id and no count from 1 to 10, nor one that can be
  worked out (a rate with its n, two counts that nest);
- the director sees every provider, but no small count either;
- an unlisted or signed-out user sees no data at all: no table, chart, metric, download or
  sidebar filter, and no count in any sentence.

Walked on the hand-built fixture clinic (13 courses: almost every count is small, the best
adversary) and on the small synthetic clinic (2,000 courses), each with a users file, so
sign-in is required. The scanner is tested first, on pages built by hand, so that a walk
that finds nothing means the pages show nothing, not that the scanner sees nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard.charts import flare as flare_charts
from dashboard.charts.definitions import DEFINITION_CHOICES
from dashboard.menu import DIRECTOR, PROVIDER, ROLE_PAGES
from ozone_testkit import accounts, leaks
from ozone_testkit.leak_charts import chart_items
from ozone_testkit.leaks import Item
from ozone_testkit.screens import HOME, start_app
from queries.analytics import flare as flare_core
from queries.core.scope import CLINIC
from queries.core.settings import Settings
from queries.data import db
from queries.disclosure.gate import Policy

THRESHOLD = Settings().min_cell_size  # 11: the default every page test runs with
SPLITS = ("All", "Severity", "Adherence", "Rehab", "Provider")  # views/timeline.py SPLITS
CASE_PICKS = (
    {"like_severity": "moderate"},
    {"like_rehab": "supervised_pt", "like_age_band": "60-69"},
)
PREVIEWS = 3  # a director's "Provider to preview" and "For": at most this many providers
SWEPT = 3  # up to this many providers, every one's selectors are walked (swept_providers)


# --- the scanner, on pages built by hand ----------------------------------------------------


PLANTED_PAGE = """
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

st.caption("Your practice: 8 courses with follow-up this year.")
st.markdown("Compared with prov_06 over the same quarters.")
st.metric("Patients", "4")
st.dataframe(pd.DataFrame({"Group": ["knee"], "Eligible": [5], "Courses": [40]}))
fig = go.Figure(go.Bar(x=["knee"], y=[0.5], customdata=[[7]]))
fig.update_traces(hovertemplate="%{x}: n = %{customdata[0]}<extra></extra>")
st.plotly_chart(fig)
with st.expander("Numbers"):
    st.download_button("Download CSV", data=lambda: "Group,Responders\\nknee,3\\n", key="csv")
"""
INNOCENT_PAGE = """
import streamlit as st

st.caption("62.5 % responded by day 21, over 12 weeks of 2–3 sessions; KL 3 and above.")
st.caption("Fewer than 11 courses are hidden; providers under 20 courses get no point.")
st.metric("Responders", "62 %")
st.metric("Not yet due", "0")
"""


def test_the_scanner_finds_a_planted_count_and_a_peer_id_in_every_kind_of_element():
    items = leaks.run_script(PLANTED_PAGE)
    found = {(f.kind, f.detail) for f in leaks.small_counts(items, THRESHOLD)}
    assert ("text", "8 (followup)") in found  # "8 courses with follow-up"
    assert ("metric", "metric 'Patients': 4") in found
    assert ("table", "Eligible = 5") in found
    assert ("chart point", "7 (n)") in found  # the hover as plotly.js renders it
    assert ("download", "Responders = 3") in found  # the CSV the button would send
    peers = leaks.foreign_ids(items, ["prov_01", "prov_06"], allowed="prov_01")
    assert [(f.kind, f.detail) for f in peers] == [("text", "names prov_06")]
    assert leaks.foreign_ids(items, ["prov_01", "prov_06"], allowed="prov_06") == []


def test_the_scanner_leaves_percentages_days_weeks_ranges_scales_and_thresholds_alone():
    items = leaks.run_script(INNOCENT_PAGE)
    assert leaks.small_counts(items, THRESHOLD) == []
    assert leaks.data_shown([i for i in items if i.kind != "metric"]) == []


def _table(**columns) -> Item:
    return Item("hand", "table", "hand", frame=pd.DataFrame(columns))


def _text(text: str) -> Item:
    return Item("hand", "text", "hand", text)


@pytest.mark.parametrize(
    ("item", "why"),
    [
        (_table(Eligible=[14], **{"With follow-up": [12]}), "eligible 14 − followup 12 = 2"),
        (
            _table(Eligible=[12], **{"Follow-up completeness": [8 / 12]}),
            "Follow-up completeness with a eligible count: rate × n = 8 (rate 0.6667, n 12)",
        ),
        (
            _text("67 % · fewer than 11 of 12 eligible with follow-up"),
            "67 % of 12: rate × n in [8]",
        ),
        (_text("13 of 15 eligible courses responded"), "15 − 13 = 2 (the rest)"),
        (_text("14 courses · 12 eligible"), "courses 14 − eligible 12 = 2"),
    ],
)
def test_the_scanner_finds_a_count_worked_out_from_shown_ones(item, why):
    assert why in [f.detail for f in leaks.small_counts([item], THRESHOLD)]


@pytest.mark.parametrize(
    "item",
    [
        _table(Eligible=[40], **{"With follow-up": [20], "Follow-up completeness": [0.5]}),
        _text("50 % · 20 of 40 eligible with follow-up"),
        _text("62 % of 400 eligible courses"),  # 248 and 152: neither part is small
    ],
)
def test_the_scanner_leaves_counts_that_give_nothing_away_alone(item):
    assert leaks.small_counts([item], THRESHOLD) == []


def _flow() -> pd.DataFrame:
    """Courses with a session -> flare or not -> continued or quit -> outcome; the quits
    (5 and 10) are under the threshold, the rest above it."""
    path, outcome = flare_core.NODE_BY_PATH, flare_core.NODE_BY_OUTCOME
    rows = [
        (flare_core.NODE_STARTED, flare_core.NODE_FLARE, 40),
        (flare_core.NODE_STARTED, flare_core.NODE_NO_FLARE, 60),
        (flare_core.NODE_FLARE, path["flare", False], 35),
        (flare_core.NODE_FLARE, path["flare", True], 5),
        (flare_core.NODE_NO_FLARE, path["no_flare", False], 50),
        (flare_core.NODE_NO_FLARE, path["no_flare", True], 10),
        (path["flare", False], outcome["responder"], 20),
        (path["flare", False], outcome["non_responder"], 15),
        (path["flare", True], outcome["non_responder"], 5),
        (path["no_flare", False], outcome["responder"], 30),
        (path["no_flare", False], outcome["non_responder"], 20),
        (path["no_flare", True], outcome["non_responder"], 10),
    ]
    return pd.DataFrame(rows, columns=["source", "target", "n_courses"])


def _flow_leaks() -> list[leaks.Finding]:
    fig = flare_charts.flare_flow_chart(_flow(), Settings(), Policy(PROVIDER, THRESHOLD))
    spec = json.loads(fig.to_json())
    items = [
        Item("flow", kind, where, text, **extra) for kind, where, text, extra in chart_items(spec)
    ]
    return leaks.small_counts(items, THRESHOLD)


def test_the_flow_diagram_hides_a_flow_that_the_others_through_its_node_would_give_back(
    monkeypatch,
):
    assert _flow_leaks() == []
    # Without the chart's own complementary hiding the gate's cells are not enough: what
    # enters "Flare, continued" (35, from its two outcomes) leaves "Flare" (40): quit = 5.
    monkeypatch.setattr(flare_charts, "_hide_recoverable", lambda frame, count: count)
    worked_out = {f.detail for f in _flow_leaks()}
    assert worked_out == {"worked-out flow: 5", "worked-out flow: 10"}


# --- the walk ---------------------------------------------------------------------------------


def selectors(page: str, role: str, ids: list[str]) -> list[dict[str, str]]:
    """The values of one page's own main selectors to walk after its first view, each a set
    of widget values by key (the keys the page binds to its address)."""
    if page == "patterns":
        return [{"definition": label} for label in list(DEFINITION_CHOICES)[1:]]
    if page == "timeline":
        return [{"split": split} for split in SPLITS[1:]]
    if page == "cases_like_this":
        return list(CASE_PICKS)
    if page == "my_practice" and role == DIRECTOR:
        return [{"preview_provider": pid} for pid in ids[1:PREVIEWS]]
    if page == "providers":
        return [{"nonresponders_of": who} for who in (*ids[: PREVIEWS - 1], CLINIC)]
    if page == "audit":
        return [{"action": "view"}, {"action": "export"}]
    return []


def walk(email: str, role: str, ids: list[str], sweep: bool = True) -> list[Item]:
    """Everything ``email`` (of ``role``) can read: every page of the role as it opens and,
    with ``sweep``, at each value of its :func:`selectors` (set as the viewer sets them, each
    checked to have taken); one signed-in session, as a viewer clicks through."""
    items: list[Item] = []
    with leaks.captured_downloads() as downloads:
        at = start_app(user={"is_logged_in": True, "email": email})
        for page in ROLE_PAGES[role]:
            if page != HOME:
                at.switch_page(f"views/{page}.py").run()
            assert not at.exception, (page, [e.message for e in at.exception])
            items += leaks.collect(at, page, downloads)
            for values in selectors(page, role, ids) if sweep else ():
                for key, value in values.items():
                    at.get_by_key(key).set_value(value)
                at.run()
                assert not at.exception, (page, values, [e.message for e in at.exception])
                for key, value in values.items():
                    assert str(at.get_by_key(key).value) == value, (page, key)
                where = page + "".join(f" {k}={v}" for k, v in values.items())
                items += leaks.collect(at, where, downloads)
    return items


def swept_providers(database: Path, ids: list[str]) -> set[str]:
    """Whose pages are walked at every selector value too: every provider of a small list,
    else the one with the fewest courses (the adversary: most of its counts are small) and
    the one with the most (the others are walked as their pages open)."""
    if len(ids) <= SWEPT:
        return set(ids)
    con = db.connect(database, read_only=True)
    try:
        volume = con.sql("select provider_id, count(*) from courses group by 1").fetchall()
    finally:
        con.close()
    ranked = [pid for pid, _ in sorted(volume, key=lambda row: (row[1], row[0]))]
    return {ranked[0], ranked[-1]}


@pytest.fixture(params=["fixture", "synthetic"])
def clinic(request, monkeypatch, tmp_path) -> Path:
    """The app reads one of the two clinics at the default threshold (whatever its page
    tests set), with the test's users file (sign-in required) and an audit log of its own
    (the walk downloads every CSV)."""
    database = request.getfixturevalue(f"{request.param}_env")
    for var in ("OUTCOMES_MIN_CELL", "OUTCOMES_ROUND_TO"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OUTCOMES_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return database


def test_the_director_sees_every_page_and_no_small_count(clinic):
    ids = leaks.provider_ids(clinic)
    items = walk(accounts.DIRECTOR, DIRECTOR, ids)
    assert any(i.kind == "download" for i in items) and any(i.kind == "chart point" for i in items)
    findings = leaks.small_counts(items, THRESHOLD)
    assert findings == [], leaks.report(findings)


def test_each_provider_sees_no_peer_and_no_small_count(clinic):
    ids = leaks.provider_ids(clinic)
    findings = []
    swept = swept_providers(clinic, ids)
    for provider_id in ids:
        email = accounts.add_provider(provider_id)
        items = walk(email, PROVIDER, ids, sweep=provider_id in swept)
        assert any(i.kind == "chart point" for i in items), provider_id
        findings += leaks.foreign_ids(items, ids, allowed=provider_id)
        findings += leaks.small_counts(items, THRESHOLD)
    assert findings == [], leaks.report(findings)


@pytest.mark.parametrize("who", [accounts.UNLISTED, None], ids=["unlisted", "signed out"])
def test_an_unlisted_or_signed_out_user_sees_no_data_on_any_page(clinic, who):
    user = {"is_logged_in": True, "email": who} if who else dict(accounts.SIGNED_OUT)
    at = start_app(user=user)
    items = leaks.collect(at, "root")
    for page in ROLE_PAGES[DIRECTOR]:
        try:
            at.switch_page(f"views/{page}.py")
        except ValueError:  # not in this run's navigation: it cannot be reached
            continue
        items += leaks.collect(at.run(), page)
    assert not at.exception
    assert items and any(i.kind == "text" for i in items)  # the sign-in or the refusal
    shown = leaks.data_shown(items)
    assert shown == [], [(i.page, i.kind, i.where, i.text[:80]) for i in shown]
    assert leaks.foreign_ids(items, leaks.provider_ids(clinic), allowed=None) == []
