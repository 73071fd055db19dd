"""The Timeline and Safety & screening pages (issue 4) run for both roles and draw what the
core computes.

AppTest runs dashboard/app.py in-process (helpers of ozone_testkit/screens.py). Expected
values come from the core itself on the same database (the pages must draw them unchanged)
and from the hand-built timeline clinic of ozone_testkit/fixture_timeline.py (the serious
events, as entered). The p-chart test uses a clinic built here with a planted shift and a
point below the lower limit, so that the core reports signals for the page to mark.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.charts import safety
from dashboard.charts import timeline as ct
from dashboard.charts import trends as tc
from dashboard.state import NO_MATCH
from ozone_testkit import accounts
from ozone_testkit import fixture_timeline as fx
from ozone_testkit.screens import charts, open_app, texts
from queries.analytics.query import Query
from queries.analytics.safety import adverse_event_rates
from queries.analytics.trajectories import nrs_trajectory
from queries.analytics.trends import quarterly_pchart
from queries.core.scope import Scope
from queries.core.settings import Settings
from queries.data import db
from queries.data.loading import load_folder

PAGES = {"timeline": "Timeline", "safety": "Safety & screening"}
PROVIDER = "P_B"
OTHER_PROVIDERS = ("P_A", "P_C")
TRAJECTORY_CHARTS = 1
TIMELINE_CHARTS = 9  # trajectory, flow, 3 flare bars, durability, escalation, 2 p-charts
SAFETY_CHARTS = 2  # adverse events by route and by provider


def _build(tmp: Path, courses=None, events=None) -> Path:
    """Load the timeline clinic (or other courses written the same way) into a database."""
    with pytest.MonkeyPatch.context() as patch:
        if courses is not None:
            patch.setattr(fx, "COURSES", courses)
            patch.setattr(fx, "ADVERSE_EVENTS", events or ())
        folder = fx.write(tmp / "extract")
    path = tmp / "clinic.duckdb"
    load_folder(folder, path)
    return path


@pytest.fixture(scope="module")
def timeline_db(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("timeline_pages"))


def _shifted_courses() -> tuple[fx.TimelineCourse, ...]:
    """16 quarters of 10 courses: 9 responders each for 7 quarters, then 2 each for 8, then
    none: a shift on both sides of the centre and a last point below the lower limit."""
    courses = []
    for k in range(16):
        responders = 9 if k < 7 else 2 if k < 15 else 0
        for j in range(10):
            followup = 2 if j < responders else 6  # baseline 6: drop 4 (67 %) or none
            courses.append(
                fx.TimelineCourse(
                    f"q{k:02d}_{j}",
                    "P_A",
                    fx.IA,
                    2020 + k // 4,
                    str(k % 4 + 1),
                    "moderate",
                    4,
                    4,
                    "none",
                    "realistic",
                    ((0, 6), (84, followup)),
                )
            )
    return tuple(courses)


@pytest.fixture(scope="module")
def shifted_db(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("shifted"), _shifted_courses())


def _core(path: Path, function, **options):
    """What the core ``function`` computes on ``path`` for the whole clinic (default
    settings)."""
    con = db.connect(path)
    try:
        return function(Query(con, Scope.clinic(), settings=Settings()), **options)
    finally:
        con.close()


@pytest.fixture(autouse=True)
def analyst_threshold(monkeypatch):
    """These pages are checked against the core's numbers for a 22-course clinic, whose every
    count is under 11: with the gate off (OUTCOMES_MIN_CELL=1, the analyst's setting). What the
    gate hides at 11 is checked by tests/test_role_walk.py and tests/test_gate_properties.py."""
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")


@pytest.fixture()
def director(monkeypatch, timeline_db):
    monkeypatch.setenv("OUTCOMES_DB", str(timeline_db))
    return timeline_db


@pytest.fixture()
def provider(monkeypatch, timeline_db):
    monkeypatch.setenv("OUTCOMES_DB", str(timeline_db))
    accounts.as_provider(monkeypatch, PROVIDER)
    return timeline_db


def everything_shown(at) -> str:
    """Every text, metric, table cell and chart spec of a page, as one string."""
    parts = [texts(at, kind) for kind in ("title", "caption", "markdown", "info", "subheader")]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    return "\n".join(parts)


@pytest.mark.parametrize("role", ["director", "provider"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_runs_for_each_role(request, role, page):
    request.getfixturevalue(role)
    at = open_app(page)
    assert at.title[0].value == PAGES[page]
    assert len(at.get("plotly_chart")) == (TIMELINE_CHARTS if page == "timeline" else SAFETY_CHARTS)
    assert not at.info  # every section of the timeline clinic has something to show
    assert len(at.main.download_button) == len(at.dataframe)  # every table downloadable


def _trace(spec: dict, name: str) -> dict:
    (found,) = [t for t in spec["data"] if t.get("name") == name]
    return found


@pytest.mark.parametrize("split, by", [("All", None), ("Rehab", "rehab"), ("Severity", "severity")])
def test_trajectory_chart_holds_the_core_means_and_n(director, split, by):
    expected = _core(director, nrs_trajectory, by=by)
    at = open_app("timeline", {"split": split})  # the split is read from the page address
    assert at.button_group(key="split").value == split
    spec = charts(at)[ct.trajectory_title(by)]
    for group, rows in expected.groupby("group", sort=False):
        label = "All courses" if by is None else group.replace("_", " ")
        line = _trace(spec, label)
        assert line["x"] == rows["week"].tolist()
        assert line["y"] == pytest.approx(rows["mean_change"].tolist())
        counts = _trace(spec, f"{label}: n")  # the n of every point, under the chart
        assert counts["text"] == [str(n) for n in rows["n_courses"]]


def test_trajectory_marks_the_flare_window(director):
    spec = charts(open_app("timeline"))[ct.trajectory_title(None)]
    (window,) = [s for s in spec["layout"]["shapes"] if s["type"] == "rect"]
    assert 0 < window["x0"] < 1 < window["x1"] < 2  # day 1..10 sits between weeks 0 and 2
    notes = " ".join(a["text"] for a in spec["layout"]["annotations"])
    assert "day 1–10" in notes


def test_a_provider_split_by_provider_sees_only_their_own_line(provider):
    at = open_app("timeline", {"split": "Provider"})
    # P_B is under the 20 eligible courses with follow-up a line of one's own needs
    # (methods.md section 4): no line, one calm sentence, and no other provider's line
    assert ct.trajectory_title("provider") not in charts(at)
    assert "Not enough courses yet for a line of your own" in texts(at, "info")
    assert not any(p in everything_shown(at) for p in OTHER_PROVIDERS)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_provider_never_sees_another_provider(provider, page):
    at = open_app(page, {"split": "Provider"})
    shown = everything_shown(at)
    assert PROVIDER in shown
    for other in OTHER_PROVIDERS:
        assert other not in shown


def test_pchart_marks_every_signal_the_core_reports(monkeypatch, shifted_db):
    monkeypatch.setenv("OUTCOMES_DB", str(shifted_db))
    core = _core(shifted_db, quarterly_pchart, measure="responder")
    points = core.points
    assert points["signal_shift"].any() and points["signal_beyond_limits"].any()
    spec = charts(open_app("timeline"))[tc.pchart_title(core)]
    names = {t.get("name") for t in spec["data"]}
    for rule, (name, symbol, _size) in tc.signal_styles(core).items():
        flagged = points.loc[points[rule], "period"].tolist()
        if not flagged:
            assert name not in names
            continue
        trace = _trace(spec, name)  # a legend entry and a marker of its own per rule
        assert trace["x"] == flagged
        assert trace["marker"]["symbol"] == symbol
        assert trace.get("showlegend", True)
    upper, lower = [t for t in spec["data"] if t.get("name") == "Limits (3σ)"]  # as lines
    assert upper["y"] == pytest.approx(points["upper_limit"].tolist())
    assert lower["y"] == pytest.approx(points["lower_limit"].tolist())


def test_pchart_caption_names_the_rules(director):
    caption = texts(open_app("timeline"), "caption")
    assert 'NHS "Making Data Count"' in caption
    assert "shift of 7+" in caption and "trend of 7+" in caption
    assert "Left out: 1 course without a start quarter." in caption


def test_serious_event_table_lists_exactly_the_input(director):
    at = open_app("safety")
    (table,) = [d.value for d in at.dataframe if "Event" in d.value.columns]
    provider_of = {c.course_id: c.provider_id for c in fx.COURSES}
    expected = sorted(
        (course, int(day), event, provider_of[course], int(session) if session else None)
        for course, session, day, event, seriousness in fx.ADVERSE_EVENTS
        if seriousness == "serious"
    )
    shown = sorted(
        (
            r.Course,
            int(r.Day),
            r.Event,
            r.Provider,
            None if r.Session is None or str(r.Session) == "<NA>" else int(r.Session),
        )
        for r in table.itertuples()
    )
    assert shown == expected
    assert "3 serious events in 2 courses" in texts(at, "markdown").replace("*", "")


def test_safety_chart_holds_the_core_rates(director):
    expected = _core(director, adverse_event_rates, by="route")
    spec = charts(open_app("safety"))[safety.adverse_event_title("route")]
    dots = _trace(spec, "Events per 100 sessions")
    assert dots["y"] == [g.replace("_", " ") for g in expected["group"]]
    assert dots["x"] == pytest.approx(expected["events_per_100_sessions"].tolist())


def test_screening_counts_and_exceptions(director):
    at = open_app("safety")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Given without a screen"] == "5 %"  # 1 of 22
    assert shown["G6PD tested"] == "95 %"  # 20 of 21 known
    (review,) = [d.value for d in at.dataframe if "Screening result" in d.value.columns]
    assert sorted(review["Course"]) == [c for c, *_ in fx.EXPECTED_SCREENING_EXCEPTIONS]


def test_escalation_says_calmly_where_follow_up_is_too_short(director):
    caption = texts(open_app("timeline"), "caption")
    assert "No estimate yet for mild, severe, unknown" in caption


def test_an_empty_section_does_not_blank_the_page(director):
    # 2023 paravertebral courses: four courses, none a responder -> no durability curve
    at = open_app("timeline", {"years": ["2023", "2023"], "route": "paravertebral"})
    assert "No responder at the primary follow-up matches these filters." in texts(at, "info")
    assert ct.trajectory_title(None) in charts(at)


def test_no_matching_course_gives_one_calm_sentence(director):
    for page in PAGES:
        at = open_app(page, {"indication": "knee_oa", "route": "paravertebral"})
        assert [i.value for i in at.info] == [NO_MATCH]
