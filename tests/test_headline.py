"""The headline boxes have one set of rules (dashboard/headline.py): the Overview page draws
them (dashboard/widgets.py) and the report writes them (dashboard/report/boxes.py) from the
same functions, so the two never say different things (methods.md section 6).

On the hand-built fixture clinic with the gate off (``fixture_env``: OUTCOMES_MIN_CELL=1),
known values worked out by hand: follow-up 9 of 11 eligible = 82 %, Wilson 95 % interval
52–95 % (centre 0.736, half-width 0.213); 3 adverse events in 31 sessions = 9.7 per 100,
Garwood 95 % interval chi2(0.025, 6)/2 = 0.619 and chi2(0.975, 8)/2 = 8.767 events, per 31
sessions x 100 = 2.0–28.3.
"""

from __future__ import annotations

from pathlib import Path

from dashboard import headline
from dashboard.report.build import build_report, core_runner
from dashboard.report.model import Metrics, Report
from ozone_testkit.screens import metrics, open_app
from queries.analytics import checks
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db

FOLLOWUP_NOTE = "95 % CI 52–95 % · 9 of 11 eligible with a follow-up value"
EVENTS_CI = "95 % CI 2.0–28.3"
SHARED = (  # the boxes both show under the same label
    "Courses",
    "Eligible",
    "Follow-up completeness",
    "Responders, complete case",
    "Responders, ITT",
    "Adverse events per 100 sessions",
    "Serious adverse events",
)


def overview_boxes(database: Path) -> dict[str, tuple[str, str]]:
    """The report's headline boxes (label -> value, note), built as the CLI builds them with
    the gate off."""
    settings = Settings(min_cell_size=1)
    con = db.connect(database, read_only=True)
    try:
        report: Report = build_report(
            core_runner(con, Scope.clinic(), Filters(), settings),
            settings=settings,
            scope=Scope.clinic(),
            filters=Filters(),
            load_history=checks.load_history(con),
            synthetic=checks.is_synthetic(con),
            user="test",
        )
    finally:
        con.close()
    blocks = [b for b in report.section("overview").blocks if isinstance(b, Metrics)]
    return {m.label: (m.value, m.note) for b in blocks for m in b.metrics}


def test_the_page_and_the_report_show_the_same_boxes_with_the_hand_worked_values(fixture_env):
    at = open_app("overview")
    page, report = metrics(at), overview_boxes(fixture_env)
    assert {label: page[label] for label in SHARED} == {label: report[label][0] for label in SHARED}
    assert page["Follow-up completeness"] == "82 %"
    assert page["Adverse events per 100 sessions"] == "9.7"
    captions = [c.value for c in at.caption]
    assert report["Follow-up completeness"][1] == FOLLOWUP_NOTE
    assert FOLLOWUP_NOTE in captions  # the same note under the page's box
    assert report["Adverse events per 100 sessions"][1].startswith(EVENTS_CI)
    assert any(c.startswith(EVENTS_CI) for c in captions)


def test_the_page_and_the_report_take_their_boxes_from_the_same_functions(fixture_env, monkeypatch):
    """Replace each rule in dashboard/headline.py: both the page and the report change with it
    (a copy of the rules in either would keep showing the real figures)."""
    monkeypatch.setattr(headline, "count_value", lambda value, policy: "count rule")
    monkeypatch.setattr(
        headline, "rate_box", lambda *args, **kwargs: headline.Box("rate rule", "rate note")
    )
    monkeypatch.setattr(
        headline, "event_rate_box", lambda *args, **kwargs: headline.Box("event rule", "ev note")
    )
    page, report = metrics(open_app("overview")), overview_boxes(fixture_env)
    expected = {
        "Courses": "count rule",
        "Eligible": "count rule",
        "Serious adverse events": "count rule",
        "Follow-up completeness": "rate rule",
        "Responders, ITT": "rate rule",
        "Adverse events per 100 sessions": "event rule",
    }
    assert {label: page[label] for label in expected} == expected
    assert {label: report[label][0] for label in expected} == expected
    assert report["Follow-up completeness"][1] == "rate note"
